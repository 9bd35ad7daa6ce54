// Second MDM simulator, modelled on Headwind MDM's REST API (a self-hosted Android MDM), so
// that phonefleet really talks to two MDMs of different shapes behind one interface, as the
// story did during the migration. Modelled subset:
//   POST /rest/public/jwt/login {login, password: MD5 hex, upper case} -> {id_token}
//   GET  /rest/private/devices/number/:number      (the device "number" is its IMEI here)
//   POST /rest/private/devices/search {value?, pageNum?, pageSize?}
//   PUT  /rest/private/devices {number, configurationId?, custom1?, group?}  (custom1 = directory
//        user; simplified to a partial update by number, and one device group by name). With
//        imei, serial and model it registers the device, creating it when the number is new
//        (Headwind creates a device on a PUT without id).
//   DELETE /rest/private/devices/:id   (the simulator keeps the record, unenrolled, for /_sim)
//   GET  /rest/private/configurations, GET /rest/private/configurations/search/:value
//   POST /rest/plugins/messaging/private/send {scope: 'device', deviceNumber, message}
// Remote commands, modelled as a plugin in Headwind's style (its real device-control plugin
// differs by edition):
//   POST /rest/plugins/devicecontrol/private/{lock,unlock,reset}/:number  (lock: {lockMessage, phone})
//   POST /rest/plugins/devicecontrol/private/uninstall/:number {pkg}
//   GET  /rest/plugins/devicecontrol/private/commands/:number          (newest first)
//   GET  /rest/plugins/devicecontrol/private/commands/:number/:id
// In-house applications and a deployment plugin for scheduled installs and for the activation of
// a new store's phones (enrolment image, first sign-in), modelled in the same style:
//   POST /rest/private/applications/upload, /rest/plugins/deployment/private/{assign,cancel,status},
//   POST /rest/plugins/deployment/private/activation/{schedule,status}
// Answers `{ status: 'OK' | 'ERROR', message, data }`. A configuration is the MDM profile;
// its name is phonefleet's profileId.
import { createHash } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { isValidImei } from '../../domain/identifiers.ts';
import { ROLES } from '../../domain/roles.ts';
import { TokenIssuer, mountTokenAdmin, randomSecret, requireBearer, safeEqual } from '../shared/simulator-auth.ts';
import type { MdmCommandRequest, MdmDeviceCommand } from '../shared/mdm-commands.ts';
import { MdmDeviceRegistry, mountMdmDeviceAdmin, type MdmDeviceRegistration, type MdmDeviceState, type MdmRegistryState, type MdmSimulator } from '../shared/mdm-devices.ts';
import {
  MdmAppCatalog,
  mountMdmAppAdmin,
  type ActivationRequest,
  type ActivationState,
  type AppCatalogState,
  type AppTargetRequest,
  type AppTargetState,
} from '../shared/mdm-apps.ts';
import { Fields, SimHttpError, bodyOf, plainError } from '../shared/request-fields.ts';
import { Simulator, type SimulatorOptions } from '../shared/simulator.ts';

export interface HeadwindCredentials {
  login: string;
  password: string;
}

export interface HeadwindConfiguration {
  id: number;
  name: string;
}

export interface HeadwindSimulatorOptions extends SimulatorOptions {
  credentials?: HeadwindCredentials;
  tokenTtlSeconds?: number;
  /** Configuration names created at start (default: one per role profile). */
  configurations?: string[];
}

/** Headwind's web client sends the MD5 of the password, upper-case hex. */
export function headwindPasswordHash(password: string): string {
  return createHash('md5').update(password).digest('hex').toUpperCase();
}

function headwindError(status: number, message: string): SimHttpError {
  return new SimHttpError(status, { status: 'ERROR', message, data: null });
}

const badRequest = (message: string): SimHttpError => headwindError(400, message);

function ok(res: Response, data: unknown = null): void {
  res.json({ status: 'OK', message: null, data });
}

export interface HeadwindState extends MdmRegistryState {
  configurations: HeadwindConfiguration[];
  apps?: AppCatalogState;
}

/** At most this many devices per deployment or status call. */
export const HEADWIND_APP_TARGETS_PER_CALL = 1000;
/** At most this many devices per activation schedule or status call. */
export const HEADWIND_ACTIVATION_TARGETS_PER_CALL = 1000;

/** Headwind keeps times as epoch milliseconds. */
function epochMs(iso: string | undefined): number | null {
  return iso === undefined ? null : Date.parse(iso);
}

function commandView(deviceNumber: string, command: MdmDeviceCommand): Record<string, unknown> {
  return {
    id: Number(command.commandId),
    deviceNumber,
    type: command.type,
    status: command.status,
    createTime: epochMs(command.issuedAt),
    completeTime: epochMs(command.completedAt),
    lockMessage: command.lockScreen?.message ?? null,
    phone: command.lockScreen?.phoneNumber ?? null,
    pkg: command.packageName ?? null,
    message: command.type === 'MESSAGE' ? command.body : null,
  };
}

/** A deployment's state on one device; Headwind keeps times as epoch milliseconds. */
function installView(number: string, target: AppTargetState): Record<string, unknown> {
  return {
    number,
    applicationId: Number(target.appVersionId),
    status: target.status.toLowerCase(),
    downloadStarted: target.downloadStartedAt ?? null,
    downloaded: target.downloadedAt ?? null,
    installed: target.installedAt ?? null,
    error: target.failure ?? null,
  };
}

/** A device's activation (enrolment image, first sign-in); epoch milliseconds. */
function activationView(number: string, activation: ActivationState): Record<string, unknown> {
  return {
    number,
    status: activation.status.toLowerCase(),
    imageSize: activation.imageBytes,
    downloadStarted: activation.downloadStartedAt ?? null,
    downloaded: activation.downloadedAt ?? null,
    activated: activation.activatedAt ?? null,
  };
}

export class HeadwindSimulator extends Simulator<HeadwindState> implements MdmSimulator {
  readonly devices: MdmDeviceRegistry;
  readonly tokens: TokenIssuer;
  readonly credentials: HeadwindCredentials;
  readonly apps: MdmAppCatalog;
  private readonly configurations = new Map<string, HeadwindConfiguration>();

  constructor(options: HeadwindSimulatorOptions = {}) {
    super('second-mdm', options);
    this.devices = new MdmDeviceRegistry((n) => String(n));
    this.apps = new MdmAppCatalog(this.devices, (n) => String(n));
    this.tokens = new TokenIssuer(options.tokenTtlSeconds ?? 3600);
    this.credentials = options.credentials ?? { login: 'phonefleet', password: randomSecret() };
    for (const name of options.configurations ?? ROLES.map((r) => r.profileId)) this.addConfiguration(name);

    mountMdmDeviceAdmin(this.admin, this);
    mountMdmAppAdmin(this.admin, this.devices, this.apps);
    mountTokenAdmin(this.admin, this.tokens);
    this.admin.get('/configurations', (_req, res) => {
      res.json(this.listConfigurations());
    });
    this.admin.post('/configurations', (req, res) => {
      res.status(201).json(this.addConfiguration(new Fields(bodyOf(req), plainError(400)).string('name')));
    });

    this.route('post', '/rest/public/jwt/login', (req, res) => {
      const fields = Fields.ofBody(req, badRequest);
      const login = fields.string('login');
      const password = fields.string('password');
      const expected = headwindPasswordHash(this.credentials.password);
      if (!safeEqual(login, this.credentials.login) || !safeEqual(password, expected)) {
        throw headwindError(401, 'error.auth.failed');
      }
      res.json({ id_token: this.tokens.issue().token });
    });

    const authenticated = requireBearer(
      (token) => this.tokens.isValid(token),
      () => headwindError(401, 'error.auth.required'),
    );

    this.route('get', '/rest/private/devices/number/:number', authenticated, (req, res) => {
      ok(res, this.deviceView(this.deviceByNumber(String(req.params.number))));
    });

    this.route('post', '/rest/private/devices/search', authenticated, (req, res) => {
      const fields = Fields.ofBody(req, badRequest);
      const value = fields.optionalString('value') ?? '';
      const pageNum = fields.optionalNumber('pageNum') ?? 1;
      const pageSize = fields.optionalNumber('pageSize') ?? 50;
      if (!Number.isInteger(pageNum) || pageNum < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) {
        throw badRequest('error.params.paging');
      }
      const matching = this.devices.listEnrolled().filter((d) => value === '' || d.imei.includes(value) || d.serial.includes(value));
      const items = matching.slice((pageNum - 1) * pageSize, pageNum * pageSize).map((d) => this.deviceView(d));
      ok(res, { configurations: this.listConfigurations(), devices: { items, totalItemsCount: matching.length } });
    });

    this.route('put', '/rest/private/devices', authenticated, (req, res) => {
      const fields = Fields.ofBody(req, badRequest);
      const number = fields.string('number');
      const device = fields.optionalString('model') === undefined ? this.deviceByNumber(number) : this.registerByPut(number, fields);
      const configurationId = fields.optionalNumber('configurationId');
      const custom1 = fields.optionalString('custom1');
      const group = fields.optionalString('group');
      if (configurationId !== undefined) {
        const configuration = this.listConfigurations().find((c) => c.id === configurationId);
        if (!configuration) throw headwindError(404, 'error.notfound.configuration');
        this.devices.applyProfile(device, configuration.name);
      }
      if (custom1 !== undefined) this.devices.assignUser(device, custom1 === '' ? undefined : custom1);
      if (group) this.devices.moveToGroup(device, group);
      ok(res, this.deviceView(device));
    });

    this.route('delete', '/rest/private/devices/:id', authenticated, (req, res) => {
      const device = this.devices.enrolledById(String(req.params.id));
      if (!device) throw headwindError(404, 'error.notfound.device');
      this.devices.unenrol(device);
      ok(res);
    });

    const control = '/rest/plugins/devicecontrol/private';
    const commandRoute = (action: string, requestOf: (fields: Fields) => MdmCommandRequest): void =>
      this.route('post', `${control}/${action}/:number`, authenticated, (req, res) => {
        const device = this.deviceByNumber(String(req.params.number));
        const command = this.devices.issueCommand(device, requestOf(Fields.ofBody(req, badRequest)));
        ok(res, commandView(device.imei, command));
      });
    commandRoute('lock', (f) => ({ type: 'LOCK', lockScreen: { message: f.string('lockMessage'), phoneNumber: f.string('phone') } }));
    commandRoute('unlock', () => ({ type: 'UNLOCK' }));
    commandRoute('reset', () => ({ type: 'WIPE' }));
    commandRoute('uninstall', (f) => ({ type: 'UNINSTALL_APP', packageName: f.string('pkg') }));

    this.route('get', `${control}/commands/:number`, authenticated, (req, res) => {
      const device = this.deviceByNumber(String(req.params.number));
      ok(
        res,
        this.devices.commandsOf(device).map((c) => commandView(device.imei, c)),
      );
    });

    this.route('get', `${control}/commands/:number/:id`, authenticated, (req, res) => {
      const device = this.deviceByNumber(String(req.params.number));
      const command = this.devices.command(device, String(req.params.id));
      if (!command) throw headwindError(404, 'error.notfound.command');
      ok(res, commandView(device.imei, command));
    });

    this.route('get', '/rest/private/configurations', authenticated, (_req, res) => {
      ok(res, this.listConfigurations());
    });

    this.route('get', '/rest/private/configurations/search/:value', authenticated, (req, res) => {
      const value = String(req.params.value);
      ok(
        res,
        this.listConfigurations().filter((c) => c.name.includes(value)),
      );
    });

    // In-house applications (Headwind keeps APKs as application versions) and a deployment
    // plugin in Headwind's style for scheduled installs; devices by number (the IMEI).
    this.route('post', '/rest/private/applications/upload', authenticated, express.raw({ type: 'application/vnd.android.package-archive', limit: '512mb' }), (req, res) => {
      const body = req.body as unknown;
      if (!Buffer.isBuffer(body) || body.length === 0) throw badRequest('error.params.file');
      const query = req.query as Record<string, unknown>;
      const pkg = typeof query.pkg === 'string' ? query.pkg : '';
      const versionCode = Number(query.versionCode);
      if (!pkg || !Number.isInteger(versionCode)) throw badRequest('error.params.pkg');
      const version = this.apps.upload({
        packageName: pkg,
        versionCode,
        ...(typeof query.version === 'string' ? { versionName: query.version } : {}),
        sha256: createHash('sha256').update(body).digest('hex'),
        sizeBytes: body.length,
      });
      ok(res, { id: Number(version.appVersionId), pkg, versionCode, sha256: version.sha256, size: version.sizeBytes });
    });

    const numbersOf = (fields: Fields, name: string, limit = HEADWIND_APP_TARGETS_PER_CALL): MdmDeviceState[] => {
      const numbers = fields.optionalStringList(name) ?? [];
      if (numbers.length === 0 || numbers.length > limit) throw badRequest(`error.params.${name}`);
      return numbers.map((n) => this.deviceByNumber(n));
    };
    /** `targets`: 1..limit of { number, <first>, <second> } with epoch ms, as device ids. */
    const scheduleOf = <K extends string>(req: Request, limit: number, [first, second]: readonly [K, K]): ({ deviceId: string } & Record<K, number>)[] => {
      const list = bodyOf(req).targets;
      if (!Array.isArray(list) || list.length === 0 || list.length > limit) throw badRequest('error.params.targets');
      return list.map((item: unknown) => {
        const t = (item ?? {}) as Record<string, unknown>;
        if (typeof t.number !== 'string' || typeof t[first] !== 'number' || typeof t[second] !== 'number') throw badRequest('error.params.targets');
        return { deviceId: this.deviceByNumber(t.number).deviceId, [first]: t[first], [second]: t[second] } as { deviceId: string } & Record<K, number>;
      });
    };
    const applicationOf = (fields: Fields): string => {
      const id = String(fields.optionalNumber('applicationId') ?? '');
      if (!this.apps.listVersions().some((v) => v.appVersionId === id)) throw headwindError(404, 'error.notfound.application');
      return id;
    };

    this.route('post', '/rest/plugins/deployment/private/assign', authenticated, (req, res) => {
      const fields = Fields.ofBody(req, badRequest);
      const applicationId = applicationOf(fields);
      const targets: AppTargetRequest[] = scheduleOf(req, HEADWIND_APP_TARGETS_PER_CALL, ['downloadFrom', 'installFrom']);
      ok(res, { assigned: this.apps.assign(applicationId, targets) });
    });

    this.route('post', '/rest/plugins/deployment/private/cancel', authenticated, (req, res) => {
      const fields = Fields.ofBody(req, badRequest);
      const applicationId = applicationOf(fields);
      ok(res, {
        cancelled: this.apps.cancel(
          applicationId,
          numbersOf(fields, 'numbers').map((d) => d.deviceId),
        ).length,
      });
    });

    this.route('post', '/rest/plugins/deployment/private/status', authenticated, (req, res) => {
      const fields = Fields.ofBody(req, badRequest);
      const applicationId = applicationOf(fields);
      const devices = numbersOf(fields, 'numbers');
      const byId = new Map(devices.map((d) => [d.deviceId, d.imei]));
      ok(
        res,
        this.apps.statuses(applicationId, [...byId.keys()]).map((t) => installView(byId.get(t.deviceId)!, t)),
      );
    });

    // Activation of a new store's phones: the enrolment image (imageSize bytes) from downloadFrom,
    // the first sign-in from activateFrom once it is there; a device already scheduled is left as it is.
    this.route('post', '/rest/plugins/deployment/private/activation/schedule', authenticated, (req, res) => {
      const imageSize = bodyOf(req).imageSize;
      if (typeof imageSize !== 'number' || !Number.isInteger(imageSize) || imageSize < 1) throw badRequest('error.params.imageSize');
      const targets: ActivationRequest[] = scheduleOf(req, HEADWIND_ACTIVATION_TARGETS_PER_CALL, ['downloadFrom', 'activateFrom']);
      ok(res, { scheduled: this.apps.scheduleActivation(imageSize, targets) });
    });

    this.route('post', '/rest/plugins/deployment/private/activation/status', authenticated, (req, res) => {
      const devices = numbersOf(Fields.ofBody(req, badRequest), 'numbers', HEADWIND_ACTIVATION_TARGETS_PER_CALL);
      const byId = new Map(devices.map((d) => [d.deviceId, d.imei]));
      ok(
        res,
        this.apps.activationsOf([...byId.keys()]).map((a) => activationView(byId.get(a.deviceId)!, a)),
      );
    });

    this.route('post', '/rest/plugins/messaging/private/send', authenticated, (req, res) => {
      const fields = Fields.ofBody(req, badRequest);
      fields.oneOf('scope', ['device'] as const);
      const device = this.deviceByNumber(fields.string('deviceNumber'));
      // Headwind messages have no title: the whole text is the body.
      this.devices.pushMessage(device, '', fields.string('message'));
      ok(res);
    });
  }

  exportState(): HeadwindState {
    return { ...this.devices.exportState(), configurations: this.listConfigurations(), apps: this.apps.exportState() };
  }

  importState(state: HeadwindState): void {
    this.devices.importState(state);
    this.apps.importState(state.apps);
    this.configurations.clear();
    for (const configuration of state.configurations) this.configurations.set(configuration.name, configuration);
  }

  addConfiguration(name: string): HeadwindConfiguration {
    const existing = this.configurations.get(name);
    if (existing) return existing;
    const configuration = { id: this.configurations.size + 1, name };
    this.configurations.set(name, configuration);
    return configuration;
  }

  listConfigurations(): HeadwindConfiguration[] {
    return [...this.configurations.values()];
  }

  /** Headwind addresses a device by its "number", the IMEI in this fleet. */
  apiDeviceId(device: MdmDeviceState): string {
    return device.imei;
  }

  /** In-process seeding; a profile unknown to this MDM becomes a configuration. */
  registerDevice(registration: MdmDeviceRegistration): MdmDeviceState {
    if (registration.profileId) this.addConfiguration(registration.profileId);
    return this.devices.register(registration);
  }

  /** The device "number" is its IMEI in this fleet, so a registration must agree with it. */
  private registerByPut(number: string, fields: Fields): MdmDeviceState {
    const imei = fields.optionalString('imei') ?? number;
    if (imei !== number || !isValidImei(imei)) throw badRequest('error.params.imei');
    const registration: MdmDeviceRegistration = { imei, serial: fields.string('serial'), model: fields.string('model') };
    const iccid = fields.optionalString('iccid');
    if (iccid) registration.iccid = iccid;
    return this.registerDevice(registration);
  }

  private deviceByNumber(number: string): MdmDeviceState {
    const device = this.devices.enrolledByImei(number);
    if (!device) throw headwindError(404, 'error.notfound.device');
    return device;
  }

  /** Headwind has no "online" flag: a phone online checks in continuously (lastUpdate = now). */
  private deviceView(device: MdmDeviceState): Record<string, unknown> {
    const lastUpdate = device.online ? Date.now() : device.lastSeenAt ? Date.parse(device.lastSeenAt) : 0;
    return {
      id: Number(device.deviceId),
      number: device.imei,
      imei: device.imei,
      serial: device.serial,
      model: device.model,
      iccid: device.iccid ?? null,
      phone: device.msisdn ?? null,
      // Headwind's dual-SIM fields: the second slot (the employee's own SIM).
      iccid2: device.personalIccid ?? null,
      configurationId: device.profileId ? (this.configurations.get(device.profileId)?.id ?? null) : null,
      custom1: device.userId ?? null,
      group: device.groupId ?? null,
      lastUpdate,
    };
  }
}
