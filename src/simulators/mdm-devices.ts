// The device inventory both MDM simulators keep (Knox Manage and the second MDM expose it
// through different API shapes). Devices are registered the way the provisioning partner
// does it (IMEI, serial, model, ICCID); messages reach a phone only while it is online, the
// rest wait for it, as a real push does.
import type { Router } from 'express';
import { isValidImei } from '../domain/identifiers.ts';
import { Fields, SimHttpError, itemsOf, plainError } from './request-fields.ts';

export interface MdmDeviceRegistration {
  imei: string;
  serial: string;
  model: string;
  iccid?: string;
  msisdn?: string;
  /** Seeding an existing fleet: the device is already assigned and profiled. */
  userId?: string;
  profileId?: string;
  online?: boolean;
}

export interface MdmPushedMessage {
  title: string;
  body: string;
  sentAt: string;
  /** Set when the phone was online at send time or came online later. */
  deliveredAt?: string;
}

export type MdmDeviceEventType = 'REGISTERED' | 'USER_ASSIGNED' | 'USER_UNASSIGNED' | 'PROFILE_APPLIED' | 'ONLINE' | 'OFFLINE';

/** Only real changes are recorded: a repeated assignment or profile leaves no event. */
export interface MdmDeviceEvent {
  at: string;
  type: MdmDeviceEventType;
  value?: string;
}

export interface MdmDeviceState {
  deviceId: string;
  imei: string;
  serial: string;
  model: string;
  iccid?: string;
  msisdn?: string;
  userId?: string;
  profileId?: string;
  online: boolean;
  lastSeenAt?: string;
  registeredAt: string;
  messages: MdmPushedMessage[];
  events: MdmDeviceEvent[];
}

export class MdmDeviceRegistry {
  private readonly byImeiIndex = new Map<string, MdmDeviceState>();
  private readonly byIdIndex = new Map<string, MdmDeviceState>();

  constructor(
    /** The MDM's own id for its n-th registered device (1-based). */
    private readonly deviceIdFor: (sequence: number) => string,
    private readonly now: () => number = Date.now,
  ) {}

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  /** Registers a device; registering the same IMEI again updates what the partner scanned. */
  register(registration: MdmDeviceRegistration): MdmDeviceState {
    if (!isValidImei(registration.imei)) throw new Error('invalid IMEI');
    const existing = this.byImeiIndex.get(registration.imei);
    if (existing) {
      existing.serial = registration.serial;
      existing.model = registration.model;
      if (registration.iccid !== undefined) existing.iccid = registration.iccid;
      if (registration.msisdn !== undefined) existing.msisdn = registration.msisdn;
      return existing;
    }
    const at = this.timestamp();
    const device: MdmDeviceState = {
      deviceId: this.deviceIdFor(this.byIdIndex.size + 1),
      imei: registration.imei,
      serial: registration.serial,
      model: registration.model,
      online: registration.online ?? false,
      registeredAt: at,
      messages: [],
      events: [{ at, type: 'REGISTERED' }],
    };
    if (registration.iccid !== undefined) device.iccid = registration.iccid;
    if (registration.msisdn !== undefined) device.msisdn = registration.msisdn;
    if (registration.userId) device.userId = registration.userId;
    if (registration.profileId) device.profileId = registration.profileId;
    if (device.online) device.lastSeenAt = at;
    this.byImeiIndex.set(device.imei, device);
    this.byIdIndex.set(device.deviceId, device);
    return device;
  }

  byImei(imei: string): MdmDeviceState | undefined {
    return this.byImeiIndex.get(imei);
  }

  byId(deviceId: string): MdmDeviceState | undefined {
    return this.byIdIndex.get(deviceId);
  }

  /** In registration order. */
  list(): MdmDeviceState[] {
    return [...this.byIdIndex.values()];
  }

  get size(): number {
    return this.byIdIndex.size;
  }

  /** Restores a list(), registration order and device ids included. */
  replaceAll(devices: MdmDeviceState[]): void {
    this.byImeiIndex.clear();
    this.byIdIndex.clear();
    for (const device of devices) {
      this.byImeiIndex.set(device.imei, device);
      this.byIdIndex.set(device.deviceId, device);
    }
  }

  /** The phone reaches (or leaves) the network; reaching it delivers the waiting messages. */
  setOnline(imei: string, online: boolean): MdmDeviceState | undefined {
    const device = this.byImeiIndex.get(imei);
    if (!device) return undefined;
    const at = this.timestamp();
    if (device.online !== online) device.events.push({ at, type: online ? 'ONLINE' : 'OFFLINE' });
    device.online = online;
    device.lastSeenAt = at;
    if (online) for (const message of device.messages) message.deliveredAt ??= at;
    return device;
  }

  /** undefined userId = back to stock. Returns false when nothing changed. */
  assignUser(device: MdmDeviceState, userId: string | undefined): boolean {
    if (device.userId === userId) return false;
    if (userId === undefined) delete device.userId;
    else device.userId = userId;
    device.events.push({ at: this.timestamp(), type: userId === undefined ? 'USER_UNASSIGNED' : 'USER_ASSIGNED', ...(userId === undefined ? {} : { value: userId }) });
    return true;
  }

  /** Returns false when the device already has that profile. */
  applyProfile(device: MdmDeviceState, profileId: string): boolean {
    if (device.profileId === profileId) return false;
    device.profileId = profileId;
    device.events.push({ at: this.timestamp(), type: 'PROFILE_APPLIED', value: profileId });
    return true;
  }

  pushMessage(device: MdmDeviceState, title: string, body: string): MdmPushedMessage {
    const at = this.timestamp();
    const message: MdmPushedMessage = { title, body, sentAt: at };
    if (device.online) message.deliveredAt = at;
    device.messages.push(message);
    return message;
  }
}

/** What seeding and the admin routes need from either MDM simulator. */
export interface MdmSimulator {
  readonly devices: MdmDeviceRegistry;
  registerDevice(registration: MdmDeviceRegistration): MdmDeviceState;
}

const reject = plainError(400);

function registrationOf(item: Record<string, unknown>): MdmDeviceRegistration {
  const fields = new Fields(item, reject);
  const imei = fields.string('imei');
  if (!isValidImei(imei)) throw reject('imei must be 15 digits with a valid Luhn check digit');
  const registration: MdmDeviceRegistration = { imei, serial: fields.string('serial'), model: fields.string('model') };
  const optional = ['iccid', 'msisdn', 'userId', 'profileId'] as const;
  for (const name of optional) {
    const value = fields.optionalString(name);
    if (value) registration[name] = value;
  }
  const online = fields.optionalBoolean('online');
  if (online !== undefined) registration.online = online;
  return registration;
}

/**
 * Admin routes shared by both MDM simulators:
 * `POST /_sim/devices` (one or a list, as the provisioning partner registers them),
 * `GET /_sim/devices`, `GET /_sim/devices/:imei` (full state, messages in order),
 * `POST /_sim/devices/:imei/online`, `POST /_sim/devices/:imei/offline`.
 */
export function mountMdmDeviceAdmin(admin: Router, simulator: MdmSimulator): void {
  const registry = simulator.devices;
  admin.post('/devices', (req, res) => {
    const registrations = itemsOf(req).map(registrationOf);
    res.status(201).json(registrations.map((r) => simulator.registerDevice(r)));
  });
  admin.get('/devices', (_req, res) => {
    res.json(registry.list());
  });
  const known = (imei: string): MdmDeviceState => {
    const device = registry.byImei(imei);
    if (!device) throw new SimHttpError(404, { error: 'unknown IMEI' });
    return device;
  };
  admin.get('/devices/:imei', (req, res) => {
    res.json(known(req.params.imei));
  });
  admin.post('/devices/:imei/online', (req, res) => {
    known(req.params.imei);
    res.json(registry.setOnline(req.params.imei, true));
  });
  admin.post('/devices/:imei/offline', (req, res) => {
    known(req.params.imei);
    res.json(registry.setOnline(req.params.imei, false));
  });
}
