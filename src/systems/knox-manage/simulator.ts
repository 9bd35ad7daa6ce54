// Samsung Knox Manage simulator: the subset of the Open API phonefleet calls. OAuth2 client
// credentials at /emm/oauth/token, then form-encoded POSTs under /emm/oapi answering
// `{ resultCode: '0', resultMessage: 'Success', resultValue }`; errors carry a non-'0'
// resultCode with an HTTP 4xx. Paths follow third-party client code (see APIS.md); the
// result codes other than '0', the lock/unlock paths, `device/selectDeviceCommandList`,
// `device/selectDeviceCommand`, `device/updateDeviceGroup`, `device/registerDevice` and the
// activation schedule (`device/assignDeviceActivationSchedule`, `device/selectDeviceActivationStatus`)
// are modelled in the same style. Every command route answers the command it created.
import { createHash } from 'node:crypto';
import express, { type RequestHandler, type Response } from 'express';
import { isValidImei } from '../../domain/identifiers.ts';
import { TokenIssuer, clientCredentialsTokenEndpoint, mountTokenAdmin, randomSecret, requireBearer, type ClientCredentials } from '../shared/simulator-auth.ts';
import type { MdmCommandRequest, MdmDeviceCommand } from '../shared/mdm-commands.ts';
import {
  MdmDeviceRegistry,
  mountMdmDeviceAdmin,
  simSlotsOf,
  type MdmDeviceRegistration,
  type MdmDeviceState,
  type MdmRegistryState,
  type MdmSimulator,
} from '../shared/mdm-devices.ts';
import {
  MdmAppCatalog,
  mountMdmAppAdmin,
  type ActivationRequest,
  type ActivationState,
  type AppCatalogState,
  type AppTargetRequest,
  type AppTargetState,
} from '../shared/mdm-apps.ts';
import { RateLimiter, mountRateLimitAdmin, type RateLimits } from '../shared/rate-limits.ts';
import { Fields, SimHttpError } from '../shared/request-fields.ts';
import { Simulator, type SimulatorOptions } from '../shared/simulator.ts';

export const KNOX_RESULT = {
  SUCCESS: '0',
  INVALID_PARAMETER: '1002',
  UNAUTHORIZED: '1401',
  DEVICE_NOT_FOUND: '2101',
  COMMAND_NOT_FOUND: '2201',
  APP_NOT_FOUND: '2301',
} as const;

export interface KnoxManageSimulatorOptions extends SimulatorOptions {
  /** Lets the same module stand for another Knox-shaped MDM instance (logs, health). */
  name?: string;
  credentials?: ClientCredentials;
  tokenTtlSeconds?: number;
  /** Prefix of the MDM's device ids (default "KM"). */
  deviceIdPrefix?: string;
  /**
   * The published rate limits, enforced (KNOX_MANAGE_PUBLISHED_LIMITS: 1,800 requests and 300
   * device commands a minute, then 429 with Retry-After 60); default none.
   */
  rateLimits?: RateLimits | null;
}

/** The routes Knox Manage counts as device commands: the device controls. */
const DEVICE_COMMAND_PREFIX = 'mdm/commonOTCServiceWrapper/sendDeviceControlFor';

function knoxError(status: number, resultCode: string, resultMessage: string): SimHttpError {
  return new SimHttpError(status, { resultCode, resultMessage });
}

const invalidParameter = (message: string): SimHttpError => knoxError(400, KNOX_RESULT.INVALID_PARAMETER, message);

function success(res: Response, resultValue?: unknown): void {
  res.json({ resultCode: KNOX_RESULT.SUCCESS, resultMessage: 'Success', ...(resultValue === undefined ? {} : { resultValue }) });
}

/** The device as the Open API returns it. */
function deviceView(device: MdmDeviceState): Record<string, unknown> {
  return {
    deviceId: device.deviceId,
    imei: device.imei,
    serial: device.serial,
    model: device.model,
    iccid: device.iccid,
    // Dual SIM: what the agent reports per slot (slot 2 is the employee's own SIM).
    simInfoList: simSlotsOf(device).map(({ slot, iccid }) => ({ simSlot: slot, iccid })),
    userId: device.userId,
    profileId: device.profileId,
    groupId: device.groupId,
    online: device.online,
    lastSeenAt: device.lastSeenAt,
  };
}

/** A device command as the Open API returns it. */
function commandView(deviceId: string, command: MdmDeviceCommand): Record<string, unknown> {
  return {
    commandId: command.commandId,
    deviceId,
    commandType: command.type,
    status: command.status,
    requestTime: command.issuedAt,
    completeTime: command.completedAt,
    message: command.lockScreen?.message ?? command.body,
    phoneNumber: command.lockScreen?.phoneNumber,
    title: command.title,
    packageName: command.packageName,
  };
}

const isoOrNull = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** An in-house app's install status on a device, as the Open API returns it. */
function installStatusView(target: AppTargetState): Record<string, unknown> {
  return {
    deviceId: target.deviceId,
    appId: target.appVersionId,
    installStatus: target.status,
    downloadStartTime: isoOrNull(target.downloadStartedAt),
    downloadEndTime: isoOrNull(target.downloadedAt),
    installTime: isoOrNull(target.installedAt),
    failReason: target.failure ?? null,
  };
}

/** A device's activation (enrolment image, first sign-in), as the Open API returns it. */
function activationStatusView(activation: ActivationState): Record<string, unknown> {
  return {
    deviceId: activation.deviceId,
    activationStatus: activation.status,
    imageSize: activation.imageBytes,
    downloadStartTime: isoOrNull(activation.downloadStartedAt),
    downloadEndTime: isoOrNull(activation.downloadedAt),
    activationTime: isoOrNull(activation.activatedAt),
  };
}

/** At most this many devices per app assignment or status call. */
export const KNOX_APP_TARGETS_PER_CALL = 500;
/** At most this many devices per activation schedule or status call. */
export const KNOX_ACTIVATION_TARGETS_PER_CALL = 500;

/**
 * A form's `targetList`: a JSON list of { deviceId, <first>, <second> } with ISO instants (a
 * deployment schedule per device), 1..limit of them; the instants as epoch ms.
 */
function scheduleListOf<K extends string>(fields: Fields, limit: number, [first, second]: readonly [K, K]): ({ deviceId: string } & Record<K, number>)[] {
  let list: unknown;
  try {
    list = JSON.parse(fields.string('targetList'));
  } catch {
    throw invalidParameter('targetList must be JSON');
  }
  if (!Array.isArray(list) || list.length === 0 || list.length > limit) throw invalidParameter(`targetList must list 1..${limit} devices`);
  return list.map((item: unknown, i) => {
    const t = (item ?? {}) as Record<string, unknown>;
    const a = typeof t[first] === 'string' ? Date.parse(t[first]) : Number.NaN;
    const b = typeof t[second] === 'string' ? Date.parse(t[second]) : Number.NaN;
    if (typeof t.deviceId !== 'string' || Number.isNaN(a) || Number.isNaN(b)) throw invalidParameter(`targetList[${i}] needs deviceId, ${first} and ${second}`);
    return { deviceId: t.deviceId, [first]: a, [second]: b } as { deviceId: string } & Record<K, number>;
  });
}

export type KnoxManageState = MdmRegistryState & { apps?: AppCatalogState };

export class KnoxManageSimulator extends Simulator<KnoxManageState> implements MdmSimulator {
  readonly devices: MdmDeviceRegistry;
  readonly tokens: TokenIssuer;
  readonly credentials: ClientCredentials;
  readonly rateLimiter: RateLimiter;
  readonly apps: MdmAppCatalog;

  constructor(options: KnoxManageSimulatorOptions = {}) {
    super(options.name ?? 'knox-manage', options);
    const prefix = options.deviceIdPrefix ?? 'KM';
    this.devices = new MdmDeviceRegistry((n) => `${prefix}${String(n).padStart(8, '0')}`);
    this.tokens = new TokenIssuer(options.tokenTtlSeconds ?? 3600);
    this.credentials = options.credentials ?? { clientId: `knox-${randomSecret(6)}`, clientSecret: randomSecret() };

    this.rateLimiter = new RateLimiter(options.rateLimits ?? null);
    this.apps = new MdmAppCatalog(this.devices, (n) => `APP${String(n).padStart(6, '0')}`);

    mountMdmDeviceAdmin(this.admin, this);
    mountMdmAppAdmin(this.admin, this.devices, this.apps);
    mountTokenAdmin(this.admin, this.tokens);
    mountRateLimitAdmin(this.admin, this.rateLimiter);

    // Every request counts against the overall limit, token requests and unauthenticated ones too.
    this.route('post', '/emm/oauth/token', this.rateLimiter.middleware(false), clientCredentialsTokenEndpoint(this.credentials, this.tokens));

    const authenticated = requireBearer(
      (token) => this.tokens.isValid(token),
      () => knoxError(401, KNOX_RESULT.UNAUTHORIZED, 'Invalid or expired access token'),
    );
    const oapi = (path: string, handler: RequestHandler): void =>
      this.route('post', `/emm/oapi/${path}`, this.rateLimiter.middleware(path.startsWith(DEVICE_COMMAND_PREFIX)), authenticated, handler);

    oapi('device/selectDeviceInfoByImei', (req, res) => {
      const imei = Fields.ofBody(req, invalidParameter).string('imei');
      const device = this.devices.enrolledByImei(imei);
      if (!device) throw knoxError(404, KNOX_RESULT.DEVICE_NOT_FOUND, 'Device not found');
      success(res, deviceView(device));
    });

    oapi('device/selectDeviceList', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const pageNum = fields.optionalNumber('pageNum') ?? 1;
      const pageSize = fields.optionalNumber('pageSize') ?? 50;
      if (!Number.isInteger(pageNum) || pageNum < 1) throw invalidParameter('pageNum must be a positive integer');
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) throw invalidParameter('pageSize must be 1..500');
      const all = this.devices.listEnrolled();
      const list = all.slice((pageNum - 1) * pageSize, pageNum * pageSize).map(deviceView);
      success(res, { totalCount: all.length, pageNum, pageSize, list });
    });

    oapi('device/updateDeviceUser', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const device = this.deviceOf(fields);
      // An empty userId unassigns: the phone goes back to stock.
      const userId = fields.optionalString('userId');
      this.devices.assignUser(device, userId ? userId : undefined);
      success(res);
    });

    oapi('mdm/commonOTCServiceWrapper/sendDeviceControlForUpdateProfile', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const device = this.deviceOf(fields);
      this.devices.applyProfile(device, fields.string('profileId'));
      success(res);
    });

    oapi('mdm/commonOTCServiceWrapper/sendDeviceControlForNotification', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const device = this.deviceOf(fields);
      this.devices.pushMessage(device, fields.string('title'), fields.string('message'));
      success(res);
    });

    const commandRoute = (control: string, requestOf: (fields: Fields) => MdmCommandRequest): void =>
      oapi(`mdm/commonOTCServiceWrapper/sendDeviceControlFor${control}`, (req, res) => {
        const fields = Fields.ofBody(req, invalidParameter);
        const device = this.deviceOf(fields);
        success(res, commandView(device.deviceId, this.devices.issueCommand(device, requestOf(fields))));
      });
    commandRoute('LockDevice', (f) => ({ type: 'LOCK', lockScreen: { message: f.string('message'), phoneNumber: f.string('phoneNumber') } }));
    commandRoute('UnlockDevice', () => ({ type: 'UNLOCK' }));
    commandRoute('FactoryReset', () => ({ type: 'WIPE' }));
    commandRoute('UninstallApp', (f) => ({ type: 'UNINSTALL_APP', packageName: f.string('packageName') }));

    oapi('device/selectDeviceCommandList', (req, res) => {
      const device = this.deviceOf(Fields.ofBody(req, invalidParameter));
      const list = this.devices.commandsOf(device).map((c) => commandView(device.deviceId, c));
      success(res, { totalCount: list.length, list });
    });

    oapi('device/selectDeviceCommand', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const device = this.deviceOf(fields);
      const command = this.devices.command(device, fields.string('commandId'));
      if (!command) throw knoxError(404, KNOX_RESULT.COMMAND_NOT_FOUND, 'Command not found');
      success(res, commandView(device.deviceId, command));
    });

    oapi('device/updateDeviceGroup', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const device = this.deviceOf(fields);
      this.devices.moveToGroup(device, fields.string('groupId'));
      success(res);
    });

    oapi('mdm/commonOTCServiceWrapper/sendDeviceControlForUnEnrollment', (req, res) => {
      this.devices.unenrol(this.deviceOf(Fields.ofBody(req, invalidParameter)));
      success(res);
    });

    // In-house apps (modelled on the console's app management): the APK is the body, its facts
    // the query; the same build again answers the same appId.
    this.route(
      'post',
      '/emm/oapi/app/uploadInhouseApplication',
      this.rateLimiter.middleware(false),
      authenticated,
      express.raw({ type: 'application/vnd.android.package-archive', limit: '512mb' }),
      (req, res) => {
        const body = req.body as unknown;
        if (!Buffer.isBuffer(body) || body.length === 0) throw invalidParameter('the APK must be the body (application/vnd.android.package-archive)');
        const query = req.query as Record<string, unknown>;
        const packageName = typeof query.packageName === 'string' ? query.packageName : '';
        const versionCode = Number(query.versionCode);
        const sha256 = createHash('sha256').update(body).digest('hex');
        if (!packageName || !Number.isInteger(versionCode)) throw invalidParameter('packageName and versionCode are required');
        if (query.sha256 !== undefined && query.sha256 !== sha256) throw invalidParameter('the body does not match sha256');
        const version = this.apps.upload({
          packageName,
          versionCode,
          ...(typeof query.versionName === 'string' ? { versionName: query.versionName } : {}),
          sha256,
          sizeBytes: body.length,
        });
        success(res, { appId: version.appVersionId, packageName, versionCode, sha256, fileSize: version.sizeBytes });
      },
    );

    const deviceIdListOf = (fields: Fields, limit = KNOX_APP_TARGETS_PER_CALL): string[] => {
      const ids = fields
        .string('deviceIdList')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      if (ids.length === 0 || ids.length > limit) throw invalidParameter(`deviceIdList must name 1..${limit} devices`);
      return ids;
    };

    // Assignment with a deployment schedule per device: `targetList` is a JSON list of
    // { deviceId, downloadFrom, installFrom } (ISO instants).
    oapi('app/assignInhouseApplicationToDevices', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const appId = this.appIdOf(fields);
      const targets: AppTargetRequest[] = scheduleListOf(fields, KNOX_APP_TARGETS_PER_CALL, ['downloadFrom', 'installFrom']);
      const assigned = this.apps.assign(appId, this.enrolled(targets));
      success(res, { appId, requested: targets.length, assigned });
    });

    oapi('app/cancelInhouseApplicationAssignment', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const cancelled = this.apps.cancel(this.appIdOf(fields), deviceIdListOf(fields));
      success(res, { cancelled: cancelled.length });
    });

    oapi('app/selectInhouseApplicationInstallStatus', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const list = this.apps.statuses(this.appIdOf(fields), deviceIdListOf(fields)).map(installStatusView);
      success(res, { totalCount: list.length, list });
    });

    // Activation of a new store's phones (the Deployment Scheduler on the enrolment profile):
    // the enrolment image (`imageSize` bytes) and the first sign-in scheduled per device;
    // `targetList` is a JSON list of { deviceId, downloadFrom, activateFrom } (ISO instants). A
    // device already scheduled is left as it is.
    oapi('device/assignDeviceActivationSchedule', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const imageSize = fields.optionalNumber('imageSize');
      if (imageSize === undefined || !Number.isInteger(imageSize) || imageSize < 1) throw invalidParameter('imageSize must be a positive integer (bytes)');
      const targets: ActivationRequest[] = scheduleListOf(fields, KNOX_ACTIVATION_TARGETS_PER_CALL, ['downloadFrom', 'activateFrom']);
      const scheduled = this.apps.scheduleActivation(imageSize, this.enrolled(targets));
      success(res, { requested: targets.length, scheduled });
    });

    oapi('device/selectDeviceActivationStatus', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const list = this.apps.activationsOf(deviceIdListOf(fields, KNOX_ACTIVATION_TARGETS_PER_CALL)).map(activationStatusView);
      success(res, { totalCount: list.length, list });
    });

    // As the provisioning partner registers a phone (or a store moves to this MDM): registering
    // a known IMEI again updates what was scanned and answers the same device.
    oapi('device/registerDevice', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const imei = fields.string('imei');
      if (!isValidImei(imei)) throw invalidParameter('imei must be 15 digits with a valid Luhn check digit');
      const iccid = fields.optionalString('iccid');
      const registration: MdmDeviceRegistration = { imei, serial: fields.string('serial'), model: fields.string('model') };
      if (iccid) registration.iccid = iccid;
      success(res, deviceView(this.registerDevice(registration)));
    });
  }

  exportState(): KnoxManageState {
    return { ...this.devices.exportState(), apps: this.apps.exportState() };
  }

  importState(state: KnoxManageState): void {
    this.devices.importState(state);
    this.apps.importState(state.apps);
  }

  apiDeviceId(device: MdmDeviceState): string {
    return device.deviceId;
  }

  /** In-process seeding, as the provisioning partner registers a device. */
  registerDevice(registration: MdmDeviceRegistration): MdmDeviceState {
    return this.devices.register(registration);
  }

  private appIdOf(fields: Fields): string {
    const appId = fields.string('appId');
    if (!this.apps.listVersions().some((v) => v.appVersionId === appId)) throw knoxError(404, KNOX_RESULT.APP_NOT_FOUND, 'Application not found');
    return appId;
  }

  /** Every target's device must be enrolled here. */
  private enrolled<T extends { deviceId: string }>(targets: T[]): T[] {
    for (const t of targets) if (!this.devices.enrolledById(t.deviceId)) throw knoxError(404, KNOX_RESULT.DEVICE_NOT_FOUND, `Device not found: ${t.deviceId}`);
    return targets;
  }

  private deviceOf(fields: Fields): MdmDeviceState {
    const device = this.devices.enrolledById(fields.string('deviceId'));
    if (!device) throw knoxError(404, KNOX_RESULT.DEVICE_NOT_FOUND, 'Device not found');
    return device;
  }
}
