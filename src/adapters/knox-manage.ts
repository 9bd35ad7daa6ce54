// Samsung Knox Manage Open API adapter (the primary MDM): OAuth2 client credentials at
// /emm/oauth/token, then form-encoded POSTs under /emm/oapi answering
// `{ resultCode, resultMessage, resultValue }` where resultCode '0' means success.
import { PermanentSystemError } from './errors.ts';
import { HttpClient, oauthClientCredentials, type HttpRequest } from './http.ts';
import type { MdmDevice, MdmDeviceInventory, MdmDevicePage, MdmMessage, MdmProvider, MdmProviderName } from './mdm.ts';

export interface KnoxManageConfig {
  /** e.g. https://eu01.manage.samsungknox.com (the /emm/... paths are appended). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  /** Which provider slot this instance fills (default KNOX_MANAGE). */
  name?: MdmProviderName;
}

interface KnoxEnvelope<T> {
  resultCode?: string | number;
  resultMessage?: string;
  resultValue?: T;
}

interface KnoxDevice {
  deviceId: string;
  imei: string;
  serial: string;
  model: string;
  iccid?: string | null;
  userId?: string | null;
  profileId?: string | null;
  online?: boolean;
  lastSeenAt?: string | null;
}

const SYSTEM = 'knox-manage';

function toMdmDevice(d: KnoxDevice): MdmDevice {
  const device: MdmDevice = { deviceId: String(d.deviceId), imei: d.imei, serial: d.serial, model: d.model, online: d.online === true };
  if (d.iccid) device.iccid = d.iccid;
  if (d.userId) device.userId = d.userId;
  if (d.profileId) device.profileId = d.profileId;
  if (d.lastSeenAt) device.lastSeenAt = d.lastSeenAt;
  return device;
}

export class KnoxManageMdm implements MdmProvider, MdmDeviceInventory {
  readonly name: MdmProviderName;
  private readonly http: HttpClient;

  constructor(config: KnoxManageConfig) {
    this.name = config.name ?? 'KNOX_MANAGE';
    const baseUrl = config.baseUrl.replace(/\/+$/, '');
    const timeout = config.timeoutMs ? { timeoutMs: config.timeoutMs } : {};
    const auth = oauthClientCredentials({
      system: SYSTEM,
      tokenUrl: `${baseUrl}/emm/oauth/token`,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      ...timeout,
    });
    this.http = new HttpClient({ system: SYSTEM, baseUrl: `${baseUrl}/emm/oapi`, auth, ...timeout });
  }

  async findDeviceByImei(imei: string): Promise<MdmDevice | null> {
    const envelope = await this.http.lookup<KnoxEnvelope<KnoxDevice>>(this.call('selectDeviceInfoByImei', 'device/selectDeviceInfoByImei', { imei }));
    if (envelope === null) return null;
    return toMdmDevice(this.resultOf('selectDeviceInfoByImei', envelope, true));
  }

  async assignUser(deviceId: string, userId: string): Promise<void> {
    await this.command('updateDeviceUser', 'device/updateDeviceUser', { deviceId, userId });
  }

  async unassignUser(deviceId: string): Promise<void> {
    // Knox clears the assignment with an empty userId.
    await this.command('updateDeviceUser', 'device/updateDeviceUser', { deviceId, userId: '' });
  }

  async applyProfile(deviceId: string, profileId: string): Promise<void> {
    await this.command('sendDeviceControlForUpdateProfile', 'mdm/commonOTCServiceWrapper/sendDeviceControlForUpdateProfile', { deviceId, profileId });
  }

  async sendMessage(deviceId: string, message: MdmMessage): Promise<void> {
    await this.command('sendDeviceControlForNotification', 'mdm/commonOTCServiceWrapper/sendDeviceControlForNotification', {
      deviceId,
      title: message.title,
      message: message.body,
    });
  }

  async listDevices(page: { pageNumber: number; pageSize: number }): Promise<MdmDevicePage> {
    const envelope = await this.http.request<KnoxEnvelope<{ totalCount: number; list: KnoxDevice[] }>>(
      this.call('selectDeviceList', 'device/selectDeviceList', { pageNum: String(page.pageNumber), pageSize: String(page.pageSize) }),
    );
    const value = this.resultOf('selectDeviceList', envelope, true);
    return { devices: value.list.map(toMdmDevice), total: value.totalCount };
  }

  private call(operation: string, path: string, form: Record<string, string>): HttpRequest {
    return { operation, method: 'POST', path: `/${path}`, form };
  }

  private async command(operation: string, path: string, form: Record<string, string>): Promise<void> {
    this.resultOf(operation, await this.http.request<KnoxEnvelope<unknown>>(this.call(operation, path, form)), false);
  }

  /** Knox can answer HTTP 200 with a failure resultCode: that is a refusal, not a glitch. */
  private resultOf<T>(operation: string, envelope: KnoxEnvelope<T> | undefined, needsValue: true): T;
  private resultOf<T>(operation: string, envelope: KnoxEnvelope<T> | undefined, needsValue: false): T | undefined;
  private resultOf<T>(operation: string, envelope: KnoxEnvelope<T> | undefined, needsValue: boolean): T | undefined {
    const code = envelope?.resultCode;
    if (code === undefined || String(code) !== '0') throw new PermanentSystemError(SYSTEM, `${operation} failed: resultCode ${code ?? 'missing'}`);
    if (needsValue && envelope?.resultValue === undefined) throw new PermanentSystemError(SYSTEM, `${operation} failed: no resultValue`);
    return envelope?.resultValue;
  }
}
