// The HR system: the source of truth for people. Identity data is fetched only on demand.
import type { SimOwnerIdentity } from '../operator/api.ts';

export interface HrEmployee {
  employeeId: string;
  storeId: string;
  position: string;
  startDate: string; // YYYY-MM-DD
  status: 'HIRED' | 'ACTIVE' | 'LEFT';
}

export interface HrApi {
  getEmployee(employeeId: string): Promise<HrEmployee | null>;
  /** Passport/ID data for the operator's SIM-owner registration. Personal data. */
  getIdentity(employeeId: string): Promise<SimOwnerIdentity>;
}

// --- The roster (fleet sync): stores, and employees with department and planned shifts ---------

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface HrStore {
  storeId: string;
  name: string;
  timeZone: string;
  address: string;
  curatorEmployeeId?: string;
  /** Local opening and closing time ("09:00", "21:00") by weekday; a missing day is closed. */
  openingHours: Partial<Record<Weekday, [string, string]>>;
}

/** ISO instants. */
export interface HrShift {
  startsAt: string;
  endsAt: string;
}

export interface HrRosterEntry extends HrEmployee {
  department: string;
  /** The shifts HR has planned (the next two weeks or so). */
  plannedShifts: HrShift[];
  /** YYYY-MM-DD, once a leaving date is set. */
  lastWorkingDay?: string;
}

/** HR's stores and staff, for the fleet sync (kept apart from HrApi so test doubles need not implement it). */
export interface HrRoster {
  listStores(): Promise<HrStore[]>;
  /** In employee id order; follow nextPageToken until it is absent. */
  listEmployees(page: { pageToken?: string; pageSize: number }): Promise<{ employees: HrRosterEntry[]; nextPageToken?: string }>;
}
