// Employee lifecycle: one long-lived workflow per employee (`employee-<id>`), the single place
// where that person's HR events meet. HR may deliver an event twice, or deliver a rescission
// while the onboarding is still waiting for stock: events are deduplicated by id, handled one at
// a time in arrival order, and each phase (joiner, mover, leaver) runs as a child workflow so it
// has its own history, query and place in the Web UI.
//
// Some events cannot wait for the running phase to end: a rescinded hire or a dismissal stops
// an onboarding, a revoked dismissal stops a leaver, a dismissal stops a pending move. Those
// cancel the child, whose compensations undo its work, and are then handled in order.
//
// Other events are handled while a phase runs, without stopping it: a new last working day for
// someone already leaving moves the running leaver's dates; a rehire once the clearance closed
// the employment (the phone written off, watched for a year) starts the new employment at once
// while the old clearance keeps watching. No event is ever dropped: the lifecycle ends only when
// the employment is over AND nothing is queued.
//
// The workflow continues-as-new after each event, carrying only the state below, so an employee
// who stays for ten years never accumulates a large history.
import {
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
  type Workflow,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../activities/lifecycle.ts';
import type { OfflineLockActivities } from '../activities/offline-lock.ts';
import { hrEventSignal, lifecycleQuery, lifecycleSummary, type LifecycleInput, type LifecycleState } from './employee-lifecycle-contract.ts';
import { employeeLifecycleV1 } from './employee-lifecycle-v1.ts';
import type { HrEvent } from './hr-events.ts';
import { offlineLockCall, systemCall } from './kit/activity-options.ts';
import { showCurrentDetails } from './kit/details.ts';
import { joinerSummary, joinerWorkflowId } from './joiner-contract.ts';
import { joiner } from './joiner.ts';
import { lastWorkingDayChangedSignal, leaverSummary, leaverWorkflowId } from './leaver-contract.ts';
import { leaver } from './leaver.ts';
import { moverSummary, moverWorkflowId } from './mover-contract.ts';
import { mover } from './mover.ts';
import { EmployeeId, Phase, StoreId } from './search-attributes.ts';

export * from './employee-lifecycle-contract.ts';

const offlineLock = proxyActivities<OfflineLockActivities>(offlineLockCall);
const records = proxyActivities<LifecycleActivities>(systemCall);

/** How many processed event ids are remembered for deduplication across continue-as-new. */
const REMEMBERED_EVENT_IDS = 500;
const REMEMBERED_OUTCOMES = 50;

export async function employeeLifecycle(input: LifecycleInput): Promise<LifecycleState> {
  // Lifecycles that started before issue 6 replay as they ran; their next run (after the
  // continue-as-new that follows every event) takes the current code.
  if (!patched('lifecycle-v2')) return employeeLifecycleV1(input);
  return lifecycle(input);
}

async function lifecycle({ employeeId, policy, employedAt, state: carried }: LifecycleInput): Promise<LifecycleState> {
  const state: LifecycleState = carried ?? {
    employeeId,
    status: employedAt ? 'active' : 'new',
    storeId: employedAt?.storeId,
    pending: [],
    seenEventIds: [],
    outcomes: [],
  };
  const seen = new Set(state.seenEventIds);

  setHandler(hrEventSignal, (event) => {
    if (seen.has(event.eventId)) return; // HR redelivered it: already queued or handled
    seen.add(event.eventId);
    state.pending.push(event);
  });
  setHandler(lifecycleQuery, () => ({ ...state, seenEventIds: [...seen].slice(-REMEMBERED_EVENT_IDS) }));

  const record = (event: HrEvent, outcome: string) => {
    state.outcomes.push({ eventId: event.eventId, kind: event.kind, at: new Date().toISOString(), outcome });
    state.outcomes = state.outcomes.slice(-REMEMBERED_OUTCOMES);
  };
  const supportTask = (event: HrEvent, kind: string, summary: string) =>
    records.openSupportTask({ idempotencyKey: `${workflowInfo().workflowId}:${event.eventId}`, storeId: state.storeId!, employeeId, kind, summary });

  /** A clearance that closed the employment and goes on watching for the written-off phone while the person works here again. */
  let watching: { event: HrEvent; ended: boolean } | undefined;

  for (;;) {
    showCurrentDetails(
      lifecycleSummary(employeeId, state.storeId ?? 'unknown'),
      `Employment ${state.status}: waiting for HR events since ${new Date().toISOString()}${watching ? '; the previous clearance still watches for its written-off phone' : ''}`,
    );
    await condition(() => state.pending.length > 0 || watching?.ended === true);
    if (watching?.ended) {
      record(watching.event, 'the clearance of the previous employment ended');
      watching = undefined;
    }
    const event = state.pending.shift();

    switch (event?.kind) {
      case undefined:
        break;
      case 'hired': {
        // A hire after a failed onboarding (HR sends it again once support fixed the cause)
        // retries; a hire after leaving (or a rescinded hire) is a new employment.
        if (!['new', 'onboarding-failed', 'left', 'rescinded'].includes(state.status)) {
          record(event, `ignored: employee is already ${state.status}`);
          break;
        }
        state.status = 'onboarding';
        state.storeId = event.hire.storeId;
        state.joined = undefined;
        const run = await runPhase(
          state,
          joiner,
          joinerWorkflowId(employeeId),
          { employeeId, hire: event.hire, policy: policy.joiner },
          { interrupts: ['hire-rescinded', 'dismissed'], summary: joinerSummary({ employeeId, hire: event.hire }) },
        );
        if ('done' in run) {
          state.joined = run.done;
          state.status = 'active';
          record(event, `phone ${run.done.imei} handed over on day ${run.done.handoverDay}`);
        } else if ('interruptedBy' in run && run.interruptedBy.kind === 'hire-rescinded') {
          consume(state, run.interruptedBy);
          await records.markEmployeeRescinded({ employeeId }); // before the query says so
          state.status = 'rescinded';
          record(event, 'onboarding cancelled; compensations done');
          record(run.interruptedBy, 'hire rescinded during onboarding');
        } else if ('interruptedBy' in run) {
          // Dismissed before the phone was handed over: onboarding undone; the dismissal, still
          // queued, now runs the leaver for whatever had already been handed out.
          state.status = 'active';
          record(event, 'onboarding cancelled by a dismissal; compensations done');
        } else if ('cancelledElsewhere' in run) {
          state.status = 'onboarding-failed';
          await supportTask(
            event,
            'onboarding-cancelled',
            `The onboarding of employee ${employeeId} was cancelled by hand (not by HR); what it had done was undone. HR re-sending the hire starts it again.`,
          );
          record(event, 'onboarding cancelled by an operator; compensations done');
        } else {
          const why = 'failed' in run ? run.failed : 'ended unexpectedly';
          state.status = 'onboarding-failed';
          await supportTask(event, 'onboarding-failed', `Onboarding of employee ${employeeId} failed: ${why}. Fix the cause; HR re-sending the hire retries it.`);
          record(event, `onboarding failed: ${why}`);
        }
        break;
      }
      case 'hire-rescinded': {
        // One that arrives while the joiner runs is handled above; one that arrives after the
        // hand-over has nothing automatic to undo: the phone is with the person.
        if (state.status === 'new' || state.status === 'onboarding-failed') {
          state.status = 'rescinded';
          record(event, 'rescinded before onboarding started');
        } else if (state.status === 'active') {
          await supportTask(
            event,
            'hire-rescinded-after-handover',
            `Hire of employee ${employeeId} was rescinded after the phone was handed over: collect phone ${state.joined?.imei ?? ''} and SIM.`,
          );
          record(event, 'support task opened: phone already handed over');
        } else {
          record(event, `ignored: employee is ${state.status}`);
        }
        break;
      }
      case 'dismissed': {
        if (state.status !== 'active') {
          record(event, `ignored: employee is ${state.status}`);
          break;
        }
        state.status = 'leaving';
        const run = await runPhase(
          state,
          leaver,
          leaverWorkflowId(employeeId),
          { employeeId, lastWorkingDay: event.lastWorkingDay, policy: policy.leaver },
          {
            interrupts: ['dismissal-revoked'],
            summary: leaverSummary({ employeeId, lastWorkingDay: event.lastWorkingDay }),
            alongside: {
              kinds: ['dismissed', 'hired'],
              async handle(queued, child) {
                if (queued.kind === 'dismissed') {
                  // HR moved the last working day: the running leaver moves its reminders and deadlines.
                  await child.signal(lastWorkingDayChangedSignal, { eventId: queued.eventId, lastWorkingDay: queued.lastWorkingDay });
                  record(queued, `last working day moved to ${queued.lastWorkingDay}`);
                  return 'handled';
                }
                // A rehire: once the employment is closed (the phone written off, only watched
                // for), the new employment starts now; until then it waits its turn.
                return (await records.employmentClosed({ employeeId })) ? 'detach' : 'keep';
              },
            },
          },
        );
        if ('done' in run) {
          state.status = 'left';
          record(event, `left: ${run.done}`);
        } else if ('detached' in run) {
          state.status = 'left';
          record(event, 'left: the phone was written off; the clearance keeps watching for it');
          const current = { event, ended: false };
          watching = current;
          const keepEmployment = patched('watch-end-keeps-employment');
          void (async () => {
            await run.detached.catch(() => undefined);
            // A written-off phone that came back was recovered by the old clearance, which closed
            // "its" employment again, whatever the new one's state: the records say what runs now.
            if (keepEmployment) await records.keepEmployment({ employeeId });
            current.ended = true;
          })();
        } else if ('interruptedBy' in run) {
          consume(state, run.interruptedBy);
          state.status = 'active';
          record(event, 'dismissal revoked; lock and SIM suspension undone');
          record(run.interruptedBy, 'dismissal revoked during the leaver');
        } else if ('cancelledElsewhere' in run) {
          state.status = 'active';
          await supportTask(
            event,
            'leaver-cancelled',
            `The clearance of employee ${employeeId} was cancelled by hand (not by HR): the phone and SIM were given back to the employee. HR must send the dismissal again if it stands.`,
          );
          record(event, 'clearance cancelled by an operator; undone');
        } else {
          const why = 'failed' in run ? run.failed : 'ended unexpectedly';
          state.status = 'active';
          await supportTask(event, 'leaver-failed', `Clearance of employee ${employeeId} failed: ${why}. Collect phone and SIM by hand.`);
          record(event, `leaver failed: ${why}`);
        }
        break;
      }
      case 'dismissal-revoked': {
        record(event, 'ignored: no dismissal in progress');
        break;
      }
      case 'leave-started':
      case 'leave-ended': {
        // Long leave: the phone may stay off the network without Knox Guard's offline lock
        // locking it, until the person is back.
        if (!patched('lifecycle-long-leave') || state.status !== 'active') {
          record(event, `ignored: employee is ${state.status}`);
          break;
        }
        const away = event.kind === 'leave-started';
        const { imei } = await offlineLock.markLongLeave({ eventId: event.eventId, employeeId, leave: away ? event.leave : null });
        record(
          event,
          !imei
            ? 'no phone in use'
            : away
              ? `phone ${imei} spared from the offline lock until ${event.leave.until ?? 'the leave ends'}`
              : `phone ${imei} under the offline lock again`,
        );
        break;
      }
      case 'role-changed':
      case 'transferred': {
        if (state.status !== 'active') {
          record(event, `ignored: employee is ${state.status}`);
          break;
        }
        const run = await runPhase(
          state,
          mover,
          moverWorkflowId(employeeId),
          { employeeId, move: event.move, policy: policy.mover },
          { interrupts: ['dismissed'], summary: moverSummary({ employeeId, move: event.move }) },
        );
        if ('done' in run) {
          if (event.move.kind === 'transfer') {
            state.storeId = event.move.storeId;
            upsertSearchAttributes([{ key: StoreId, value: state.storeId }]);
          }
          record(event, run.done.summary);
        } else if ('interruptedBy' in run) {
          record(event, 'not applied: the employee was dismissed meanwhile');
        } else if ('cancelledElsewhere' in run) {
          await supportTask(event, 'move-cancelled', `The role change or transfer of employee ${employeeId} was cancelled by hand (not by HR) and not applied.`);
          record(event, 'not applied: cancelled by an operator');
        } else {
          const why = 'failed' in run ? run.failed : 'ended unexpectedly';
          await supportTask(event, 'move-failed', `Role change or transfer of employee ${employeeId} failed: ${why}.`);
          record(event, `move failed: ${why}`);
        }
        break;
      }
    }

    const over = state.status === 'rescinded' || state.status === 'left';
    // Never end with events queued: a rehire that arrived meanwhile is a new employment.
    if (over && state.pending.length === 0 && !watching) return state;
    // A clearance still watching is a child of this run: keep the run (few events) until it ends.
    if (watching) continue;
    // Between events: start a fresh history, carrying only what the next run needs.
    await continueAsNew<typeof employeeLifecycle>({ employeeId, policy, state: { ...state, seenEventIds: [...seen].slice(-REMEMBERED_EVENT_IDS) } });
  }
}

/** Takes an interrupting event out of the queue: it has been handled by the interruption. */
function consume(state: LifecycleState, event: HrEvent) {
  const at = state.pending.indexOf(event);
  if (at >= 0) state.pending.splice(at, 1);
}

type PhaseRun<T> =
  | { done: T }
  | { interruptedBy: HrEvent }
  | { failed: string }
  /** Someone (an operator in the Web UI) cancelled the phase, not this lifecycle. */
  | { cancelledElsewhere: true }
  /** The phase goes on by itself (see `alongside`); it settles when it ends. */
  | { detached: Promise<unknown> };

interface PhaseOptions {
  /** The child's static summary in the Web UI (ids and codes, never a name). */
  summary: string;
  /** Events that stop the phase: it is cancelled (runs its compensations) and the event returned. */
  interrupts: HrEvent['kind'][];
  /** Events handled while the phase runs, without stopping it. */
  alongside?: {
    kinds: HrEvent['kind'][];
    /** 'handled': taken out of the queue; 'keep': stays queued (asked again daily); 'detach': the phase goes on by itself. */
    handle(event: HrEvent, child: ChildWorkflowHandle<Workflow>): Promise<'handled' | 'keep' | 'detach'>;
  };
}

/** While an event is kept queued beside a running phase, it is looked at again this often. */
const KEPT_EVENT_RECHECK = '1 day';

/**
 * Runs a phase as a child workflow until it ends, or until one of the `interrupts` events is
 * queued: then the child is cancelled (it runs its own compensations) and the event returned.
 */
async function runPhase<I, R>(state: LifecycleState, workflow: (input: I) => Promise<R>, workflowId: string, input: I, opts: PhaseOptions): Promise<PhaseRun<R>> {
  state.phaseWorkflowId = workflowId;
  showCurrentDetails(lifecycleSummary(state.employeeId, state.storeId ?? 'unknown'), `Employment ${state.status}: running ${workflowId} since ${new Date().toISOString()}`);
  const interruption = () => state.pending.find((e) => opts.interrupts.includes(e.kind));
  const kept = new Set<string>();
  const alongside = () => state.pending.find((e) => opts.alongside?.kinds.includes(e.kind) && !kept.has(e.eventId));
  const scope = new CancellationScope();
  let cancelledHere = false;
  try {
    const child = await scope.run(() =>
      startChild(workflow, {
        workflowId,
        args: [input] as [I],
        staticSummary: opts.summary,
        typedSearchAttributes: [
          { key: EmployeeId, value: state.employeeId },
          { key: StoreId, value: state.storeId ?? 'unknown' },
          { key: Phase, value: 'starting' },
        ],
      }),
    );
    let ended = false;
    const result = child.result().finally(() => void (ended = true));
    result.catch(() => undefined); // settled below; never an unhandled rejection
    for (;;) {
      const news = () => ended || interruption() !== undefined || alongside() !== undefined;
      const woken = kept.size > 0 ? await condition(news, KEPT_EVENT_RECHECK) : (await condition(news), true);
      if (!woken) {
        kept.clear(); // a day went by: ask again about the events kept queued
        continue;
      }
      if (ended) return { done: await result };
      if (interruption()) {
        cancelledHere = true;
        scope.cancel();
        // The scope's cancellation names the child's first run; a phase that continued-as-new (a
        // leaver waiting months for an offline phone) runs on in a later run: cancel that one too.
        if (patched('cancel-phase-current-run'))
          await getExternalWorkflowHandle(workflowId)
            .cancel()
            .catch(() => undefined);
        return { done: await result }; // throws the cancellation once the child compensated
      }
      const event = alongside()!;
      const verdict = await opts.alongside!.handle(event, child as ChildWorkflowHandle<Workflow>);
      if (verdict === 'handled') consume(state, event);
      else if (verdict === 'keep') kept.add(event.eventId);
      else return { detached: result };
    }
  } catch (err) {
    const childCancelled = err instanceof ChildWorkflowFailure && isCancellation(err.cause);
    if ((childCancelled || isCancellation(err)) && cancelledHere && interruption()) return { interruptedBy: interruption()! };
    if (childCancelled && !cancelledHere) return { cancelledElsewhere: true };
    if (err instanceof ChildWorkflowFailure) return { failed: err.cause?.message ?? err.message };
    if (err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError') return { failed: `${workflowId} is still running (a process of the previous employment)` };
    throw err;
  } finally {
    state.phaseWorkflowId = undefined;
  }
}
