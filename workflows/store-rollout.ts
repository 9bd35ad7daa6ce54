// A store's rollout, the training part: every session of the plan runs as its own workflow
// (workflows/training-session.ts: invitations a day ahead, the trainer's attendance, the phones
// handed over); each reports back when it is over. Whoever did not come is placed into a later
// session around the ones already announced, so nobody else is moved and no floor falls below
// its minimum. Weeks-long rollouts continue-as-new; the sessions outlive it (they report by
// signal to whichever run is current).
import { condition, continueAsNew, ParentClosePolicy, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/rollout.ts';
import type { PlannedSession } from '../src/domain/training-plan.ts';
import { retryAtMost } from './kit/activity-options.ts';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import { historyShouldRoll } from './kit/wait.ts';
import { rolloutProgressQuery, sessionHeldSignal, type RolloutProgress, type RolloutState, type StoreRolloutInput } from './store-rollout-contract.ts';
import { TRAINING_SESSION_WORKFLOW, trainingSessionWorkflowId, type TrainingSessionInput, type TrainingSessionOutcome } from './training-session-contract.ts';

const { placeRolloutNoShows } = proxyActivitiesByQueue<RolloutActivities>({
  // Planning is a computation: a failure is a bug to look at, not a system to wait for.
  startToCloseTimeout: '2 minutes',
  retry: retryAtMost(3, '10 seconds'),
});

export async function storeRollout(input: StoreRolloutInput): Promise<RolloutProgress> {
  const { storeId } = input;
  const state: RolloutState = input.resume ?? { sessions: input.sessions, started: [], outcomes: [], rescheduled: 0, unplaced: [] };
  const inbox: TrainingSessionOutcome[] = [];
  setHandler(sessionHeldSignal, (outcome) => void inbox.push(outcome));
  setHandler(rolloutProgressQuery, () => progressOf(storeId, input.planInput.roster.length, state));

  const start = async (session: PlannedSession) => {
    const args: TrainingSessionInput = {
      storeId,
      session: { id: session.id, startsAt: session.startsAt, endsAt: session.endsAt, room: session.room, trainer: session.trainer, employees: session.employees },
      rolloutWorkflowId: workflowInfo().workflowId,
      ...(input.inviteAhead ? { inviteAhead: input.inviteAhead } : {}),
      ...(input.attendanceGrace ? { attendanceGrace: input.attendanceGrace } : {}),
    };
    // Abandoned on close: a session goes on through this run's continue-as-new and reports by signal.
    await startChild(TRAINING_SESSION_WORKFLOW, {
      workflowId: trainingSessionWorkflowId(storeId, session.id),
      args: [args],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    state.started.push(session.id);
  };

  for (;;) {
    for (const s of state.sessions) if (!state.started.includes(s.id)) await start(s);
    const done = () => state.outcomes.length >= state.sessions.length;
    await condition(() => inbox.length > 0 || done());
    while (inbox.length > 0) {
      const outcome = inbox.shift()!;
      if (state.outcomes.some((o) => o.sessionId === outcome.sessionId)) continue; // a repeated report
      state.outcomes.push(outcome);
      if (outcome.noShows.length === 0) continue;
      // From now on (workflow time: the session's grace is over), around every session still to
      // come: those keep their people, rooms and trainers.
      const notBefore = new Date().toISOString();
      const booked = state.sessions.filter((s) => s.startsAt >= notBefore || !state.outcomes.some((o) => o.sessionId === s.id));
      const placed = await placeRolloutNoShows({ planInput: input.planInput, noShows: outcome.noShows, booked, notBefore });
      state.sessions.push(...placed.sessions);
      state.unplaced.push(...placed.unplaced);
      state.rescheduled += outcome.noShows.length - placed.unplaced.length;
    }
    if (done()) break;
    if (historyShouldRoll()) await continueAsNew<typeof storeRollout>({ ...input, sessions: [], resume: state });
  }
  return progressOf(storeId, input.planInput.roster.length, state);
}

function progressOf(storeId: string, employees: number, state: RolloutState): RolloutProgress {
  const held = new Set(state.outcomes.map((o) => o.sessionId));
  const left = state.sessions.filter((s) => !held.has(s.id));
  const lastDay = left
    .map((s) => s.day)
    .sort()
    .at(-1);
  return {
    storeId,
    employees,
    trained: state.outcomes.reduce((n, o) => n + o.present.length, 0),
    handedOver: state.outcomes.reduce((n, o) => n + o.handedOver.length, 0),
    notHandedOver: state.outcomes.reduce((n, o) => n + o.notHandedOver.length, 0),
    rescheduled: state.rescheduled,
    sessionsHeld: held.size,
    sessionsLeft: left.length,
    ...(lastDay ? { lastDay } : {}),
    upcoming: [...left]
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt))
      .slice(0, 10)
      .map((s) => ({ sessionId: s.id, startsAt: s.startsAt, room: s.room, employees: s.employees })),
    unplaced: state.unplaced,
    state: left.length === 0 ? 'done' : 'training',
  };
}
