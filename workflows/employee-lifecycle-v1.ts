// The employee lifecycle as it ran before issue 6 (keys per occurrence, rehires, events never
// dropped), kept verbatim so committed and running histories still replay: `employeeLifecycle`
// runs it for every run without the 'lifecycle-v2' marker. Do not change it.
import {
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../activities/lifecycle.ts';
import type { HrEvent } from './hr-events.ts';
import { hrEventSignal, lifecycleQuery, type LifecycleInput, type LifecycleState } from './employee-lifecycle-contract.ts';
import type { employeeLifecycle } from './employee-lifecycle.ts';
import { joinerWorkflowId } from './joiner-contract.ts';
import { joiner } from './joiner.ts';
import { leaverWorkflowId } from './leaver-contract.ts';
import { leaver } from './leaver.ts';
import { moverWorkflowId } from './mover-contract.ts';
import { mover } from './mover.ts';
import { EmployeeId, Phase, StoreId } from './search-attributes.ts';

const records = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** How many processed event ids are remembered for deduplication across continue-as-new. */
const REMEMBERED_EVENT_IDS = 500;
const REMEMBERED_OUTCOMES = 50;

export async function employeeLifecycleV1({ employeeId, policy, employedAt, state: carried }: LifecycleInput): Promise<LifecycleState> {
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
  /** Takes an interrupting event out of the queue: it has been handled by the interruption. */
  const consume = (event: HrEvent) => state.pending.splice(state.pending.indexOf(event), 1);
  const supportTask = (event: HrEvent, kind: string, summary: string) =>
    records.openSupportTask({ idempotencyKey: `${workflowInfo().workflowId}:${event.eventId}`, storeId: state.storeId!, employeeId, kind, summary });

  for (;;) {
    await condition(() => state.pending.length > 0);
    const event = state.pending.shift()!;

    switch (event.kind) {
      case 'hired': {
        // A hire after a failed onboarding (HR sends it again once support fixed the cause) retries.
        if (state.status !== 'new' && state.status !== 'onboarding-failed') {
          record(event, `ignored: employee is already ${state.status}`);
          break;
        }
        state.status = 'onboarding';
        state.storeId = event.hire.storeId;
        const run = await runPhase(state, joiner, joinerWorkflowId(employeeId), { employeeId, hire: event.hire, policy: policy.joiner }, ['hire-rescinded', 'dismissed']);
        if ('done' in run) {
          state.joined = run.done;
          state.status = 'active';
          record(event, `phone ${run.done.imei} handed over on day ${run.done.handoverDay}`);
        } else if ('interruptedBy' in run && run.interruptedBy.kind === 'hire-rescinded') {
          consume(run.interruptedBy);
          state.status = 'rescinded';
          await records.markEmployeeRescinded({ employeeId });
          record(event, 'onboarding cancelled; compensations done');
          record(run.interruptedBy, 'hire rescinded during onboarding');
        } else if ('interruptedBy' in run) {
          // Dismissed before the phone was handed over: onboarding undone; the dismissal, still
          // queued, now runs the leaver for whatever had already been handed out.
          state.status = 'active';
          record(event, 'onboarding cancelled by a dismissal; compensations done');
        } else {
          state.status = 'onboarding-failed';
          await supportTask(event, 'onboarding-failed', `Onboarding of employee ${employeeId} failed: ${run.failed}. Fix the cause; HR re-sending the hire retries it.`);
          record(event, `onboarding failed: ${run.failed}`);
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
        const run = await runPhase(state, leaver, leaverWorkflowId(employeeId), { employeeId, lastWorkingDay: event.lastWorkingDay, policy: policy.leaver }, ['dismissal-revoked']);
        if ('done' in run) {
          state.status = 'left';
          record(event, `left: ${run.done}`);
        } else if ('interruptedBy' in run) {
          consume(run.interruptedBy);
          state.status = 'active';
          record(event, 'dismissal revoked; lock and SIM suspension undone');
          record(run.interruptedBy, 'dismissal revoked during the leaver');
        } else {
          state.status = 'active';
          await supportTask(event, 'leaver-failed', `Clearance of employee ${employeeId} failed: ${run.failed}. Collect phone and SIM by hand.`);
          record(event, `leaver failed: ${run.failed}`);
        }
        break;
      }
      case 'dismissal-revoked': {
        record(event, 'ignored: no dismissal in progress');
        break;
      }
      case 'role-changed':
      case 'transferred': {
        if (state.status !== 'active') {
          record(event, `ignored: employee is ${state.status}`);
          break;
        }
        const run = await runPhase(state, mover, moverWorkflowId(employeeId), { employeeId, move: event.move, policy: policy.mover }, ['dismissed']);
        if ('done' in run) {
          if (event.move.kind === 'transfer') {
            state.storeId = event.move.storeId;
            upsertSearchAttributes([{ key: StoreId, value: state.storeId }]);
          }
          record(event, run.done.summary);
        } else if ('interruptedBy' in run) {
          record(event, 'not applied: the employee was dismissed meanwhile');
        } else {
          await supportTask(event, 'move-failed', `Role change or transfer of employee ${employeeId} failed: ${run.failed}.`);
          record(event, `move failed: ${run.failed}`);
        }
        break;
      }
    }

    if (state.status === 'rescinded' || state.status === 'left') return state;
    // Between events: start a fresh history, carrying only what the next run needs.
    await continueAsNew<typeof employeeLifecycle>({ employeeId, policy, state: { ...state, seenEventIds: [...seen].slice(-REMEMBERED_EVENT_IDS) } });
  }
}

type PhaseRun<T> = { done: T } | { interruptedBy: HrEvent } | { failed: string };

/**
 * Runs a phase as a child workflow until it ends, or until one of the `interrupts` events is
 * queued: then the child is cancelled (it runs its own compensations) and the event returned.
 */
async function runPhase<I, R>(state: LifecycleState, workflow: (input: I) => Promise<R>, workflowId: string, input: I, interrupts: HrEvent['kind'][]): Promise<PhaseRun<R>> {
  state.phaseWorkflowId = workflowId;
  const interruption = () => state.pending.find((e) => interrupts.includes(e.kind));
  const scope = new CancellationScope();
  const child = scope.run(() =>
    executeChild(workflow, {
      workflowId,
      args: [input] as [I],
      typedSearchAttributes: [
        { key: EmployeeId, value: state.employeeId },
        { key: StoreId, value: state.storeId ?? 'unknown' },
        { key: Phase, value: 'starting' },
      ],
    }),
  );
  try {
    const first = await Promise.race([child.then(() => 'done' as const), condition(() => interruption() !== undefined).then(() => 'interrupted' as const)]);
    if (first === 'interrupted') scope.cancel();
    return { done: await child };
  } catch (err) {
    const cancelled = isCancellation(err) || (err instanceof ChildWorkflowFailure && isCancellation(err.cause));
    if (cancelled && interruption()) return { interruptedBy: interruption()! };
    if (!cancelled && err instanceof ChildWorkflowFailure) return { failed: err.cause?.message ?? err.message };
    throw err;
  } finally {
    state.phaseWorkflowId = undefined;
  }
}
