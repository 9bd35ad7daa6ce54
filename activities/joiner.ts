// The joiner's side effects. Each is safe to run twice: reservations are keyed by the workflow
// id, the operator registration carries an idempotency key, MDM assignments set a state.
import type { Prisma } from '../src/db/generated/client.ts';
import { handoverDay } from '../src/domain/handover-day.ts';
import { permanent } from './boundary.ts';
import type { ActivityDeps } from './deps.ts';
import { inventoryDevice, managedPhone } from './device-commands.ts';
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
      const fields = { storeId: hire.storeId, roleCode: role.code, position: hire.position, startDate: new Date(`${hire.startDate}T00:00:00Z`), status: 'ONBOARDING' as const };
      await db.employee.upsert({ where: { id: hire.employeeId }, create: { id: hire.employeeId, ...fields }, update: fields });
      await audit(db, { action: 'employee.hired', employeeId: hire.employeeId, storeId: hire.storeId, details: { roleCode: role.code } });
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
     * Takes one device and one corporate SIM from the store's stock for this hire, both or
     * neither. A retry finds the reservation it already made (keyed by the workflow id).
     */
    async reserveDeviceAndSim({ reservationKey, employeeId, storeId }: { reservationKey: string; employeeId: string; storeId: string }): Promise<StockReservation> {
      try {
        return await db.$transaction(async (tx) => {
          const held = await heldBy(tx, reservationKey);
          if (held) return held;
          // SKIP LOCKED: a hundred hires in one store reserve different phones in parallel.
          const [device] = await tx.$queryRaw<{ imei: string }[]>`
            UPDATE "Device" SET state = 'RESERVED', "reservedBy" = ${reservationKey}, "employeeId" = ${employeeId}, "updatedAt" = now()
            WHERE imei = (SELECT imei FROM "Device" WHERE "storeId" = ${storeId} AND state = 'IN_STOCK' ORDER BY imei LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING imei`;
          const [sim] = await tx.$queryRaw<{ iccid: string }[]>`
            UPDATE "Sim" SET state = 'RESERVED', "reservedBy" = ${reservationKey}, "employeeId" = ${employeeId}, "updatedAt" = now()
            WHERE iccid = (SELECT iccid FROM "Sim" WHERE "storeId" = ${storeId} AND state = 'IN_STOCK' ORDER BY iccid LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING iccid`;
          const missing = [...(device ? [] : ['device' as const]), ...(sim ? [] : ['sim' as const])];
          if (missing.length) throw new OutOfStock(missing); // rolls back the half that was found
          await audit(tx, { action: 'stock.reserved', employeeId, storeId, imei: device.imei, iccid: sim.iccid });
          return { reserved: true as const, imei: device.imei, iccid: sim.iccid };
        });
      } catch (err) {
        if (err instanceof OutOfStock) return { reserved: false, missing: err.missing };
        throw err;
      }
    },

    /** Compensation: device and SIM back to the store's stock. */
    async releaseReservation({ reservationKey, employeeId }: { reservationKey: string; employeeId: string }): Promise<void> {
      await db.$transaction(async (tx) => {
        const released = { state: 'IN_STOCK' as const, reservedBy: null, employeeId: null };
        const devices = await tx.device.updateManyAndReturn({ where: { reservedBy: reservationKey }, data: released });
        const sims = await tx.sim.updateManyAndReturn({ where: { reservedBy: reservationKey }, data: { ...released, ownerRegistration: 'NONE', ownerRegistrationId: null } });
        if (devices.length || sims.length) {
          await audit(tx, { action: 'stock.released', employeeId, imei: devices[0]?.imei, iccid: sims[0]?.iccid });
        }
      });
    },

    /** Fetches the identity data from HR and hands it to the operator: it never leaves this function. */
    async submitSimOwnerRegistration({ employeeId, iccid, idempotencyKey }: { employeeId: string; iccid: string; idempotencyKey: string }): Promise<SimOwnerRegistrationView> {
      const identity = await hr.getIdentity(employeeId);
      const registration = await operator.submitOwnerRegistration(iccid, identity, idempotencyKey);
      await db.sim.update({ where: { iccid }, data: { ownerRegistration: registration.status, ownerRegistrationId: registration.registrationId } });
      await audit(db, { action: 'sim-owner.submitted', employeeId, iccid, details: { registrationId: registration.registrationId } });
      return { registrationId: registration.registrationId, status: registration.status, reason: registration.reason };
    },

    async checkSimOwnerRegistration({ iccid, registrationId }: { iccid: string; registrationId: string }): Promise<SimOwnerRegistrationView> {
      const registration = await operator.getOwnerRegistration(registrationId);
      if (registration.status !== 'PENDING') {
        await db.sim.update({ where: { iccid }, data: { ownerRegistration: registration.status } });
        await audit(db, { action: `sim-owner.${registration.status.toLowerCase()}`, iccid, details: { registrationId, reason: registration.reason ?? null } });
      }
      return { registrationId, status: registration.status, reason: registration.reason };
    },

    /** Compensation: the person behind the SIM is no longer this hire. */
    async withdrawSimOwnerRegistration({ iccid, registrationId }: { iccid: string; registrationId: string }): Promise<void> {
      await operator.withdrawOwnerRegistration(registrationId);
      await db.sim.updateMany({ where: { iccid, ownerRegistrationId: registrationId }, data: { ownerRegistration: 'WITHDRAWN' } });
      await audit(db, { action: 'sim-owner.withdrawn', iccid, details: { registrationId } });
    },

    /** Assigns the device to the employee's directory account with the role's profile. */
    async enrolDevice({ imei, employeeId, directoryUserId, profileId }: { imei: string; employeeId: string; directoryUserId: string; profileId: string }): Promise<{ mdmDeviceId: string }> {
      const phone = await managedPhone(deps, imei);
      await phone.provider.assignUser(phone.deviceId, directoryUserId);
      await phone.provider.applyProfile(phone.deviceId, profileId);
      await db.device.update({ where: { imei }, data: { state: 'ENROLLED', mdmDeviceId: phone.deviceId } });
      await audit(db, { action: 'device.enrolled', employeeId, storeId: phone.storeId, imei, details: { mdm: phone.provider.name, profileId } });
      return { mdmDeviceId: phone.deviceId };
    },

    /** Compensation: the device is a stock device again in the MDM. */
    async unenrolDevice({ imei, employeeId }: { imei: string; employeeId: string }): Promise<void> {
      // Also the compensation of an enrolment the MDM refused: the phone may be unknown to it.
      const { device, provider } = await inventoryDevice(deps, imei);
      const managed = await provider.findDeviceByImei(imei);
      if (managed?.userId) await provider.unassignUser(managed.deviceId);
      if (device.state === 'ENROLLED') await db.device.update({ where: { imei }, data: { state: 'RESERVED' } });
      await audit(db, { action: 'device.unenrolled', employeeId, storeId: device.storeId, imei });
    },

    /** The phone is in the employee's hands: record it, and on which day of employment. */
    async recordHandover({ employeeId, imei, iccid, handedOverAt, by }: { employeeId: string; imei: string; iccid: string; handedOverAt: string; by: string }): Promise<{ handoverDay: number }> {
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

async function heldBy(tx: Prisma.TransactionClient, reservationKey: string): Promise<StockReservation | null> {
  const [device, sim] = await Promise.all([tx.device.findFirst({ where: { reservedBy: reservationKey } }), tx.sim.findFirst({ where: { reservedBy: reservationKey } })]);
  return device && sim ? { reserved: true, imei: device.imei, iccid: sim.iccid } : null;
}

export type JoinerActivities = ReturnType<typeof createJoinerActivities>;
