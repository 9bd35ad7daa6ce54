// The leaver's side effects: messages to the phone, lock, permanent lock, wipe, SIM service,
// write-off, restock. Every destructive one goes through the command ledger (sendOnce) or an
// idempotency key the external system honours, so a retry never locks, wipes or bricks twice.
import { backupInstructions, lockScreen, returnReminder } from '../src/domain/phone-messages.ts';
import { addDays, zonedInstant } from '../src/domain/store-calendar.ts';
import type { KnoxGuardStatus } from '../src/systems/knox-guard/api.ts';
import { audit, deviceByImei, devices, employeeById, employees, employeeWithPhone, heldBy, simByIccid, sims, storeContact } from '../src/inventory/index.ts';
import { permanent } from './boundary.ts';
import type { ActivityDeps } from './deps.ts';
import { managedPhone, sendOnce, type ManagedPhone } from './device-commands.ts';
import { createRecordActivities, type RecordActivities } from './records.ts';

/** Local hour at which reminders reach the phone (a store opens in the morning). */
const REMINDER_HOUR = 9;

export interface LeaverPlan {
  storeId: string;
  /** The instant the last working day ends in the store's time zone. */
  lastDayEndsAt: string;
  reminders: { daysBefore: number; at: string }[];
  phone?: { imei: string };
  sim?: { iccid: string };
}

export interface PhoneProgress {
  done: boolean;
  online: boolean;
  offlineSince?: string;
}

export function createLeaverActivities(deps: ActivityDeps) {
  const { db, operator, knoxGuard, leasePartner, companyName } = deps;

  /** A revocation that came after the phone was handed in (and wiped): store support re-issues one. */
  async function askToReissuePhone(idempotencyKey: string, employeeId: string): Promise<void> {
    const employee = await employeeById(db, employeeId);
    await createRecordActivities(deps).openSupportTask({
      idempotencyKey: `${idempotencyKey}:reissue`,
      storeId: employee.storeId,
      employeeId,
      kind: 'dismissal-revoked-after-return',
      summary: `Dismissal of employee ${employeeId} was revoked after the phone had been handed in: give the employee a phone again.`,
    });
  }

  const contactFor = (storeId: string) => storeContact(db, storeId, companyName);

  /** What the employee holds and when the last day ends; marks them leaving (`action`: why, as audited). */
  async function leaverPlan(
    employeeId: string,
    lastWorkingDay: string,
    reminderDaysBefore: number[],
    action: 'employee.dismissed' | 'employee.last-working-day-moved',
  ): Promise<LeaverPlan> {
    const { employee } = await employeeWithPhone(db, employeeId);
    await employees.markLeaving(db, { employeeId, storeId: employee.storeId, lastWorkingDay, action });
    const tz = employee.store.timeZone;
    const dayAfter = addDays(lastWorkingDay, 1);
    const { phone, sim } = heldBy(employee);
    return {
      storeId: employee.storeId,
      lastDayEndsAt: zonedInstant(dayAfter, 0, tz).toISOString(),
      reminders: [...new Set(reminderDaysBefore)]
        .sort((a, b) => b - a)
        .map((daysBefore) => ({ daysBefore, at: zonedInstant(addDays(lastWorkingDay, -daysBefore), REMINDER_HOUR, tz).toISOString() })),
      phone: phone ? { imei: phone.imei } : undefined,
      sim: sim ? { iccid: sim.iccid } : undefined,
    };
  }

  const onlineState = (phone: ManagedPhone) => ({ online: phone.online, offlineSince: phone.online ? undefined : phone.lastSeenAt });

  return {
    /** What the employee holds, and when the last day ends where they work. Marks them leaving. */
    async planLeaver({ employeeId, lastWorkingDay, reminderDaysBefore }: { employeeId: string; lastWorkingDay: string; reminderDaysBefore: number[] }): Promise<LeaverPlan> {
      return leaverPlan(employeeId, lastWorkingDay, reminderDaysBefore, 'employee.dismissed');
    },

    /** HR moved the last working day of someone already leaving: the plan for the new date. */
    async replanLeaver({ employeeId, lastWorkingDay, reminderDaysBefore }: { employeeId: string; lastWorkingDay: string; reminderDaysBefore: number[] }): Promise<LeaverPlan> {
      return leaverPlan(employeeId, lastWorkingDay, reminderDaysBefore, 'employee.last-working-day-moved');
    },

    async messagePhone({
      idempotencyKey,
      imei,
      kind,
      lastWorkingDay,
      daysBefore = 0,
    }: {
      idempotencyKey: string;
      imei: string;
      kind: 'backup-instructions' | 'return-reminder';
      lastWorkingDay: string;
      daysBefore?: number;
    }): Promise<void> {
      const phone = await managedPhone(deps, imei);
      const contact = await contactFor(phone.storeId);
      const message = kind === 'backup-instructions' ? backupInstructions(contact, lastWorkingDay) : returnReminder(contact, lastWorkingDay, daysBefore);
      await sendOnce(deps, phone, idempotencyKey, 'MESSAGE', () => phone.provider.sendMessage(phone.deviceId, message));
      await audit(db, { action: `phone.${kind}`, imei, storeId: phone.storeId, details: { daysBefore } });
    },

    async lockPhone({ idempotencyKey, imei }: { idempotencyKey: string; imei: string }): Promise<{ commandId: string }> {
      const phone = await managedPhone(deps, imei);
      const screen = lockScreen(await contactFor(phone.storeId), false);
      const commandId = await sendOnce(deps, phone, idempotencyKey, 'LOCK', () => phone.provider.lockDevice(phone.deviceId, screen));
      await devices.lock(db, { imei, commandId });
      return { commandId: commandId! };
    },

    async unlockPhone({ idempotencyKey, imei }: { idempotencyKey: string; imei: string }): Promise<{ commandId: string }> {
      const phone = await managedPhone(deps, imei);
      const commandId = await sendOnce(deps, phone, idempotencyKey, 'UNLOCK', () => phone.provider.unlockDevice(phone.deviceId));
      await devices.releaseLock(db, { imei, storeId: phone.storeId });
      return { commandId: commandId! };
    },

    async wipePhone({ idempotencyKey, imei }: { idempotencyKey: string; imei: string }): Promise<{ commandId: string }> {
      const phone = await managedPhone(deps, imei);
      const commandId = await sendOnce(deps, phone, idempotencyKey, 'WIPE', () => phone.provider.wipeDevice(phone.deviceId));
      await audit(db, { action: 'phone.wipe-sent', imei, storeId: phone.storeId });
      return { commandId: commandId! };
    },

    /** Whether an MDM command reached the phone; if not, since when the phone is offline. */
    async commandProgress({ imei, commandId }: { imei: string; commandId: string }): Promise<PhoneProgress> {
      const phone = await managedPhone(deps, imei);
      const command = await phone.provider.getCommand(phone.deviceId, commandId);
      if (command.status === 'FAILED') throw permanent('CommandFailed', `${command.type} failed on device ${imei}`);
      return { done: command.status === 'COMPLETED', ...onlineState(phone) };
    },

    /** Knox Guard's lock survives a factory reset: the phone is useless until unlocked. */
    async brickPhone({ idempotencyKey, imei }: { idempotencyKey: string; imei: string }): Promise<{ status: KnoxGuardStatus }> {
      const device = await deviceByImei(db, imei);
      const screen = lockScreen(await contactFor(device.storeId), true);
      const guarded = await knoxGuard.lock(imei, { message: screen.message, tel: screen.phoneNumber }, idempotencyKey);
      await devices.brick(db, { imei, status: guarded.status });
      return { status: guarded.status };
    },

    async permanentLockProgress({ imei }: { imei: string }): Promise<PhoneProgress> {
      const guarded = await knoxGuard.getDevice(imei);
      if (!guarded) throw permanent('NotInKnoxGuard', `Knox Guard does not know device ${imei}`);
      return { done: guarded.status === 'Locked', ...onlineState(await managedPhone(deps, imei)) };
    },

    /**
     * Whether the lock (if its command id is given) and the Knox Guard lock reached the phone,
     * with one MDM lookup: what a written-off phone still waits for until it checks in.
     */
    async phoneLockState({
      imei,
      lockCommandId,
    }: {
      imei: string;
      lockCommandId?: string;
    }): Promise<{ lockDone: boolean; permanentLockDone: boolean; online: boolean; offlineSince?: string }> {
      const phone = await managedPhone(deps, imei);
      let lockDone = true;
      if (lockCommandId) {
        const command = await phone.provider.getCommand(phone.deviceId, lockCommandId);
        if (command.status === 'FAILED') throw permanent('CommandFailed', `${command.type} failed on device ${imei}`);
        lockDone = command.status === 'COMPLETED';
      }
      const guarded = await knoxGuard.getDevice(imei);
      if (!guarded) throw permanent('NotInKnoxGuard', `Knox Guard does not know device ${imei}`);
      return { lockDone, permanentLockDone: guarded.status === 'Locked', ...onlineState(phone) };
    },

    async unbrickPhone({ idempotencyKey, imei }: { idempotencyKey: string; imei: string }): Promise<void> {
      const device = await deviceByImei(db, imei);
      await knoxGuard.unlock(imei, idempotencyKey);
      await audit(db, { action: 'phone.unbricked', imei, storeId: device.storeId });
    },

    async writeOffPhone({ idempotencyKey, imei, employeeId }: { idempotencyKey: string; imei: string; employeeId: string }): Promise<{ caseId: string }> {
      const device = await deviceByImei(db, imei);
      const leaseCase = await leasePartner.reportLoss(
        { imei, leaseContract: device.leaseContract, reason: 'not returned by a dismissed employee; permanently locked' },
        idempotencyKey,
      );
      await devices.writeOff(db, { imei, employeeId, caseId: leaseCase.caseId });
      return { caseId: leaseCase.caseId };
    },

    async setSimService({ iccid, service, reason }: { iccid: string; service: 'SUSPENDED' | 'ACTIVATED'; reason: string }): Promise<void> {
      await operator.setSimStatus(iccid, service);
      await sims.setService(db, { iccid, service, reason });
    },

    /**
     * The phone (and maybe the SIM) came back: release the SIM, and put both in the store's
     * stock; a damaged phone goes to the leasing partner for a swap instead.
     */
    async restockReturned(r: {
      idempotencyKey: string;
      employeeId: string;
      imei?: string;
      iccid?: string;
      condition: 'ok' | 'damaged';
      simReturned: boolean;
      simOnReturn: 'suspend' | 'reuse';
    }): Promise<void> {
      if (r.iccid) {
        const sim = await simByIccid(db, r.iccid);
        if (sim.ownerRegistrationId && sim.ownerRegistration !== 'WITHDRAWN') await operator.withdrawOwnerRegistration(sim.ownerRegistrationId);
        // A SIM that did not come back can never be reused: it stays suspended.
        const reuse = r.simReturned && r.simOnReturn === 'reuse';
        await operator.setSimStatus(r.iccid, reuse ? 'ACTIVATED' : 'SUSPENDED');
        await sims.restock(db, { iccid: r.iccid, employeeId: r.employeeId, simReturned: r.simReturned, reuse });
      }
      if (r.imei) {
        const phone = await managedPhone(deps, r.imei);
        if (phone.userId) await phone.provider.unassignUser(phone.deviceId);
        if (r.condition === 'damaged') {
          const leaseCase = await leasePartner.requestSwap(
            { imei: r.imei, leaseContract: phone.leaseContract, reason: 'returned damaged by a leaving employee' },
            r.idempotencyKey,
          );
          await devices.sendForSwap(db, { imei: r.imei, employeeId: r.employeeId, caseId: leaseCase.caseId });
        } else {
          await devices.restock(db, { imei: r.imei, employeeId: r.employeeId });
        }
      }
    },

    async closeEmployment({ employeeId, status }: { employeeId: string; status: 'LEFT' | 'ACTIVE' }): Promise<void> {
      await employees.closeEmployment(db, { employeeId, status });
    },

    /**
     * Dismissal revoked, after the lock, permanent lock and SIM were undone one by one: the
     * employee (and the phone, unless it was handed in) is active again.
     */
    async reinstateEmployee(r: {
      idempotencyKey: string;
      employeeId: string;
      imei?: string;
      iccid?: string;
      returned: boolean;
      undone: { unlock: boolean; unbrick: boolean; resumeSim: boolean };
    }): Promise<void> {
      await employees.reinstate(db, { employeeId: r.employeeId, imei: r.imei, iccid: r.iccid, returned: r.returned, resumeSim: r.undone.resumeSim, details: r.undone });
      if (r.returned) await askToReissuePhone(r.idempotencyKey, r.employeeId);
    },

    /** What a revocation could not undo, as ONE task for store support. */
    async openRevocationSupportTask(r: { idempotencyKey: string; employeeId: string; failed: string[] }): Promise<void> {
      const employee = await employeeById(db, r.employeeId);
      await createRecordActivities(deps).openSupportTask({
        idempotencyKey: r.idempotencyKey,
        storeId: employee.storeId,
        employeeId: r.employeeId,
        kind: 'dismissal-revocation-incomplete',
        summary: `Dismissal of employee ${r.employeeId} was revoked, but these could not be undone; do them by hand: ${r.failed.join('; ')}.`,
      });
    },

    /** Dismissal revoked: undo the lock, the permanent lock and the SIM suspension. */
    async revokeDismissal(r: {
      idempotencyKey: string;
      employeeId: string;
      imei?: string;
      iccid?: string;
      unbrick: boolean;
      unlock: boolean;
      resumeSim: boolean;
      returned: boolean;
    }): Promise<void> {
      if (r.imei && r.unbrick) await knoxGuard.unlock(r.imei, `${r.idempotencyKey}:unbrick`);
      if (r.imei && r.unlock) {
        const phone = await managedPhone(deps, r.imei);
        await sendOnce(deps, phone, `${r.idempotencyKey}:unlock`, 'UNLOCK', () => phone.provider.unlockDevice(phone.deviceId));
      }
      if (r.iccid && r.resumeSim) await operator.setSimStatus(r.iccid, 'ACTIVATED');
      await employees.reinstate(db, {
        employeeId: r.employeeId,
        imei: r.imei,
        iccid: r.iccid,
        returned: r.returned,
        resumeSim: r.resumeSim,
        details: { unbrick: r.unbrick, unlock: r.unlock, resumeSim: r.resumeSim },
      });
      if (r.returned) await askToReissuePhone(r.idempotencyKey, r.employeeId);
    },
  };
}

/** What the leaver workflows call: its own activities and the shared records (registered once, by records). */
export type LeaverActivities = ReturnType<typeof createLeaverActivities> & RecordActivities;
