// Mobile operator adapter, Cisco IoT Control Center style REST (HTTP Basic user:apiKey):
// SIM lookup and status by ICCID, the SIM list by modification date, and the SIM-owner
// registration the law requires. The owner's identity goes in the request body only; it never
// appears in an error message, and nothing here logs.
// Paced under Control Center's limits (./limits.ts): one call at a time and at most
// `callsPerSecond` per account in this process, every adapter of the account sharing one turn;
// a refusal anyway (40000029: another process on the account) is retryable and holds calls off.
import { PermanentSystemError } from '../shared/errors.ts';
import { HttpClient, basicAuth, type HttpRequest } from '../shared/http-client.ts';
import { SerialPacer } from '../shared/pacing.ts';
import { CONTROL_CENTER_LIMITS, RATE_LIMIT_ERROR_CODE, RATE_LIMIT_HOLD_OFF_MS } from './limits.ts';
import type { OperatorApi, OperatorSim, OwnerRegistration, OwnerRegistrationStatus, SimOwnerIdentity, SimStatus } from './api.ts';

export interface ControlCenterConfig {
  /** e.g. https://rws.example-operator.com (the /rws/api/v1 paths are appended). */
  baseUrl: string;
  user: string;
  apiKey: string;
  timeoutMs?: number;
  /**
   * Calls a second this process allows itself on the account (default 5, Control Center's
   * limit; OPERATOR_CALLS_PER_SECOND). null: not paced at all (a simulator without limits).
   */
  callsPerSecond?: number | null;
}

export interface SimListPage {
  /** No msisdn: the search never has it (getSim does). */
  sims: { iccid: string; status: SimStatus; ratePlan?: string; dateUpdated?: string }[];
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
  confirmedAt?: string | null;
  confirmBy?: string | null;
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
  if (w.confirmedAt) registration.confirmedAt = w.confirmedAt;
  if (w.confirmBy) registration.confirmBy = w.confirmBy;
  return registration;
}

/** One pacer per account (base URL, user, rate) in this process: its adapters share the turn. */
const pacers = new Map<string, SerialPacer>();

function pacerOf(config: ControlCenterConfig): SerialPacer | undefined {
  const callsPerSecond = config.callsPerSecond === undefined ? CONTROL_CENTER_LIMITS.callsPerSecond : config.callsPerSecond;
  if (callsPerSecond === null) return undefined;
  const key = JSON.stringify([config.baseUrl.replace(/\/+$/, ''), config.user, callsPerSecond]);
  let pacer = pacers.get(key);
  if (!pacer) pacers.set(key, (pacer = new SerialPacer(SYSTEM, callsPerSecond)));
  return pacer;
}

export class ControlCenterOperator implements OperatorApi, OperatorSimInventory {
  private readonly http: HttpClient;
  /** undefined: not paced. Its figures (calls, time waited) are what a benchmark reports. */
  readonly pacer: SerialPacer | undefined;

  constructor(config: ControlCenterConfig) {
    this.pacer = pacerOf(config);
    const pacer = this.pacer;
    this.http = new HttpClient({
      system: SYSTEM,
      baseUrl: `${config.baseUrl.replace(/\/+$/, '')}/rws/api/v1`,
      auth: basicAuth(config.user, config.apiKey),
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
      throttleCodes: { [RATE_LIMIT_ERROR_CODE]: RATE_LIMIT_HOLD_OFF_MS },
      ...(pacer ? { throttled: async (_req, ms) => pacer.holdOff(ms) } : {}),
    });
  }

  /** Every call takes its turn: one at a time, spaced to the rate. */
  private request<T>(req: HttpRequest): Promise<T> {
    return this.pacer ? this.pacer.run(() => this.http.request<T>(req)) : this.http.request<T>(req);
  }

  private lookup<T>(req: HttpRequest): Promise<T | null> {
    return this.pacer ? this.pacer.run(() => this.http.lookup<T>(req)) : this.http.lookup<T>(req);
  }

  async getSim(iccid: string): Promise<OperatorSim | null> {
    const sim = await this.lookup<WireSim>({ operation: 'getDevice', method: 'GET', path: `/devices/${encodeURIComponent(iccid)}` });
    return sim === null ? null : toOperatorSim(sim);
  }

  async setSimStatus(iccid: string, status: SimStatus): Promise<OperatorSim> {
    const operation = 'editDevice';
    const path = `/devices/${encodeURIComponent(iccid)}`;
    const answer = await this.request<Partial<WireSim> | undefined>({ operation, method: 'PUT', path, json: { status } });
    // Control Center answers an edit with the ICCID only; read the SIM back when so.
    if (answer?.iccid && answer.status) return toOperatorSim(answer as WireSim);
    const sim = await this.getSim(iccid);
    if (!sim) throw new PermanentSystemError(SYSTEM, `${operation} failed: SIM vanished after the edit`);
    return sim;
  }

  async listSims(query: { modifiedSince: string; pageNumber: number; pageSize?: number }): Promise<SimListPage> {
    const answer = await this.request<{ devices: WireSim[]; lastPage: boolean }>({
      operation: 'listDevices',
      method: 'GET',
      path: '/devices',
      query: { modifiedSince: query.modifiedSince, pageSize: Math.min(query.pageSize ?? 50, 50), pageNumber: query.pageNumber },
    });
    return {
      sims: answer.devices.map((d) => ({
        iccid: d.iccid,
        status: d.status,
        ...(d.ratePlan ? { ratePlan: d.ratePlan } : {}),
        ...(d.dateUpdated ? { dateUpdated: d.dateUpdated } : {}),
      })),
      lastPage: answer.lastPage,
    };
  }

  async submitOwnerRegistration(iccid: string, owner: SimOwnerIdentity, idempotencyKey: string): Promise<OwnerRegistration> {
    const operation = 'submitOwnerRegistration';
    const answer = await this.request<WireRegistration>({
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
    return toRegistration(
      operation,
      await this.request<WireRegistration>({
        operation,
        method: 'GET',
        path: `/owner-registrations/${encodeURIComponent(registrationId)}`,
      }),
    );
  }

  async findOwnerRegistration(idempotencyKey: string): Promise<OwnerRegistration | null> {
    const operation = 'findOwnerRegistration';
    const answer = await this.request<{ registrations: WireRegistration[] }>({ operation, method: 'GET', path: '/owner-registrations', query: { idempotencyKey } });
    const [found] = answer.registrations ?? [];
    return found ? toRegistration(operation, found) : null;
  }

  async withdrawOwnerRegistration(registrationId: string): Promise<OwnerRegistration> {
    const operation = 'withdrawOwnerRegistration';
    return toRegistration(
      operation,
      await this.request<WireRegistration>({
        operation,
        method: 'POST',
        path: `/owner-registrations/${encodeURIComponent(registrationId)}/withdraw`,
      }),
    );
  }
}
