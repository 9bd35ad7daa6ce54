// HR system simulator (the source of truth for people), bearer-token auth:
//   GET /api/v1/employees/:id           -> {employeeId, storeId, position, startDate, status}
//   GET /api/v1/employees/:id/identity  -> the passport/ID data (personal)
//   GET /api/v1/stores                  -> {stores: [{storeId, name, timeZone, address, curatorEmployeeId, openingHours}]}
//   GET /api/v1/employees?pageSize&pageToken -> {employees: [... department, plannedShifts,
//       lastWorkingDay], nextPageToken}: the roster in employee id order, never identity data
// It counts identity reads per employee so tests can prove phonefleet fetches identity data
// only when the operator needs it.
import { WEEKDAYS, type HrEmployee, type HrRosterEntry, type HrShift, type HrStore } from './api.ts';
import { roleForPosition, type RoleCode } from '../../domain/roles.ts';
import type { SimOwnerIdentity } from '../operator/api.ts';
import { randomSecret, requireBearer, safeEqual } from '../shared/simulator-auth.ts';
import { Fields, SimHttpError, bodyOf, itemsOf, plainError } from '../shared/request-fields.ts';
import { Simulator, type SimulatorOptions } from '../shared/simulator.ts';

export const HR_STATUSES: readonly HrEmployee['status'][] = ['HIRED', 'ACTIVE', 'LEFT'];

export interface HrSimulatorOptions extends SimulatorOptions {
  token?: string;
}

/** The roster's page size limit. */
export const HR_MAX_PAGE_SIZE = 1000;

/** The department HR files a role's people under (a DIY hypermarket's). */
export const DEPARTMENT_OF_ROLE: Readonly<Record<RoleCode, string>> = {
  CASHIER: 'Checkout',
  SALES_ADVISOR: 'Sales floor',
  DEPARTMENT_MANAGER: 'Sales floor',
  STORE_MANAGER: 'Management',
  COMMERCIAL_HEAD: 'Management',
  WAREHOUSE_OPERATOR: 'Warehouse',
  RECEIVING_CLERK: 'Warehouse',
  LOGISTICS_MANAGER: 'Warehouse',
  CUSTOMER_SERVICE: 'Customer service',
  SECURITY_AGENT: 'Security',
  HR_ADMIN: 'Back office',
  IT_SUPPORT: 'Back office',
};

/** A position HR has no department for (none of the known ones) is filed under this. */
export const DEFAULT_DEPARTMENT = 'Store';

/** What HR keeps about a person besides the record getEmployee answers. */
export interface HrRosterDetails {
  department: string;
  plannedShifts: HrShift[];
  lastWorkingDay?: string;
}

function hrError(status: number, code: string, message: string): SimHttpError {
  return new SimHttpError(status, { error: { code, message } });
}

const reject = plainError(400);

function identityOf(fields: Fields): SimOwnerIdentity {
  return {
    firstName: fields.string('firstName'),
    lastName: fields.string('lastName'),
    birthDate: fields.string('birthDate'),
    nationality: fields.string('nationality'),
    documentType: fields.oneOf('documentType', ['PASSPORT', 'ID_CARD'] as const),
    documentNumber: fields.string('documentNumber'),
  };
}

/** HR's records, identity data included: whoever stores this state stores personal data. */
export interface HrState {
  /** `roster` and `stores` are absent in state files written before the fleet sync. */
  employees: { employee: HrEmployee; identity?: SimOwnerIdentity; roster?: HrRosterDetails }[];
  stores?: HrStore[];
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function storeOf(fields: Fields, rejectWith: (message: string) => SimHttpError): HrStore {
  const store: HrStore = {
    storeId: fields.string('storeId'),
    name: fields.string('name'),
    timeZone: fields.string('timeZone'),
    address: fields.string('address'),
    openingHours: {},
  };
  try {
    new Intl.DateTimeFormat('en', { timeZone: store.timeZone });
  } catch {
    throw rejectWith('timeZone must be an IANA time zone');
  }
  const curator = fields.optionalString('curatorEmployeeId');
  if (curator) store.curatorEmployeeId = curator;
  const hours = fields.object('openingHours');
  for (const day of WEEKDAYS) {
    const span = hours.optionalStringList(day);
    if (span === undefined) continue;
    if (span.length !== 2 || !span.every((t) => TIME.test(t)) || span[0]! >= span[1]!) throw rejectWith(`openingHours.${day} must be ["HH:MM", "HH:MM"], opening before closing`);
    store.openingHours[day] = [span[0]!, span[1]!];
  }
  return store;
}

function shiftsOf(value: unknown, rejectWith: (message: string) => SimHttpError): HrShift[] {
  if (!Array.isArray(value)) throw rejectWith('plannedShifts must be a list');
  return value.map((item: unknown, i) => {
    const shift = item as Partial<Record<keyof HrShift, unknown>> | null;
    const startsAt = typeof shift?.startsAt === 'string' ? Date.parse(shift.startsAt) : Number.NaN;
    const endsAt = typeof shift?.endsAt === 'string' ? Date.parse(shift.endsAt) : Number.NaN;
    if (Number.isNaN(startsAt) || Number.isNaN(endsAt) || endsAt <= startsAt) throw rejectWith(`plannedShifts[${i}] must have startsAt before endsAt (ISO instants)`);
    return { startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString() };
  });
}

/** A page token: where the previous page stopped (opaque to clients). */
function pageTokenAfter(employeeId: string): string {
  return Buffer.from(JSON.stringify({ after: employeeId })).toString('base64url');
}

function afterOfPageToken(token: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof parsed.after === 'string' ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}

export function departmentOfPosition(position: string): string {
  const role = roleForPosition(position);
  return role ? DEPARTMENT_OF_ROLE[role.code] : DEFAULT_DEPARTMENT;
}

export class HrSimulator extends Simulator<HrState> {
  readonly employees = new Map<string, HrEmployee>();
  /** Reads of the identity endpoint per employee id. */
  readonly identityReads = new Map<string, number>();
  readonly token: string;
  readonly stores = new Map<string, HrStore>();
  private readonly identities = new Map<string, SimOwnerIdentity>();
  private readonly roster = new Map<string, HrRosterDetails>();
  /** Employee ids in order, for the roster's pages; rebuilt after an employee is added. */
  private sortedIds: string[] | undefined;

  constructor(options: HrSimulatorOptions = {}) {
    super('hr', options);
    this.token = options.token ?? randomSecret();
    this.mountAdmin();

    const authenticated = requireBearer(
      (token) => safeEqual(token, this.token),
      () => hrError(401, 'UNAUTHORIZED', 'Invalid bearer token'),
    );

    const invalid = (message: string) => hrError(400, 'INVALID_ARGUMENT', message);

    this.route('get', '/api/v1/stores', authenticated, (_req, res) => {
      res.json({ stores: [...this.stores.values()].sort((a, b) => a.storeId.localeCompare(b.storeId)) });
    });

    this.route('get', '/api/v1/employees', authenticated, (req, res) => {
      const fields = Fields.ofQuery(req, invalid);
      const pageSize = fields.optionalNumber('pageSize') ?? 100;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > HR_MAX_PAGE_SIZE) throw invalid(`pageSize must be a whole number from 1 to ${HR_MAX_PAGE_SIZE}`);
      const token = fields.optionalString('pageToken');
      const after = token ? afterOfPageToken(token) : undefined;
      if (token && after === undefined) throw invalid('pageToken is not one this API gave');
      const ids = this.employeeIdsInOrder();
      let from = 0;
      if (after !== undefined) {
        // The first id after the token's: ids added or removed meanwhile shift nothing.
        let lo = 0;
        let hi = ids.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ids[mid]! <= after) lo = mid + 1;
          else hi = mid;
        }
        from = lo;
      }
      const page = ids.slice(from, from + pageSize);
      const more = from + pageSize < ids.length;
      res.json({ employees: page.map((id) => this.rosterEntry(id)), ...(more ? { nextPageToken: pageTokenAfter(page[page.length - 1]!) } : {}) });
    });

    this.route('get', '/api/v1/employees/:id', authenticated, (req, res) => {
      const employee = this.employees.get(String(req.params.id));
      if (!employee) throw hrError(404, 'NOT_FOUND', 'Unknown employee');
      res.json(employee);
    });

    this.route('get', '/api/v1/employees/:id/identity', authenticated, (req, res) => {
      const id = String(req.params.id);
      const identity = this.identities.get(id);
      if (!this.employees.has(id) || !identity) throw hrError(404, 'NOT_FOUND', 'Unknown employee');
      this.identityReads.set(id, (this.identityReads.get(id) ?? 0) + 1);
      res.set('Cache-Control', 'no-store').json(identity);
    });
  }

  exportState(): HrState {
    return {
      employees: [...this.employees.values()].map((employee) => {
        const identity = this.identities.get(employee.employeeId);
        const roster = this.roster.get(employee.employeeId);
        return { employee, ...(identity ? { identity } : {}), ...(roster ? { roster } : {}) };
      }),
      stores: [...this.stores.values()],
    };
  }

  importState(state: HrState): void {
    this.employees.clear();
    this.identities.clear();
    this.roster.clear();
    this.stores.clear();
    this.sortedIds = undefined;
    for (const { employee, identity, roster } of state.employees) this.addEmployee(employee, identity, roster);
    for (const store of state.stores ?? []) this.addStore(store);
  }

  /**
   * In-process seeding; adding an existing employee replaces the record. Without roster
   * details, the department follows the position and no shifts are planned.
   */
  addEmployee(employee: HrEmployee, identity?: SimOwnerIdentity, roster?: Partial<HrRosterDetails>): void {
    if (!this.employees.has(employee.employeeId)) this.sortedIds = undefined;
    this.employees.set(employee.employeeId, { ...employee });
    if (identity) this.identities.set(employee.employeeId, { ...identity });
    const details: HrRosterDetails = {
      department: roster?.department ?? departmentOfPosition(employee.position),
      plannedShifts: structuredClone(roster?.plannedShifts ?? []),
    };
    if (roster?.lastWorkingDay) details.lastWorkingDay = roster.lastWorkingDay;
    this.roster.set(employee.employeeId, details);
  }

  /** In-process seeding; adding an existing store replaces it. */
  addStore(store: HrStore): void {
    this.stores.set(store.storeId, structuredClone(store));
  }

  /**
   * A mover or a leaver as HR records it; `lastWorkingDay: null` clears a leaving date,
   * `plannedShifts` replaces the plan.
   */
  updateEmployee(
    employeeId: string,
    change: Partial<Omit<HrEmployee, 'employeeId'>> & { department?: string; plannedShifts?: HrShift[]; lastWorkingDay?: string | null },
  ): HrEmployee | undefined {
    const employee = this.employees.get(employeeId);
    if (!employee) return undefined;
    const { department, plannedShifts, lastWorkingDay, ...record } = change;
    Object.assign(employee, record);
    const details = this.roster.get(employeeId) ?? { department: departmentOfPosition(employee.position), plannedShifts: [] };
    if (department !== undefined) details.department = department;
    if (plannedShifts !== undefined) details.plannedShifts = structuredClone(plannedShifts);
    if (lastWorkingDay === null) delete details.lastWorkingDay;
    else if (lastWorkingDay !== undefined) details.lastWorkingDay = lastWorkingDay;
    this.roster.set(employeeId, details);
    return employee;
  }

  /** The roster's view of a person: the record, department, shifts, leaving date; never identity data. */
  rosterEntry(employeeId: string): HrRosterEntry {
    const employee = this.employees.get(employeeId)!;
    const details = this.roster.get(employeeId) ?? { department: departmentOfPosition(employee.position), plannedShifts: [] };
    return { ...employee, ...structuredClone(details) };
  }

  private employeeIdsInOrder(): string[] {
    this.sortedIds ??= [...this.employees.keys()].sort();
    return this.sortedIds;
  }

  private mountAdmin(): void {
    this.admin.post('/employees', (req, res) => {
      const records = itemsOf(req).map((item) => {
        const fields = new Fields(item, reject);
        const employee: HrEmployee = {
          employeeId: fields.string('employeeId'),
          storeId: fields.string('storeId'),
          position: fields.string('position'),
          startDate: fields.string('startDate'),
          status: fields.optionalString('status') === undefined ? 'ACTIVE' : fields.oneOf('status', HR_STATUSES),
        };
        const identity = item.identity === undefined ? undefined : identityOf(fields.object('identity'));
        const roster: Partial<HrRosterDetails> = {};
        const department = fields.optionalString('department');
        if (department) roster.department = department;
        if (item.plannedShifts !== undefined) roster.plannedShifts = shiftsOf(item.plannedShifts, reject);
        const lastWorkingDay = fields.optionalString('lastWorkingDay');
        if (lastWorkingDay !== undefined && !DATE.test(lastWorkingDay)) throw reject('lastWorkingDay must be YYYY-MM-DD');
        if (lastWorkingDay) roster.lastWorkingDay = lastWorkingDay;
        return { employee, identity, roster };
      });
      for (const { employee, identity, roster } of records) this.addEmployee(employee, identity, roster);
      // Answer without identity data.
      res.status(201).json(records.map((r) => r.employee));
    });
    this.admin.get('/employees/:id', (req, res) => {
      const employee = this.employees.get(req.params.id);
      if (!employee) throw new SimHttpError(404, { error: 'unknown employee' });
      res.json(employee);
    });
    this.admin.patch('/employees/:id', (req, res) => {
      const fields = new Fields(bodyOf(req), reject);
      const change: Parameters<HrSimulator['updateEmployee']>[1] = {};
      for (const name of ['storeId', 'position', 'startDate', 'department'] as const) {
        const value = fields.optionalString(name);
        if (value !== undefined) change[name] = value;
      }
      if (fields.optionalString('status') !== undefined) change.status = fields.oneOf('status', HR_STATUSES);
      const body = bodyOf(req);
      if (body.lastWorkingDay === null) change.lastWorkingDay = null;
      else {
        const lastWorkingDay = fields.optionalString('lastWorkingDay');
        if (lastWorkingDay !== undefined && !DATE.test(lastWorkingDay)) throw reject('lastWorkingDay must be YYYY-MM-DD or null');
        if (lastWorkingDay !== undefined) change.lastWorkingDay = lastWorkingDay;
      }
      if (body.plannedShifts !== undefined) change.plannedShifts = shiftsOf(body.plannedShifts, reject);
      const employee = this.updateEmployee(req.params.id, change);
      if (!employee) throw new SimHttpError(404, { error: 'unknown employee' });
      res.json(employee);
    });
    this.admin.post('/stores', (req, res) => {
      const stores = itemsOf(req).map((item) => storeOf(new Fields(item, reject), reject));
      for (const store of stores) this.addStore(store);
      res.status(201).json(stores);
    });
    this.admin.get('/identity-reads', (_req, res) => {
      res.json(Object.fromEntries(this.identityReads));
    });
    this.admin.delete('/identity-reads', (_req, res) => {
      this.identityReads.clear();
      res.status(204).end();
    });
  }
}
