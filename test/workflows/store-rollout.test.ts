// A store's rollout, training part (issue 10 §2), on Temporal's time-skipping server with the
// real database, activities and simulators: the plan's sessions run as their own workflows, each
// invites a day (here an hour) ahead and takes the trainer's attendance; the one person who did
// not come is placed into a later session around those already announced, comes there, and the
// rollout ends with everyone trained once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowClient } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/config.ts';
import { localDate } from '../../src/domain/store-calendar.ts';
import { planTraining, type TrainingPlanInput } from '../../src/domain/training-plan.ts';
import { rolloutProgressQuery, STORE_ROLLOUT_WORKFLOW, storeRolloutWorkflowId, type RolloutProgress } from '../../workflows/store-rollout-contract.ts';
import { recordAttendanceUpdate, sessionProgressQuery, trainingSessionWorkflowId } from '../../workflows/training-session-contract.ts';
import { startProductionWorker, startTimeSkippingRig, type TimeSkippingRig } from '../support/time-skipping.ts';

const taskQueue = 'store-rollout';
let rig: TimeSkippingRig;
let workflows: WorkflowClient;
let stopWorker: (() => Promise<void>) | undefined;

beforeAll(async () => {
  rig = await startTimeSkippingRig({ stores: 1, employeesPerStore: 6, stockPerStore: 1, seed: 11 });
  ({ workflows, stop: stopWorker } = await startProductionWorker(rig, taskQueue, DEFAULT_POLICY));
});
afterAll(async () => {
  await stopWorker?.();
  await rig?.close();
});

describe('a store rollout (time-skipping)', () => {
  it('holds every session of the plan, places the no-show into a later session around the others, and ends with everyone trained once', async () => {
    const { env, fleet } = rig;
    const db = rig.database.db.prisma;
    const store = fleet.stores[0]!;
    const now = Number(await env.currentTimeMs());
    const roster = fleet.employees.filter((e) => e.storeId === store.id).map((e) => ({ employeeId: e.employeeId, department: 'SALES', shift: { from: '00:00', until: '23:59' } }));
    const planInput: TrainingPlanInput = {
      timeZone: store.timeZone,
      firstDay: localDate(new Date(now), store.timeZone),
      notBefore: new Date(now + 2 * 3_600_000).toISOString(),
      horizonDays: 3,
      sessionMinutes: 60,
      openingHours: { from: '00:00', until: '23:59' },
      rooms: [{ id: 'R1', seats: 2 }],
      trainers: [{ id: 'T1' }],
      departments: [{ id: 'SALES', minOnFloor: 0 }],
      roster,
    };
    const plan = planTraining(planInput);
    expect(plan.sessions).toHaveLength(3);
    const absent = plan.sessions[0]!.employees[0]!;

    const rollout = await workflows.start(STORE_ROLLOUT_WORKFLOW, {
      workflowId: storeRolloutWorkflowId(store.id),
      taskQueue,
      args: [{ storeId: store.id, planInput, sessions: plan.sessions, inviteAhead: '1 hour', attendanceGrace: '30 minutes' }],
    });

    // The trainer at each session as it comes: everyone came but `absent`, the first time.
    let absentOnce = false;
    for (let step = 0; step < 20; step++) {
      const progress: RolloutProgress = await rollout.query(rolloutProgressQuery);
      if (progress.state === 'done') break;
      const next = progress.upcoming[0]!;
      const session = workflows.getHandle(trainingSessionWorkflowId(store.id, next.sessionId));
      // Until it starts, then until the session has opened.
      const wait = Date.parse(next.startsAt) - Number(await env.currentTimeMs());
      if (wait > 0) await env.sleep(wait);
      for (let i = 0; i < 20 && (await session.query(sessionProgressQuery).catch(() => undefined))?.state !== 'open'; i++) await env.sleep('1 minute');
      const present = next.employees.filter((e) => e !== absent || absentOnce);
      if (present.length < next.employees.length) absentOnce = true;
      await session.executeUpdate(recordAttendanceUpdate, { args: [{ by: 'trainer T1', present }] });
      await session.result();
      // The rollout hears of it (a signal) before the next session is looked up.
      for (let i = 0; i < 50 && (await rollout.query(rolloutProgressQuery)).sessionsHeld === progress.sessionsHeld; i++) await new Promise((r) => setTimeout(r, 100));
    }

    const final: RolloutProgress = await rollout.result();
    expect(final).toMatchObject({ state: 'done', employees: 6, trained: 6, rescheduled: 1, sessionsHeld: 4, sessionsLeft: 0, unplaced: [] });
    // Everyone's phone is with them already (the fleet's people have theirs): counted as handed over.
    expect(final.handedOver + final.notHandedOver).toBe(6);
    // The no-show's second session starts after the first's grace, in a slot the others left free.
    const invitations = await db.notification.findMany({ where: { kind: 'training-invitation', recipient: absent }, orderBy: { id: 'asc' } });
    expect(invitations).toHaveLength(2);
    expect(await db.notification.count({ where: { kind: 'training-invitation', recipient: 'curator' } })).toBe(4);
    // The curator has one summary per training day, once its sessions are all over, the last one with the totals.
    const summaries = await db.notification.findMany({ where: { kind: 'rollout-daily-summary', storeId: store.id }, orderBy: { id: 'asc' } });
    expect(summaries.length).toBeGreaterThanOrEqual(new Set(plan.sessions.map((s) => s.day)).size);
    expect(new Set(summaries.map((n) => n.idempotencyKey)).size).toBe(summaries.length);
    expect(summaries.every((n) => n.recipient === 'curator')).toBe(true);
    expect(summaries.at(-1)!.message).toMatch(/6 of 6 trained, \d+ handed over, 1 no-shows placed again; every session held/);
  });
});
