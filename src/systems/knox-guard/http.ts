// Samsung Knox Guard over HTTP (Knox Cloud Services, paths from third-party client code, see
// APIS.md): `x-knox-apitoken` on every call, `x-knox-transactionId` on actions so that a retry
// of a lock whose answer was lost is the same lock, not a second one.
import { PermanentSystemError } from '../shared/errors.ts';
import { HttpClient, type HttpRequest } from '../shared/http-client.ts';
import type { KnoxGuardApi, KnoxGuardDevice, KnoxGuardStatus } from './api.ts';

export interface KnoxGuardHttpConfig {
  /** e.g. https://eu-kcs-api.samsungknox.com (the /kcs/v1.1/kg/... paths are appended). */
  baseUrl: string;
  apiToken: string;
  timeoutMs?: number;
}

interface GuardDevice {
  deviceUid: string;
  status: string;
  message?: string | null;
  tel?: string | null;
  updatedAt: string;
}

const SYSTEM = 'knox-guard';
const API = '/kcs/v1.1/kg/devices';
const STATUSES: readonly KnoxGuardStatus[] = ['Active', 'Locking', 'Locked', 'Unlocking', 'Completed'];

function toDevice(operation: string, d: GuardDevice | undefined): KnoxGuardDevice {
  if (!d || typeof d.deviceUid !== 'string' || !(STATUSES as readonly string[]).includes(d.status)) {
    throw new PermanentSystemError(SYSTEM, `${operation} failed: unexpected device in the answer`);
  }
  const device: KnoxGuardDevice = { deviceUid: d.deviceUid, status: d.status as KnoxGuardStatus, updatedAt: d.updatedAt };
  if (d.message) device.message = d.message;
  if (d.tel) device.tel = d.tel;
  return device;
}

export class KnoxGuardHttpApi implements KnoxGuardApi {
  private readonly http: HttpClient;

  constructor(private readonly config: KnoxGuardHttpConfig) {
    this.http = new HttpClient({ system: SYSTEM, baseUrl: config.baseUrl, ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) });
  }

  async lock(deviceUid: string, lock: { message: string; tel: string; email?: string }, transactionId: string): Promise<KnoxGuardDevice> {
    const json = { deviceUid, message: lock.message, tel: lock.tel, ...(lock.email ? { email: lock.email } : {}) };
    const answer = await this.http.request<{ device?: GuardDevice }>(this.post('lock', json, transactionId));
    return toDevice('lock', answer?.device);
  }

  async unlock(deviceUid: string, transactionId: string): Promise<KnoxGuardDevice> {
    const answer = await this.http.request<{ device?: GuardDevice }>(this.post('unlock', { deviceUid }, transactionId));
    return toDevice('unlock', answer?.device);
  }

  async getDevice(deviceUid: string): Promise<KnoxGuardDevice | null> {
    const answer = await this.http.lookup<{ devices?: GuardDevice[] }>(this.post('list', { deviceUid }));
    const found = answer?.devices?.find((d) => d.deviceUid === deviceUid);
    return found ? toDevice('list', found) : null;
  }

  async setOfflineLock(deviceUid: string, policy: { days: number; warningDays: number; message: string; tel: string }, transactionId: string): Promise<KnoxGuardDevice> {
    const answer = await this.http.request<{ device?: GuardDevice }>(this.post('offline-lock', { deviceUid, ...policy }, transactionId));
    return toDevice('offline-lock', answer?.device);
  }

  async exemptFromOfflineLock(deviceUid: string, until: string | 'open' | null, transactionId: string): Promise<KnoxGuardDevice> {
    const answer = await this.http.request<{ device?: GuardDevice }>(this.post('offline-lock/exempt', { deviceUid, until }, transactionId));
    return toDevice('offline-lock/exempt', answer?.device);
  }

  private post(operation: string, json: unknown, transactionId?: string): HttpRequest {
    const headers: Record<string, string> = { 'x-knox-apitoken': this.config.apiToken };
    if (transactionId !== undefined) headers['x-knox-transactionId'] = transactionId;
    return { operation, method: 'POST', path: `${API}/${operation}`, json, headers };
  }
}
