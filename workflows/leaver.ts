// Leaver: a dismissed employee hands in the phone and the corporate SIM (the clearance sheet).
//
// Before the last working day the phone tells its holder how to back up (contacts included:
// people forget them) and reminds them where and when to hand it in. Returned: it is wiped,
// its SIM released, and both go back to the store's stock. Not returned by the last day plus a
// grace period: the phone is locked with a clear message and its SIM suspended; a second grace
// period after the lock was REQUESTED (whether or not the phone is online to receive it) it is
// locked for good through Knox Guard ("bricked", survives a factory reset; Knox Guard queues it
// for the phone's next check-in) and written off with the leasing partner. A command reaches a
// phone only when it is online: until then the process says "pending: device offline since ..."
// and keeps asking, less and less often, so a phone that stays off for months costs a few polls
// a day and a bounded history (continue-as-new, carrying the state below).
//
// HR moving the last working day (lastWorkingDayChanged) moves the reminders and deadlines; a
// phone locked on the old date while the person still works is unlocked again.
//
// HR revoking the dismissal cancels this workflow: it unlocks what it locked (or asked to lock:
// the undo is recorded before the call), resumes the SIM and keeps the owner registration, so the
// employee simply carries on. Every undo is tried; what could not be undone becomes one support
// task listing it.
import { CancellationScope, condition, continueAsNew, isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { LeaverActivities, LeaverPlan } from '../activities/leaver.ts';
import type { RecordActivities } from '../activities/records.ts';
import { phoneCommand, phoneCommandUndo, timelyMessage, undoable } from './kit/activity-options.ts';
import { now } from './kit/clock.ts';
import { pendingText, waitForPhone } from './kit/phone-commands.ts';
import { stagesOf } from './kit/stage.ts';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import { searchAttributeShower, waitUntil, type Backoff } from './kit/wait.ts';
import {
  lastWorkingDayChangedSignal,
  LEAVER_CLOSED_STAGES,
  LEAVER_STAGE_DETAILS,
  leaverSummary,
  leaverProgressQuery,
  recordReturnUpdate,
  returnedSignal,
  type LastWorkingDayChange,
  type LeaverOutcome,
  type LeaverProgress,
  type LeaverStage,
  type LeaverStart,
  type Return,
} from './leaver-contract.ts';
import { leaverV1 } from './leaver-v1.ts';
import type { LeaverPolicy } from './policy.ts';
import { Imei } from './search-attributes.ts';

export * from './leaver-contract.ts';

// An outage of a system is waited out (retries up to every 30 minutes, outside the history).
const systems = proxyActivitiesByQueue<LeaverActivities & Pick<RecordActivities, 'currentPolicy'>>(phoneCommand);
// The lock and the permanent lock: a revocation while one is in flight waits for it to end, so
// the undo that follows comes after it, never before it (an unlock overtaken by its lock).
const inFlight = proxyActivitiesByQueue<LeaverActivities>(undoable(phoneCommand));
// A reminder is worth sending only around its day: an MDM down for a day skips it, it does not
// hold up the deadlines behind it.
const messages = proxyActivitiesByQueue<LeaverActivities>(timelyMessage);
// Undo on revocation: tried for a few hours, then left to support (one task listing what failed).
const undoing = proxyActivitiesByQueue<LeaverActivities>(phoneCommandUndo);

/** The cap of the command poll's backoff when the policy (of a running lifecycle) has none. */
const COMMAND_POLL_MAX_INTERVAL = '6 hours';

export interface LeaverInput extends LeaverStart {
  /** Set by continue-as-new: where the process stands. Absent on the first run. */
  resume?: LeaverState;
}

/** What the process knows and has done: carried across continue-as-new. */
export interface LeaverState {
  progress: LeaverProgress;
  /** The policy in force when this leaver started (absent in leavers started before it: the input's). */
  policy?: LeaverPolicy;
  plan?: LeaverPlan;
  /** Undo recorded BEFORE each side effect: what a revocation (or a moved date) must undo. */
  undo: { unlock: boolean; unbrick: boolean; resumeSim: boolean };
  /** Which lock this is: a moved last working day can unlock and lock again (new keys). */
  lockRound: number;
  lockCommandId?: string;
  lockOnPhone?: boolean;
  permanentLockOnPhone?: boolean;
  brickRequested?: boolean;
  writtenOffAt?: number;
  wipeCommandId?: string;
  /** Backup instructions sent for this last working day. */
  backupSentFor?: string;
  /** Date changes received and not yet applied, and the ids of all received (HR redelivers). */
  dateChanges: LastWorkingDayChange[];
  dateChangeIds: string[];
  /** Rounds of the wait in progress, so its backoff resumes where it was. */
  waitAttempt: number;
}

export async function leaver(input: LeaverInput): Promise<LeaverOutcome> {
  // Leavers started before the resumable process (and their committed histories) keep the old body.
  if (!input.resume && !patched('leaver-resumable')) return leaverV1(input);
  return resumableLeaver(input);
}

async function resumableLeaver(input: LeaverInput): Promise<LeaverOutcome> {
  const { employeeId } = input;
  const s: LeaverState = input.resume ?? {
    progress: { employeeId, stage: 'planning', since: now(), lastWorkingDay: input.lastWorkingDay, remindersSent: [], locked: false, bricked: false, simSuspended: false },
    undo: { unlock: false, unbrick: false, resumeSim: false },
    lockRound: 1,
    dateChanges: [],
    dateChangeIds: [],
    waitAttempt: 0,
  };
  const progress = s.progress;
  let policy = s.policy ?? input.policy;
  progress.run = (progress.run ?? 0) + 1;
  setHandler(leaverProgressQuery, () => progress);
  setHandler(returnedSignal, (r) => void (progress.returned ??= r));
  // Store support's report as an Update: accepted or refused against the state at this instant.
  setHandler(
    recordReturnUpdate,
    (r) => {
      const alreadyRecorded = progress.returned !== undefined;
      progress.returned ??= r;
      return { alreadyRecorded };
    },
    {
      validator: (_report: Return) => {
        if (progress.returned) return; // reported twice: accepted, the first report counts
        if (LEAVER_CLOSED_STAGES.includes(progress.stage))
          throw new Error(`no clearance in progress for employee ${employeeId} (stage: ${progress.stage}): is the employee dismissed?`);
      },
    },
  );
  setHandler(lastWorkingDayChangedSignal, (change) => {
    if (s.dateChangeIds.includes(change.eventId)) return;
    s.dateChangeIds.push(change.eventId);
    s.dateChanges.push(change);
  });
  const returned = () => progress.returned !== undefined;
  const dateMoved = () => s.dateChanges.length > 0;

  const stages = stagesOf(progress, {
    summary: () => leaverSummary({ employeeId, lastWorkingDay: progress.lastWorkingDay }),
    // What the stage waits for, since when, and a command still waiting for the phone.
    detail: () => `${LEAVER_STAGE_DETAILS[progress.stage]} (since ${progress.since})${progress.pending ? `; ${progress.pending}` : ''}`,
  });
  const showImei = searchAttributeShower<string>(Imei);
  /** A new stage (a new round of the same one too); a command still waiting for the phone stays shown as pending (`keepPending`). */
  const enter = (stage: LeaverStage, keepPending = false) => {
    if (!keepPending) progress.pending = undefined;
    s.waitAttempt = 0;
    stages.enter(stage, { restart: true });
  };
  // Each dismissal acts once: keys from this leaver's first run (stable across continue-as-new,
  // new for the next dismissal of the same person, whose workflow id repeats).
  const key = (step: string) => `leaver:${workflowInfo().firstExecutionRunId}:${step}`;
  const backoffOf = (policy: LeaverPolicy): Backoff => ({ first: policy.commandPollInterval, max: policy.commandPollMaxInterval ?? COMMAND_POLL_MAX_INTERVAL });
  let backoff = backoffOf(policy);
  const rollOver = (): Promise<never> => continueAsNew<typeof leaver>({ employeeId, lastWorkingDay: progress.lastWorkingDay, policy, resume: s });

  /** Shows "<what> pending[: device offline since ...]"; the Phase attribute too when it changed. */
  const stillPending = (what: string, state: { online: boolean; offlineSince?: string }) => {
    progress.pending = pendingText(what, state);
    stages.showPhase(state.online ? `${progress.stage}-pending` : `${progress.stage}-pending-offline`);
    stages.showDetails();
  };
  const donePending = () => {
    progress.pending = undefined;
    stages.showPhase(progress.stage);
    stages.showDetails();
  };

  try {
    if (!input.resume && patched('leaver-current-policy')) {
      // The policy in force now, not the one frozen into the lifecycle when it started; later
      // runs carry it in their state.
      s.policy = policy = (await systems.currentPolicy())?.leaver ?? input.policy;
      backoff = backoffOf(policy);
    }
    for (;;) {
      const phone = s.plan?.phone;
      const sim = s.plan?.sim;
      switch (progress.stage) {
        case 'planning': {
          const plan = await systems.planLeaver({ employeeId, lastWorkingDay: progress.lastWorkingDay, reminderDaysBefore: policy.reminderDaysBefore });
          s.plan = plan;
          progress.imei = plan.phone?.imei;
          progress.iccid = plan.sim?.iccid;
          if (plan.phone) showImei(plan.phone.imei);
          if (!plan.phone && !plan.sim) {
            await systems.closeEmployment({ employeeId, status: 'LEFT' });
            enter('done');
            return (progress.outcome = 'nothing-to-return');
          }
          progress.lockAt = new Date(lockAt()).toISOString();
          enter('awaiting-return');
          break;
        }

        case 'awaiting-return': {
          if (phone && s.backupSentFor !== progress.lastWorkingDay && Date.now() < Date.parse(s.plan!.lastDayEndsAt)) {
            await sendMessage({
              idempotencyKey: key(`backup-instructions:${progress.lastWorkingDay}`),
              imei: phone.imei,
              kind: 'backup-instructions',
              lastWorkingDay: progress.lastWorkingDay,
            });
            s.backupSentFor = progress.lastWorkingDay;
          }
          for (const reminder of s.plan!.reminders) {
            if (progress.remindersSent.includes(reminder.daysBefore)) continue;
            const wait = Date.parse(reminder.at) - Date.now();
            if (wait < 0 || returned() || dateMoved()) continue; // a late event does not send reminders for days gone by
            if (await condition(() => returned() || dateMoved(), wait)) break;
            if (phone) {
              await sendMessage({
                idempotencyKey: key(`reminder:${progress.lastWorkingDay}:${reminder.daysBefore}`),
                imei: phone.imei,
                kind: 'return-reminder',
                lastWorkingDay: progress.lastWorkingDay,
                daysBefore: reminder.daysBefore,
              });
            }
            progress.remindersSent.push(reminder.daysBefore);
          }
          await waitUntil(() => returned() || dateMoved(), lockAt());
          if (dateMoved()) await moveLastWorkingDay();
          else enter(returned() ? 'returned' : 'locking');
          break;
        }

        case 'locking': {
          // Not returned in time: stop the corporate SIM and lock the phone with a message that
          // says whose it is and whom to call. Each undo is written down before its call.
          if (sim && !s.undo.resumeSim) {
            s.undo.resumeSim = true;
            await systems.setSimService({ iccid: sim.iccid, service: 'SUSPENDED', reason: 'not returned' });
            progress.simSuspended = true;
          }
          if (!progress.lockRequestedAt) {
            if (phone) {
              s.undo.unlock = true;
              const lock = await inFlight.lockPhone({ idempotencyKey: key(`lock:${s.lockRound}`), imei: phone.imei });
              s.lockCommandId = lock.commandId;
              progress.locked = true;
            }
            // The permanent lock follows the request, not its arrival: a phone kept off the
            // network would otherwise never be dealt with.
            progress.lockRequestedAt = now();
            progress.brickAt = new Date(Date.now() + msToNumber(policy.brickGracePeriod)).toISOString();
          }
          if (!phone) {
            enter('locked');
            break;
          }
          const end = await waitForPhone({
            progress: () => systems.commandProgress({ imei: phone.imei, commandId: s.lockCommandId! }),
            onPending: (state) => stillPending('lock', state),
            backoff,
            interrupt: () => returned() || dateMoved(),
            deadline: Date.parse(progress.brickAt!),
            startAttempt: s.waitAttempt,
          });
          s.waitAttempt = end.attempt;
          if (end.kind === 'continue-as-new') return rollOver();
          if (end.kind === 'ready') s.lockOnPhone = true;
          if (dateMoved()) await moveLastWorkingDay();
          else if (returned()) enter('returned');
          else if (end.kind === 'deadline')
            enter('bricking', true); // the query still says the lock waits for the phone
          else enter('locked');
          break;
        }

        case 'locked': {
          await waitUntil(() => returned() || dateMoved(), Date.parse(progress.brickAt!));
          if (dateMoved()) await moveLastWorkingDay();
          else if (returned()) enter('returned');
          else if (!phone) {
            // Only a SIM, never returned: it stays suspended; nothing to brick or write off.
            await systems.closeEmployment({ employeeId, status: 'LEFT' });
            enter('done');
            return (progress.outcome = 'written-off');
          } else enter('bricking');
          break;
        }

        case 'bricking': {
          // Knox Guard queues the permanent lock for the phone's next check-in; the leasing
          // partner hears of the loss on the deadline, not when (or if) the phone shows up.
          if (!s.brickRequested) {
            s.undo.unbrick = true;
            await inFlight.brickPhone({ idempotencyKey: key('brick'), imei: phone!.imei });
            s.brickRequested = true;
            progress.bricked = true;
          }
          if (s.writtenOffAt === undefined) {
            await systems.writeOffPhone({ idempotencyKey: key('write-off'), imei: phone!.imei, employeeId });
            await systems.closeEmployment({ employeeId, status: 'LEFT' });
            s.writtenOffAt = Date.now();
          }
          enter('bricked', !s.lockOnPhone);
          break;
        }

        case 'bricked': {
          // Written off, but a phone that comes back is still recovered, for a while. Meanwhile
          // the query says what has not reached the phone yet, until it checks in.
          const watchEnds = s.writtenOffAt! + msToNumber(policy.recoveryWatch);
          if (!s.lockOnPhone || !s.permanentLockOnPhone) {
            const end = await waitForPhone({
              progress: async () => {
                const state = await systems.phoneLockState({ imei: phone!.imei, lockCommandId: s.lockOnPhone ? undefined : s.lockCommandId });
                s.lockOnPhone ||= state.lockDone;
                s.permanentLockOnPhone ||= state.permanentLockDone;
                return { ...state, done: Boolean(s.lockOnPhone && s.permanentLockOnPhone) };
              },
              onPending: (state) => stillPending(s.lockOnPhone ? 'permanent lock' : 'lock and permanent lock', state),
              backoff,
              interrupt: returned,
              deadline: watchEnds,
              startAttempt: s.waitAttempt,
            });
            s.waitAttempt = end.attempt;
            if (end.kind === 'continue-as-new') return rollOver();
            if (end.kind === 'ready') donePending();
          }
          if (returned() || (await waitUntil(returned, watchEnds))) enter('returned');
          else return (progress.outcome = 'written-off');
          break;
        }

        case 'returned': {
          // Undo any lock, then wipe, and put phone and SIM back in the store's stock.
          if (phone && s.undo.unbrick) {
            await systems.unbrickPhone({ idempotencyKey: key('unbrick'), imei: phone.imei });
            s.undo.unbrick = false;
            progress.bricked = false;
          }
          if (phone && s.undo.unlock) {
            await systems.unlockPhone({ idempotencyKey: key(`unlock:${s.lockRound}`), imei: phone.imei });
            s.undo.unlock = false;
            progress.locked = false;
          }
          enter(phone ? 'wiping' : 'done');
          if (!phone) return restockAndClose();
          break;
        }

        case 'wiping': {
          if (!s.wipeCommandId) s.wipeCommandId = (await systems.wipePhone({ idempotencyKey: key('wipe'), imei: phone!.imei })).commandId;
          const end = await waitForPhone({
            progress: () => systems.commandProgress({ imei: phone!.imei, commandId: s.wipeCommandId! }),
            onPending: (state) => stillPending('wipe', state),
            backoff,
            startAttempt: s.waitAttempt,
          });
          s.waitAttempt = end.attempt;
          if (end.kind === 'continue-as-new') return rollOver();
          return restockAndClose();
        }

        default:
          throw new Error(`leaver cannot resume from stage ${progress.stage}`);
      }
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Dismissal revoked: give the employee back a working phone and SIM.
    await CancellationScope.nonCancellable(revoke);
    throw err;
  }

  function lockAt(): number {
    return Date.parse(s.plan!.lastDayEndsAt) + msToNumber(policy.returnGracePeriod);
  }

  async function sendMessage(message: Parameters<LeaverActivities['messagePhone']>[0]): Promise<void> {
    try {
      await messages.messagePhone(message);
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Could not reach the MDM for a day: the message is stale now; the deadlines go on.
    }
  }

  /**
   * Applies HR's latest last working day: new reminders and deadlines; a phone locked on the old
   * date while the person still works is unlocked and the SIM resumed. Once the phone is being
   * bricked or written off, the date no longer matters: the change is only noted.
   */
  async function moveLastWorkingDay(): Promise<void> {
    const change = s.dateChanges.at(-1)!;
    s.dateChanges = [];
    if (change.lastWorkingDay === progress.lastWorkingDay) return;
    s.plan = await systems.replanLeaver({ employeeId, lastWorkingDay: change.lastWorkingDay, reminderDaysBefore: policy.reminderDaysBefore });
    progress.lastWorkingDay = change.lastWorkingDay;
    progress.remindersSent = [];
    progress.lockAt = new Date(lockAt()).toISOString();
    if (lockAt() <= Date.now()) return; // the new date is past as well: carry on where we are
    if (progress.stage === 'locking' || progress.stage === 'locked') {
      const phone = s.plan.phone;
      if (phone && s.undo.unlock) {
        await systems.unlockPhone({ idempotencyKey: key(`unlock:${s.lockRound}`), imei: phone.imei });
        s.undo.unlock = false;
      }
      if (s.plan.sim && s.undo.resumeSim) {
        await systems.setSimService({ iccid: s.plan.sim.iccid, service: 'ACTIVATED', reason: 'last working day moved' });
        s.undo.resumeSim = false;
      }
      s.lockRound += 1;
      Object.assign(s, { lockCommandId: undefined, lockOnPhone: undefined });
      Object.assign(progress, { locked: false, simSuspended: false, lockRequestedAt: undefined, brickAt: undefined });
    }
    enter('awaiting-return');
  }

  async function restockAndClose(): Promise<LeaverOutcome> {
    const handedIn = progress.returned!;
    await systems.restockReturned({
      idempotencyKey: key('restock'),
      employeeId,
      imei: s.plan?.phone?.imei,
      iccid: s.plan?.sim?.iccid,
      condition: handedIn.condition,
      simReturned: handedIn.simReturned,
      simOnReturn: policy.simOnReturn,
    });
    await systems.closeEmployment({ employeeId, status: 'LEFT' });
    enter('done');
    return (progress.outcome = 'returned');
  }

  /** Every undo is tried, whatever failed before it; what failed becomes one support task. */
  async function revoke(): Promise<void> {
    enter('revoking');
    const imei = progress.imei;
    const failed: string[] = [];
    const attempt = async (what: string, undo: () => Promise<unknown>): Promise<boolean> => {
      try {
        await undo();
        return true;
      } catch (err) {
        failed.push(`${what}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`);
        return false;
      }
    };
    const undone = { unbrick: false, unlock: false, resumeSim: false };
    if (imei && s.undo.unbrick)
      undone.unbrick = await attempt(`remove the Knox Guard lock of phone ${imei}`, () => undoing.unbrickPhone({ idempotencyKey: key('revoke:unbrick'), imei }));
    if (imei && s.undo.unlock) undone.unlock = await attempt(`unlock phone ${imei}`, () => undoing.unlockPhone({ idempotencyKey: key('revoke:unlock'), imei }));
    if (progress.iccid && s.undo.resumeSim) {
      const iccid = progress.iccid;
      undone.resumeSim = await attempt(`resume SIM ${iccid}`, () => undoing.setSimService({ iccid, service: 'ACTIVATED', reason: 'dismissal revoked' }));
    }
    // What was undone is no longer owed; what failed stays recorded (and goes to support).
    for (const step of ['unbrick', 'unlock', 'resumeSim'] as const) if (undone[step]) s.undo[step] = false;
    progress.locked = s.undo.unlock;
    progress.bricked = s.undo.unbrick;
    progress.simSuspended = s.undo.resumeSim;
    await attempt('reinstate the employee in phonefleet', () =>
      undoing.reinstateEmployee({ idempotencyKey: key('revoke'), employeeId, imei, iccid: progress.iccid, returned: returned(), undone }),
    );
    if (failed.length > 0) {
      progress.undoFailed = failed;
      await attempt('open the support task', () => undoing.openRevocationSupportTask({ idempotencyKey: key('revoke:undo-failed'), employeeId, failed }));
    }
    enter('revoked');
    progress.outcome = 'revoked';
  }
}
