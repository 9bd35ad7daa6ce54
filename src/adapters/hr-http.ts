// HR system adapter (bearer token). The identity endpoint returns personal data: it is read
// only when the operator needs it, handed straight back, and never put in an error message.
import { PermanentSystemError } from './errors.ts';
import type { HrApi, HrEmployee } from './hr.ts';
import { HttpClient, staticBearer } from './http.ts';
import type { SimOwnerIdentity } from './operator.ts';

export interface HrHttpConfig {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

const SYSTEM = 'hr';
const IDENTITY_FIELDS = ['firstName', 'lastName', 'birthDate', 'nationality', 'documentType', 'documentNumber'] as const;

export class HrHttpApi implements HrApi {
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
