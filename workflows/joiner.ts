// Joiner: a new hire gets a working corporate phone, ideally on the first working day.
//
// The order is the business's: the phone is enrolled for the person's directory account, so
// that account must exist first (it can appear a day late); the SIM can only be used once the
// operator accepted the owner's identity data (the law); and the process only ends when the
// curator confirms the phone is in the employee's hands.
//
// Hire rescinded at any point: the lifecycle cancels this workflow and the compensations undo
// what was done, newest first, so nothing stays reserved, registered or assigned.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { JoinerActivities } from '../activities/joiner.ts';
import {
  handedOverSignal,
  handOverUpdate,
  JOINER_STAGE,
  JOINER_STAGE_DETAILS,
  joinerSummary,
  progressQuery,
  retrySimOwnerRegistrationSignal,
  retrySimOwnerRegistrationUpdate,
  stockArrivedSignal,
  type Handover,
  type JoinerProgress,
  type JoinerResult,
  type JoinerStart,
} from './joiner-contract.ts';
import { joinerV1 } from './joiner-v1.ts';
import { compensation, enrolmentAttempt, systemCall, undoable } from './kit/activity-options.ts';
import { now } from './kit/clock.ts';
import { stagesOf } from './kit/stage.ts';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import { pollUntil, searchAttributeShower, type Backoff } from './kit/wait.ts';
import type { JoinerPolicy } from './policy.ts';
import { Imei, Phase } from './search-attributes.ts';

export * from './joiner-contract.ts';

// Calls to HR, the directory, the operator and the MDM. Their outages can last hours (the story
// had MDM servers unreachable for weeks), so retries never give up; a permanent error (bad
// request, unknown device) is thrown non-retryable by the activity itself.
const systems = proxyActivitiesByQueue<JoinerActivities>(systemCall);
// Side effects that have an undo (reservation, owner registration, SIM activation, MDM
// assignment): a rescission while one is in flight waits for it to finish, so the undo that
// runs next finds what it has to undo.
const sideEffects = proxyActivitiesByQueue<JoinerActivities>(undoable(systemCall));
// The enrolment gives up after a few minutes of MDM outage and hands over to the workflow's
// backoff (minutes growing to hours), so a weeks-long outage costs a few events an hour.
const enrolment = proxyActivitiesByQueue<JoinerActivities>(enrolmentAttempt);
// Compensations: each tried a bounded number of times; what still fails is listed for support.
const undoing = proxyActivitiesByQueue<JoinerActivities>(compensation);

/** Waiting for a system that is down: 5 minutes, doubling, at most 6 hours between attempts. */
const OUTAGE_BACKOFF: Backoff = { first: '5 minutes', max: '6 hours' };
/** Waits on people (IT, a delivery, the operator) back off from the policy's interval to at most this. */
const LONGEST_POLL = '6 hours';

export interface JoinerInput extends JoinerStart {
  /** Set by continue-as-new: where this onboarding stands and what it learned so far. */
  resume?: JoinerResume;
}

/** The steps of an onboarding in order; a resumed run jumps to its step. */
type JoinerStep = 'record' | 'directory' | 'stock' | 'registration' | 'activation' | 'enrolment' | 'ready' | 'handover';

/** An undo, as data (it is carried across continue-as-new), recorded BEFORE the step it undoes. */
type Undo =
  { kind: 'release-stock' } | { kind: 'withdraw-registration'; iccid: string; idempotencyKey: string } | { kind: 'suspend-sim'; iccid: string } | { kind: 'unenrol'; imei: string };

export interface JoinerResume {
  step: JoinerStep;
  /** This onboarding's own key (the first run's id): every idempotency key derives from it. */
  key: string;
  policy: JoinerPolicy;
  role?: { roleCode: string; profileId: string };
  progress: JoinerProgress;
  undo: Undo[];
  /** Rounds of the wait in progress, so its backoff resumes where it was. */
  attempt: number;
  registrationAttempt: number;
  directoryWaitSince?: number;
  stockArrived: boolean;
  retryRegistration: boolean;
  handover?: Handover;
}

export async function joiner(input: JoinerInput): Promise<JoinerResult> {
  // Onboardings that started before each got its own keys replay, and carry on, as they were.
  if (!input.resume && !patched('joiner-v2')) return joinerV1(input);
  return onboard(input);
}

async function onboard({ employeeId, hire, policy: startedWith, resume }: JoinerInput): Promise<JoinerResult> {
  const s: JoinerResume = resume ?? {
    step: 'record',
    // New for each onboarding, the same across its continue-as-new runs: a rehire after leaving
    // gets a new reservation, owner registration and curator notice.
    key: workflowInfo().firstExecutionRunId,
    policy: startedWith,
    progress: { employeeId, storeId: hire.storeId, stage: 'recording-hire', since: now(), escalations: [] },
    undo: [],
    attempt: 0,
    registrationAttempt: 1,
    stockArrived: false,
    retryRegistration: false,
  };
  const { progress } = s;
  const key = (step: string) => `${s.key}:${step}`;

  setHandler(progressQuery, () => progress);
  setHandler(stockArrivedSignal, () => void (s.stockArrived = true));
  setHandler(retrySimOwnerRegistrationSignal, () => void (s.retryRegistration = true));
  setHandler(handedOverSignal, (h) => void (s.handover ??= h));
  // Operators' actions as Updates: the validator decides against the state at this instant, so
  // the API's answer (202/409) is the workflow's own. The signals above serve the API of before.
  setHandler(
    handOverUpdate,
    ({ at, by }) => {
      const alreadyConfirmed = s.handover !== undefined;
      s.handover ??= { at, by };
      return { alreadyConfirmed };
    },
    {
      validator: ({ imei }) => {
        if (progress.imei !== undefined && progress.imei !== imei) throw new Error(`phone ${imei} is not the one prepared for employee ${employeeId} (that is ${progress.imei})`);
        if (s.handover) return; // confirmed twice (a double scan): accepted, changes nothing
        if (progress.stage !== JOINER_STAGE.awaitingHandover) throw new Error(`phone ${imei} is not ready for hand-over yet (onboarding stage: ${progress.stage})`);
      },
    },
  );
  setHandler(retrySimOwnerRegistrationUpdate, () => void (s.retryRegistration = true), {
    validator: () => {
      if (progress.stage !== JOINER_STAGE.simOwnerRejected)
        throw new Error(`no rejected SIM owner registration to retry for employee ${employeeId} (onboarding stage: ${progress.stage})`);
      if (s.retryRegistration) throw new Error(`a retry of the SIM owner registration of employee ${employeeId} is already under way`);
    },
  });

  // Index the process for operators only if whoever started it indexed it (the lifecycle does;
  // a server without phonefleet's search attributes, like the time-skipping test server, can't).
  const indexed = workflowInfo().typedSearchAttributes.get(Phase) !== undefined;
  const { enter } = stagesOf(progress, {
    indexed,
    summary: () => joinerSummary({ employeeId, hire }),
    detail: () => `${JOINER_STAGE_DETAILS[progress.stage]} (since ${progress.since})`,
  });
  const showImei = searchAttributeShower<string>(Imei, indexed);
  const go = (step: JoinerStep) => {
    s.step = step;
    s.attempt = 0;
  };
  /** Recorded before the step it undoes runs: a rescission mid-call still undoes it. */
  const willUndo = (undo: Undo) => {
    if (!s.undo.some((u) => JSON.stringify(u) === JSON.stringify(undo))) s.undo.push(undo);
  };
  const stillWaiting = (attempt: number) => void (s.attempt = attempt);
  /** The history is getting long: a fresh run carries on from the same step. */
  const rollOver = () => continueAsNew<typeof joiner>({ employeeId, hire, policy: startedWith, resume: s });

  try {
    for (;;) {
      switch (s.step) {
        case 'record': {
          // The policy in force now, not the one frozen into the lifecycle when it started.
          s.policy = (await systems.currentPolicy())?.joiner ?? startedWith;
          s.role = await systems.recordHire({ employeeId, ...hire });
          progress.roleCode = s.role.roleCode;
          s.directoryWaitSince = Date.now();
          go('directory');
          break;
        }

        case 'directory': {
          enter('awaiting-directory-account');
          const escalated = progress.escalations.includes('directory-account-missing');
          const end = await pollUntil({
            check: async () => (await systems.findDirectoryAccount(employeeId)) ?? undefined,
            backoff: { first: s.policy.directoryPollInterval, max: LONGEST_POLL },
            deadline: escalated ? undefined : s.directoryWaitSince! + msToNumber(s.policy.directoryEscalateAfter),
            startAttempt: s.attempt,
            onStillWaiting: stillWaiting,
          });
          s.attempt = end.attempt;
          if (end.kind === 'continue-as-new') return await rollOver();
          if (end.kind === 'ready') {
            progress.directoryUserId = end.value.userId;
            go('stock');
          } else {
            // Support chases IT for the account; the hire keeps waiting for it, it does not fail.
            await systems.openSupportTask({
              idempotencyKey: key('directory-account-missing'),
              storeId: hire.storeId,
              employeeId,
              kind: 'directory-account-missing',
              summary: `No directory account for employee ${employeeId} since ${new Date(s.directoryWaitSince!).toISOString()}; phone enrolment is waiting for it.`,
            });
            progress.escalations.push('directory-account-missing');
          }
          break;
        }

        case 'stock': {
          enter('awaiting-stock');
          willUndo({ kind: 'release-stock' });
          const end = await pollUntil({
            check: async () => {
              s.stockArrived = false;
              const stock = await sideEffects.reserveDeviceAndSim({ reservationKey: s.key, employeeId, storeId: hire.storeId });
              if (stock.reserved) return stock;
              if (String(progress.missingStock) !== String(stock.missing)) progress.missingStock = stock.missing;
              if (!progress.escalations.includes('out-of-stock')) {
                await systems.notifyCurator({
                  idempotencyKey: key('out-of-stock'),
                  storeId: hire.storeId,
                  employeeId,
                  kind: 'out-of-stock',
                  message: `No ${stock.missing.join(' or ')} in stock for new employee ${employeeId} (starts ${hire.startDate}). Register the delivery in phonefleet and the phone will be prepared at once.`,
                });
                progress.escalations.push('out-of-stock');
              }
              return undefined;
            },
            backoff: { first: s.policy.stockRetryInterval, max: LONGEST_POLL },
            // A delivery was announced: look now, and start the backoff over.
            wake: () => s.stockArrived,
            startAttempt: s.attempt,
            onStillWaiting: stillWaiting,
          });
          if (end.kind === 'continue-as-new') return await rollOver();
          if (end.kind !== 'ready') throw new Error(`stock wait ended unexpectedly: ${end.kind}`);
          progress.imei = end.value.imei;
          progress.iccid = end.value.iccid;
          progress.missingStock = undefined;
          showImei(end.value.imei);
          go(progress.simOwnerRegistration?.status === 'ACCEPTED' ? 'enrolment' : 'registration');
          break;
        }

        case 'registration': {
          enter('registering-sim-owner');
          const iccid = progress.iccid!;
          const idempotencyKey = key(`sim-owner:${s.registrationAttempt}`);
          willUndo({ kind: 'withdraw-registration', iccid, idempotencyKey });
          // Again after continue-as-new: the activity finds the submission by its key.
          let decision = await sideEffects.submitSimOwnerRegistration({ employeeId, iccid, idempotencyKey });
          progress.simOwnerRegistration = decision;
          if (decision.status === 'PENDING') {
            const registrationId = decision.registrationId;
            const end = await pollUntil({
              check: async () => {
                const seen = await systems.checkSimOwnerRegistration({ iccid, registrationId });
                return seen.status === 'PENDING' ? undefined : seen;
              },
              backoff: { first: s.policy.registrationPollInterval, max: LONGEST_POLL },
              startAttempt: Math.max(1, s.attempt), // it was just submitted: ask after the first interval
              onStillWaiting: stillWaiting,
            });
            if (end.kind === 'continue-as-new') return await rollOver();
            if (end.kind !== 'ready') throw new Error(`registration wait ended unexpectedly: ${end.kind}`);
            decision = end.value;
            progress.simOwnerRegistration = decision;
          }
          if (decision.status === 'ACCEPTED') {
            go('activation');
            break;
          }
          // Rejected (or withdrawn at the operator): nothing a retry can fix by itself. Support
          // checks the identity data with HR, then signals a new attempt; meanwhile the device
          // and SIM stay reserved for this hire.
          enter('sim-owner-rejected');
          // From here support may retry (the API accepts it once the stage shows): a retry sent
          // while the task is being opened must not be reset after it.
          const keepEarlyRetry = patched('sim-owner-early-retry');
          if (keepEarlyRetry) s.retryRegistration = false;
          await systems.openSupportTask({
            idempotencyKey: key(`sim-owner-rejected:${s.registrationAttempt}`),
            storeId: hire.storeId,
            employeeId,
            kind: 'sim-owner-registration-rejected',
            summary: `Operator rejected the SIM owner registration for employee ${employeeId} (SIM ${iccid}): ${decision.reason ?? 'no reason given'}. Check the identity data in HR, then retry the registration.`,
          });
          progress.escalations.push(`sim-owner-rejected:${s.registrationAttempt}`);
          if (!keepEarlyRetry) s.retryRegistration = false;
          await condition(() => s.retryRegistration);
          s.registrationAttempt++;
          s.attempt = 0;
          break;
        }

        case 'activation': {
          // The law allows the SIM to work once its owner is accepted; the curator hears the
          // phone is ready only after it does.
          enter('activating-sim');
          const iccid = progress.iccid!;
          willUndo({ kind: 'suspend-sim', iccid });
          await sideEffects.activateSim({ iccid, employeeId });
          go('enrolment');
          break;
        }

        case 'enrolment': {
          enter('enrolling-device');
          const imei = progress.imei!;
          willUndo({ kind: 'unenrol', imei });
          const end = await pollUntil({
            check: () => tryEnrolment(imei),
            backoff: OUTAGE_BACKOFF,
            startAttempt: s.attempt,
            onStillWaiting: stillWaiting,
          });
          if (end.kind === 'continue-as-new') return await rollOver();
          if (end.kind !== 'ready') throw new Error(`enrolment wait ended unexpectedly: ${end.kind}`);
          if ('enrolled' in end.value) {
            go('ready');
            break;
          }
          // The MDM refuses this phone: out of the stock with a support task, and another one
          // for this hire (the SIM, registered and active, stays with the hire).
          await systems.quarantineDevice({ reservationKey: s.key, imei, employeeId, reason: end.value.refused });
          s.undo = s.undo.filter((u) => !(u.kind === 'unenrol' && u.imei === imei));
          progress.escalations.push(`device-quarantined:${imei}`);
          progress.imei = undefined;
          go('stock');
          break;
        }

        case 'ready': {
          enter('awaiting-handover');
          // No name here: the notice is stored; the curator's view fetches the name from HR.
          await systems.notifyCurator({
            idempotencyKey: key('phone-ready'),
            storeId: hire.storeId,
            employeeId,
            kind: 'phone-ready',
            message: `Phone ${progress.imei} for new employee ${employeeId} (starts ${hire.startDate}) is ready. Hand it over and confirm in phonefleet.`,
          });
          go('handover');
          break;
        }

        case 'handover': {
          enter('awaiting-handover');
          // One timer-less wait, however long: it adds nothing to the history until it ends.
          await condition(() => s.handover !== undefined);
          const handover = s.handover!;
          const { imei, iccid } = { imei: progress.imei!, iccid: progress.iccid! };
          const recorded = await systems.recordHandover({ employeeId, imei, iccid, handedOverAt: handover.at, by: handover.by });
          progress.handover = { at: handover.at, day: recorded.handoverDay };
          enter('handed-over');
          return { employeeId, imei, iccid, handedOverAt: handover.at, handoverDay: recorded.handoverDay, dayOne: recorded.handoverDay <= 1 };
        }
      }
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    // Rescinded (cancelled) or failed for good: undo what was done, newest first, even though
    // this scope may be cancelled, then let the cancellation or failure through to the lifecycle.
    const rescinded = isCancellation(err);
    await CancellationScope.nonCancellable(async () => {
      enter(rescinded ? 'rescinding' : 'undoing');
      await compensate();
      enter(rescinded ? 'rescinded' : 'failed');
    });
    throw err;
  }

  /** One attempt at the enrolment: done, refused by the MDM (permanent), or undefined (MDM unreachable: wait). */
  async function tryEnrolment(imei: string): Promise<{ enrolled: true } | { refused: string } | undefined> {
    try {
      await enrolment.enrolDevice({ imei, employeeId, directoryUserId: progress.directoryUserId!, profileId: s.role!.profileId });
      return { enrolled: true };
    } catch (err) {
      if (!(err instanceof ActivityFailure) || isCancellation(err)) throw err;
      if (err.cause instanceof ApplicationFailure && err.cause.nonRetryable) return { refused: err.cause.message };
      return undefined;
    }
  }

  /**
   * Every undo is tried, newest first, whatever happens to the others; what could not be undone
   * becomes one support task that lists it.
   */
  async function compensate(): Promise<void> {
    const left: string[] = [];
    for (const undo of [...s.undo].reverse()) {
      try {
        if (undo.kind === 'unenrol') await undoing.unenrolDevice({ imei: undo.imei, employeeId });
        else if (undo.kind === 'suspend-sim') await undoing.suspendStockSim({ iccid: undo.iccid, employeeId });
        else if (undo.kind === 'withdraw-registration') await undoing.withdrawSimOwnerRegistration({ iccid: undo.iccid, idempotencyKey: undo.idempotencyKey });
        else await undoing.releaseReservation({ reservationKey: s.key, employeeId });
      } catch (err) {
        left.push(
          `${UNDO_TODO[undo.kind]}${'imei' in undo ? ` ${undo.imei}` : 'iccid' in undo ? ` ${undo.iccid}` : ''} (${err instanceof ActivityFailure ? (err.cause?.message ?? err.message) : String(err)})`,
        );
      }
    }
    if (left.length === 0) return;
    await systems.openSupportTask({
      idempotencyKey: key('undo-incomplete'),
      storeId: hire.storeId,
      employeeId,
      kind: 'onboarding-undo-incomplete',
      summary: `Undoing the onboarding of employee ${employeeId} left ${left.length} step(s) to do by hand: ${left.join('; ')}.`,
    });
  }
}

/** What support does by hand for an undo that failed. */
const UNDO_TODO: Record<Undo['kind'], string> = {
  unenrol: 'remove the MDM user assignment of phone',
  'suspend-sim': 'suspend at the operator SIM',
  'withdraw-registration': 'withdraw the owner registration of SIM',
  'release-stock': 'put the reserved phone and SIM back in stock',
};
