// Second MDM adapter, for a Headwind MDM-style REST API (a self-hosted Android MDM): JWT login
// with the MD5 of the password, JSON answers `{ status: 'OK' | 'ERROR', message, data }`.
// Devices are addressed by their "number", which this fleet sets to the IMEI; the MdmDevice
// deviceId is that number. A role's profile is a Headwind "configuration" named after the
// profileId. The directory user is kept in the device's custom1 field, the store's device group
// in its group field. Remote commands go through a device-control plugin whose paths are
// modelled (see ./simulator.ts): adjust them here for a real installation.
import { createHash } from 'node:crypto';
import { PermanentSystemError } from '../shared/errors.ts';
import { CachedBearerToken, HttpClient, type HttpRequest } from '../shared/http-client.ts';
import {
  chunksOf,
  knownActivationStatus,
  knownInstallStatus,
  type MdmActivation,
  type MdmActivationTarget,
  type MdmAppInstall,
  type MdmAppTarget,
  type MdmAppUpload,
  knownCommand,
  simSlotsFrom,
  type LockScreen,
  type Mdm,
  type MdmCommand,
  type MdmDevice,
  type MdmDevicePage,
  type MdmMessage,
  type MdmProviderName,
  type MdmRegistration,
} from '../shared/mdm-api.ts';

export interface SecondMdmConfig {
  baseUrl: string;
  login: string;
  password: string;
  timeoutMs?: number;
  /** A device that checked in within this window counts as online (default 10 minutes). */
  onlineWindowMs?: number;
}

interface HeadwindEnvelope<T> {
  status?: string;
  message?: string | null;
  data?: T;
}

interface HeadwindDevice {
  id: number;
  number: string;
  imei?: string | null;
  serial?: string | null;
  model?: string | null;
  iccid?: string | null;
  /** Dual SIM: the second slot (the employee's personal SIM). */
  iccid2?: string | null;
  configurationId?: number | null;
  custom1?: string | null;
  group?: string | null;
  lastUpdate?: number | null;
}

interface HeadwindCommand {
  id: number;
  deviceNumber: string;
  type: string;
  status: string;
  createTime: number;
  completeTime?: number | null;
  lockMessage?: string | null;
  phone?: string | null;
  pkg?: string | null;
}

interface HeadwindConfiguration {
  id: number;
  name: string;
}

interface HeadwindActivation {
  number: string;
  status: string;
  downloaded?: number | null;
  activated?: number | null;
}

const SYSTEM = 'second-mdm';
const CONTROL = '/rest/plugins/devicecontrol/private';
const DEPLOYMENT = '/rest/plugins/deployment/private';

function toMdmCommand(c: HeadwindCommand): MdmCommand {
  const { type, status } = knownCommand(SYSTEM, c.id, c.type, c.status);
  const command: MdmCommand = {
    commandId: String(c.id),
    deviceId: c.deviceNumber,
    type,
    status,
    issuedAt: new Date(c.createTime).toISOString(),
  };
  if (typeof c.completeTime === 'number') command.completedAt = new Date(c.completeTime).toISOString();
  if (command.type === 'LOCK') command.lockScreen = { message: c.lockMessage ?? '', phoneNumber: c.phone ?? '' };
  if (c.pkg) command.packageName = c.pkg;
  return command;
}

export class HeadwindMdm implements Mdm {
  readonly name: MdmProviderName = 'SECOND_MDM';
  private readonly http: HttpClient;
  private readonly onlineWindowMs: number;
  /** Configuration ids by name: they change only when an administrator recreates one. */
  private readonly configurationIds = new Map<string, number>();
  private configurationNames: Map<number, string> | undefined;

  constructor(config: SecondMdmConfig) {
    const timeout = config.timeoutMs ? { timeoutMs: config.timeoutMs } : {};
    const loginClient = new HttpClient({ system: SYSTEM, baseUrl: config.baseUrl, ...timeout });
    const passwordHash = createHash('md5').update(config.password).digest('hex').toUpperCase();
    const auth = new CachedBearerToken(async () => {
      const answer = await loginClient.request<{ id_token?: unknown }>({
        operation: 'login',
        method: 'POST',
        path: '/rest/public/jwt/login',
        json: { login: config.login, password: passwordHash },
      });
      if (typeof answer?.id_token !== 'string') throw new PermanentSystemError(SYSTEM, 'login failed: no id_token in the answer');
      return { token: answer.id_token };
    });
    this.http = new HttpClient({ system: SYSTEM, baseUrl: config.baseUrl, auth, ...timeout });
    this.onlineWindowMs = config.onlineWindowMs ?? 10 * 60_000;
  }

  async findDeviceByImei(imei: string): Promise<MdmDevice | null> {
    const operation = 'getDeviceByNumber';
    const envelope = await this.http.lookup<HeadwindEnvelope<HeadwindDevice>>({
      operation,
      method: 'GET',
      path: `/rest/private/devices/number/${encodeURIComponent(imei)}`,
    });
    if (envelope === null) return null;
    const device = this.dataOf(operation, envelope);
    return this.toMdmDevice(device, await this.profileNames(device.configurationId));
  }

  async assignUser(deviceId: string, userId: string): Promise<void> {
    await this.updateDevice({ number: deviceId, custom1: userId });
  }

  async unassignUser(deviceId: string): Promise<void> {
    await this.updateDevice({ number: deviceId, custom1: '' });
  }

  async applyProfile(deviceId: string, profileId: string): Promise<void> {
    await this.updateDevice({ number: deviceId, configurationId: await this.configurationId(profileId) });
  }

  async sendMessage(deviceId: string, message: MdmMessage): Promise<void> {
    // Headwind messages are plain text: the title becomes the first line.
    await this.send({
      operation: 'sendMessage',
      method: 'POST',
      path: '/rest/plugins/messaging/private/send',
      json: { scope: 'device', deviceNumber: deviceId, message: `${message.title}\n${message.body}` },
    });
  }

  async listDevices(page: { pageNumber: number; pageSize: number }): Promise<MdmDevicePage> {
    const operation = 'searchDevices';
    const envelope = await this.http.request<HeadwindEnvelope<{ devices: { items: HeadwindDevice[]; totalItemsCount: number } }>>({
      operation,
      method: 'POST',
      path: '/rest/private/devices/search',
      json: { pageNum: page.pageNumber, pageSize: page.pageSize },
    });
    const { devices } = this.dataOf(operation, envelope);
    const names = await this.profileNames();
    return { devices: devices.items.map((d) => this.toMdmDevice(d, names)), total: devices.totalItemsCount };
  }

  lockDevice(deviceId: string, screen: LockScreen): Promise<MdmCommand> {
    return this.sendCommand('lock', deviceId, { lockMessage: screen.message, phone: screen.phoneNumber });
  }

  unlockDevice(deviceId: string): Promise<MdmCommand> {
    return this.sendCommand('unlock', deviceId);
  }

  wipeDevice(deviceId: string): Promise<MdmCommand> {
    return this.sendCommand('reset', deviceId);
  }

  uninstallApp(deviceId: string, packageName: string): Promise<MdmCommand> {
    return this.sendCommand('uninstall', deviceId, { pkg: packageName });
  }

  async listCommands(deviceId: string): Promise<MdmCommand[]> {
    const operation = 'listCommands';
    const envelope = await this.http.request<HeadwindEnvelope<HeadwindCommand[]>>({
      operation,
      method: 'GET',
      path: `${CONTROL}/commands/${encodeURIComponent(deviceId)}`,
    });
    return this.dataOf(operation, envelope).map(toMdmCommand);
  }

  async getCommand(deviceId: string, commandId: string): Promise<MdmCommand> {
    const operation = 'getCommand';
    const envelope = await this.http.request<HeadwindEnvelope<HeadwindCommand>>({
      operation,
      method: 'GET',
      path: `${CONTROL}/commands/${encodeURIComponent(deviceId)}/${encodeURIComponent(commandId)}`,
    });
    return toMdmCommand(this.dataOf(operation, envelope));
  }

  async moveToGroup(deviceId: string, groupId: string): Promise<void> {
    await this.updateDevice({ number: deviceId, group: groupId });
  }

  async unenrol(deviceId: string): Promise<void> {
    // Headwind deletes by its internal id: look the number up first; unknown = already gone.
    const envelope = await this.http.lookup<HeadwindEnvelope<HeadwindDevice>>({
      operation: 'getDeviceByNumber',
      method: 'GET',
      path: `/rest/private/devices/number/${encodeURIComponent(deviceId)}`,
    });
    if (envelope === null) return;
    const { id } = this.dataOf('getDeviceByNumber', envelope);
    const operation = 'deleteDevice';
    const deleted = await this.http.lookup<HeadwindEnvelope<unknown>>({ operation, method: 'DELETE', path: `/rest/private/devices/${id}` });
    if (deleted !== null) this.dataOf(operation, deleted, false);
  }

  async register(device: MdmRegistration): Promise<MdmDevice> {
    // The device number is the IMEI in this fleet; a PUT with the scanned fields creates or updates it.
    const operation = 'registerDevice';
    const json: Record<string, string> = { number: device.imei, imei: device.imei, serial: device.serial, model: device.model };
    if (device.iccid) json.iccid = device.iccid;
    const registered = this.dataOf(operation, await this.http.request<HeadwindEnvelope<HeadwindDevice>>({ operation, method: 'PUT', path: '/rest/private/devices', json }));
    return this.toMdmDevice(registered, await this.profileNames(registered.configurationId));
  }

  /** `action` is the plugin's path segment; the error messages name it, e.g. "devicecontrol/reset". */
  readonly appTargetsPerCall = 1000;

  async uploadApp(upload: MdmAppUpload): Promise<{ appVersionId: string }> {
    const operation = 'applications/upload';
    const query: Record<string, string> = { pkg: upload.packageName, versionCode: String(upload.versionCode) };
    if (upload.versionName) query.version = upload.versionName;
    const envelope = await this.http.request<HeadwindEnvelope<{ id: number }>>({
      operation,
      method: 'POST',
      path: '/rest/private/applications/upload',
      query,
      raw: { contentType: 'application/vnd.android.package-archive', bytes: upload.apk },
    });
    return { appVersionId: String(this.dataOf(operation, envelope).id) };
  }

  async assignApp(appVersionId: string, targets: MdmAppTarget[]): Promise<void> {
    // Devices are addressed by number (the IMEI: the MdmDevice deviceId here); times as epoch ms.
    await this.send({
      operation: 'deployment/assign',
      method: 'POST',
      path: '/rest/plugins/deployment/private/assign',
      json: {
        applicationId: Number(appVersionId),
        targets: targets.map((t) => ({ number: t.deviceId, downloadFrom: Date.parse(t.downloadFrom), installFrom: Date.parse(t.installFrom) })),
      },
    });
  }

  async cancelAppAssignments(appVersionId: string, deviceIds: string[]): Promise<number> {
    const operation = 'deployment/cancel';
    const json = { applicationId: Number(appVersionId), numbers: deviceIds };
    const envelope = await this.http.request<HeadwindEnvelope<{ cancelled: number }>>({ operation, method: 'POST', path: '/rest/plugins/deployment/private/cancel', json });
    return this.dataOf(operation, envelope).cancelled;
  }

  async appInstallStatus(appVersionId: string, deviceIds: string[]): Promise<MdmAppInstall[]> {
    const operation = 'deployment/status';
    const json = { applicationId: Number(appVersionId), numbers: deviceIds };
    const envelope = await this.http.request<HeadwindEnvelope<{ number: string; status: string; installed?: number | null; error?: string | null }[]>>({
      operation,
      method: 'POST',
      path: '/rest/plugins/deployment/private/status',
      json,
    });
    return this.dataOf(operation, envelope).map((item) => {
      const install: MdmAppInstall = { deviceId: item.number, status: knownInstallStatus(SYSTEM, item.status) };
      if (typeof item.installed === 'number') install.installedAt = new Date(item.installed).toISOString();
      if (item.error) install.failure = item.error;
      return install;
    });
  }

  readonly activationTargetsPerCall = 1000;

  async scheduleActivation(imageBytes: number, targets: MdmActivationTarget[]): Promise<void> {
    // By number (the IMEI: the MdmDevice deviceId here); times as epoch ms.
    for (const part of chunksOf(targets, this.activationTargetsPerCall)) {
      await this.send({
        operation: 'deployment/activation/schedule',
        method: 'POST',
        path: `${DEPLOYMENT}/activation/schedule`,
        json: {
          imageSize: imageBytes,
          targets: part.map((t) => ({ number: t.deviceId, downloadFrom: Date.parse(t.downloadFrom), activateFrom: Date.parse(t.activateFrom) })),
        },
      });
    }
  }

  async activationStatus(deviceIds: string[]): Promise<MdmActivation[]> {
    const operation = 'deployment/activation/status';
    const activations: MdmActivation[] = [];
    for (const part of chunksOf(deviceIds, this.activationTargetsPerCall)) {
      const envelope = await this.http.request<HeadwindEnvelope<HeadwindActivation[]>>({
        operation,
        method: 'POST',
        path: `${DEPLOYMENT}/activation/status`,
        json: { numbers: part },
      });
      for (const item of this.dataOf(operation, envelope)) {
        const activation: MdmActivation = { deviceId: item.number, status: knownActivationStatus(SYSTEM, item.status) };
        if (typeof item.downloaded === 'number') activation.downloadedAt = new Date(item.downloaded).toISOString();
        if (typeof item.activated === 'number') activation.activatedAt = new Date(item.activated).toISOString();
        activations.push(activation);
      }
    }
    return activations;
  }

  private async sendCommand(action: string, deviceId: string, json: Record<string, string> = {}): Promise<MdmCommand> {
    const operation = `devicecontrol/${action}`;
    const envelope = await this.http.request<HeadwindEnvelope<HeadwindCommand>>({
      operation,
      method: 'POST',
      path: `${CONTROL}/${action}/${encodeURIComponent(deviceId)}`,
      json,
    });
    return toMdmCommand(this.dataOf(operation, envelope));
  }

  private async updateDevice(change: { number: string; custom1?: string; configurationId?: number; group?: string }): Promise<void> {
    await this.send({ operation: 'updateDevice', method: 'PUT', path: '/rest/private/devices', json: change });
  }

  private async send(req: HttpRequest): Promise<void> {
    this.dataOf(req.operation, await this.http.request<HeadwindEnvelope<unknown>>(req), false);
  }

  private async configurationId(profileId: string): Promise<number> {
    const cached = this.configurationIds.get(profileId);
    if (cached !== undefined) return cached;
    const operation = 'searchConfigurations';
    const found = this.dataOf(
      operation,
      await this.http.request<HeadwindEnvelope<HeadwindConfiguration[]>>({
        operation,
        method: 'GET',
        path: `/rest/private/configurations/search/${encodeURIComponent(profileId)}`,
      }),
    ).find((c) => c.name === profileId);
    if (!found) throw new PermanentSystemError(SYSTEM, `no configuration named ${profileId}: sync the fleet configuration first`);
    this.configurationIds.set(profileId, found.id);
    return found.id;
  }

  /** Configuration names by id, to report a device's profile as phonefleet names it; fetched
   *  again when a device shows a configuration created since. */
  private async profileNames(neededId?: number | null): Promise<Map<number, string>> {
    const cached = this.configurationNames;
    if (cached && (neededId == null || cached.has(neededId))) return cached;
    const operation = 'listConfigurations';
    const all = this.dataOf(operation, await this.http.request<HeadwindEnvelope<HeadwindConfiguration[]>>({ operation, method: 'GET', path: '/rest/private/configurations' }));
    this.configurationNames = new Map(all.map((c) => [c.id, c.name]));
    for (const c of all) this.configurationIds.set(c.name, c.id);
    return this.configurationNames;
  }

  private toMdmDevice(d: HeadwindDevice, profileNames: Map<number, string>): MdmDevice {
    const device: MdmDevice = {
      deviceId: d.number,
      imei: d.imei ?? d.number,
      serial: d.serial ?? '',
      model: d.model ?? '',
      online: typeof d.lastUpdate === 'number' && d.lastUpdate > 0 && Date.now() - d.lastUpdate < this.onlineWindowMs,
    };
    if (d.iccid) device.iccid = d.iccid;
    device.simSlots = simSlotsFrom([
      [1, d.iccid],
      [2, d.iccid2],
    ]);
    if (d.custom1) device.userId = d.custom1;
    if (d.group) device.groupId = d.group;
    const profile = d.configurationId == null ? undefined : profileNames.get(d.configurationId);
    if (profile) device.profileId = profile;
    if (typeof d.lastUpdate === 'number' && d.lastUpdate > 0) device.lastSeenAt = new Date(d.lastUpdate).toISOString();
    return device;
  }

  private dataOf<T>(operation: string, envelope: HeadwindEnvelope<T> | undefined, needsData = true): T {
    if (envelope?.status !== 'OK') {
      const code = envelope?.message && /^[\w.-]{1,64}$/.test(envelope.message) ? ` (${envelope.message})` : '';
      throw new PermanentSystemError(SYSTEM, `${operation} failed: status ${envelope?.status ?? 'missing'}${code}`);
    }
    if (needsData && (envelope.data === undefined || envelope.data === null)) throw new PermanentSystemError(SYSTEM, `${operation} failed: no data`);
    return envelope.data as T;
  }
}
