// A store's rollout: the partner's shipment taken into the fleet first (each phone registered in
// the store's MDM, its SIM checked with the operator, both into stock: the store's onboardings,
// started by HR's events as for any hire, reserve them); then every session of the plan runs as
// its own workflow (workflows/training-session.ts: invitations a day ahead, the trainer's
// attendance, the phones handed over); each reports back when it is over. Meanwhile activation
// rounds image the prepared phones in waves within the store's share of its uplink, the
// earliest sessions' first, and stagger their first sign-ins. Whoever did not come is placed into a later
// session around the ones already announced, so nobody else is moved and no floor falls below
// its minimum. Operations may change it meanwhile (changeRollout: a session cancelled, a room
// lost, the roster changed): the people who must move are planned again under the constraints as
// changed, never a session already held or under way. Weeks-long rollouts continue-as-new; the
// sessions outlive it (they report by signal to whichever run is current).
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/rollout.ts';
import type { PlannedSession, TrainingPlanInput } from '../src/domain/training-plan.ts';
import { retryAtMost, retryForever } from './kit/activity-options.ts';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import { historyShouldRoll } from './kit/wait.ts';
import { showCurrentDetails } from './kit/details.ts';
import {
  changeRolloutUpdate,
  rolloutProgressQuery,
  sessionHeldSignal,
  type RolloutChangeRequest,
  type RolloutChangeResult,
  type RolloutProgress,
  type RolloutState,
  type StoreRolloutInput,
} from './store-rollout-contract.ts';
import {
  TRAINING_SESSION_WORKFLOW,
  trainingSessionWorkflowId,
  withdrawFromSessionSignal,
  type TrainingSessionInput,
  type TrainingSessionOutcome,
} from './training-session-contract.ts';

const { placeRolloutNoShows, replanRollout } = proxyActivitiesByQueue<RolloutActivities>({
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

const { sendRolloutDaySummary, auditRolloutChange } = proxyActivitiesByQueue<RolloutActivities>({
  // A notification or audit row: the database may be away for a while; the row waits for it.
  startToCloseTimeout: '1 minute',
  retry: retryForever('5 minutes'),
});

const { scheduleRolloutActivation } = proxyActivitiesByQueue<RolloutActivities>({
  // The MDM may be down: the round waits for it, the sessions go on meanwhile.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: retryForever('10 minutes'),
});

/** A change waiting for the main loop: an operator's Update, or a session cancelled by hand in Temporal. */
interface PendingChange {
  id: string;
  request: RolloutChangeRequest;
  byHand?: true;
}

export async function storeRollout(input: StoreRolloutInput): Promise<RolloutProgress> {
  const { storeId } = input;
  const state: RolloutState = input.resume ?? { sessions: input.sessions, started: [], outcomes: [], rescheduled: 0, unplaced: [] };
  let registering = false;
  state.rolloutKey ??= workflowInfo().firstExecutionRunId;
  state.summarized ??= [];
  state.cancelled ??= [];
  state.changes ??= [];
  /** The constraints now: the plan's, as the changes so far left them. */
  const constraints = (): TrainingPlanInput => state.constraints ?? input.planInput;
  const heldIds = () => new Set(state.outcomes.map((o) => o.sessionId));
  const done = () => {
    const held = heldIds();
    return state.sessions.every((s) => held.has(s.id));
  };
  const progress = () => progressOf(storeId, constraints(), state, registering);
  // The Web UI's detail page: where the rollout stands and what comes next (no history event).
  const showDetails = (doing: string) => {
    const p = progress();
    const last = p.changes.last;
    showCurrentDetails(
      rolloutSummary(p),
      [
        doing,
        ...(last
          ? [`${p.changes.applied} changes, the last: ${last.kind} (${last.reason}), ${last.result.cancelled.length} sessions cancelled, ${last.result.added.length} added`]
          : []),
        ...p.upcoming.slice(0, 3).map((u) => `next: ${u.sessionId} at ${u.startsAt}, room ${u.room}, ${u.employees.length} people`),
      ].join('\n'),
    );
  };
  const inbox: TrainingSessionOutcome[] = [];
  const pending: PendingChange[] = [];
  setHandler(sessionHeldSignal, (outcome) => void inbox.push(outcome));
  setHandler(rolloutProgressQuery, progress);
  /** The rollout as the changes accepted so far will leave it (some may still wait for the loop). */
  const afterPending = () => {
    const roster = new Set(constraints().roster.map((e) => e.employeeId));
    const rooms = new Set(constraints().rooms.map((r) => r.id));
    const gone = new Set(state.cancelled!.map((c) => c.sessionId));
    for (const { request: r } of pending) {
      if (r.kind === 'session-cancelled') gone.add(r.sessionId);
      if (r.kind === 'room-lost') rooms.delete(r.room);
      if (r.kind === 'roster-changed') {
        for (const e of r.add ?? []) roster.add(e.employeeId);
        for (const e of r.remove ?? []) roster.delete(e);
      }
    }
    return { roster, rooms, gone };
  };

  /** An operator's change, refused with what is wrong (workflow time: the same answer on a replay). */
  const validateChange = (r: RolloutChangeRequest) => {
    const id = currentUpdateInfo()?.id;
    if (id && state.changes!.some((c) => c.id === id)) return; // the same Update again: answered as before
    if (!r.by) throw new Error('a change needs who asks');
    if (typeof r.reason !== 'string' || !r.reason.trim()) throw new Error('a change needs a reason');
    if (done() && pending.length === 0) throw new Error(`the rollout of ${storeId} is over: every session is held`);
    const now = new Date().toISOString();
    const v = afterPending();
    switch (r.kind) {
      case 'session-cancelled': {
        if (v.gone.has(r.sessionId)) throw new Error(`session ${r.sessionId} is already cancelled`);
        const s = state.sessions.find((x) => x.id === r.sessionId);
        if (!s) throw new Error(`no session ${r.sessionId} in the rollout of ${storeId}`);
        if (heldIds().has(s.id)) throw new Error(`session ${s.id} was held: a session held is not moved`);
        if (s.startsAt <= now) throw new Error(`session ${s.id} started at ${s.startsAt}: a session under way is not moved`);
        return;
      }
      case 'room-lost': {
        if (!v.rooms.has(r.room)) {
          const known = input.planInput.rooms.some((x) => x.id === r.room); // the plan's, before any change
          throw new Error(known ? `room ${r.room} is already lost` : `no room ${r.room} in the rollout's plan (rooms: ${[...v.rooms].join(', ')})`);
        }
        if (r.from !== undefined && Number.isNaN(Date.parse(r.from))) throw new Error(`from must be an instant, ISO 8601: ${r.from}`);
        return;
      }
      case 'roster-changed': {
        const add = r.add ?? [];
        const remove = r.remove ?? [];
        if (add.length === 0 && remove.length === 0) throw new Error('nobody named: give the people to add or to remove');
        const named = [...add.map((e) => e.employeeId), ...remove];
        const twice = [...new Set(named.filter((e, i) => named.indexOf(e) !== i))];
        if (twice.length) throw new Error(`named twice: ${twice.join(', ')}`);
        const already = add.filter((e) => v.roster.has(e.employeeId)).map((e) => e.employeeId);
        if (already.length) throw new Error(`already on the roster: ${already.join(', ')}`);
        const departments = constraints().departments.map((d) => d.id);
        const strange = add.filter((e) => !departments.includes(e.department));
        if (strange.length) throw new Error(`not a department of the rollout (${departments.join(', ')}): ${strange.map((e) => `${e.employeeId} (${e.department})`).join(', ')}`);
        const clock = /^([01]\d|2[0-3]):[0-5]\d$/;
        const badShift = add.filter((e) => !clock.test(e.shift?.from) || !clock.test(e.shift?.until) || e.shift.from >= e.shift.until).map((e) => e.employeeId);
        if (badShift.length) throw new Error(`a shift must be {from, until}, HH:MM, until after from: ${badShift.join(', ')}`);
        const strangers = remove.filter((e) => !v.roster.has(e));
        if (strangers.length) throw new Error(`not on the roster: ${strangers.join(', ')}`);
        return;
      }
      default:
        throw new Error(`no such change: ${(r as { kind?: unknown }).kind}`);
    }
  };

  // After the validator's definition: an Update that came with the start is dispatched at once.
  setHandler(
    changeRolloutUpdate,
    async (request) => {
      // Recorded here, applied by the main loop (planning is an activity); answered once applied.
      const id = currentUpdateInfo()!.id;
      const applied = () => state.changes!.find((c) => c.id === id);
      if (!applied()) {
        pending.push({ id, request });
        await condition(() => applied() !== undefined);
      }
      return applied()!.result;
    },
    { validator: validateChange },
  );

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
    const held = heldIds();
    const a = state.activation ?? { imeis: [], busyUntil: [], recentLogins: [], late: [], activated: 0, withoutPhone: 0, rounds: 0 };
    const round = await scheduleRolloutActivation({
      storeId,
      sessions: state.sessions.filter((s) => !held.has(s.id)).map((s) => ({ startsAt: s.startsAt, employees: s.employees })),
      imaging: imaging!,
      earlier: { imeis: a.imeis, busyUntil: a.busyUntil.filter((t) => t > Date.now()), recentLogins: a.recentLogins, pending: a.pending ?? [] },
      // The next round comes after the recheck; the margin covers a round that runs late.
      lookaheadMs: 2 * recheck,
    });
    state.activation = {
      imeis: [...a.imeis, ...round.imeis],
      busyUntil: [...a.busyUntil.filter((t) => t > Date.now()), ...round.busyUntil],
      recentLogins: round.recentLogins,
      late: [...a.late, ...round.late],
      activated: round.activated,
      withoutPhone: round.withoutPhone,
      switchedOff: round.switchedOff,
      pending: round.pending,
      movedSignIns: (a.movedSignIns ?? 0) + round.movedSignIns,
      rounds: a.rounds + 1,
    };
    // Again while someone due for a session has no phone (or one switched on) yet, or a phone has not signed in.
    activationDue = round.withoutPhone > 0 || round.switchedOff > 0 || round.activated < state.activation.imeis.length;
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
  const sessionHandle = (sessionId: string) => getExternalWorkflowHandle(trainingSessionWorkflowId(storeId, sessionId));

  /**
   * Sessions planned after a change carry its number (`<plan id>-r<n>`): a session planned again
   * in the slot and room of one cancelled would otherwise get its id, and its workflow id, which
   * Temporal refuses while the cancelled one winds down (or mixes up with it afterwards).
   */
  const withFreshIds = (sessions: PlannedSession[], revision = state.changes!.length): PlannedSession[] => {
    const used = new Set([...state.sessions.map((s) => s.id), ...state.cancelled!.map((c) => c.sessionId)]);
    return sessions.map((s) => {
      const base = revision ? `${s.id}-r${revision}` : s.id;
      let id = base;
      for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
      used.add(id);
      return { ...s, id };
    });
  };

  /** A change applied: who must move, planned again around the rest; their old sessions cancelled. */
  const applyChange = async ({ id, request, byHand }: PendingChange) => {
    const number = state.changes!.length + 1;
    const now = Date.now();
    // A session starting this very moment is under way: nothing is planned into its slot.
    const after = new Date(now + 1).toISOString();
    const held = heldIds();
    const notStarted = (s: PlannedSession) => !held.has(s.id) && Date.parse(s.startsAt) > now;
    let planInput = constraints();
    let moving: PlannedSession[] = [];
    const toPlace: string[] = [];
    let notBefore = after;
    const withdrawn: RolloutChangeResult['withdrawn'] = [];
    let note: string | undefined;
    switch (request.kind) {
      case 'session-cancelled': {
        const s = state.sessions.find((x) => x.id === request.sessionId);
        // One cancelled by hand is over whenever it was: its people must go somewhere.
        if (s && !held.has(s.id) && (byHand || notStarted(s))) {
          moving = [s];
          // Its people go to later sessions: the trainer may be away the rest of that slot.
          notBefore = s.endsAt > after ? s.endsAt : after;
        } else note = `session ${request.sessionId} ${s && held.has(s.id) ? 'was held' : 'had started'} when the change was applied: it is held as planned`;
        break;
      }
      case 'room-lost': {
        const from = Math.max(now + 1, request.from ? Date.parse(request.from) : 0);
        moving = state.sessions.filter((s) => s.room === request.room && notStarted(s) && Date.parse(s.startsAt) >= from);
        // Out of the constraints for the rest of the rollout (they know rooms, not when each is
        // free): sessions before `from` keep it, no new one is planned there.
        planInput = { ...planInput, rooms: planInput.rooms.filter((r) => r.id !== request.room) };
        break;
      }
      case 'roster-changed': {
        const add = request.add ?? [];
        const remove = new Set(request.remove ?? []);
        planInput = { ...planInput, roster: [...planInput.roster.filter((e) => !remove.has(e.employeeId)), ...add] };
        // Their seats freed in the sessions not yet started (one under way has the trainer's list).
        for (const s of state.sessions.filter(notStarted)) {
          const leaving = s.employees.filter((e) => remove.has(e));
          if (leaving.length === 0) continue;
          s.employees = s.employees.filter((e) => !remove.has(e));
          withdrawn.push({ sessionId: s.id, employees: leaving, why: 'left' });
        }
        toPlace.push(...add.map((e) => e.employeeId));
        break;
      }
    }
    const movingIds = new Set(moving.map((s) => s.id));
    toPlace.push(...moving.flatMap((s) => s.employees));
    const planned = await replanRollout({
      planInput,
      toPlace,
      booked: state.sessions.filter((s) => !held.has(s.id) && !movingIds.has(s.id)),
      notBefore,
      now: new Date(now).toISOString(),
    });
    if (planInput !== constraints()) state.constraints = planInput;

    // People moved off a floor made too thin keep no seat in their old session.
    for (const w of planned.withdrawn) {
      const s = state.sessions.find((x) => x.id === w.sessionId)!;
      s.employees = s.employees.filter((e) => !w.employees.includes(e));
      withdrawn.push({ ...w, why: 'moved' });
    }
    // The sessions told first (a withdrawal before the cancellation: someone who left is not told "a new invitation follows").
    for (const w of withdrawn) if (state.started.includes(w.sessionId)) await sessionHandle(w.sessionId).signal(withdrawFromSessionSignal, { employees: w.employees, why: w.why });
    const emptied = state.sessions.filter((s) => notStarted(s) && s.employees.length === 0);
    const cancel = [...moving, ...state.sessions.filter((s) => planned.replaced.includes(s.id)), ...emptied.filter((s) => !movingIds.has(s.id))];
    for (const s of cancel) {
      // The session tells whoever it invited. One cancelled by hand is over already (a request to
      // cancel a closed workflow is not answered by every server: none is sent); one that ended
      // some other way meanwhile (terminated) is refused by the server, and its people move all the same.
      if (state.started.includes(s.id) && !(byHand && movingIds.has(s.id)))
        await sessionHandle(s.id)
          .cancel()
          .catch(() => undefined);
    }
    const cancelIds = new Set(cancel.map((s) => s.id));
    state.sessions = state.sessions.filter((s) => !cancelIds.has(s.id));
    const why = (s: PlannedSession) =>
      movingIds.has(s.id) ? request.reason : s.employees.length === 0 ? `nobody left in it after change ${number}` : `planned again with change ${number}`;
    state.cancelled!.push(...cancel.map((s) => ({ sessionId: s.id, reason: why(s) })));
    const added = withFreshIds(planned.sessions, number);
    state.sessions.push(...added);
    state.unplaced.push(...planned.unplaced);
    if (imaging && added.length) activationDue = true; // new people's phones to image
    const result: RolloutChangeResult = {
      change: number,
      kind: request.kind,
      how: planned.how,
      cancelled: [...cancelIds],
      added: added.map((s) => ({ sessionId: s.id, startsAt: s.startsAt, room: s.room, trainer: s.trainer, employees: s.employees })),
      withdrawn,
      unplaced: planned.unplaced,
      ...(note ? { note } : {}),
    };
    state.changes!.push({ id, kind: request.kind, by: request.by, reason: request.reason, at: new Date(now).toISOString(), result });
    await auditRolloutChange({
      storeId,
      key: id,
      by: request.by,
      kind: request.kind,
      reason: request.reason,
      moved: {
        cancelled: result.cancelled,
        added: result.added.map((s) => s.sessionId),
        withdrawn: withdrawn.reduce((n, w) => n + w.employees.length, 0),
        unplaced: result.unplaced.map((u) => u.employeeId),
      },
    });
  };

  /** Each training day whose sessions are all over: the curator's summary of it, once. */
  const summarizeDaysOver = async () => {
    const held = heldIds();
    for (const day of [...new Set(state.sessions.map((s) => s.day))].sort()) {
      const ofDay = state.sessions.filter((s) => s.day === day);
      if (state.summarized!.includes(day) || !ofDay.every((s) => held.has(s.id))) continue;
      const outcomes = state.outcomes.filter((o) => ofDay.some((s) => s.id === o.sessionId));
      const p = progressOf(storeId, constraints(), state, false);
      await sendRolloutDaySummary({ storeId, day, key: state.rolloutKey!, summary: daySummary(day, outcomes, p) });
      state.summarized!.push(day);
    }
  };

  for (;;) {
    for (const s of state.sessions) if (!state.started.includes(s.id)) await start(s);
    if (activationDue && !done()) await activationRound();
    showDetails(done() ? 'every session held' : activationDue ? 'training; imaging the prepared phones' : 'training');
    const woken = () => inbox.length > 0 || pending.length > 0 || done();
    if (activationDue && !done()) await condition(woken, recheck);
    else await condition(woken);
    while (inbox.length > 0) {
      const outcome = inbox.shift()!;
      const known = state.sessions.some((s) => s.id === outcome.sessionId);
      if (outcome.cancelled) {
        // One this rollout cancelled has nothing to report; one cancelled by hand (in Temporal)
        // leaves its people to place, as if an operator had cancelled it.
        const byHand = `${state.rolloutKey}:cancelled-by-hand:${outcome.sessionId}`;
        if (known && !state.changes!.some((c) => c.id === byHand) && !pending.some((c) => c.id === byHand))
          pending.push({
            id: byHand,
            byHand: true,
            request: { kind: 'session-cancelled', sessionId: outcome.sessionId, reason: 'its session workflow was cancelled in Temporal', by: 'temporal' },
          });
        continue;
      }
      // A repeated report; or a session cancelled too late (it had started when the cancellation reached it): its people are planned elsewhere already.
      if (!known || state.outcomes.some((o) => o.sessionId === outcome.sessionId)) continue;
      state.outcomes.push(outcome);
      // Who left the company meanwhile is not placed again.
      const roster = new Set(constraints().roster.map((e) => e.employeeId));
      const noShows = outcome.noShows.filter((e) => roster.has(e));
      if (noShows.length === 0) continue;
      // From now on (workflow time: the session's grace is over), around every session still to
      // come: those keep their people, rooms and trainers.
      const notBefore = new Date().toISOString();
      const held = heldIds();
      const booked = state.sessions.filter((s) => s.startsAt >= notBefore || !held.has(s.id));
      const placed = await placeRolloutNoShows({ planInput: constraints(), noShows, booked, notBefore });
      state.sessions.push(...withFreshIds(placed.sessions));
      state.unplaced.push(...placed.unplaced);
      state.rescheduled += noShows.length - placed.unplaced.length;
    }
    while (pending.length > 0) await applyChange(pending.shift()!);
    await summarizeDaysOver();
    if (done() && pending.length === 0) break;
    if (historyShouldRoll()) {
      // Every change answered by this run first: its caller waits for the answer here.
      await condition(() => allHandlersFinished() || pending.length > 0);
      if (pending.length === 0) await continueAsNew<typeof storeRollout>({ ...input, sessions: [], resume: state });
    }
  }
  await condition(allHandlersFinished);
  return progress();
}

/** The rollout in a line: the Web UI's summary and the curator's summaries. */
export function rolloutSummary(p: RolloutProgress): string {
  const imaging = p.activation ? `, ${p.activation.activated} of ${p.activation.scheduled} phones signed in` : '';
  const left = p.sessionsLeft ? `; ${p.sessionsLeft} sessions on ${p.daysLeft} days left${p.lastDay ? `, last day ${p.lastDay}` : ''}` : '; every session held';
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

function progressOf(storeId: string, constraints: TrainingPlanInput, state: RolloutState, registering: boolean): RolloutProgress {
  const held = new Set(state.outcomes.map((o) => o.sessionId));
  const left = state.sessions.filter((s) => !held.has(s.id));
  const lastDay = left
    .map((s) => s.day)
    .sort()
    .at(-1);
  // The roster as it is now: who left the company after their training counts no more on either side.
  const roster = new Set(constraints.roster.map((e) => e.employeeId));
  const changes = state.changes ?? [];
  const trained = state.outcomes.reduce((n, o) => n + o.present.filter((e) => roster.has(e)).length, 0);
  return {
    storeId,
    employees: roster.size,
    trained,
    remaining: Math.max(0, roster.size - trained),
    handedOver: state.outcomes.reduce((n, o) => n + o.handedOver.length, 0),
    notHandedOver: state.outcomes.reduce((n, o) => n + o.notHandedOver.length, 0),
    rescheduled: state.rescheduled,
    sessionsHeld: held.size,
    sessionsLeft: left.length,
    daysLeft: new Set(left.map((s) => s.day)).size,
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
            switchedOff: state.activation.switchedOff ?? 0,
          },
        }
      : {}),
    changes: { applied: changes.length, ...(changes.length ? { last: changes.at(-1)! } : {}) },
    state: registering ? 'registering' : left.length === 0 ? 'done' : 'training',
  };
}
