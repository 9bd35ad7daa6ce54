// HR system simulator (the source of truth for people), bearer-token auth:
//   GET /api/v1/employees/:id           -> {employeeId, storeId, position, startDate, status}
//   GET /api/v1/employees/:id/identity  -> the passport/ID data (personal)
// It counts identity reads per employee so tests can prove phonefleet fetches identity data
// only when the operator needs it.
import type { HrEmployee } from '../adapters/hr.ts';
import type { SimOwnerIdentity } from '../adapters/operator.ts';
import { randomSecret, requireBearer, safeEqual } from './auth.ts';
import { Fields, SimHttpError, bodyOf, itemsOf, plainError } from './request-fields.ts';
import { Simulator, type SimulatorOptions } from './simulator.ts';

export const HR_STATUSES: readonly HrEmployee['status'][] = ['HIRED', 'ACTIVE', 'LEFT'];

export interface HrSimulatorOptions extends SimulatorOptions {
  token?: string;
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
  employees: { employee: HrEmployee; identity?: SimOwnerIdentity }[];
}

export class HrSimulator extends Simulator<HrState> {
  readonly employees = new Map<string, HrEmployee>();
  /** Reads of the identity endpoint per employee id. */
  readonly identityReads = new Map<string, number>();
  readonly token: string;
  private readonly identities = new Map<string, SimOwnerIdentity>();

  constructor(options: HrSimulatorOptions = {}) {
    super('hr', options);
    this.token = options.token ?? randomSecret();
    this.mountAdmin();

    const authenticated = requireBearer(
      (token) => safeEqual(token, this.token),
      () => hrError(401, 'UNAUTHORIZED', 'Invalid bearer token'),
    );

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
        return identity ? { employee, identity } : { employee };
      }),
    };
  }

  importState(state: HrState): void {
    this.employees.clear();
    this.identities.clear();
    for (const { employee, identity } of state.employees) this.addEmployee(employee, identity);
  }

  /** In-process seeding; adding an existing employee replaces the record. */
  addEmployee(employee: HrEmployee, identity?: SimOwnerIdentity): void {
    this.employees.set(employee.employeeId, { ...employee });
    if (identity) this.identities.set(employee.employeeId, { ...identity });
  }

  /** A mover or a leaver as HR records it. */
  updateEmployee(employeeId: string, change: Partial<Omit<HrEmployee, 'employeeId'>>): HrEmployee | undefined {
    const employee = this.employees.get(employeeId);
    if (!employee) return undefined;
    Object.assign(employee, change);
    return employee;
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
        return { employee, identity };
      });
      for (const { employee, identity } of records) this.addEmployee(employee, identity);
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
      const change: Partial<Omit<HrEmployee, 'employeeId'>> = {};
      for (const name of ['storeId', 'position', 'startDate'] as const) {
        const value = fields.optionalString(name);
        if (value !== undefined) change[name] = value;
      }
      if (fields.optionalString('status') !== undefined) change.status = fields.oneOf('status', HR_STATUSES);
      const employee = this.updateEmployee(req.params.id, change);
      if (!employee) throw new SimHttpError(404, { error: 'unknown employee' });
      res.json(employee);
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
