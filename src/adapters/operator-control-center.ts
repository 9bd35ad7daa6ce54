// Mobile operator adapter, Cisco IoT Control Center style REST (HTTP Basic user:apiKey):
// SIM lookup and status by ICCID, the SIM list by modification date, and the SIM-owner
// registration the law requires. The owner's identity goes in the request body only; it never
// appears in an error message, and nothing here logs.
import { PermanentSystemError } from './errors.ts';
import { HttpClient, basicAuth } from './http.ts';
import type { OperatorApi, OperatorSim, OwnerRegistration, OwnerRegistrationStatus, SimOwnerIdentity, SimStatus } from './operator.ts';

export interface ControlCenterConfig {
  /** e.g. https://rws.example-operator.com (the /rws/api/v1 paths are appended). */
  baseUrl: string;
  user: string;
  apiKey: string;
  timeoutMs?: number;
}

export interface SimListPage {
  sims: { iccid: string; status: SimStatus; ratePlan?: string }[];
  lastPage: boolean;
}

/** The operator's SIM list, for reconciliation (kept apart from OperatorApi for test doubles). */
export interface OperatorSimInventory {
  /** SIMs changed since the given moment; pageSize at most 50, pageNumber 1-based. */
  listSims(query: { modifiedSince: string; pageNumber: number; pageSize?: number }): Promise<SimListPage>;
}

interface WireSim {
  iccid: string;
  imsi?: string | null;
  msisdn?: string | null;
  imei?: string | null;
  status: SimStatus;
  ratePlan?: string | null;
  dateUpdated?: string | null;
}

interface WireRegistration {
  registrationId: string;
  iccid: string;
  status: OwnerRegistrationStatus;
  reason?: string | null;
}

const SYSTEM = 'operator';
const STATUSES: readonly string[] = ['PENDING', 'ACCEPTED', 'REJECTED', 'WITHDRAWN'];

function toOperatorSim(w: WireSim): OperatorSim {
  const sim: OperatorSim = { iccid: w.iccid, status: w.status };
  if (w.imsi) sim.imsi = w.imsi;
  if (w.msisdn) sim.msisdn = w.msisdn;
  if (w.imei) sim.imei = w.imei;
  if (w.ratePlan) sim.ratePlan = w.ratePlan;
  if (w.dateUpdated) sim.dateUpdated = w.dateUpdated;
  return sim;
}

function toRegistration(operation: string, w: WireRegistration | undefined): OwnerRegistration {
  if (!w || typeof w.registrationId !== 'string' || !STATUSES.includes(w.status)) {
    throw new PermanentSystemError(SYSTEM, `${operation} failed: unexpected answer`);
  }
  const registration: OwnerRegistration = { registrationId: w.registrationId, iccid: w.iccid, status: w.status };
  if (w.reason) registration.reason = w.reason;
  return registration;
}

export class ControlCenterOperator implements OperatorApi, OperatorSimInventory {
  private readonly http: HttpClient;

  constructor(config: ControlCenterConfig) {
    this.http = new HttpClient({
      system: SYSTEM,
      baseUrl: `${config.baseUrl.replace(/\/+$/, '')}/rws/api/v1`,
      auth: basicAuth(config.user, config.apiKey),
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
    });
  }

  async getSim(iccid: string): Promise<OperatorSim | null> {
    const sim = await this.http.lookup<WireSim>({ operation: 'getDevice', method: 'GET', path: `/devices/${encodeURIComponent(iccid)}` });
    return sim === null ? null : toOperatorSim(sim);
  }

  async setSimStatus(iccid: string, status: SimStatus): Promise<OperatorSim> {
    const operation = 'editDevice';
    const path = `/devices/${encodeURIComponent(iccid)}`;
    const answer = await this.http.request<Partial<WireSim> | undefined>({ operation, method: 'PUT', path, json: { status } });
    // Control Center answers an edit with the ICCID only; read the SIM back when so.
    if (answer?.iccid && answer.status) return toOperatorSim(answer as WireSim);
    const sim = await this.getSim(iccid);
    if (!sim) throw new PermanentSystemError(SYSTEM, `${operation} failed: SIM vanished after the edit`);
    return sim;
  }

  async listSims(query: { modifiedSince: string; pageNumber: number; pageSize?: number }): Promise<SimListPage> {
    const answer = await this.http.request<{ devices: WireSim[]; lastPage: boolean }>({
      operation: 'listDevices',
      method: 'GET',
      path: '/devices',
      query: { modifiedSince: query.modifiedSince, pageSize: Math.min(query.pageSize ?? 50, 50), pageNumber: query.pageNumber },
    });
    return {
      sims: answer.devices.map((d) => ({ iccid: d.iccid, status: d.status, ...(d.ratePlan ? { ratePlan: d.ratePlan } : {}) })),
      lastPage: answer.lastPage,
    };
  }

  async submitOwnerRegistration(iccid: string, owner: SimOwnerIdentity, idempotencyKey: string): Promise<OwnerRegistration> {
    const operation = 'submitOwnerRegistration';
    const answer = await this.http.request<WireRegistration>({
      operation,
      method: 'POST',
      path: '/owner-registrations',
      headers: { 'idempotency-key': idempotencyKey },
      json: {
        iccid,
        owner: {
          firstName: owner.firstName,
          lastName: owner.lastName,
          birthDate: owner.birthDate,
          nationality: owner.nationality,
          documentType: owner.documentType,
          documentNumber: owner.documentNumber,
        },
      },
    });
    return toRegistration(operation, answer);
  }

  async getOwnerRegistration(registrationId: string): Promise<OwnerRegistration> {
    const operation = 'getOwnerRegistration';
    return toRegistration(operation, await this.http.request<WireRegistration>({
      operation,
      method: 'GET',
      path: `/owner-registrations/${encodeURIComponent(registrationId)}`,
    }));
  }

  async findOwnerRegistration(idempotencyKey: string): Promise<OwnerRegistration | null> {
    const operation = 'findOwnerRegistration';
    const answer = await this.http.request<{ registrations: WireRegistration[] }>({ operation, method: 'GET', path: '/owner-registrations', query: { idempotencyKey } });
    const [found] = answer.registrations ?? [];
    return found ? toRegistration(operation, found) : null;
  }

  async withdrawOwnerRegistration(registrationId: string): Promise<OwnerRegistration> {
    const operation = 'withdrawOwnerRegistration';
    return toRegistration(operation, await this.http.request<WireRegistration>({
      operation,
      method: 'POST',
      path: `/owner-registrations/${encodeURIComponent(registrationId)}/withdraw`,
    }));
  }
}
