// The joiner's side effects. Each is safe to run twice: reservations are keyed by the phase's
// key, the operator registration carries an idempotency key, MDM assignments set a state; each
// undo tolerates finding nothing to undo (it may run for a step that never happened).
import { audit, devices, employees, sims, stock, type StockReservation } from '../src/inventory/index.ts';
import { permanent } from './boundary.ts';
import type { ActivityDeps } from './deps.ts';
import { inventoryDevice, managedPhone } from './device-commands.ts';
import { enrolInOfflineLock } from './offline-lock.ts';
import { submitOwnerRegistration, type SimOwnerRegistrationView } from './sim-owner.ts';
import type { RecordActivities } from './records.ts';

export interface HireRecord {
  employeeId: string;
  storeId: string;
  position: string;
  startDate: string;
  displayName?: string;
}

export type { StockReservation };

export type { SimOwnerRegistrationView };

export function createJoinerActivities(deps: ActivityDeps) {
  const { db, operator, directory } = deps;

  return {
    /** Writes the employee (no identity data) and resolves the role from the HR position. */
    async recordHire(hire: HireRecord): Promise<{ roleCode: string; profileId: string }> {
      return employees.hire(db, hire);
    },

    /** null while IT has not created (or enabled) the account yet. */
    async findDirectoryAccount(employeeId: string): Promise<{ userId: string } | null> {
      const user = await directory.findUserByEmployeeId(employeeId);
      if (!user || !user.accountEnabled) return null;
      await employees.linkDirectoryAccount(db, { employeeId, directoryUserId: user.id });
      return { userId: user.id };
    },

    /** One device and one corporate SIM from the store's stock for this hire (see stock.reserve: repeats take only what is missing). */
    async reserveDeviceAndSim(reservation: { reservationKey: string; employeeId: string; storeId: string }): Promise<StockReservation> {
      return stock.reserve(db, reservation);
    },

    /** Compensation: device and SIM back to the store's stock (nothing held: nothing to undo). */
    async releaseReservation(reservation: { reservationKey: string; employeeId: string }): Promise<void> {
      await stock.releaseReservation(db, reservation);
    },

    /**
     * The MDM refused the phone at enrolment (it never saw it, or rejects it): the phone leaves
     * the stock (QUARANTINED) and support is told, so the next hire does not fail on it too.
     */
    async quarantineDevice(q: { reservationKey: string; imei: string; employeeId: string; reason: string }): Promise<void> {
      await stock.quarantine(db, q);
    },

    /** See sim-owner.ts: identity data fetched from HR, handed to the operator, never kept. */
    async submitSimOwnerRegistration(submission: { employeeId: string; iccid: string; idempotencyKey: string }): Promise<SimOwnerRegistrationView> {
      const { registrationId, status, reason } = await submitOwnerRegistration(deps, submission);
      return { registrationId, status, reason };
    },

    async checkSimOwnerRegistration({ iccid, registrationId }: { iccid: string; registrationId: string }): Promise<SimOwnerRegistrationView> {
      const registration = await operator.getOwnerRegistration(registrationId);
      await sims.recordOwnerDecision(db, { iccid, registration });
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
        id = (await sims.registrationUnder(db, { iccid, idempotencyKey })) ?? (await operator.findOwnerRegistration(idempotencyKey))?.registrationId;
      }
      if (!id) return;
      const withdrawn = await operator.withdrawOwnerRegistration(id);
      await sims.recordOwnerWithdrawal(db, { iccid, registrationId: id, withdrawn: withdrawn.status === 'WITHDRAWN' });
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
    async enrolDevice({
      imei,
      employeeId,
      directoryUserId,
      profileId,
    }: {
      imei: string;
      employeeId: string;
      directoryUserId: string;
      profileId: string;
    }): Promise<{ mdmDeviceId: string }> {
      const phone = await managedPhone(deps, imei);
      await phone.provider.assignUser(phone.deviceId, directoryUserId);
      await phone.provider.applyProfile(phone.deviceId, profileId);
      await devices.recordEnrolment(db, { imei, employeeId, mdm: phone.provider.name, mdmDeviceId: phone.deviceId, profileId });
      return { mdmDeviceId: phone.deviceId };
    },

    /** Compensation: the device is a stock device again in the MDM. */
    async unenrolDevice({ imei, employeeId }: { imei: string; employeeId: string }): Promise<void> {
      // Also the compensation of an enrolment the MDM refused: the phone may be unknown to it.
      const { device, provider } = await inventoryDevice(deps, imei);
      const managed = await provider.findDeviceByImei(imei);
      if (managed?.userId) await provider.unassignUser(managed.deviceId);
      await devices.recordUnenrolment(db, { imei, employeeId, storeId: device.storeId, wasAssigned: Boolean(managed?.userId) });
    },

    /** The phone is in the employee's hands: record it, and on which day of employment. */
    async recordHandover({
      employeeId,
      imei,
      iccid,
      handedOverAt,
      by,
    }: {
      employeeId: string;
      imei: string;
      iccid: string;
      handedOverAt: string;
      by: string;
    }): Promise<{ handoverDay: number }> {
      await enrolInOfflineLock(deps, imei, `handover:${employeeId}:${handedOverAt}`); // while the phone is in hand and online
      return devices.handOver(db, { employeeId, imei, iccid, handedOverAt, by });
    },
  };
}

/** What the joiner workflows call: its own activities and the shared records (registered once, by records). */
export type JoinerActivities = ReturnType<typeof createJoinerActivities> & RecordActivities;
