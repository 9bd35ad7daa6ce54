// Issue 6 §2: the mover's freeze wait never outgrows its history. On Temporal's time-skipping
// server with the production policy (recheck every hour), the real database and the simulators
// over HTTP, a role change waits out a 90-day freeze of its store: ~2,160 rechecks, rolled over
// into several bounded runs by continue-as-new, and the change is applied once the freeze ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowClient } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/config.ts';
import { mover, moverProgressQuery, WAITING_FOR_FREEZE } from '../../workflows/mover.ts';
import { runChain } from '../support/run-chain.ts';
import { startProductionWorker, startTimeSkippingRig, type TimeSkippingRig } from '../support/time-skipping.ts';

const DAY = 86_400_000;
const taskQueue = 'mover-long-freeze';

let rig: TimeSkippingRig;
let workflows: WorkflowClient;
let stopWorker: (() => Promise<void>) | undefined;

beforeAll(async () => {
  rig = await startTimeSkippingRig({ stores: 1, employeesPerStore: 4, stockPerStore: 2, seed: 9 });
  ({ workflows, stop: stopWorker } = await startProductionWorker(rig, taskQueue, DEFAULT_POLICY));
});
afterAll(async () => {
  await stopWorker?.();
  await rig?.close();
});

describe('mover long freeze wait (time-skipping, production policy)', () => {
  it('a role change waiting out a 90-day freeze: several runs, each bounded, applied after the freeze ends', async () => {
    expect(DEFAULT_POLICY.mover.freezeRecheckInterval).toBe('1 hour');
    const { env, fleet } = rig;
    const db = rig.database.db.prisma;
    const person = fleet.employees[0];
    const position = fleet.employees.find((e) => e.position !== person.position)?.position ?? person.position;
    const started = Number(await env.currentTimeMs());
    const freezeEnds = started + 90 * DAY;
    // The activities read the freeze against the worker's wall clock, which the time-skipping
    // server does not move: the freeze row is removed by the test when the server's clock says
    // it is over (below). Until then it is in force on both clocks.
    const freeze = await db.freeze.create({
      data: { storeId: person.storeId, startsAt: new Date(started - DAY), endsAt: new Date(freezeEnds), reason: 'year-end inventory', createdBy: 'test' },
    });

    const handle = await workflows.start(mover, {
      workflowId: `mover-${person.employeeId}-freeze-90`,
      taskQueue,
      args: [{ employeeId: person.employeeId, move: { kind: 'role', position, urgent: false }, policy: DEFAULT_POLICY.mover }],
    });
    // The server's clock moves only while the test sleeps on it: 90 days less half an hour, with
    // every hourly recheck in between, then the freeze is over. In steps of 9 days, each a short
    // call: one 90-day sleep call was seen to stall beside other suites (the server stopped
    // skipping while the client waited), and a query between steps shows the wait is still on.
    const asleep = 90 * DAY - 30 * 60_000;
    for (let slept = 0; slept < asleep; slept += 9 * DAY) {
      await env.sleep(Math.min(9 * DAY, asleep - slept));
      expect((await handle.query(moverProgressQuery)).stage).toBe(WAITING_FOR_FREEZE);
    }
    const waiting = await handle.query(moverProgressQuery);
    expect(waiting.stage).toBe(WAITING_FOR_FREEZE);
    expect(waiting.applied).toBeUndefined();
    await db.freeze.delete({ where: { id: freeze.id } });
    const applied = await handle.result();
    expect(applied).toBeTruthy();
    expect(await db.auditLog.count({ where: { action: 'employee.role-changed', employeeId: person.employeeId } })).toBe(1);

    const runs = await runChain(workflows, handle.workflowId, handle.firstExecutionRunId);
    const events = runs.flatMap((r) => r.history.events ?? []);
    const rechecks = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'freezeInForce').length;
    console.log(`[figure] mover through a 90-day freeze: ${runs.length} runs, events per run ${runs.map((r) => r.events).join(', ')}, ${rechecks} freeze checks`);
    expect(runs.length).toBeGreaterThan(1); // continued as new
    for (const run of runs) expect(run.events).toBeLessThan(5_000);
    // Hourly for 90 days, not a hot loop: about 2,160 looks.
    expect(rechecks).toBeGreaterThan(2_000);
    expect(rechecks).toBeLessThan(2_300);
    // The change reached the phone only after the freeze's end (server time).
    const change = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'applyRoleChange');
    expect(change).toBeDefined();
    const at = Number(change!.eventTime!.seconds) * 1000;
    expect(at).toBeGreaterThanOrEqual(freezeEnds - 1000);
  }, 240_000); // 59-66 s alone; a hang (seen beside other suites) should not hold a fork for 10 minutes
});
