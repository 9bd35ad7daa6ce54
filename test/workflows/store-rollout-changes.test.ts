// Changes to a running store rollout (issue 10 §2, last bullet) on Temporal's time-skipping server
// with the real database, activities and simulators: a session cancelled after its invitations
// went out (its people told, placed into a later session and trained there); people leaving the
// company (their seats freed, and someone moved off a floor their leaving made too thin), a new
// hire trained, a room lost (no session in it from then on); a session cancelled by hand in
// Temporal (the rollout places its people as if an operator had); and the changes it refuses.
// Sessions already held or under way never move, and no department's floor falls below its
// minimum in any slot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowClient, type WorkflowHandle } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/config.ts';
import { localDate } from '../../src/domain/store-calendar.ts';
import { planTraining, type PlannedSession, type RosterEntry, type TrainingPlanInput } from '../../src/domain/training-plan.ts';
import {
  changeRolloutUpdate,
  rolloutProgressQuery,
  STORE_ROLLOUT_WORKFLOW,
  storeRolloutWorkflowId,
  type RolloutChangeRequest,
  type RolloutProgress,
} from '../../workflows/store-rollout-contract.ts';
import { recordAttendanceUpdate, sessionProgressQuery, trainingSessionWorkflowId, type TrainingSessionOutcome } from '../../workflows/training-session-contract.ts';
import { recording, saveHistoryChain } from '../support/histories.ts';
import { startProductionWorker, startTimeSkippingRig, type TimeSkippingRig } from '../support/time-skipping.ts';

const taskQueue = 'store-rollout-changes';
let rig: TimeSkippingRig;
let workflows: WorkflowClient;
let stopWorker: (() => Promise<void>) | undefined;

beforeAll(async () => {
  rig = await startTimeSkippingRig({ stores: 3, employeesPerStore: 2, stockPerStore: 1, seed: 12 });
  ({ workflows, stop: stopWorker } = await startProductionWorker(rig, taskQueue, DEFAULT_POLICY));
});
afterAll(async () => {
  await stopWorker?.();
  await rig?.close();
});

const ALL_DAY = { from: '00:00', until: '23:59' };
const people = (prefix: string, n: number, department: string): RosterEntry[] =>
  Array.from({ length: n }, (_, i) => ({ employeeId: `${prefix}${i + 1}`, department, shift: ALL_DAY }));
type Held = RolloutProgress['upcoming'][number];

async function planAndStart(storeId: string, timeZone: string, over: Pick<TrainingPlanInput, 'rooms' | 'trainers' | 'departments' | 'roster'>) {
  const now = Number(await rig.env.currentTimeMs());
  const planInput: TrainingPlanInput = {
    timeZone,
    firstDay: localDate(new Date(now), timeZone),
    notBefore: new Date(now + 2 * 3_600_000).toISOString(),
    horizonDays: 3,
    sessionMinutes: 60,
    openingHours: ALL_DAY,
    ...over,
  };
  const plan = planTraining(planInput);
  const rollout = await workflows.start(STORE_ROLLOUT_WORKFLOW, {
    workflowId: storeRolloutWorkflowId(storeId),
    taskQueue,
    args: [{ storeId, planInput, sessions: plan.sessions, inviteAhead: '1 hour', attendanceGrace: '30 minutes' }],
  });
  return { planInput, plan, rollout };
}

/** Until `at` on the workflow clock. */
async function sleepUntil(at: string) {
  const wait = Date.parse(at) - Number(await rig.env.currentTimeMs());
  if (wait > 0) await rig.env.sleep(wait);
}

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The trainer at the rollout's next session: from its start (`atStart` then), everyone invited
 * came; the session over, the rollout has heard of it. Undefined when every session is held.
 */
async function holdNext(rollout: WorkflowHandle, storeId: string, atStart?: (next: Held) => Promise<void>): Promise<Held | undefined> {
  const progress: RolloutProgress = await rollout.query(rolloutProgressQuery);
  if (progress.state === 'done') return undefined;
  const next = progress.upcoming[0]!;
  const session = workflows.getHandle(trainingSessionWorkflowId(storeId, next.sessionId));
  await sleepUntil(next.startsAt);
  for (let i = 0; i < 20 && (await session.query(sessionProgressQuery).catch(() => undefined))?.state !== 'open'; i++) await rig.env.sleep('1 minute');
  await atStart?.(next);
  await session.executeUpdate(recordAttendanceUpdate, { args: [{ by: 'trainer', present: next.employees }] });
  const outcome: TrainingSessionOutcome = await session.result();
  expect(outcome.present).toEqual([...next.employees].sort());
  await until(async () => ((await rollout.query(rolloutProgressQuery)).sessionsHeld > progress.sessionsHeld ? true : undefined), `the rollout to hear of ${next.sessionId}`);
  return next;
}

async function holdAll(rollout: WorkflowHandle, storeId: string): Promise<Held[]> {
  const held: Held[] = [];
  for (let step = 0; step < 20; step++) {
    const next = await holdNext(rollout, storeId);
    if (!next) return held;
    held.push(next);
  }
  throw new Error('the rollout did not end within 20 sessions');
}

/** The floor, from the input alone (everyone here works all day, every day): in every slot, who is not in training is at least each department's minimum. */
function expectFloorsKept(input: Pick<TrainingPlanInput, 'roster' | 'departments'>, sessions: Pick<PlannedSession, 'startsAt' | 'employees'>[]) {
  const departmentOf = new Map(input.roster.map((e) => [e.employeeId, e.department]));
  const slots = new Map<string, string[]>();
  for (const s of sessions) slots.set(s.startsAt, [...(slots.get(s.startsAt) ?? []), ...s.employees]);
  for (const [startsAt, inTraining] of slots)
    for (const d of input.departments) {
      const atWork = input.roster.filter((e) => e.department === d.id).length;
      const away = inTraining.filter((e) => departmentOf.get(e) === d.id).length;
      expect(atWork - away, `${d.id} at ${startsAt}`).toBeGreaterThanOrEqual(d.minOnFloor);
    }
}

const change = (rollout: WorkflowHandle, request: RolloutChangeRequest) => rollout.executeUpdate(changeRolloutUpdate, { args: [request] });
const refused = async (rollout: WorkflowHandle, request: RolloutChangeRequest): Promise<string> => {
  const err: unknown = await change(rollout, request).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return (err as WorkflowUpdateFailedError).cause?.message ?? '';
};

describe('changes to a running store rollout (time-skipping)', () => {
  it('a session cancelled after its invitations went out: everyone it invited is told, placed into a later session and trained there, no floor broken', async () => {
    const store = rig.fleet.stores[0]!;
    const db = rig.database.db.prisma;
    // Three of six in sales and one of two at the tills may leave the floor at a time: four a slot.
    const { planInput, plan, rollout } = await planAndStart(store.id, store.timeZone, {
      rooms: [
        { id: 'R1', seats: 4 },
        { id: 'R2', seats: 4 },
      ],
      trainers: [{ id: 'T1' }, { id: 'T2' }],
      departments: [
        { id: 'SALES', minOnFloor: 3 },
        { id: 'CASH', minOnFloor: 1 },
      ],
      roster: [...people('S', 6, 'SALES'), ...people('C', 2, 'CASH')],
    });
    expect(plan.sessions).toHaveLength(2);
    const [first, second] = plan.sessions as [PlannedSession, PlannedSession];
    const firstId = trainingSessionWorkflowId(store.id, first.id);

    // Half an hour before it: its invitations are out (an hour ahead).
    await sleepUntil(new Date(Date.parse(first.startsAt) - 30 * 60_000).toISOString());
    await until(
      async () => ((await db.notification.count({ where: { kind: 'training-invitation', idempotencyKey: { startsWith: `${firstId}:` } } })) === 5 ? true : undefined),
      'the first session invitations',
    );
    const result = await change(rollout, { kind: 'session-cancelled', sessionId: first.id, reason: 'trainer T1 is ill', by: 'ops' });
    expect(result).toMatchObject({ change: 1, kind: 'session-cancelled', how: 'placed', cancelled: [first.id], withdrawn: [], unplaced: [] });
    // Its four people together later (the second slot's floor is taken by its own session), under an id of their own.
    expect(result.added).toHaveLength(1);
    const again = result.added[0]!;
    expect([...again.employees].sort()).toEqual([...first.employees].sort());
    expect(again.startsAt > second.startsAt).toBe(true);
    expect(again.sessionId).toMatch(/-r1$/);

    // The cancelled session told everyone it had invited, and the curator, once; it reports cancelled.
    expect(await workflows.getHandle(firstId).result()).toMatchObject({ sessionId: first.id, cancelled: true, present: [], noShows: [] });
    const told = await db.notification.findMany({ where: { kind: 'training-cancelled', idempotencyKey: { startsWith: `${firstId}:` } } });
    expect(told.map((n) => n.recipient).sort()).toEqual([...first.employees, 'curator'].sort());
    expect(told.find((n) => n.recipient === first.employees[0])!.message).toMatch(/is cancelled\. A new invitation to another session follows\.$/);
    const progress: RolloutProgress = await rollout.query(rolloutProgressQuery);
    expect(progress.changes).toMatchObject({ applied: 1, last: { kind: 'session-cancelled', reason: 'trainer T1 is ill', by: 'ops', result: { cancelled: [first.id] } } });
    expect(progress.upcoming.map((u) => u.sessionId)).toEqual([second.id, again.sessionId]);
    await until(async () => ((await db.auditLog.count({ where: { action: 'rollout.changed', storeId: store.id } })) === 1 ? true : undefined), 'the audit row');
    // The same session again: it is gone.
    expect(await refused(rollout, { kind: 'session-cancelled', sessionId: first.id, reason: 'again', by: 'ops' })).toBe(`session ${first.id} is already cancelled`);

    const held = await holdAll(rollout, store.id);
    const final: RolloutProgress = await rollout.result();
    expect(final).toMatchObject({ state: 'done', employees: 8, trained: 8, rescheduled: 0, sessionsHeld: 2, sessionsLeft: 0, unplaced: [], changes: { applied: 1 } });
    expect(held.map((h) => h.sessionId)).toEqual([second.id, again.sessionId]);
    expect(held.flatMap((h) => h.employees).sort()).toEqual(planInput.roster.map((e) => e.employeeId).sort());
    expectFloorsKept(planInput, held);
    // The new session invited them again (its own workflow id, so its own keys).
    const reinvited = await db.notification.findMany({
      where: { kind: 'training-invitation', idempotencyKey: { startsWith: `${trainingSessionWorkflowId(store.id, again.sessionId)}:` } },
    });
    expect(reinvited.map((n) => n.recipient).sort()).toEqual([...first.employees, 'curator'].sort());
    expect(await db.auditLog.count({ where: { action: 'rollout.changed', storeId: store.id } })).toBe(1);
    if (recording) {
      await saveHistoryChain(workflows, rollout.workflowId, rollout.firstExecutionRunId, 'store-rollout-session-cancelled');
      await saveHistoryChain(workflows, firstId, (await workflows.getHandle(firstId).describe()).runId, 'training-session-cancelled-after-invitations');
    }
  });

  it('a session workflow cancelled by hand in Temporal: the rollout does not wait for it, and places its people as a change', async () => {
    const store = rig.fleet.stores[2]!;
    const { plan, rollout } = await planAndStart(store.id, store.timeZone, {
      rooms: [{ id: 'R1', seats: 2 }],
      trainers: [{ id: 'T1' }],
      departments: [{ id: 'SALES', minOnFloor: 0 }],
      roster: people('H', 2, 'SALES'),
    });
    const only = plan.sessions[0]!;
    const handle = workflows.getHandle(trainingSessionWorkflowId(store.id, only.id));
    await until(async () => ((await handle.query(sessionProgressQuery).catch(() => undefined)) ? true : undefined), 'the session to run');
    await handle.cancel();
    // Before its invitations: nobody to tell.
    expect(await handle.result()).toMatchObject({ cancelled: true });
    const progress = await until(async () => {
      const p: RolloutProgress = await rollout.query(rolloutProgressQuery);
      return p.changes.applied === 1 ? p : undefined;
    }, 'the rollout to place them');
    expect(progress.changes.last).toMatchObject({ kind: 'session-cancelled', by: 'temporal', result: { cancelled: [only.id], unplaced: [] } });
    // After the slot it had (the trainer may be away all of it), under an id of its own.
    expect(progress.upcoming).toEqual([expect.objectContaining({ sessionId: expect.stringMatching(/-R1-r1$/), employees: only.employees })]);
    expect(progress.upcoming[0]!.startsAt >= only.endsAt).toBe(true);
    expect(await rig.database.db.prisma.notification.count({ where: { kind: 'training-cancelled', storeId: store.id } })).toBe(0);
    await holdAll(rollout, store.id);
    expect(await rollout.result()).toMatchObject({ state: 'done', trained: 2, sessionsHeld: 1 });
  });

  it('people who left are in no session, someone moved off a floor their leaving made too thin, a new hire trained, a room lost from a moment on; bad changes refused', async () => {
    const store = rig.fleet.stores[1]!;
    const db = rig.database.db.prisma;
    // Three of six may leave the floor at a time: two in R1 and one in R2, two slots.
    const { planInput, plan, rollout } = await planAndStart(store.id, store.timeZone, {
      rooms: [
        { id: 'R1', seats: 2 },
        { id: 'R2', seats: 2 },
      ],
      trainers: [{ id: 'T1' }, { id: 'T2' }],
      departments: [{ id: 'SALES', minOnFloor: 3 }],
      roster: people('P', 6, 'SALES'),
    });
    expect(plan.sessions.map((s) => [s.room, s.employees.length])).toEqual([
      ['R1', 2],
      ['R2', 1],
      ['R1', 2],
      ['R2', 1],
    ]);
    const [s1r1, , s2r1, s2r2] = plan.sessions as [PlannedSession, PlannedSession, PlannedSession, PlannedSession];
    const by = 'ops';

    // What the rollout refuses, each with what is wrong (nothing changes).
    const newHire: RosterEntry = { employeeId: 'N1', department: 'SALES', shift: ALL_DAY };
    expect(await refused(rollout, { kind: 'session-cancelled', sessionId: 'NO-SUCH', reason: 'x', by })).toBe(`no session NO-SUCH in the rollout of ${store.id}`);
    expect(await refused(rollout, { kind: 'room-lost', room: 'R9', reason: 'x', by })).toBe("no room R9 in the rollout's plan (rooms: R1, R2)");
    expect(await refused(rollout, { kind: 'roster-changed', add: [], remove: [], reason: 'x', by })).toBe('nobody named: give the people to add or to remove');
    expect(await refused(rollout, { kind: 'roster-changed', add: [{ ...newHire, employeeId: 'P1' }], reason: 'x', by })).toBe('already on the roster: P1');
    expect(await refused(rollout, { kind: 'roster-changed', add: [newHire], remove: ['N1'], reason: 'x', by })).toBe('named twice: N1');
    expect(await refused(rollout, { kind: 'roster-changed', remove: ['NOBODY'], reason: 'x', by })).toBe('not on the roster: NOBODY');
    expect(await refused(rollout, { kind: 'roster-changed', add: [{ ...newHire, department: 'CASH' }], reason: 'x', by })).toBe(
      'not a department of the rollout (SALES): N1 (CASH)',
    );
    expect(await refused(rollout, { kind: 'room-lost', room: 'R2', reason: ' ', by })).toBe('a change needs a reason');

    // The first slot: a session under way is not moved, nor one held.
    await holdNext(rollout, store.id, async (next) => {
      expect(await refused(rollout, { kind: 'session-cancelled', sessionId: next.sessionId, reason: 'x', by })).toBe(
        `session ${next.sessionId} started at ${next.startsAt}: a session under way is not moved`,
      );
    });
    await holdNext(rollout, store.id);
    expect(await refused(rollout, { kind: 'session-cancelled', sessionId: s1r1.id, reason: 'x', by })).toBe(`session ${s1r1.id} was held: a session held is not moved`);

    // Two leave: one trained already, one due in the second slot (its seat freed). Four at work
    // then, two of them in training: one must go back to the floor (the last by id: R2's only
    // one, whose session is then cancelled) and is planned later.
    const trainedLeaver = s1r1.employees[0]!;
    const dueLeaver = s2r1.employees[0]!;
    const moved = s2r2.employees[0]!;
    const left = await change(rollout, { kind: 'roster-changed', remove: [trainedLeaver, dueLeaver], reason: 'left the company', by });
    expect(left).toMatchObject({
      change: 1,
      how: 'placed',
      withdrawn: [
        { sessionId: s2r1.id, employees: [dueLeaver], why: 'left' },
        { sessionId: s2r2.id, employees: [moved], why: 'moved' },
      ],
      cancelled: [s2r2.id],
      unplaced: [],
    });
    expect(left.added.map((a) => a.employees)).toEqual([[moved]]);
    expect(left.added[0]!.startsAt > s2r1.startsAt).toBe(true);
    // The one moved was invited (an hour ahead): told their place moved; the one who left is not written to.
    await until(
      async () => ((await db.notification.count({ where: { kind: 'training-cancelled', recipient: moved, storeId: store.id } })) === 1 ? true : undefined),
      'the moved person told',
    );
    expect((await db.notification.findFirstOrThrow({ where: { kind: 'training-cancelled', recipient: moved, storeId: store.id } })).message).toMatch(
      /has moved to another session/,
    );
    expect(await db.notification.count({ where: { kind: 'training-cancelled', recipient: dueLeaver, storeId: store.id } })).toBe(0);

    // A new hire: the second slot has room for one more now (R2 free again), under an id of its own.
    const hired = await change(rollout, { kind: 'roster-changed', add: [newHire], reason: 'new hire', by });
    expect(hired).toMatchObject({ change: 2, how: 'placed', cancelled: [], withdrawn: [], unplaced: [] });
    expect(hired.added).toEqual([expect.objectContaining({ startsAt: s2r2.startsAt, room: 'R2', employees: ['N1'], sessionId: `${s2r2.id}-r2` })]);

    // R2 is taken for inventory from the second slot on: N1's session moves to R1, later.
    const lost = await change(rollout, { kind: 'room-lost', room: 'R2', from: s2r2.startsAt, reason: 'inventory', by });
    expect(lost).toMatchObject({ change: 3, cancelled: [`${s2r2.id}-r2`], unplaced: [] });
    expect(lost.added).toEqual([expect.objectContaining({ room: 'R1', employees: ['N1'] })]);
    expect(await refused(rollout, { kind: 'room-lost', room: 'R2', reason: 'x', by })).toBe('room R2 is already lost');

    const held = await holdAll(rollout, store.id);
    const final: RolloutProgress = await rollout.result();
    // Six, less two who left, and the new hire: all five trained.
    expect(final).toMatchObject({ state: 'done', employees: 5, trained: 5, unplaced: [], changes: { applied: 3, last: { kind: 'room-lost', reason: 'inventory' } } });
    const everyone = held.flatMap((h) => h.employees);
    expect(everyone).toContain('N1');
    expect(everyone).toContain(moved);
    expect(everyone).not.toContain(dueLeaver);
    expect(held.filter((h) => h.room === 'R2' && h.startsAt >= s2r2.startsAt)).toEqual([]);
    const roster = [...planInput.roster.filter((e) => e.employeeId !== trainedLeaver && e.employeeId !== dueLeaver), newHire];
    expectFloorsKept({ roster, departments: planInput.departments }, held);
    expect(await db.auditLog.count({ where: { action: 'rollout.changed', storeId: store.id } })).toBe(3);
  });
});
