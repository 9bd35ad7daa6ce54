// The device inventory both MDM simulators keep (Knox Manage and the second MDM expose it
// through different API shapes). Devices are registered the way the provisioning partner
// does it (IMEI, serial, model, ICCID); messages and commands reach a phone only while it is
// online, the rest wait for it, as a real push does.
import type { Router } from 'express';
import type { MdmAppCatalog } from './mdm-apps.ts';
import { isValidImei } from '../../domain/identifiers.ts';
import { ROLES } from '../../domain/roles.ts';
import { deliverPending, complete, newCommand, newestFirst, type CommandEffect, type LockScreenText, type MdmCommandRequest, type MdmDeviceCommand } from './mdm-commands.ts';
import { Fields, SimHttpError, bodyOf, itemsOf, plainError } from './request-fields.ts';

export interface MdmDeviceRegistration {
  imei: string;
  serial: string;
  model: string;
  /** The company SIM, in slot 1. */
  iccid?: string;
  msisdn?: string;
  /** The employee's personal SIM in slot 2, as the agent reports it (personal data). */
  personalIccid?: string;
  /** Seeding an existing fleet: the device is already assigned and profiled, in its store's group. */
  userId?: string;
  profileId?: string;
  groupId?: string;
  online?: boolean;
}

export interface MdmPushedMessage {
  title: string;
  body: string;
  sentAt: string;
  /** Set when the phone was online at send time or came online later. */
  deliveredAt?: string;
}

export type MdmDeviceEventType =
  | 'REGISTERED'
  | 'USER_ASSIGNED'
  | 'USER_UNASSIGNED'
  | 'PROFILE_APPLIED'
  | 'GROUP_CHANGED'
  | 'UNENROLLED'
  | 'ONLINE'
  | 'OFFLINE'
  // Effects of completed commands:
  | 'LOCKED'
  | 'UNLOCKED'
  | 'WIPED'
  | 'APP_UNINSTALLED'
  // An in-house app version installed (value `<package>:<versionCode>`).
  | 'APP_INSTALLED';

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
  /** Slot 1: the company SIM the partner inserted (or whatever SIM the agent reports there now). */
  iccid?: string;
  msisdn?: string;
  /** Slot 2: the personal SIM the agent reports, if any (personal data: the MDM has it, phonefleet must not keep it). */
  personalIccid?: string;
  userId?: string;
  profileId?: string;
  /** The device group (phonefleet keeps one per store). */
  groupId?: string;
  online: boolean;
  lastSeenAt?: string;
  /** When the phone left the network (or was registered without reaching it); absent while online. */
  offlineSince?: string;
  registeredAt: string;
  /**
   * false once unenrolled: the MDM keeps the record (its console shows it) but its API no longer
   * knows the phone, and commands still pending never reach it.
   */
  enrolled: boolean;
  unenrolledAt?: string;
  /** The MDM's lock screen, set when a LOCK command completed. */
  locked: boolean;
  lockScreen?: LockScreenText;
  /** Packages on the phone: a profile's apps when applied, minus the uninstalled ones. */
  installedApps: string[];
  /** In-house app versions installed through the MDM's app distribution, by package. */
  installedVersions?: Record<string, number>;
  /** Set when a WIPE (factory reset) completed. */
  wipedAt?: string;
  messages: MdmPushedMessage[];
  /** In issue order; the APIs list them newest first. */
  commands: MdmDeviceCommand[];
  events: MdmDeviceEvent[];
}

/** What a simulator saves: the devices, and the counters that keep ids unique after removals. */
export interface MdmRegistryState {
  devices: MdmDeviceState[];
  /** Absent in state files written before devices could be removed. */
  deviceSeq?: number;
  commandSeq?: number;
}

export interface MdmRegistryOptions {
  now?: () => number;
  /**
   * The packages a profile installs. The MDMs carry the role configuration phonefleet keeps
   * once for both (a role's profile holds the role's apps); an unknown profile installs none.
   */
  appsOfProfile?: (profileId: string) => readonly string[];
}

const ROLE_APPS = new Map(ROLES.map((r) => [r.profileId, r.apps]));

function roleAppsOf(profileId: string): readonly string[] {
  return ROLE_APPS.get(profileId) ?? [];
}

/** Devices saved before commands existed lack these fields. */
function withDefaults(device: MdmDeviceState): MdmDeviceState {
  device.enrolled ??= true;
  device.locked ??= false;
  device.installedApps ??= device.profileId ? [...roleAppsOf(device.profileId)] : [];
  device.commands ??= [];
  device.messages ??= [];
  device.events ??= [];
  return device;
}

export type MdmDeviceEventListener = (device: MdmDeviceState, event: MdmDeviceEvent) => void;

export class MdmDeviceRegistry {
  private readonly byImeiIndex = new Map<string, MdmDeviceState>();
  private readonly byIdIndex = new Map<string, MdmDeviceState>();
  private readonly listeners: MdmDeviceEventListener[] = [];
  private readonly now: () => number;
  private readonly appsOfProfile: (profileId: string) => readonly string[];
  private deviceSeq = 0;
  private commandSeq = 0;

  constructor(
    /** The MDM's own id for its n-th registered device (1-based). */
    private readonly deviceIdFor: (sequence: number) => string,
    options: MdmRegistryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.appsOfProfile = options.appsOfProfile ?? roleAppsOf;
  }

  /**
   * `listener` hears every event recorded on a device (registration, coming online, command
   * effects...): how another system that sees the same physical phone, Knox Guard, learns that
   * the phone reached the network.
   */
  onDeviceEvent(listener: MdmDeviceEventListener): void {
    this.listeners.push(listener);
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }

  private record(device: MdmDeviceState, at: string, type: MdmDeviceEventType, value?: string): void {
    const event: MdmDeviceEvent = value === undefined ? { at, type } : { at, type, value };
    device.events.push(event);
    for (const listener of this.listeners) listener(device, event);
  }

  private recordEffects(device: MdmDeviceState, at: string, effects: CommandEffect[]): void {
    for (const effect of effects) if (effect) this.record(device, at, effect.type, 'value' in effect ? effect.value : undefined);
  }

  /**
   * Registers a device; registering the same IMEI again updates what the partner scanned. A
   * phone unenrolled earlier enrols as a new device (new id); its old record is dropped.
   */
  register(registration: MdmDeviceRegistration): MdmDeviceState {
    if (!isValidImei(registration.imei)) throw new Error('invalid IMEI');
    const existing = this.byImeiIndex.get(registration.imei);
    if (existing && !existing.enrolled) this.byIdIndex.delete(existing.deviceId);
    else if (existing) {
      existing.serial = registration.serial;
      existing.model = registration.model;
      if (registration.iccid !== undefined) existing.iccid = registration.iccid;
      if (registration.msisdn !== undefined) existing.msisdn = registration.msisdn;
      if (registration.personalIccid !== undefined) existing.personalIccid = registration.personalIccid;
      return existing;
    }
    const at = this.timestamp();
    this.deviceSeq += 1;
    const device: MdmDeviceState = {
      deviceId: this.deviceIdFor(this.deviceSeq),
      imei: registration.imei,
      serial: registration.serial,
      model: registration.model,
      online: registration.online ?? false,
      registeredAt: at,
      enrolled: true,
      locked: false,
      installedApps: registration.profileId ? [...this.appsOfProfile(registration.profileId)] : [],
      messages: [],
      commands: [],
      events: [],
    };
    if (registration.iccid !== undefined) device.iccid = registration.iccid;
    if (registration.msisdn !== undefined) device.msisdn = registration.msisdn;
    if (registration.personalIccid !== undefined) device.personalIccid = registration.personalIccid;
    if (registration.userId) device.userId = registration.userId;
    if (registration.profileId) device.profileId = registration.profileId;
    if (registration.groupId) device.groupId = registration.groupId;
    if (device.online) device.lastSeenAt = at;
    else device.offlineSince = at;
    this.byImeiIndex.set(device.imei, device);
    this.byIdIndex.set(device.deviceId, device);
    this.record(device, at, 'REGISTERED');
    return device;
  }

  /** Unenrolment (the agent is removed, e.g. the store moved to the other MDM). Returns false when already unenrolled. */
  unenrol(device: MdmDeviceState): boolean {
    if (!device.enrolled) return false;
    const at = this.timestamp();
    device.enrolled = false;
    device.unenrolledAt = at;
    this.record(device, at, 'UNENROLLED');
    return true;
  }

  /** The record for an IMEI, unenrolled or not (what the console and the admin API show). */
  byImei(imei: string): MdmDeviceState | undefined {
    return this.byImeiIndex.get(imei);
  }

  byId(deviceId: string): MdmDeviceState | undefined {
    return this.byIdIndex.get(deviceId);
  }

  /** What the MDM's API knows: enrolled devices only. */
  enrolledByImei(imei: string): MdmDeviceState | undefined {
    const device = this.byImeiIndex.get(imei);
    return device?.enrolled ? device : undefined;
  }

  enrolledById(deviceId: string): MdmDeviceState | undefined {
    const device = this.byIdIndex.get(deviceId);
    return device?.enrolled ? device : undefined;
  }

  /** Every record, in registration order. */
  list(): MdmDeviceState[] {
    return [...this.byIdIndex.values()];
  }

  /** Enrolled devices, in registration order. */
  listEnrolled(): MdmDeviceState[] {
    return this.list().filter((d) => d.enrolled);
  }

  get size(): number {
    return this.byIdIndex.size;
  }

  exportState(): MdmRegistryState {
    return { devices: this.list(), deviceSeq: this.deviceSeq, commandSeq: this.commandSeq };
  }

  /** Restores an exportState(), registration order and ids included. */
  importState(state: MdmRegistryState): void {
    this.byImeiIndex.clear();
    this.byIdIndex.clear();
    for (const device of state.devices.map(withDefaults)) {
      this.byImeiIndex.set(device.imei, device);
      this.byIdIndex.set(device.deviceId, device);
    }
    // Older state files: no device was ever re-enrolled, and command ids are sequence numbers.
    this.deviceSeq = state.deviceSeq ?? state.devices.length;
    this.commandSeq = state.commandSeq ?? Math.max(0, ...state.devices.flatMap((d) => d.commands.map((c) => Number(c.commandId) || 0)));
  }

  /**
   * The phone reaches (or leaves) the network; reaching it delivers the waiting messages and
   * commands. undefined when the MDM does not manage the phone (unknown or unenrolled): it no
   * longer hears from it.
   */
  setOnline(imei: string, online: boolean): MdmDeviceState | undefined {
    const device = this.enrolledByImei(imei);
    if (!device) return undefined;
    const at = this.timestamp();
    const changed = device.online !== online;
    device.online = online;
    device.lastSeenAt = at;
    if (online) delete device.offlineSince;
    else device.offlineSince ??= at;
    if (changed) this.record(device, at, online ? 'ONLINE' : 'OFFLINE');
    if (online) {
      for (const message of device.messages) message.deliveredAt ??= at;
      this.recordEffects(device, at, deliverPending(device, at));
    }
    return device;
  }

  /** undefined userId = back to stock. Returns false when nothing changed. */
  assignUser(device: MdmDeviceState, userId: string | undefined): boolean {
    if (device.userId === userId) return false;
    if (userId === undefined) delete device.userId;
    else device.userId = userId;
    this.record(device, this.timestamp(), userId === undefined ? 'USER_UNASSIGNED' : 'USER_ASSIGNED', userId);
    return true;
  }

  /**
   * Returns false when the device already has that profile. The profile's apps are installed;
   * apps of the previous profile stay until uninstalled, as on a real phone (the mover process
   * removes them).
   */
  applyProfile(device: MdmDeviceState, profileId: string): boolean {
    if (device.profileId === profileId) return false;
    device.profileId = profileId;
    for (const app of this.appsOfProfile(profileId)) if (!device.installedApps.includes(app)) device.installedApps.push(app);
    this.record(device, this.timestamp(), 'PROFILE_APPLIED', profileId);
    return true;
  }

  /** An app version the MDM's app distribution installed (an older one replaces a newer one too: a rollback). */
  installVersion(device: MdmDeviceState, packageName: string, versionCode: number, at: string): void {
    device.installedVersions ??= {};
    device.installedVersions[packageName] = versionCode;
    if (!device.installedApps.includes(packageName)) device.installedApps.push(packageName);
    this.record(device, at, 'APP_INSTALLED', `${packageName}:${versionCode}`);
  }

  /** Returns false when the device is already in that group. */
  moveToGroup(device: MdmDeviceState, groupId: string): boolean {
    if (device.groupId === groupId) return false;
    device.groupId = groupId;
    this.record(device, this.timestamp(), 'GROUP_CHANGED', groupId);
    return true;
  }

  pushMessage(device: MdmDeviceState, title: string, body: string): MdmPushedMessage {
    const at = this.timestamp();
    const message: MdmPushedMessage = { title, body, sentAt: at };
    if (device.online) message.deliveredAt = at;
    device.messages.push(message);
    // Also a command, so that the command list shows a backup notice was sent before a wipe.
    this.issueCommand(device, { type: 'MESSAGE', title, body });
    return message;
  }

  /** Queues a command; a phone online carries it out at once. */
  issueCommand(device: MdmDeviceState, request: MdmCommandRequest): MdmDeviceCommand {
    const at = this.timestamp();
    this.commandSeq += 1;
    const command = newCommand(String(this.commandSeq), request, at);
    device.commands.push(command);
    if (device.online) this.recordEffects(device, at, [complete(device, command, at)]);
    return command;
  }

  /** Newest first. */
  commandsOf(device: MdmDeviceState): MdmDeviceCommand[] {
    return newestFirst(device.commands);
  }

  command(device: MdmDeviceState, commandId: string): MdmDeviceCommand | undefined {
    return device.commands.find((c) => c.commandId === commandId);
  }
}

/** The SIMs the agent reports, slot by slot (slot 2: the personal one). */
export function simSlotsOf(device: MdmDeviceState): { slot: 1 | 2; iccid: string }[] {
  const slots: { slot: 1 | 2; iccid: string }[] = [];
  if (device.iccid) slots.push({ slot: 1, iccid: device.iccid });
  if (device.personalIccid) slots.push({ slot: 2, iccid: device.personalIccid });
  return slots;
}

/** What seeding and the admin routes need from either MDM simulator. */
export interface MdmSimulator {
  readonly devices: MdmDeviceRegistry;
  /** Its in-house app distribution (releases). */
  readonly apps: MdmAppCatalog;
  /** The id its API gives the device (what an adapter reports as MdmDevice.deviceId). */
  apiDeviceId(device: MdmDeviceState): string;
  registerDevice(registration: MdmDeviceRegistration): MdmDeviceState;
}

const reject = plainError(400);

function registrationOf(item: Record<string, unknown>): MdmDeviceRegistration {
  const fields = new Fields(item, reject);
  const imei = fields.string('imei');
  if (!isValidImei(imei)) throw reject('imei must be 15 digits with a valid Luhn check digit');
  const registration: MdmDeviceRegistration = { imei, serial: fields.string('serial'), model: fields.string('model') };
  const optional = ['iccid', 'msisdn', 'personalIccid', 'userId', 'profileId'] as const;
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
 * `GET /_sim/devices`, `GET /_sim/devices/:imei` (full state, unenrolled ones too: lock screen, installed apps,
 * messages and commands in issue order, events), `GET /_sim/devices/:imei/commands` (issue order),
 * `POST /_sim/devices/:imei/online` (delivers what waited), `POST /_sim/devices/:imei/offline`,
 * `PUT /_sim/devices/:imei/sim-slots` ({ slot1?, slot2? }: an ICCID, or null for an empty slot: a
 * SIM moved to another phone, a personal SIM put in or taken out).
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
  admin.get('/devices/:imei/commands', (req, res) => {
    res.json(known(req.params.imei).commands);
  });
  const setOnline = (imei: string, online: boolean): MdmDeviceState => {
    known(imei);
    const device = registry.setOnline(imei, online);
    if (!device) throw new SimHttpError(409, { error: 'device is unenrolled from this MDM' });
    return device;
  };
  admin.post('/devices/:imei/online', (req, res) => {
    res.json(setOnline(req.params.imei, true));
  });
  admin.post('/devices/:imei/offline', (req, res) => {
    res.json(setOnline(req.params.imei, false));
  });
  admin.put('/devices/:imei/sim-slots', (req, res) => {
    const device = known(req.params.imei);
    const body = bodyOf(req);
    const fields = new Fields(body, reject);
    const slots: [keyof typeof body, 'iccid' | 'personalIccid'][] = [
      ['slot1', 'iccid'],
      ['slot2', 'personalIccid'],
    ];
    const changes: ['iccid' | 'personalIccid', string | null][] = [];
    for (const [name, field] of slots) {
      if (body[name] === undefined) continue;
      if (body[name] === null) changes.push([field, null]);
      else {
        const iccid = fields.string(String(name));
        if (!/^89\d{17,18}$/.test(iccid)) throw reject(`${String(name)} must be an ICCID (89 and 17-18 digits) or null`);
        changes.push([field, iccid]);
      }
    }
    for (const [field, value] of changes) {
      if (value === null) delete device[field];
      else device[field] = value;
    }
    res.json({ imei: device.imei, simSlots: simSlotsOf(device) });
  });
}
