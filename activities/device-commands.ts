// Commands to a phone that must happen once: lock, unlock, wipe, uninstall, messages. The
// ledger row is written before the MDM is called; a retried attempt (the first failed, timed
// out, or its worker died) finds the row and, if the first attempt may have reached the MDM
// without recording it, looks for that command in the MDM's own list before sending anything.
import type { Mdm, MdmCommand, MdmCommandType } from '../src/systems/shared/mdm-api.ts';
import type { ActivityDeps } from './deps.ts';
import { permanent } from './boundary.ts';
import { deviceByImei } from '../src/inventory/index.ts';

/** Clock skew tolerated between phonefleet and the MDM when matching an earlier command. */
const SKEW_MS = 60_000;

export interface ManagedPhone {
  imei: string;
  storeId: string;
  leaseContract: string;
  deviceId: string;
  provider: Mdm;
  /** Whether the MDM sees the phone online now, and when it last saw it. */
  online: boolean;
  lastSeenAt?: string;
  /** The directory user the phone is assigned to, if any. */
  userId?: string;
}

/** The device in phonefleet's inventory, and the MDM its store runs. */
export async function inventoryDevice({ db, mdm }: Pick<ActivityDeps, 'db' | 'mdm'>, imei: string) {
  const device = await deviceByImei(db, imei);
  return { device, provider: mdm[device.mdmProvider] };
}

/** The device as its MDM knows it; a permanent error when the MDM has never seen it. */
export async function managedPhone(deps: Pick<ActivityDeps, 'db' | 'mdm'>, imei: string): Promise<ManagedPhone> {
  const { device, provider } = await inventoryDevice(deps, imei);
  const managed = await provider.findDeviceByImei(imei);
  if (!managed) throw permanent('DeviceNotInMdm', `${provider.name} does not know device ${imei}: the provisioning partner has not registered it`);
  return {
    imei,
    storeId: device.storeId,
    leaseContract: device.leaseContract,
    deviceId: managed.deviceId,
    provider,
    online: managed.online,
    lastSeenAt: managed.lastSeenAt,
    userId: managed.userId,
  };
}

/**
 * Sends `send` once per idempotency key and returns the MDM's command id (undefined for
 * commands the MDM does not list, such as pushed messages).
 *
 * Two attempts for one key never overlap: an attempt ends (its HTTP calls time out) well within
 * the activity's start-to-close timeout, after which Temporal schedules the next one. So a row
 * still SENDING means an attempt died between the MDM call and recording it.
 */
export async function sendOnce(
  { db }: Pick<ActivityDeps, 'db'>,
  phone: ManagedPhone,
  idempotencyKey: string,
  type: MdmCommandType,
  send: () => Promise<MdmCommand | void>,
): Promise<string | undefined> {
  const row = await db.deviceCommand.findUnique({ where: { idempotencyKey } });
  if (row && row.status !== 'SENDING') return row.providerCommandId ?? undefined;
  if (row) {
    const earlier = (await phone.provider.listCommands(phone.deviceId)).find((c) => c.type === type && Date.parse(c.issuedAt) >= row.createdAt.getTime() - SKEW_MS);
    if (earlier) {
      await db.deviceCommand.update({ where: { idempotencyKey }, data: { status: 'SENT', providerCommandId: earlier.commandId } });
      return earlier.commandId;
    }
  } else {
    await db.deviceCommand.create({ data: { idempotencyKey, imei: phone.imei, kind: type, provider: phone.provider.name, status: 'SENDING' } });
  }
  const command = await send();
  await db.deviceCommand.update({ where: { idempotencyKey }, data: { status: 'SENT', providerCommandId: command ? command.commandId : null } });
  return command ? command.commandId : undefined;
}
