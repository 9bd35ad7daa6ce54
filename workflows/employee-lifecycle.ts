// Employee lifecycle: one long-lived workflow per employee (`employee-<id>`), the single place
// where that person's HR events meet. HR may deliver an event twice, or deliver a rescission
// while the onboarding is still waiting for stock: events are deduplicated by id, handled one at
// a time in arrival order, and each phase (joiner; later mover and leaver) runs as a child
// workflow so it has its own history, query and place in the Web UI.
//
// The workflow continues-as-new after each phase, carrying only the state below, so an employee
// who stays for ten years never accumulates a large history.
import {
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../activities/lifecycle.ts';
import type { HrEvent } from './hr-events.ts';
import { joiner, joinerWorkflowId, type JoinerResult } from './joiner.ts';
import type { FleetPolicy } from './policy.ts';
import { EmployeeId, Phase, StoreId } from './search-attributes.ts';

const records = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export const employeeWorkflowId = (employeeId: string) => `employee-${employeeId}`;

/** How many processed event ids are remembered for deduplication across continue-as-new. */
const REMEMBERED_EVENT_IDS = 500;
const REMEMBERED_OUTCOMES = 50;

export type EmploymentStatus = 'new' | 'onboarding' | 'onboarding-failed' | 'active' | 'rescinded';

export interface EventOutcome {
  eventId: string;
  kind: HrEvent['kind'];
  at: string;
  outcome: string;
}

export interface LifecycleState {
  employeeId: string;
  status: EmploymentStatus;
  storeId?: string;
  /** The child workflow running the current phase, if any. */
  phaseWorkflowId?: string;
  pending: HrEvent[];
  seenEventIds: string[];
  outcomes: EventOutcome[];
  joined?: JoinerResult;
}

export interface LifecycleInput {
  employeeId: string;
  policy: FleetPolicy;
  /** Set by continue-as-new; absent on the first run. */
  state?: LifecycleState;
}

export const hrEventSignal = defineSignal<[HrEvent]>('hrEvent');
export const lifecycleQuery = defineQuery<LifecycleState>('lifecycle');

export async function employeeLifecycle({ employeeId, policy, state: carried }: LifecycleInput): Promise<LifecycleState> {
  const state: LifecycleState = carried ?? { employeeId, status: 'new', pending: [], seenEventIds: [], outcomes: [] };
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
        const outcome = await runJoiner(state, event, policy);
        record(event, outcome);
        break;
      }
      case 'hire-rescinded': {
        // A rescission that arrives while the joiner runs is handled inside runJoiner; one that
        // arrives later has nothing automatic to undo: the phone is with the person.
        if (state.status === 'new' || state.status === 'onboarding-failed') {
          state.status = 'rescinded';
          record(event, 'rescinded before onboarding started');
        } else if (state.status === 'active') {
          await records.openSupportTask({
            idempotencyKey: `${workflowInfo().workflowId}:${event.eventId}`,
            storeId: state.storeId!,
            employeeId,
            kind: 'hire-rescinded-after-handover',
            summary: `Hire of employee ${employeeId} was rescinded after the phone was handed over: collect phone ${state.joined?.imei ?? ''} and SIM.`,
          });
          record(event, 'support task opened: phone already handed over');
        } else {
          record(event, `ignored: employee is already ${state.status}`);
        }
        break;
      }
    }

    if (state.status === 'rescinded') return state;
    // Between phases: start a fresh history, carrying only what the next run needs.
    await continueAsNew<typeof employeeLifecycle>({ employeeId, policy, state: { ...state, seenEventIds: [...seen].slice(-REMEMBERED_EVENT_IDS) } });
  }
}

/**
 * Runs the joiner as a child workflow. If HR rescinds the hire meanwhile, the child is
 * cancelled and undoes its own work (its compensations) before this returns.
 */
async function runJoiner(state: LifecycleState, hired: Extract<HrEvent, { kind: 'hired' }>, policy: FleetPolicy): Promise<string> {
  const workflowId = joinerWorkflowId(state.employeeId);
  state.phaseWorkflowId = workflowId;
  const rescission = () => state.pending.findIndex((e) => e.kind === 'hire-rescinded');

  const scope = new CancellationScope();
  const onboarding = scope.run(() =>
    executeChild(joiner, {
      workflowId,
      args: [{ employeeId: state.employeeId, hire: hired.hire, policy: policy.joiner }],
      typedSearchAttributes: [
        { key: EmployeeId, value: state.employeeId },
        { key: StoreId, value: hired.hire.storeId },
        { key: Phase, value: 'recording-hire' },
      ],
    }),
  );
  const rescinded = condition(() => rescission() >= 0);

  try {
    const first = await Promise.race([onboarding.then(() => 'done' as const), rescinded.then(() => 'rescinded' as const)]);
    if (first === 'rescinded') scope.cancel();
    state.joined = await onboarding;
    state.status = 'active';
    return `phone ${state.joined.imei} handed over on day ${state.joined.handoverDay}`;
  } catch (err) {
    if (!(isCancellation(err) || (err instanceof ChildWorkflowFailure && isCancellation(err.cause)))) {
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      // The joiner gave up on something it cannot handle (its compensations already ran):
      // keep the employee's workflow alive for the next event and put a person on it.
      state.status = 'onboarding-failed';
      const reason = err.cause?.message ?? err.message;
      await records.openSupportTask({
        idempotencyKey: `${workflowId}:failed:${hired.eventId}`,
        storeId: hired.hire.storeId,
        employeeId: state.employeeId,
        kind: 'onboarding-failed',
        summary: `Onboarding of employee ${state.employeeId} failed: ${reason}. Fix the cause; HR re-sending the hire retries it.`,
      });
      return `onboarding failed: ${reason}`;
    }
    const [rescindEvent] = state.pending.splice(rescission(), 1);
    state.status = 'rescinded';
    await records.markEmployeeRescinded({ employeeId: state.employeeId });
    state.outcomes.push({ eventId: rescindEvent.eventId, kind: rescindEvent.kind, at: new Date().toISOString(), outcome: 'onboarding cancelled; compensations done' });
    return 'rescinded during onboarding';
  } finally {
    state.phaseWorkflowId = undefined;
  }
}
