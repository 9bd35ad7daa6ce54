// A phone's life in the records: enrolled for a hire, handed over, locked, permanently locked,
// written off, restocked or sent for a swap, back in its holder's hands, moved to another MDM.
// Each transition writes the device row and its audit entry in one transaction, and refuses a
// phone whose state does not lead there (IllegalTransition); repeating a transition that took
// effect is allowed (a retried step) and logs once.
import type { Db } from '../db/client.ts';
import type { Device, DeviceState, MdmProviderKind, Prisma } from '../db/generated/client.ts';
import { handoverDay } from '../domain/handover-day.ts';
import { audit, type DbOrTx } from './audit.ts';
import { IllegalTransition, UnknownRecord } from './errors.ts';
import { PHONE_HELD } from './lookups.ts';

/** From which states each transition may start (its own target included: a retried step). */
export const DEVICE_TRANSITIONS = {
  enrol: ['RESERVED', 'ENROLLED'],
  handOver: ['RESERVED', 'ENROLLED', 'IN_USE'],
  lock: [...PHONE_HELD],
  brick: [...PHONE_HELD],
  writeOff: [...PHONE_HELD, 'LOST'],
  // A written-off phone may still come back.
  restock: [...PHONE_HELD, 'LOST', 'RETURNED', 'IN_STOCK'],
  sendForSwap: [...PHONE_HELD, 'LOST', 'RETURNED', 'AWAITING_SWAP'],
  recover: [...PHONE_HELD, 'LOST'],
} as const satisfies Record<string, readonly DeviceState[]>;
export type DeviceTransition = keyof typeof DEVICE_TRANSITIONS;

/** Moves the device (optionally only if it is `where`'s) when its state allows; refuses otherwise. */
async function moveDevice(tx: DbOrTx, imei: string, transition: DeviceTransition, data: Prisma.DeviceUncheckedUpdateManyInput): Promise<Device> {
  const from = DEVICE_TRANSITIONS[transition] as readonly DeviceState[];
  const [moved] = await tx.device.updateManyAndReturn({ where: { imei, state: { in: [...from] } }, data });
  if (moved) return moved;
  const device = await tx.device.findUnique({ where: { imei } });
  if (!device) throw new UnknownRecord('UnknownDevice', `device ${imei} is not in phonefleet's inventory`);
  throw new IllegalTransition(
    { device: imei },
    transition.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`),
    device.state,
  );
}

/** The MDM assigned the reserved phone to the hire's account with the role's profile. */
export async function recordEnrolment(db: Db, e: { imei: string; employeeId: string; mdm: string; mdmDeviceId: string; profileId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const device = await moveDevice(tx, e.imei, 'enrol', { state: 'ENROLLED', mdmDeviceId: e.mdmDeviceId });
    await audit(tx, { action: 'device.enrolled', employeeId: e.employeeId, storeId: device.storeId, imei: e.imei, details: { mdm: e.mdm, profileId: e.profileId } });
  });
}

/**
 * The enrolment undone (compensation): an enrolled phone is reserved again; logged if there was
 * something to undo, in the MDM (`wasAssigned`) or here. Any other state: nothing to undo here.
 */
export async function recordUnenrolment(db: Db, u: { imei: string; employeeId: string; storeId: string; wasAssigned: boolean }): Promise<void> {
  await db.$transaction(async (tx) => {
    const { count } = await tx.device.updateMany({ where: { imei: u.imei, state: 'ENROLLED' }, data: { state: 'RESERVED' } });
    if (count || u.wasAssigned) await audit(tx, { action: 'device.unenrolled', employeeId: u.employeeId, storeId: u.storeId, imei: u.imei });
  });
}

/** The phone and SIM are in the employee's hands: both in use, the employee active, and on which day of employment. */
export async function handOver(db: Db, h: { employeeId: string; imei: string; iccid: string; handedOverAt: string; by: string }): Promise<{ handoverDay: number }> {
  return db.$transaction(async (tx) => {
    const employee = await tx.employee.findUnique({ where: { id: h.employeeId }, include: { store: true } });
    if (!employee) throw new UnknownRecord('UnknownEmployee', `employee ${h.employeeId} is not known to phonefleet`);
    const at = new Date(h.handedOverAt);
    const day = handoverDay(at, employee.startDate.toISOString().slice(0, 10), employee.store.timeZone);
    await tx.employee.update({ where: { id: h.employeeId }, data: { status: 'ACTIVE', handedOverAt: at, handoverDay: day } });
    await moveDevice(tx, h.imei, 'handOver', { state: 'IN_USE', reservedBy: null, employeeId: h.employeeId });
    const [sim] = await tx.sim.updateManyAndReturn({
      where: { iccid: h.iccid, state: { in: ['RESERVED', 'IN_USE'] } },
      data: { state: 'IN_USE', reservedBy: null, employeeId: h.employeeId },
    });
    if (!sim) {
      const now = await tx.sim.findUnique({ where: { iccid: h.iccid } });
      if (!now) throw new UnknownRecord('UnknownSim', `SIM ${h.iccid} is not in phonefleet's inventory`);
      throw new IllegalTransition({ sim: h.iccid }, 'be handed over', now.state);
    }
    await audit(tx, { action: 'device.handed-over', employeeId: h.employeeId, storeId: employee.storeId, imei: h.imei, iccid: h.iccid, details: { handoverDay: day, by: h.by } });
    return { handoverDay: day };
  });
}

/** The MDM's lock was sent (`commandId`: its command, if it lists one). */
export async function lock(db: Db, { imei, commandId }: { imei: string; commandId?: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const device = await moveDevice(tx, imei, 'lock', { state: 'LOCKED' });
    await audit(tx, { action: 'phone.locked', imei, storeId: device.storeId, details: { commandId: commandId ?? null } });
  });
}

/** Unlocked for its holder (date moved, dismissal revoked); a phone no longer locked (returned, restocked) keeps its state. */
export async function releaseLock(db: Db, { imei, storeId }: { imei: string; storeId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.device.updateMany({ where: { imei, state: 'LOCKED' }, data: { state: 'IN_USE' } });
    await audit(tx, { action: 'phone.unlocked', imei, storeId });
  });
}

/** Knox Guard's permanent lock was set (`status`: Knox Guard's answer). */
export async function brick(db: Db, { imei, status }: { imei: string; status: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const device = await moveDevice(tx, imei, 'brick', { state: 'BRICKED' });
    await audit(tx, { action: 'phone.bricked', imei, storeId: device.storeId, details: { status } });
  });
}

/** Not returned: reported lost to the leasing partner (`caseId`: its case). */
export async function writeOff(db: Db, { imei, employeeId, caseId }: { imei: string; employeeId: string; caseId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const device = await moveDevice(tx, imei, 'writeOff', { state: 'LOST' });
    await audit(tx, { action: 'phone.written-off', imei, employeeId, storeId: device.storeId, details: { caseId } });
  });
}

/** A returned phone back in its store's stock, no one's. */
export async function restock(db: Db, { imei, employeeId }: { imei: string; employeeId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const device = await moveDevice(tx, imei, 'restock', { state: 'IN_STOCK', employeeId: null, reservedBy: null });
    await audit(tx, { action: 'phone.restocked', imei, employeeId, storeId: device.storeId });
  });
}

/** A phone returned damaged waits for the leasing partner's swap (`caseId`). */
export async function sendForSwap(db: Db, { imei, employeeId, caseId }: { imei: string; employeeId: string; caseId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const device = await moveDevice(tx, imei, 'sendForSwap', { state: 'AWAITING_SWAP', employeeId: null, reservedBy: null });
    await audit(tx, { action: 'phone.swap-requested', imei, employeeId, storeId: device.storeId, details: { caseId } });
  });
}

/**
 * The phone is in its holder's hands again (dismissal revoked): in use, if it is still theirs
 * (a phone handed in and restocked is no one's: nothing to recover). In the caller's transaction.
 */
export async function recover(tx: Prisma.TransactionClient, { imei, employeeId }: { imei: string; employeeId: string }): Promise<void> {
  const device = await tx.device.findUnique({ where: { imei } });
  if (!device || device.employeeId !== employeeId) return;
  await moveDevice(tx, imei, 'recover', { state: 'IN_USE' });
}

/** The phone now lives in another MDM (a transfer between stores that run different ones). */
export async function moveToMdm(db: Db, { imei, mdmProvider, mdmDeviceId }: { imei: string; mdmProvider: MdmProviderKind; mdmDeviceId: string }): Promise<void> {
  await db.device.update({ where: { imei }, data: { mdmProvider, mdmDeviceId } });
}

/** The employee, and the devices and SIMs they hold, belong to another store now. */
export async function transferHoldings(db: Db, t: { employeeId: string; fromStoreId: string; storeId: string; imei?: string; mdmMoved: boolean }): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.employee.update({ where: { id: t.employeeId }, data: { storeId: t.storeId } });
    await tx.device.updateMany({ where: { employeeId: t.employeeId }, data: { storeId: t.storeId } });
    await tx.sim.updateMany({ where: { employeeId: t.employeeId }, data: { storeId: t.storeId } });
    await audit(tx, {
      action: 'employee.transferred',
      employeeId: t.employeeId,
      storeId: t.storeId,
      imei: t.imei,
      details: { from: t.fromStoreId, to: t.storeId, mdmMoved: t.mdmMoved },
    });
  });
}
