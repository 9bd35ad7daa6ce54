import { PermanentSystemError } from './errors.ts';

// The MDM as phonefleet sees it. Knox Manage is the primary implementation; a second provider
// sits behind the same interface (the story ran two MDMs at once).

export type MdmProviderName = 'KNOX_MANAGE' | 'SECOND_MDM';

export interface MdmDevice {
  /** The MDM's own device id (Knox Manage `deviceId`). */
  deviceId: string;
  imei: string;
  serial: string;
  model: string;
  /** ICCID the MDM agent reports for the SIM in slot 1 (may be absent until first check-in). */
  iccid?: string;
  /** Directory user id the device is assigned to, if any. */
  userId?: string;
  profileId?: string;
  /** Device group (phonefleet keeps one per store), when the device is in one. */
  groupId?: string;
  online: boolean;
  lastSeenAt?: string;
  /** What the agent reports, personal SIM (slot 2) included. */
  simSlots?: { slot: 1 | 2; iccid: string }[];
}

/** The slots an adapter read, as MdmDevice.simSlots: slots 1 and 2 with an ICCID, in slot order; anything else left out. */
export function simSlotsFrom(reported: readonly (readonly [unknown, unknown])[]): NonNullable<MdmDevice['simSlots']> {
  const slots: NonNullable<MdmDevice['simSlots']> = [];
  for (const [slot, iccid] of reported) {
    if ((slot === 1 || slot === 2) && typeof iccid === 'string' && iccid !== '' && !slots.some((s) => s.slot === slot)) slots.push({ slot, iccid });
  }
  return slots.sort((a, b) => a.slot - b.slot);
}

export interface MdmMessage {
  title: string;
  body: string;
}

export interface MdmProvider {
  readonly name: MdmProviderName;
  /** null when the MDM does not know the IMEI (the partner has not registered it). */
  findDeviceByImei(imei: string): Promise<MdmDevice | null>;
  /** Assign the device to a directory user. Setting the same user again is a no-op. */
  assignUser(deviceId: string, userId: string): Promise<void>;
  /** Remove the user assignment (back to a stock device). No-op when unassigned. */
  unassignUser(deviceId: string): Promise<void>;
  /** Apply a profile (the role's apps and policies). Same profile again is a no-op. */
  applyProfile(deviceId: string, profileId: string): Promise<void>;
  /** Push a message to the phone (Knox Manage `...ForNotification`). */
  sendMessage(deviceId: string, message: MdmMessage): Promise<void>;
}

export interface MdmDevicePage {
  devices: MdmDevice[];
  total: number;
}

/**
 * The MDM's device inventory, page by page (SIM reconciliation joins the agent-reported ICCIDs
 * with the operator's data). Kept apart from MdmProvider so test doubles need not implement it.
 */
export interface MdmDeviceInventory {
  /** pageNumber is 1-based. */
  listDevices(page: { pageNumber: number; pageSize: number }): Promise<MdmDevicePage>;
}

// --- Remote commands (leaver, mover, support) --------------------------------------------------
// A command reaches the phone only when it is online; until then the MDM keeps it PENDING. The
// MDM's command list is what makes a destructive command idempotent across retries: before
// sending again, phonefleet looks for the one it may already have sent.

export const MDM_COMMAND_TYPES = ['LOCK', 'UNLOCK', 'WIPE', 'UNINSTALL_APP', 'MESSAGE'] as const;
export const MDM_COMMAND_STATUSES = ['PENDING', 'COMPLETED', 'FAILED'] as const;
export type MdmCommandType = (typeof MDM_COMMAND_TYPES)[number];
export type MdmCommandStatus = (typeof MDM_COMMAND_STATUSES)[number];

/**
 * A provider's command type and status in phonefleet's terms. An unknown one is a contract
 * change to look at, not something to guess around.
 */
export function knownCommand(system: string, commandId: string | number, type: string, status: string): { type: MdmCommandType; status: MdmCommandStatus } {
  if (!(MDM_COMMAND_TYPES as readonly string[]).includes(type) || !(MDM_COMMAND_STATUSES as readonly string[]).includes(status)) {
    throw new PermanentSystemError(system, `command ${commandId}: unknown type or status`);
  }
  return { type: type as MdmCommandType, status: status as MdmCommandStatus };
}

export interface MdmCommand {
  commandId: string;
  deviceId: string;
  type: MdmCommandType;
  status: MdmCommandStatus;
  issuedAt: string;
  completedAt?: string;
  /** LOCK: what the lock screen shows. */
  lockScreen?: LockScreen;
  /** UNINSTALL_APP: which app, so that a retry can find the uninstall it already sent. */
  packageName?: string;
}

/** What a locked phone shows: who owns it, why it is locked, whom to call, where to bring it. */
export interface LockScreen {
  message: string;
  phoneNumber: string;
}

export interface MdmRegistration {
  imei: string;
  serial: string;
  model: string;
  iccid?: string;
}

export interface MdmCommands {
  /** Lock the screen with a message (Knox Manage style `...ForLockDevice`, modelled). */
  lockDevice(deviceId: string, screen: LockScreen): Promise<MdmCommand>;
  unlockDevice(deviceId: string): Promise<MdmCommand>;
  /** Factory reset (`...ForFactoryReset`). */
  wipeDevice(deviceId: string): Promise<MdmCommand>;
  /** `...ForUninstallApp`: an app the employee's new role does not have. */
  uninstallApp(deviceId: string, packageName: string): Promise<MdmCommand>;
  /** Commands sent to the device, newest first (pending ones included). */
  listCommands(deviceId: string): Promise<MdmCommand[]>;
  getCommand(deviceId: string, commandId: string): Promise<MdmCommand>;
  /** Move the device to a device group (phonefleet keeps one group per store). No-op when already there. */
  moveToGroup(deviceId: string, groupId: string): Promise<void>;
  /** Remove the device from this MDM (`...ForUnEnrollment`). No-op when unknown. */
  unenrol(deviceId: string): Promise<void>;
  /** Register a device with this MDM (as the partner does, or when a store changes MDM); returns it. Idempotent by IMEI. */
  register(device: MdmRegistration): Promise<MdmDevice>;
}

// --- In-house app distribution (releases) ------------------------------------------------------
// The MDM stores the APK, takes assignments to devices with a deployment schedule (download from,
// install from) and reports each device's install status. Assignments go in batches: one call for
// up to `appTargetsPerCall` phones, never one per phone (Knox Manage: 300 device commands a minute).

export const MDM_APP_INSTALL_STATUSES = ['ASSIGNED', 'DOWNLOADING', 'DOWNLOADED', 'INSTALLED', 'FAILED', 'CANCELLED'] as const;
export type MdmAppInstallStatus = (typeof MDM_APP_INSTALL_STATUSES)[number];

export interface MdmAppUpload {
  packageName: string;
  versionCode: number;
  versionName?: string;
  sha256: string;
  apk: Uint8Array;
}

export interface MdmAppTarget {
  deviceId: string;
  /** ISO 8601: the phone may download from then on. */
  downloadFrom: string;
  /** ISO 8601: the phone may install from then on. */
  installFrom: string;
}

export interface MdmAppInstall {
  deviceId: string;
  status: MdmAppInstallStatus;
  installedAt?: string;
  failure?: string;
}

export interface MdmAppDistribution {
  /** The most devices one assignment, cancellation or status call may name. */
  readonly appTargetsPerCall: number;
  /** Uploads the build; the same build again answers the same app version id. */
  uploadApp(upload: MdmAppUpload): Promise<{ appVersionId: string }>;
  /** Assigns the version to the devices, each with its schedule. A device already assigned it is left as it is. */
  assignApp(appVersionId: string, targets: MdmAppTarget[]): Promise<void>;
  /** Withdraws the assignment from devices that have not started downloading; returns how many. */
  cancelAppAssignments(appVersionId: string, deviceIds: string[]): Promise<number>;
  /** The devices' install status for the version (devices never assigned it are left out). */
  appInstallStatus(appVersionId: string, deviceIds: string[]): Promise<MdmAppInstall[]>;
}

/** A provider's install status in phonefleet's terms; an unknown one is a contract change. */
export function knownInstallStatus(system: string, status: string): MdmAppInstallStatus {
  const upper = status.toUpperCase();
  if (!(MDM_APP_INSTALL_STATUSES as readonly string[]).includes(upper)) throw new PermanentSystemError(system, `unknown app install status ${status.slice(0, 20)}`);
  return upper as MdmAppInstallStatus;
}

// --- Activation of a new store's phones (store rollout) ----------------------------------------
// A provisioned phone, once switched on, enrols and downloads the store's enrolment image (the
// profile's apps, ~1 GB) over the store's uplink, then its user signs in for the first time. The
// MDM schedules both per device (Knox Manage's Deployment Scheduler on the enrolment profile):
// the image from `downloadFrom`, the first sign-in from `activateFrom` once the image is there.
// The downloads share the store link with app releases (the simulators' StoreLink).

export const MDM_ACTIVATION_STATUSES = ['SCHEDULED', 'DOWNLOADING', 'DOWNLOADED', 'ACTIVATED'] as const;
export type MdmActivationStatus = (typeof MDM_ACTIVATION_STATUSES)[number];

export interface MdmActivationTarget {
  deviceId: string;
  /** ISO 8601: the image may download from then on. */
  downloadFrom: string;
  /** ISO 8601: the first sign-in, not before then (and not before the image is there). */
  activateFrom: string;
}

export interface MdmActivation {
  deviceId: string;
  status: MdmActivationStatus;
  downloadedAt?: string;
  activatedAt?: string;
}

export interface MdmDeviceActivation {
  /** The most devices one schedule or status call may name. */
  readonly activationTargetsPerCall: number;
  /**
   * Schedules the image (imageBytes) and the first sign-in for each device. A device already
   * scheduled keeps its download; a new activateFrom moves its sign-in while it has not signed in
   * (an image late on a slow link must not sign in the moment it lands, with the rest of its wave).
   */
  scheduleActivation(imageBytes: number, targets: MdmActivationTarget[]): Promise<void>;
  /** The devices' activation status (devices never scheduled are left out). */
  activationStatus(deviceIds: string[]): Promise<MdmActivation[]>;
}

/** A provider's activation status in phonefleet's terms; an unknown one is a contract change. */
export function knownActivationStatus(system: string, status: string): MdmActivationStatus {
  const upper = status.toUpperCase();
  if (!(MDM_ACTIVATION_STATUSES as readonly string[]).includes(upper)) throw new PermanentSystemError(system, `unknown activation status ${status.slice(0, 20)}`);
  return upper as MdmActivationStatus;
}

/** `items` in calls of at most `size` (an MDM's per-call limit). */
export const chunksOf = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Everything phonefleet asks of an MDM. */
export type Mdm = MdmProvider & MdmDeviceInventory & MdmCommands & MdmAppDistribution & MdmDeviceActivation;
