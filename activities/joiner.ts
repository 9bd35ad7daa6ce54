// The joiner's side effects. Each is safe to run twice: reservations are keyed by the phase's
// key, the operator registration carries an idempotency key, MDM assignments set a state; each
// undo tolerates finding nothing to undo (it may run for a step that never happened).
import type { OwnerRegistration } from '../src/adapters/operator.ts';
import type { Prisma } from '../src/db/generated/client.ts';
import { handoverDay } from '../src/domain/handover-day.ts';
import { permanent } from './boundary.ts';
import type { ActivityDeps } from './deps.ts';
import { inventoryDevice, managedPhone } from './device-commands.ts';
import { enrolInOfflineLock } from './offline-lock.ts';
import { audit, createRecordActivities } from './records.ts';

export interface HireRecord {
  employeeId: string;
  storeId: string;
  position: string;
  startDate: string;
  displayName?: string;
}

export type StockReservation = { reserved: true; imei: string; iccid: string } | { reserved: false; missing: ('device' | 'sim')[] };

export interface SimOwnerRegistrationView {
  registrationId: string;
  status: 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'WITHDRAWN';
  reason?: string;
}

class OutOfStock extends Error {
  constructor(readonly missing: ('device' | 'sim')[]) {
    super('out of stock');
  }
}

export function createJoinerActivities(deps: ActivityDeps) {
  const { db, operator, hr, directory } = deps;

  return {
    ...createRecordActivities(deps),

    /** Writes the employee (no identity data) and resolves the role from the HR position. */
    async recordHire(hire: HireRecord): Promise<{ roleCode: string; profileId: string }> {
      const store = await db.store.findUnique({ where: { id: hire.storeId } });
      if (!store) throw permanent('UnknownStore', `store ${hire.storeId} does not exist`);
      const role = await db.role.findFirst({ where: { positions: { has: hire.position } } });
      if (!role) throw permanent('UnknownPosition', `position ${hire.position} maps to no role`);
      // A rehire starts over: no hand-over, no last working day of the employment before.
      const fields = { storeId: hire.storeId, roleCode: role.code, position: hire.position, startDate: new Date(`${hire.startDate}T00:00:00Z`), status: 'ONBOARDING' as const, handedOverAt: null, handoverDay: null, lastWorkingDay: null };
      await db.$transaction(async (tx) => {
        await tx.employee.upsert({ where: { id: hire.employeeId }, create: { id: hire.employeeId, ...fields }, update: fields });
        await audit(tx, { action: 'employee.hired', employeeId: hire.employeeId, storeId: hire.storeId, details: { roleCode: role.code } });
      });
      return { roleCode: role.code, profileId: role.profileId };
    },

    /** null while IT has not created (or enabled) the account yet. */
    async findDirectoryAccount(employeeId: string): Promise<{ userId: string } | null> {
      const user = await directory.findUserByEmployeeId(employeeId);
      if (!user || !user.accountEnabled) return null;
      await db.employee.update({ where: { id: employeeId }, data: { directoryUserId: user.id } });
      return { userId: user.id };
    },

    /**
     * Takes one device and one corporate SIM from the store's stock for this hire. A retry finds
     * what it already holds (keyed by the reservation key) and takes only what is missing, so a
     * hire whose phone was quarantined keeps its SIM and gets another phone. The phone and SIM
     * that waited longest in stock go first: a stock item that keeps coming back (a phone the
     * MDM refused used to) cannot be taken by every hire in turn.
     */
    async reserveDeviceAndSim({ reservationKey, employeeId, storeId }: { reservationKey: string; employeeId: string; storeId: string }): Promise<StockReservation> {
      try {
        return await db.$transaction(async (tx) => {
          const held = await heldBy(tx, reservationKey);
          if (held.device && held.sim) return { reserved: true as const, imei: held.device, iccid: held.sim };
          // SKIP LOCKED: a hundred hires in one store reserve different phones in parallel.
          const device = held.device
            ? { imei: held.device }
            : (
                await tx.$queryRaw<{ imei: string }[]>`
            UPDATE "Device" SET state = 'RESERVED', "reservedBy" = ${reservationKey}, "employeeId" = ${employeeId}, "updatedAt" = now()
            WHERE imei = (SELECT imei FROM "Device" WHERE "storeId" = ${storeId} AND state = 'IN_STOCK' ORDER BY "updatedAt", imei LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING imei`
              )[0];
          const sim = held.sim
            ? { iccid: held.sim }
            : (
                await tx.$queryRaw<{ iccid: string }[]>`
            UPDATE "Sim" SET state = 'RESERVED', "reservedBy" = ${reservationKey}, "employeeId" = ${employeeId}, "updatedAt" = now()
            WHERE iccid = (SELECT iccid FROM "Sim" WHERE "storeId" = ${storeId} AND state = 'IN_STOCK' ORDER BY "updatedAt", iccid LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING iccid`
              )[0];
          const missing = [...(device ? [] : ['device' as const]), ...(sim ? [] : ['sim' as const])];
          if (missing.length) throw new OutOfStock(missing); // rolls back what this attempt took; what was held stays held
          await audit(tx, { action: 'stock.reserved', employeeId, storeId, imei: device!.imei, iccid: sim!.iccid });
          return { reserved: true as const, imei: device!.imei, iccid: sim!.iccid };
        });
      } catch (err) {
        if (err instanceof OutOfStock) return { reserved: false, missing: err.missing };
        throw err;
      }
    },

    /** Compensation: device and SIM back to the store's stock (nothing held: nothing to undo). */
    async releaseReservation({ reservationKey, employeeId }: { reservationKey: string; employeeId: string }): Promise<void> {
      await db.$transaction(async (tx) => {
        const released = { state: 'IN_STOCK' as const, reservedBy: null, employeeId: null };
        const devices = await tx.device.updateManyAndReturn({ where: { reservedBy: reservationKey }, data: released });
        const sims = await tx.sim.updateManyAndReturn({ where: { reservedBy: reservationKey }, data: { ...released, ownerRegistration: 'NONE', ownerRegistrationId: null, ownerRegistrationKey: null } });
        if (devices.length || sims.length) {
          await audit(tx, { action: 'stock.released', employeeId, imei: devices[0]?.imei, iccid: sims[0]?.iccid });
        }
      });
    },

    /**
     * The MDM refused the phone at enrolment (it never saw it, or rejects it): the phone leaves
     * the stock (QUARANTINED) and support is told, so the next hire does not fail on it too.
     */
    async quarantineDevice({ reservationKey, imei, employeeId, reason }: { reservationKey: string; imei: string; employeeId: string; reason: string }): Promise<void> {
      await db.$transaction(async (tx) => {
        const [device] = await tx.device.updateManyAndReturn({ where: { imei, reservedBy: reservationKey }, data: { state: 'QUARANTINED', reservedBy: null, employeeId: null } });
        if (!device) return; // already quarantined by an earlier attempt
        await audit(tx, { action: 'device.quarantined', employeeId, storeId: device.storeId, imei, details: { reason } });
        const { count } = await tx.supportTask.createMany({
          data: [{ idempotencyKey: `${reservationKey}:quarantine:${imei}`, storeId: device.storeId, employeeId, kind: 'device-quarantined', summary: `Phone ${imei} was refused by the MDM at enrolment (${reason}); it is out of stock until checked. The hire got another phone.` }],
          skipDuplicates: true,
        });
        if (count) await audit(tx, { action: 'support-task.opened', employeeId, storeId: device.storeId, details: { kind: 'device-quarantined' }, stepKey: `${reservationKey}:quarantine:${imei}` });
      });
    },

    /**
     * Fetches the identity data from HR and hands it to the operator: it never leaves this
     * function. The key is written on the SIM before anything is sent, so a retry that finds a
     * registration already submitted (recorded, or made by an attempt that died mid-call) asks the
     * operator for it instead of reading and sending the identity data again.
     */
    async submitSimOwnerRegistration({ employeeId, iccid, idempotencyKey }: { employeeId: string; iccid: string; idempotencyKey: string }): Promise<SimOwnerRegistrationView> {
      const sim = await db.sim.findUniqueOrThrow({ where: { iccid } });
      let registration: OwnerRegistration | null = null;
      if (sim.ownerRegistrationKey === idempotencyKey) {
        registration = sim.ownerRegistrationId ? await operator.getOwnerRegistration(sim.ownerRegistrationId) : await operator.findOwnerRegistration(idempotencyKey);
      } else {
        await db.sim.update({ where: { iccid }, data: { ownerRegistrationKey: idempotencyKey, ownerRegistrationId: null, ownerRegistration: 'NONE' } });
      }
      if (!registration) {
        const identity = await hr.getIdentity(employeeId);
        registration = await operator.submitOwnerRegistration(iccid, identity, idempotencyKey);
      }
      const found = registration;
      await db.$transaction(async (tx) => {
        await tx.sim.update({ where: { iccid }, data: { ownerRegistration: found.status, ownerRegistrationId: found.registrationId } });
        await audit(tx, { action: 'sim-owner.submitted', employeeId, iccid, details: { registrationId: found.registrationId }, stepKey: registrationStep(found.registrationId) });
        await auditDecision(tx, iccid, found);
      });
      return { registrationId: found.registrationId, status: found.status, reason: found.reason };
    },

    async checkSimOwnerRegistration({ iccid, registrationId }: { iccid: string; registrationId: string }): Promise<SimOwnerRegistrationView> {
      const registration = await operator.getOwnerRegistration(registrationId);
      if (registration.status !== 'PENDING') {
        await db.$transaction(async (tx) => {
          await tx.sim.update({ where: { iccid }, data: { ownerRegistration: registration.status } });
          await auditDecision(tx, iccid, registration);
        });
      }
      return { registrationId, status: registration.status, reason: registration.reason };
    },

    /**
     * Compensation: the person behind the SIM is no longer this hire. Given the submission's key
     * instead of a registration id (the undo is recorded before the submission), it finds the
     * registration, if one was made; none: nothing to undo.
     */
    async withdrawSimOwnerRegistration({ iccid, registrationId, idempotencyKey }: { iccid: string; registrationId?: string; idempotencyKey?: string }): Promise<void> {
      let id = registrationId;
      if (!id && idempotencyKey) {
        const sim = await db.sim.findUnique({ where: { iccid } });
        id = (sim?.ownerRegistrationKey === idempotencyKey ? sim.ownerRegistrationId : null) ?? (await operator.findOwnerRegistration(idempotencyKey))?.registrationId;
      }
      if (!id) return;
      const withdrawn = await operator.withdrawOwnerRegistration(id);
      await db.$transaction(async (tx) => {
        await tx.sim.updateMany({ where: { iccid, ownerRegistrationId: id }, data: { ownerRegistration: 'WITHDRAWN' } });
        if (withdrawn.status === 'WITHDRAWN') await audit(tx, { action: 'sim-owner.withdrawn', iccid, details: { registrationId: id }, stepKey: registrationStep(id) });
      });
    },

    /**
     * The accepted SIM is switched on at the operator (a stock SIM is INVENTORY, a reissued one
     * may be SUSPENDED), before the curator hears the phone is ready.
     */
    async activateSim({ iccid, employeeId }: { iccid: string; employeeId: string }): Promise<{ before: string }> {
      const sim = await operator.getSim(iccid);
      if (!sim) throw permanent('UnknownSim', `the operator does not know SIM ${iccid}`);
      if (sim.status !== 'ACTIVATED') {
        await operator.setSimStatus(iccid, 'ACTIVATED');
        await audit(db, { action: sim.status === 'SUSPENDED' ? 'sim.resumed' : 'sim.activated', employeeId, iccid, details: { before: sim.status } });
      }
      return { before: sim.status };
    },

    /** Compensation of activateSim: a SIM back in stock must not be usable (nothing active: nothing to undo). */
    async suspendStockSim({ iccid, employeeId }: { iccid: string; employeeId: string }): Promise<void> {
      const sim = await operator.getSim(iccid);
      if (!sim || sim.status !== 'ACTIVATED') return;
      await operator.setSimStatus(iccid, 'SUSPENDED');
      await audit(db, { action: 'sim.suspended', employeeId, iccid, details: { reason: 'onboarding undone' } });
    },

    /** Assigns the device to the employee's directory account with the role's profile. */
    async enrolDevice({ imei, employeeId, directoryUserId, profileId }: { imei: string; employeeId: string; directoryUserId: string; profileId: string }): Promise<{ mdmDeviceId: string }> {
      const phone = await managedPhone(deps, imei);
      await phone.provider.assignUser(phone.deviceId, directoryUserId);
      await phone.provider.applyProfile(phone.deviceId, profileId);
      await db.$transaction(async (tx) => {
        await tx.device.update({ where: { imei }, data: { state: 'ENROLLED', mdmDeviceId: phone.deviceId } });
        await audit(tx, { action: 'device.enrolled', employeeId, storeId: phone.storeId, imei, details: { mdm: phone.provider.name, profileId } });
      });
      return { mdmDeviceId: phone.deviceId };
    },

    /** Compensation: the device is a stock device again in the MDM. */
    async unenrolDevice({ imei, employeeId }: { imei: string; employeeId: string }): Promise<void> {
      // Also the compensation of an enrolment the MDM refused: the phone may be unknown to it.
      const { device, provider } = await inventoryDevice(deps, imei);
      const managed = await provider.findDeviceByImei(imei);
      if (managed?.userId) await provider.unassignUser(managed.deviceId);
      const undone = Boolean(managed?.userId) || device.state === 'ENROLLED';
      await db.$transaction(async (tx) => {
        if (device.state === 'ENROLLED') await tx.device.update({ where: { imei }, data: { state: 'RESERVED' } });
        if (undone) await audit(tx, { action: 'device.unenrolled', employeeId, storeId: device.storeId, imei });
      });
    },

    /** The phone is in the employee's hands: record it, and on which day of employment. */
    async recordHandover({ employeeId, imei, iccid, handedOverAt, by }: { employeeId: string; imei: string; iccid: string; handedOverAt: string; by: string }): Promise<{ handoverDay: number }> {
      await enrolInOfflineLock(deps, imei, `handover:${employeeId}:${handedOverAt}`); // while the phone is in hand and online
      return db.$transaction(async (tx) => {
        const employee = await tx.employee.findUniqueOrThrow({ where: { id: employeeId }, include: { store: true } });
        const at = new Date(handedOverAt);
        const day = handoverDay(at, employee.startDate.toISOString().slice(0, 10), employee.store.timeZone);
        await tx.employee.update({ where: { id: employeeId }, data: { status: 'ACTIVE', handedOverAt: at, handoverDay: day } });
        await tx.device.update({ where: { imei }, data: { state: 'IN_USE', reservedBy: null, employeeId } });
        await tx.sim.update({ where: { iccid }, data: { state: 'IN_USE', reservedBy: null, employeeId } });
        await audit(tx, { action: 'device.handed-over', employeeId, storeId: employee.storeId, imei, iccid, details: { handoverDay: day, by } });
        return { handoverDay: day };
      });
    },
  };
}

async function heldBy(tx: Prisma.TransactionClient, reservationKey: string): Promise<{ device?: string; sim?: string }> {
  const [device, sim] = await Promise.all([tx.device.findFirst({ where: { reservedBy: reservationKey } }), tx.sim.findFirst({ where: { reservedBy: reservationKey } })]);
  return { device: device?.imei, sim: sim?.iccid };
}

/** A registration's submission and decision are each logged once, whichever step saw them. */
const registrationStep = (registrationId: string) => `owner-registration:${registrationId}`;

function auditDecision(tx: Prisma.TransactionClient, iccid: string, registration: OwnerRegistration) {
  if (registration.status !== 'ACCEPTED' && registration.status !== 'REJECTED') return Promise.resolve();
  return audit(tx, {
    action: `sim-owner.${registration.status.toLowerCase()}`,
    iccid,
    details: { registrationId: registration.registrationId, reason: registration.reason ?? null },
    stepKey: registrationStep(registration.registrationId),
  });
}

export type JoinerActivities = ReturnType<typeof createJoinerActivities>;
