// The leaver as it ran before the resumable rewrite (workflows/leaver.ts), kept verbatim so that
// the leavers already running, and every committed history, replay through the code that wrote
// them. New dismissals never come here (see `leaver`). Do not change it: a change here breaks
// the runs it exists for.
import { CancellationScope, condition, isCancellation, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { LeaverActivities, PhoneProgress } from '../activities/leaver.ts';
import { leaverProgressQuery, returnedSignal, type LeaverOutcome, type LeaverProgress, type LeaverStage } from './leaver-contract.ts';
import type { LeaverInput } from './leaver.ts';
import { Imei, Phase } from './search-attributes.ts';

const systems = proxyActivities<LeaverActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function leaverV1({ employeeId, lastWorkingDay, policy }: LeaverInput): Promise<LeaverOutcome> {
  const { workflowId } = workflowInfo();
  const progress: LeaverProgress = { employeeId, stage: 'planning', since: now(), lastWorkingDay, remindersSent: [], locked: false, bricked: false, simSuspended: false };
  setHandler(leaverProgressQuery, () => progress);
  setHandler(returnedSignal, (r) => void (progress.returned ??= r));
  const returned = () => progress.returned !== undefined;

  const indexed = workflowInfo().typedSearchAttributes.get(Phase) !== undefined;
  const show = (phase: string) => indexed && upsertSearchAttributes([{ key: Phase, value: phase }]);
  const enter = (stage: LeaverStage) => {
    progress.stage = stage;
    progress.since = now();
    progress.pending = undefined;
    show(stage);
  };
  const key = (step: string) => `${workflowId}:${step}`;

  try {
    const plan = await systems.planLeaver({ employeeId, lastWorkingDay, reminderDaysBefore: policy.reminderDaysBefore });
    const phone = plan.phone;
    const sim = plan.sim;
    progress.imei = phone?.imei;
    progress.iccid = sim?.iccid;
    if (phone && indexed) upsertSearchAttributes([{ key: Imei, value: phone.imei }]);
    if (!phone && !sim) {
      await systems.closeEmployment({ employeeId, status: 'LEFT' });
      enter('done');
      return (progress.outcome = 'nothing-to-return');
    }
    const lockAt = Date.parse(plan.lastDayEndsAt) + msToNumber(policy.returnGracePeriod);
    progress.lockAt = new Date(lockAt).toISOString();

    enter('awaiting-return');
    if (phone && Date.now() < Date.parse(plan.lastDayEndsAt)) {
      await systems.messagePhone({ idempotencyKey: key('backup-instructions'), imei: phone.imei, kind: 'backup-instructions', lastWorkingDay });
    }
    for (const reminder of plan.reminders) {
      const wait = Date.parse(reminder.at) - Date.now();
      if (wait < 0 || returned()) continue; // a late event does not send reminders for days gone by
      if (await condition(returned, wait)) break;
      if (phone)
        await systems.messagePhone({
          idempotencyKey: key(`reminder-${reminder.daysBefore}`),
          imei: phone.imei,
          kind: 'return-reminder',
          lastWorkingDay,
          daysBefore: reminder.daysBefore,
        });
      progress.remindersSent.push(reminder.daysBefore);
    }
    await condition(returned, Math.max(0, lockAt - Date.now()));

    if (!returned()) {
      // Not returned in time: lock it with a message that says whose it is and whom to call,
      // and stop the corporate SIM.
      enter('locking');
      if (sim) {
        await systems.setSimService({ iccid: sim.iccid, service: 'SUSPENDED', reason: 'not returned' });
        progress.simSuspended = true;
      }
      if (phone) {
        const lock = await systems.lockPhone({ idempotencyKey: key('lock'), imei: phone.imei });
        progress.locked = true;
        await untilOnPhone('lock', () => systems.commandProgress({ imei: phone.imei, commandId: lock.commandId }), returned);
      }
      if (!returned()) enter('locked');

      if (phone && !returned() && !(await condition(returned, policy.brickGracePeriod))) {
        enter('bricking');
        await systems.brickPhone({ idempotencyKey: key('brick'), imei: phone.imei });
        progress.bricked = true;
        await untilOnPhone('permanent lock', () => systems.permanentLockProgress({ imei: phone.imei }), returned);
        if (!returned()) {
          await systems.writeOffPhone({ idempotencyKey: key('write-off'), imei: phone.imei, employeeId });
          await systems.closeEmployment({ employeeId, status: 'LEFT' });
          enter('bricked');
          // Written off, but a phone that comes back is still recovered, for a while.
          if (!(await condition(returned, policy.recoveryWatch))) return (progress.outcome = 'written-off');
        }
      }
    }

    // Returned: undo any lock, wipe, and put phone and SIM back in the store's stock.
    enter('returned');
    const handedIn = progress.returned!;
    if (phone) {
      if (progress.bricked) {
        await systems.unbrickPhone({ idempotencyKey: key('unbrick'), imei: phone.imei });
        progress.bricked = false;
      }
      if (progress.locked) {
        await systems.unlockPhone({ idempotencyKey: key('unlock'), imei: phone.imei });
        progress.locked = false;
      }
      enter('wiping');
      const wipe = await systems.wipePhone({ idempotencyKey: key('wipe'), imei: phone.imei });
      await untilOnPhone(
        'wipe',
        () => systems.commandProgress({ imei: phone.imei, commandId: wipe.commandId }),
        () => false,
      );
    }
    await systems.restockReturned({
      idempotencyKey: key('restock'),
      employeeId,
      imei: phone?.imei,
      iccid: sim?.iccid,
      condition: handedIn.condition,
      simReturned: handedIn.simReturned,
      simOnReturn: policy.simOnReturn,
    });
    await systems.closeEmployment({ employeeId, status: 'LEFT' });
    enter('done');
    return (progress.outcome = 'returned');
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Dismissal revoked: give the employee back a working phone and SIM.
    await CancellationScope.nonCancellable(async () => {
      enter('revoking');
      await systems.revokeDismissal({
        idempotencyKey: key('revoke'),
        employeeId,
        imei: progress.imei,
        iccid: progress.iccid,
        unbrick: progress.bricked,
        unlock: progress.locked,
        resumeSim: progress.simSuspended,
        returned: progress.returned !== undefined,
      });
      enter('revoked');
      progress.outcome = 'revoked';
    });
    throw err;
  }

  /**
   * Waits until a command has reached the phone, asking the MDM every poll interval; meanwhile
   * the query and the Phase attribute say the phone is offline and since when. Returns early
   * when `interrupt` becomes true (the phone was handed in: no need to wait for the lock).
   */
  async function untilOnPhone(what: string, check: () => Promise<PhoneProgress>, interrupt: () => boolean): Promise<void> {
    for (;;) {
      const state = await check();
      if (state.done) {
        progress.pending = undefined;
        show(progress.stage);
        return;
      }
      progress.pending = state.online ? `${what} pending` : `${what} pending: device offline since ${state.offlineSince ?? 'unknown'}`;
      show(state.online ? `${progress.stage}-pending` : `${progress.stage}-pending-offline`);
      if (await condition(interrupt, policy.commandPollInterval)) return;
    }
  }
}

function now(): string {
  return new Date().toISOString();
}
