// The HR system: the source of truth for people. Identity data is fetched only on demand.
import type { SimOwnerIdentity } from './operator.ts';

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
