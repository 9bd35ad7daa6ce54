// HR system adapter (bearer token). The identity endpoint returns personal data: it is read
// only when the operator needs it, handed straight back, and never put in an error message.
import { PermanentSystemError } from '../shared/errors.ts';
import { WEEKDAYS, type HrApi, type HrEmployee, type HrRoster, type HrRosterEntry, type HrShift, type HrStore } from './api.ts';
import { HttpClient, staticBearer } from '../shared/http-client.ts';
import type { SimOwnerIdentity } from '../operator/api.ts';

export interface HrHttpConfig {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

const SYSTEM = 'hr';
const IDENTITY_FIELDS = ['firstName', 'lastName', 'birthDate', 'nationality', 'documentType', 'documentNumber'] as const;
const STATUSES: readonly string[] = ['HIRED', 'ACTIVE', 'LEFT'];

type Wire<T> = { [K in keyof T]?: unknown };

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** A store as phonefleet keeps it, or a PermanentSystemError naming the field (never its value). */
function toStore(operation: string, w: Wire<HrStore> | undefined): HrStore {
  const bad = (field: string) => new PermanentSystemError(SYSTEM, `${operation} failed: a store without a valid ${field}`);
  if (!w || !isText(w.storeId)) throw bad('storeId');
  for (const field of ['name', 'timeZone', 'address'] as const) if (!isText(w[field])) throw bad(field);
  const store: HrStore = { storeId: w.storeId, name: w.name as string, timeZone: w.timeZone as string, address: w.address as string, openingHours: {} };
  if (isText(w.curatorEmployeeId)) store.curatorEmployeeId = w.curatorEmployeeId;
  const hours = (w.openingHours ?? {}) as Record<string, unknown>;
  if (typeof hours !== 'object' || hours === null) throw bad('openingHours');
  for (const day of WEEKDAYS) {
    const span = hours[day];
    if (span === undefined || span === null) continue;
    if (!Array.isArray(span) || span.length !== 2 || !span.every((t) => typeof t === 'string' && /^\d{2}:\d{2}$/.test(t))) throw bad(`openingHours.${day}`);
    store.openingHours[day] = [span[0] as string, span[1] as string];
  }
  return store;
}

function toShift(operation: string, w: unknown): HrShift {
  const shift = (w ?? {}) as Wire<HrShift>;
  const startsAt = typeof shift.startsAt === 'string' ? Date.parse(shift.startsAt) : Number.NaN;
  const endsAt = typeof shift.endsAt === 'string' ? Date.parse(shift.endsAt) : Number.NaN;
  if (Number.isNaN(startsAt) || Number.isNaN(endsAt) || endsAt <= startsAt)
    throw new PermanentSystemError(SYSTEM, `${operation} failed: a shift without valid startsAt and endsAt`);
  return { startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString() };
}

function toRosterEntry(operation: string, w: Wire<HrRosterEntry> | undefined): HrRosterEntry {
  const bad = (field: string) => new PermanentSystemError(SYSTEM, `${operation} failed: an employee without a valid ${field}`);
  if (!w || !isText(w.employeeId)) throw bad('employeeId');
  for (const field of ['storeId', 'position', 'startDate', 'department'] as const) if (!isText(w[field])) throw bad(field);
  if (!STATUSES.includes(w.status as string)) throw bad('status');
  if (w.plannedShifts !== undefined && !Array.isArray(w.plannedShifts)) throw bad('plannedShifts');
  const entry: HrRosterEntry = {
    employeeId: w.employeeId,
    storeId: w.storeId as string,
    position: w.position as string,
    startDate: w.startDate as string,
    status: w.status as HrEmployee['status'],
    department: w.department as string,
    plannedShifts: ((w.plannedShifts ?? []) as unknown[]).map((s) => toShift(operation, s)),
  };
  if (w.lastWorkingDay !== undefined && w.lastWorkingDay !== null) {
    if (typeof w.lastWorkingDay !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(w.lastWorkingDay)) throw bad('lastWorkingDay');
    entry.lastWorkingDay = w.lastWorkingDay;
  }
  return entry;
}

export class HrHttpApi implements HrApi, HrRoster {
  private readonly http: HttpClient;

  constructor(config: HrHttpConfig) {
    this.http = new HttpClient({
      system: SYSTEM,
      baseUrl: config.baseUrl,
      auth: staticBearer(config.token),
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
    });
  }

  async getEmployee(employeeId: string): Promise<HrEmployee | null> {
    const employee = await this.http.lookup<HrEmployee>({
      operation: 'getEmployee',
      method: 'GET',
      path: `/api/v1/employees/${encodeURIComponent(employeeId)}`,
    });
    if (employee === null) return null;
    return {
      employeeId: employee.employeeId,
      storeId: employee.storeId,
      position: employee.position,
      startDate: employee.startDate,
      status: employee.status,
    };
  }

  async listStores(): Promise<HrStore[]> {
    const operation = 'listStores';
    const answer = await this.http.request<{ stores?: unknown } | undefined>({ operation, method: 'GET', path: '/api/v1/stores' });
    if (!Array.isArray(answer?.stores)) throw new PermanentSystemError(SYSTEM, `${operation} failed: unexpected answer`);
    return (answer.stores as Wire<HrStore>[]).map((w) => toStore(operation, w));
  }

  async listEmployees(page: { pageToken?: string; pageSize: number }): Promise<{ employees: HrRosterEntry[]; nextPageToken?: string }> {
    const operation = 'listEmployees';
    const answer = await this.http.request<{ employees?: unknown; nextPageToken?: unknown } | undefined>({
      operation,
      method: 'GET',
      path: '/api/v1/employees',
      query: { pageSize: page.pageSize, pageToken: page.pageToken },
    });
    if (!Array.isArray(answer?.employees)) throw new PermanentSystemError(SYSTEM, `${operation} failed: unexpected answer`);
    const employees = (answer.employees as Wire<HrRosterEntry>[]).map((w) => toRosterEntry(operation, w));
    return isText(answer.nextPageToken) ? { employees, nextPageToken: answer.nextPageToken } : { employees };
  }

  async getIdentity(employeeId: string): Promise<SimOwnerIdentity> {
    const operation = 'getIdentity';
    // A 404 here is permanent: HR holds no identity for this person, retrying will not help.
    const identity = await this.http.request<Partial<Record<(typeof IDENTITY_FIELDS)[number], unknown>> | undefined>({
      operation,
      method: 'GET',
      path: `/api/v1/employees/${encodeURIComponent(employeeId)}/identity`,
    });
    const missing = IDENTITY_FIELDS.filter((f) => typeof identity?.[f] !== 'string' || identity[f] === '');
    if (!identity || missing.length > 0) {
      throw new PermanentSystemError(SYSTEM, `${operation} failed: incomplete identity (missing ${missing.join(', ')})`);
    }
    if (identity.documentType !== 'PASSPORT' && identity.documentType !== 'ID_CARD') {
      throw new PermanentSystemError(SYSTEM, `${operation} failed: unsupported document type`);
    }
    return {
      firstName: identity.firstName as string,
      lastName: identity.lastName as string,
      birthDate: identity.birthDate as string,
      nationality: identity.nationality as string,
      documentType: identity.documentType,
      documentNumber: identity.documentNumber as string,
    };
  }
}
