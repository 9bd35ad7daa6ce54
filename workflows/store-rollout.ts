// A store's rollout: the partner's shipment taken into the fleet first (each phone registered in
// the store's MDM, its SIM checked with the operator, both into stock: the store's onboardings,
// started by HR's events as for any hire, reserve them); then every session of the plan runs as
// its own workflow (workflows/training-session.ts: invitations a day ahead, the trainer's
// attendance, the phones handed over); each reports back when it is over. Meanwhile activation
// rounds image the prepared phones in waves within the store's share of its uplink, the
// earliest sessions' first, and stagger their first sign-ins. Whoever did not come is placed into a later
// session around the ones already announced, so nobody else is moved and no floor falls below
// its minimum. Weeks-long rollouts continue-as-new; the sessions outlive it (they report by
// signal to whichever run is current).
import { condition, continueAsNew, ParentClosePolicy, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/rollout.ts';
import type { PlannedSession } from '../src/domain/training-plan.ts';
import { retryAtMost, retryForever } from './kit/activity-options.ts';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import { historyShouldRoll } from './kit/wait.ts';
import { showCurrentDetails } from './kit/details.ts';
import { rolloutProgressQuery, sessionHeldSignal, type RolloutProgress, type RolloutState, type StoreRolloutInput } from './store-rollout-contract.ts';
import { TRAINING_SESSION_WORKFLOW, trainingSessionWorkflowId, type TrainingSessionInput, type TrainingSessionOutcome } from './training-session-contract.ts';

const { placeRolloutNoShows } = proxyActivitiesByQueue<RolloutActivities>({
  // Planning is a computation: a failure is a bug to look at, not a system to wait for.
  startToCloseTimeout: '2 minutes',
  retry: retryAtMost(3, '10 seconds'),
});

const { registerShipment } = proxyActivitiesByQueue<RolloutActivities>({
  // ~300 phones, three calls each through the MDM's and the operator's rate limits; it reports
  // each phone done (seconds apart), so a lost worker is noticed soon and a retry goes on from there.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: retryForever('10 minutes'),
});

const { sendRolloutDaySummary } = proxyActivitiesByQueue<RolloutActivities>({
  // A notification row: the database may be away for a while; the summary waits for it.
  startToCloseTimeout: '1 minute',
  retry: retryForever('5 minutes'),
});

const { scheduleRolloutActivation } = proxyActivitiesByQueue<RolloutActivities>({
  // The MDM may be down: the round waits for it, the sessions go on meanwhile.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: retryForever('10 minutes'),
});

export async function storeRollout(input: StoreRolloutInput): Promise<RolloutProgress> {
  const { storeId } = input;
  const state: RolloutState = input.resume ?? { sessions: input.sessions, started: [], outcomes: [], rescheduled: 0, unplaced: [] };
  let registering = false;
  state.rolloutKey ??= workflowInfo().firstExecutionRunId;
  state.summarized ??= [];
  // The Web UI's detail page: where the rollout stands and what comes next (no history event).
  const showDetails = (doing: string) => {
    const p = progressOf(storeId, input.planInput.roster.length, state, registering);
    showCurrentDetails(
      rolloutSummary(p),
      [doing, ...p.upcoming.slice(0, 3).map((u) => `next: ${u.sessionId} at ${u.startsAt}, room ${u.room}, ${u.employees.length} people`)].join('\n'),
    );
  };
  const inbox: TrainingSessionOutcome[] = [];
  setHandler(sessionHeldSignal, (outcome) => void inbox.push(outcome));
  setHandler(rolloutProgressQuery, () => progressOf(storeId, input.planInput.roster.length, state, registering));

  if (input.shipment && !state.registration) {
    registering = true;
    showDetails(`registering the shipment: ${input.shipment.phones.length} phones`);
    state.registration = await registerShipment({ storeId, phones: input.shipment.phones, terms: input.shipment.terms });
    registering = false;
  }
  const { imaging } = input;
  const recheck = msToNumber(input.activationRecheck ?? '15 minutes');
  let activationDue = imaging !== undefined;
  const activationRound = async () => {
    const held = new Set(state.outcomes.map((o) => o.sessionId));
    const a = state.activation ?? { imeis: [], busyUntil: [], recentLogins: [], late: [], activated: 0, withoutPhone: 0, rounds: 0 };
    const round = await scheduleRolloutActivation({
      storeId,
      sessions: state.sessions.filter((s) => !held.has(s.id)).map((s) => ({ startsAt: s.startsAt, employees: s.employees })),
      imaging: imaging!,
      earlier: { imeis: a.imeis, busyUntil: a.busyUntil.filter((t) => t > Date.now()), recentLogins: a.recentLogins },
    });
    state.activation = {
      imeis: [...a.imeis, ...round.imeis],
      busyUntil: [...a.busyUntil.filter((t) => t > Date.now()), ...round.busyUntil],
      recentLogins: round.recentLogins,
      late: [...a.late, ...round.late],
      activated: round.activated,
      withoutPhone: round.withoutPhone,
      rounds: a.rounds + 1,
    };
    // Again while someone due for a session has no phone yet, or a phone has not signed in.
    activationDue = round.withoutPhone > 0 || round.activated < state.activation.imeis.length;
  };

  const start = async (session: PlannedSession) => {
    const args: TrainingSessionInput = {
      storeId,
      session: { id: session.id, startsAt: session.startsAt, endsAt: session.endsAt, room: session.room, trainer: session.trainer, employees: session.employees },
      rolloutWorkflowId: workflowInfo().workflowId,
      ...(input.inviteAhead ? { inviteAhead: input.inviteAhead } : {}),
      ...(input.attendanceGrace ? { attendanceGrace: input.attendanceGrace } : {}),
      ...(imaging ? { waitForImages: true, ...(input.imagePoll ? { imagePoll: input.imagePoll } : {}) } : {}),
    };
    // Abandoned on close: a session goes on through this run's continue-as-new and reports by signal.
    await startChild(TRAINING_SESSION_WORKFLOW, {
      workflowId: trainingSessionWorkflowId(storeId, session.id),
      args: [args],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    state.started.push(session.id);
  };

  /** Each training day whose sessions are all over: the curator's summary of it, once. */
  const summarizeDaysOver = async () => {
    const held = new Set(state.outcomes.map((o) => o.sessionId));
    for (const day of [...new Set(state.sessions.map((s) => s.day))].sort()) {
      const ofDay = state.sessions.filter((s) => s.day === day);
      if (state.summarized!.includes(day) || !ofDay.every((s) => held.has(s.id))) continue;
      const outcomes = state.outcomes.filter((o) => ofDay.some((s) => s.id === o.sessionId));
      const p = progressOf(storeId, input.planInput.roster.length, state, false);
      await sendRolloutDaySummary({ storeId, day, key: state.rolloutKey!, summary: daySummary(day, outcomes, p) });
      state.summarized!.push(day);
    }
  };

  for (;;) {
    for (const s of state.sessions) if (!state.started.includes(s.id)) await start(s);
    const done = () => state.outcomes.length >= state.sessions.length;
    if (activationDue && !done()) await activationRound();
    showDetails(done() ? 'every session held' : activationDue ? 'training; imaging the prepared phones' : 'training');
    if (activationDue && !done()) await condition(() => inbox.length > 0 || done(), recheck);
    else await condition(() => inbox.length > 0 || done());
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
    await summarizeDaysOver();
    if (done()) break;
    if (historyShouldRoll()) await continueAsNew<typeof storeRollout>({ ...input, sessions: [], resume: state });
  }
  return progressOf(storeId, input.planInput.roster.length, state, false);
}

/** The rollout in a line: the Web UI's summary and the curator's summaries. */
export function rolloutSummary(p: RolloutProgress): string {
  const imaging = p.activation ? `, ${p.activation.activated} of ${p.activation.scheduled} phones signed in` : '';
  const left = p.sessionsLeft ? `; ${p.sessionsLeft} sessions left${p.lastDay ? `, last day ${p.lastDay}` : ''}` : '; every session held';
  return `Rollout of ${p.storeId}: ${p.trained} of ${p.employees} trained, ${p.handedOver} handed over${imaging}, ${p.rescheduled} no-shows placed again${left}`;
}

function daySummary(day: string, outcomes: TrainingSessionOutcome[], p: RolloutProgress): string {
  const count = (f: (o: TrainingSessionOutcome) => unknown[]) => outcomes.reduce((n, o) => n + f(o).length, 0);
  const notHanded = outcomes.flatMap((o) => o.notHandedOver.map((x) => `${x.employeeId} (${x.reason})`));
  return [
    `Training day ${day} at ${p.storeId}: ${outcomes.length} sessions, ${count((o) => o.present)} trained, ${count((o) => o.handedOver)} phones handed over, ${count((o) => o.noShows)} did not come (placed into later sessions).`,
    ...(notHanded.length ? [`Phones still to hand over: ${notHanded.join('; ')}.`] : []),
    ...(p.unplaced.length ? [`No later session could take: ${p.unplaced.map((u) => u.employeeId).join(', ')} (support has a task).`] : []),
    rolloutSummary(p) + '.',
  ].join('\n');
}

function progressOf(storeId: string, employees: number, state: RolloutState, registering: boolean): RolloutProgress {
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
    ...(state.registration ? { shipment: state.registration } : {}),
    ...(state.activation
      ? {
          activation: {
            scheduled: state.activation.imeis.length,
            activated: state.activation.activated,
            late: state.activation.late.length,
            withoutPhone: state.activation.withoutPhone,
          },
        }
      : {}),
    state: registering ? 'registering' : left.length === 0 ? 'done' : 'training',
  };
}
