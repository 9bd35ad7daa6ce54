// Remote commands as both MDM simulators keep them: one list per device, in the order they were
// issued. A command waits (PENDING) until the phone is online, then the phone carries it out
// and it is COMPLETED. Only the completion changes the phone: a lock issued to a phone in a
// drawer locks nothing until the phone reaches the network, which is what phonefleet must cope
// with for leavers who keep their phone.

export type MdmCommandType = 'LOCK' | 'UNLOCK' | 'WIPE' | 'UNINSTALL_APP' | 'MESSAGE';
export type MdmCommandStatus = 'PENDING' | 'COMPLETED';

export interface LockScreenText {
  message: string;
  phoneNumber: string;
}

/** What the administrator asked for; the command's parameters depend on its type. */
export type MdmCommandRequest =
  | { type: 'LOCK'; lockScreen: LockScreenText }
  | { type: 'UNLOCK' }
  | { type: 'WIPE' }
  | { type: 'UNINSTALL_APP'; packageName: string }
  | { type: 'MESSAGE'; title: string; body: string };

export interface MdmDeviceCommand {
  commandId: string;
  type: MdmCommandType;
  status: MdmCommandStatus;
  issuedAt: string;
  completedAt?: string;
  lockScreen?: LockScreenText;
  packageName?: string;
  title?: string;
  body?: string;
}

/** The part of a device a command acts on. */
export interface CommandTarget {
  online: boolean;
  userId?: string;
  profileId?: string;
  locked: boolean;
  lockScreen?: LockScreenText;
  installedApps: string[];
  wipedAt?: string;
  commands: MdmDeviceCommand[];
}

export function newCommand(commandId: string, request: MdmCommandRequest, issuedAt: string): MdmDeviceCommand {
  const command: MdmDeviceCommand = { commandId, type: request.type, status: 'PENDING', issuedAt };
  switch (request.type) {
    case 'LOCK':
      command.lockScreen = { ...request.lockScreen };
      break;
    case 'UNINSTALL_APP':
      command.packageName = request.packageName;
      break;
    case 'MESSAGE':
      command.title = request.title;
      command.body = request.body;
      break;
    default:
      break;
  }
  return command;
}

/** What a completed command did to the phone; the registry records it as a device event. */
export type CommandEffect = { type: 'LOCKED' | 'UNLOCKED' | 'WIPED' } | { type: 'APP_UNINSTALLED'; value: string } | undefined;

/** Carries out one command on the phone and marks it COMPLETED. */
export function complete(device: CommandTarget, command: MdmDeviceCommand, at: string): CommandEffect {
  command.status = 'COMPLETED';
  command.completedAt = at;
  switch (command.type) {
    case 'LOCK':
      device.locked = true;
      device.lockScreen = { ...command.lockScreen! };
      return { type: 'LOCKED' };
    case 'UNLOCK':
      device.locked = false;
      delete device.lockScreen;
      return { type: 'UNLOCKED' };
    case 'WIPE':
      // A factory reset erases the MDM's lock too (only Knox Guard survives it), and leaves a
      // stock phone: no user, no profile, no apps.
      delete device.userId;
      delete device.profileId;
      device.installedApps = [];
      device.locked = false;
      delete device.lockScreen;
      device.wipedAt = at;
      return { type: 'WIPED' };
    case 'UNINSTALL_APP':
      device.installedApps = device.installedApps.filter((p) => p !== command.packageName);
      return { type: 'APP_UNINSTALLED', value: command.packageName! };
    case 'MESSAGE':
      return undefined;
  }
}

/** The phone is online: it runs what waited for it, oldest first (a backup notice before the wipe). */
export function deliverPending(device: CommandTarget, at: string): CommandEffect[] {
  if (!device.online) return [];
  return device.commands.filter((c) => c.status === 'PENDING').map((c) => complete(device, c, at));
}

/** Newest first, as the MDMs' command lists show them. */
export function newestFirst(commands: readonly MdmDeviceCommand[]): MdmDeviceCommand[] {
  return [...commands].reverse();
}
