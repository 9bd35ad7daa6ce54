// Samsung Knox Manage Open API adapter (the primary MDM): OAuth2 client credentials at
// /emm/oauth/token, then form-encoded POSTs under /emm/oapi answering
// `{ resultCode, resultMessage, resultValue }` where resultCode '0' means success.
// The lock/unlock controls, the command list, the group, registration and activation-schedule
// routes are modelled on the documented ones (APIS.md): adjust the paths here if the real API
// names them otherwise.
import { PermanentSystemError } from '../shared/errors.ts';
import { HttpClient, oauthClientCredentials, type HttpRequest } from '../shared/http-client.ts';
import type { RequestPacer } from '../shared/pacing.ts';
import {
  chunksOf,
  knownActivationStatus,
  knownCommand,
  simSlotsFrom,
  type LockScreen,
  type Mdm,
  type MdmActivation,
  type MdmActivationTarget,
  type MdmCommand,
  type MdmDevice,
  type MdmDevicePage,
  type MdmAppInstall,
  type MdmAppTarget,
  type MdmAppUpload,
  knownInstallStatus,
  type MdmMessage,
  type MdmProviderName,
  type MdmRegistration,
} from '../shared/mdm-api.ts';

export interface KnoxManageConfig {
  /** e.g. https://eu01.manage.samsungknox.com (the /emm/... paths are appended). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  /** Which provider slot this instance fills (default KNOX_MANAGE). */
  name?: MdmProviderName;
  /**
   * Fleet-wide pacing to Knox Manage's published limits: every request takes a turn in the
   * "requests" budget, device commands (the sendDeviceControlFor... controls) in
   * "device-commands" too. Without it requests go out as they come.
   */
  pacer?: RequestPacer;
  /** The limits published for this tenant, which the pacer keeps under (default Knox Manage's). */
  rateLimits?: KnoxManageRateLimits;
}

export interface KnoxManageRateLimits {
  requestsPerMinute: number;
  deviceCommandsPerMinute: number;
}

/** Knox Manage's published limits: 1,800 requests a minute overall, 300 device commands. */
export const KNOX_MANAGE_RATE_LIMITS: KnoxManageRateLimits = { requestsPerMinute: 1800, deviceCommandsPerMinute: 300 };

/** The budgets a request to Knox Manage counts against (the token endpoint's included). */
export function knoxBudgetsOf(req: Pick<HttpRequest, 'path'>): readonly string[] {
  return req.path.includes('/mdm/commonOTCServiceWrapper/sendDeviceControlFor') ? KNOX_COMMAND_BUDGETS : KNOX_REQUEST_BUDGETS;
}
const KNOX_REQUEST_BUDGETS = ['requests'] as const;
const KNOX_COMMAND_BUDGETS = ['requests', 'device-commands'] as const;

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
  /** Dual SIM: per slot (slot 2 holds the employee's personal SIM). */
  simInfoList?: { simSlot?: number | null; iccid?: string | null }[] | null;
  userId?: string | null;
  profileId?: string | null;
  groupId?: string | null;
  online?: boolean;
  lastSeenAt?: string | null;
}

interface KnoxCommand {
  commandId: string | number;
  deviceId: string;
  commandType: string;
  status: string;
  requestTime: string;
  completeTime?: string | null;
  message?: string | null;
  phoneNumber?: string | null;
  packageName?: string | null;
}

interface KnoxActivationStatus {
  deviceId: string;
  activationStatus: string;
  downloadEndTime?: string | null;
  activationTime?: string | null;
}

const SYSTEM = 'knox-manage';
const CONTROL = 'mdm/commonOTCServiceWrapper/sendDeviceControlFor';

function toMdmCommand(c: KnoxCommand): MdmCommand {
  const { type, status } = knownCommand(SYSTEM, c.commandId, c.commandType, c.status);
  const command: MdmCommand = {
    commandId: String(c.commandId),
    deviceId: String(c.deviceId),
    type,
    status,
    issuedAt: c.requestTime,
  };
  if (c.completeTime) command.completedAt = c.completeTime;
  if (command.type === 'LOCK') command.lockScreen = { message: c.message ?? '', phoneNumber: c.phoneNumber ?? '' };
  if (c.packageName) command.packageName = c.packageName;
  return command;
}

function toMdmDevice(d: KnoxDevice): MdmDevice {
  const device: MdmDevice = { deviceId: String(d.deviceId), imei: d.imei, serial: d.serial, model: d.model, online: d.online === true };
  if (d.iccid) device.iccid = d.iccid;
  const slots = simSlotsFrom((d.simInfoList ?? []).map((s) => [s.simSlot, s.iccid]));
  if (slots.length === 0 && d.iccid) slots.push({ slot: 1, iccid: d.iccid });
  device.simSlots = slots;
  if (d.userId) device.userId = d.userId;
  if (d.profileId) device.profileId = d.profileId;
  if (d.groupId) device.groupId = d.groupId;
  if (d.lastSeenAt) device.lastSeenAt = d.lastSeenAt;
  return device;
}

export class KnoxManageMdm implements Mdm {
  readonly name: MdmProviderName;
  private readonly http: HttpClient;

  constructor(config: KnoxManageConfig) {
    this.name = config.name ?? 'KNOX_MANAGE';
    const baseUrl = config.baseUrl.replace(/\/+$/, '');
    const timeout = config.timeoutMs ? { timeoutMs: config.timeoutMs } : {};
    const { pacer } = config;
    const pacing = pacer
      ? {
          pace: (req: HttpRequest) => pacer.take(knoxBudgetsOf(req)),
          throttled: (req: HttpRequest, retryAfterMs: number) => pacer.holdOff(knoxBudgetsOf(req), retryAfterMs),
        }
      : {};
    const auth = oauthClientCredentials({
      system: SYSTEM,
      tokenUrl: `${baseUrl}/emm/oauth/token`,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      ...timeout,
      ...(pacing.pace ? { pace: pacing.pace } : {}),
    });
    this.http = new HttpClient({ system: SYSTEM, baseUrl: `${baseUrl}/emm/oapi`, auth, ...timeout, ...pacing });
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

  lockDevice(deviceId: string, screen: LockScreen): Promise<MdmCommand> {
    return this.sendCommand('LockDevice', { deviceId, message: screen.message, phoneNumber: screen.phoneNumber });
  }

  unlockDevice(deviceId: string): Promise<MdmCommand> {
    return this.sendCommand('UnlockDevice', { deviceId });
  }

  wipeDevice(deviceId: string): Promise<MdmCommand> {
    return this.sendCommand('FactoryReset', { deviceId });
  }

  uninstallApp(deviceId: string, packageName: string): Promise<MdmCommand> {
    return this.sendCommand('UninstallApp', { deviceId, packageName });
  }

  async listCommands(deviceId: string): Promise<MdmCommand[]> {
    const operation = 'selectDeviceCommandList';
    const envelope = await this.http.request<KnoxEnvelope<{ totalCount: number; list: KnoxCommand[] }>>(this.call(operation, 'device/selectDeviceCommandList', { deviceId }));
    return this.resultOf(operation, envelope, true).list.map(toMdmCommand);
  }

  async getCommand(deviceId: string, commandId: string): Promise<MdmCommand> {
    const operation = 'selectDeviceCommand';
    const envelope = await this.http.request<KnoxEnvelope<KnoxCommand>>(this.call(operation, 'device/selectDeviceCommand', { deviceId, commandId }));
    return toMdmCommand(this.resultOf(operation, envelope, true));
  }

  async moveToGroup(deviceId: string, groupId: string): Promise<void> {
    await this.command('updateDeviceGroup', 'device/updateDeviceGroup', { deviceId, groupId });
  }

  async unenrol(deviceId: string): Promise<void> {
    const operation = 'sendDeviceControlForUnEnrollment';
    // 404: the device is not (or no longer) enrolled, which is what was asked.
    const envelope = await this.http.lookup<KnoxEnvelope<unknown>>(this.call(operation, `${CONTROL}UnEnrollment`, { deviceId }));
    if (envelope !== null) this.resultOf(operation, envelope, false);
  }

  async register(device: MdmRegistration): Promise<MdmDevice> {
    const operation = 'registerDevice';
    const form: Record<string, string> = { imei: device.imei, serial: device.serial, model: device.model };
    if (device.iccid) form.iccid = device.iccid;
    const envelope = await this.http.request<KnoxEnvelope<KnoxDevice>>(this.call(operation, 'device/registerDevice', form));
    return toMdmDevice(this.resultOf(operation, envelope, true));
  }

  readonly appTargetsPerCall = 500;

  async uploadApp(upload: MdmAppUpload): Promise<{ appVersionId: string }> {
    const operation = 'uploadInhouseApplication';
    const query: Record<string, string> = { packageName: upload.packageName, versionCode: String(upload.versionCode), sha256: upload.sha256 };
    if (upload.versionName) query.versionName = upload.versionName;
    const envelope = await this.http.request<KnoxEnvelope<{ appId: string | number }>>({
      operation,
      method: 'POST',
      path: '/app/uploadInhouseApplication',
      query,
      raw: { contentType: 'application/vnd.android.package-archive', bytes: upload.apk },
    });
    return { appVersionId: String(this.resultOf(operation, envelope, true).appId) };
  }

  async assignApp(appVersionId: string, targets: MdmAppTarget[]): Promise<void> {
    await this.command('assignInhouseApplicationToDevices', 'app/assignInhouseApplicationToDevices', { appId: appVersionId, targetList: JSON.stringify(targets) });
  }

  async cancelAppAssignments(appVersionId: string, deviceIds: string[]): Promise<number> {
    const operation = 'cancelInhouseApplicationAssignment';
    const envelope = await this.http.request<KnoxEnvelope<{ cancelled: number }>>(
      this.call(operation, 'app/cancelInhouseApplicationAssignment', { appId: appVersionId, deviceIdList: deviceIds.join(',') }),
    );
    return this.resultOf(operation, envelope, true).cancelled;
  }

  async appInstallStatus(appVersionId: string, deviceIds: string[]): Promise<MdmAppInstall[]> {
    const operation = 'selectInhouseApplicationInstallStatus';
    const envelope = await this.http.request<KnoxEnvelope<{ list: { deviceId: string; installStatus: string; installTime?: string | null; failReason?: string | null }[] }>>(
      this.call(operation, 'app/selectInhouseApplicationInstallStatus', { appId: appVersionId, deviceIdList: deviceIds.join(',') }),
    );
    return this.resultOf(operation, envelope, true).list.map((item) => {
      const install: MdmAppInstall = { deviceId: String(item.deviceId), status: knownInstallStatus(SYSTEM, item.installStatus) };
      if (item.installTime) install.installedAt = item.installTime;
      if (item.failReason) install.failure = item.failReason;
      return install;
    });
  }

  readonly activationTargetsPerCall = 500;

  async scheduleActivation(imageBytes: number, targets: MdmActivationTarget[]): Promise<void> {
    for (const part of chunksOf(targets, this.activationTargetsPerCall)) {
      const targetList = JSON.stringify(part.map((t) => ({ deviceId: t.deviceId, downloadFrom: t.downloadFrom, activateFrom: t.activateFrom })));
      await this.command('assignDeviceActivationSchedule', 'device/assignDeviceActivationSchedule', { imageSize: String(imageBytes), targetList });
    }
  }

  async activationStatus(deviceIds: string[]): Promise<MdmActivation[]> {
    const operation = 'selectDeviceActivationStatus';
    const activations: MdmActivation[] = [];
    for (const part of chunksOf(deviceIds, this.activationTargetsPerCall)) {
      const envelope = await this.http.request<KnoxEnvelope<{ list: KnoxActivationStatus[] }>>(
        this.call(operation, 'device/selectDeviceActivationStatus', { deviceIdList: part.join(',') }),
      );
      for (const item of this.resultOf(operation, envelope, true).list) {
        const activation: MdmActivation = { deviceId: String(item.deviceId), status: knownActivationStatus(SYSTEM, item.activationStatus) };
        if (item.downloadEndTime) activation.downloadedAt = item.downloadEndTime;
        if (item.activationTime) activation.activatedAt = item.activationTime;
        activations.push(activation);
      }
    }
    return activations;
  }

  private async sendCommand(control: string, form: Record<string, string>): Promise<MdmCommand> {
    const operation = `sendDeviceControlFor${control}`;
    const envelope = await this.http.request<KnoxEnvelope<KnoxCommand>>(this.call(operation, `${CONTROL}${control}`, form));
    return toMdmCommand(this.resultOf(operation, envelope, true));
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
