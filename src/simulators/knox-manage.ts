// Samsung Knox Manage simulator: the subset of the Open API phonefleet calls. OAuth2 client
// credentials at /emm/oauth/token, then form-encoded POSTs under /emm/oapi answering
// `{ resultCode: '0', resultMessage: 'Success', resultValue }`; errors carry a non-'0'
// resultCode with an HTTP 4xx. Paths follow third-party client code (see APIS.md); the
// result codes other than '0' are modelled.
import type { RequestHandler, Response } from 'express';
import {
  TokenIssuer,
  clientCredentialsTokenEndpoint,
  mountTokenAdmin,
  randomSecret,
  requireBearer,
  type ClientCredentials,
} from './auth.ts';
import {
  MdmDeviceRegistry,
  mountMdmDeviceAdmin,
  type MdmDeviceRegistration,
  type MdmDeviceState,
  type MdmSimulator,
} from './mdm-devices.ts';
import { Fields, SimHttpError } from './request-fields.ts';
import { Simulator, type SimulatorOptions } from './simulator.ts';

export const KNOX_RESULT = {
  SUCCESS: '0',
  INVALID_PARAMETER: '1002',
  UNAUTHORIZED: '1401',
  DEVICE_NOT_FOUND: '2101',
} as const;

export interface KnoxManageSimulatorOptions extends SimulatorOptions {
  /** Lets the same module stand for another Knox-shaped MDM instance (logs, health). */
  name?: string;
  credentials?: ClientCredentials;
  tokenTtlSeconds?: number;
  /** Prefix of the MDM's device ids (default "KM"). */
  deviceIdPrefix?: string;
}

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
    userId: device.userId,
    profileId: device.profileId,
    online: device.online,
    lastSeenAt: device.lastSeenAt,
  };
}

export interface KnoxManageState {
  devices: MdmDeviceState[];
}

export class KnoxManageSimulator extends Simulator<KnoxManageState> implements MdmSimulator {
  readonly devices: MdmDeviceRegistry;
  readonly tokens: TokenIssuer;
  readonly credentials: ClientCredentials;

  constructor(options: KnoxManageSimulatorOptions = {}) {
    super(options.name ?? 'knox-manage', options);
    const prefix = options.deviceIdPrefix ?? 'KM';
    this.devices = new MdmDeviceRegistry((n) => `${prefix}${String(n).padStart(8, '0')}`);
    this.tokens = new TokenIssuer(options.tokenTtlSeconds ?? 3600);
    this.credentials = options.credentials ?? { clientId: `knox-${randomSecret(6)}`, clientSecret: randomSecret() };

    mountMdmDeviceAdmin(this.admin, this);
    mountTokenAdmin(this.admin, this.tokens);

    this.route('post', '/emm/oauth/token', clientCredentialsTokenEndpoint(this.credentials, this.tokens));

    const authenticated = requireBearer(
      (token) => this.tokens.isValid(token),
      () => knoxError(401, KNOX_RESULT.UNAUTHORIZED, 'Invalid or expired access token'),
    );
    const oapi = (path: string, handler: RequestHandler): void => this.route('post', `/emm/oapi/${path}`, authenticated, handler);

    oapi('device/selectDeviceInfoByImei', (req, res) => {
      const imei = Fields.ofBody(req, invalidParameter).string('imei');
      const device = this.devices.byImei(imei);
      if (!device) throw knoxError(404, KNOX_RESULT.DEVICE_NOT_FOUND, 'Device not found');
      success(res, deviceView(device));
    });

    oapi('device/selectDeviceList', (req, res) => {
      const fields = Fields.ofBody(req, invalidParameter);
      const pageNum = fields.optionalNumber('pageNum') ?? 1;
      const pageSize = fields.optionalNumber('pageSize') ?? 50;
      if (!Number.isInteger(pageNum) || pageNum < 1) throw invalidParameter('pageNum must be a positive integer');
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) throw invalidParameter('pageSize must be 1..500');
      const all = this.devices.list();
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
  }

  exportState(): KnoxManageState {
    return { devices: this.devices.list() };
  }

  importState(state: KnoxManageState): void {
    this.devices.replaceAll(state.devices);
  }

  /** In-process seeding, as the provisioning partner registers a device. */
  registerDevice(registration: MdmDeviceRegistration): MdmDeviceState {
    return this.devices.register(registration);
  }

  private deviceOf(fields: Fields): MdmDeviceState {
    const device = this.devices.byId(fields.string('deviceId'));
    if (!device) throw knoxError(404, KNOX_RESULT.DEVICE_NOT_FOUND, 'Device not found');
    return device;
  }
}
