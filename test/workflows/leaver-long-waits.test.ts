// The leaver's long waits on Temporal's time-skipping server, with the production policy, the
// real database and the simulators over HTTP: a phone kept off the network for 90 days, and the
// MDM unreachable for 14 days during a dismissal. Each run's history must stay far below
// Temporal's limit (the old leaver polled every 5 minutes with 12 events a poll: ~3,450 a day,
// terminated at 51,200 about 15 days in), and every deadline is still met.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowClient } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/config.ts';
import { leaver, leaverProgressQuery, returnedSignal, type LeaverProgress } from '../../workflows/leaver.ts';
import { dayFromToday } from '../support/harness.ts';
import { recording, saveHistoryChain } from '../support/histories.ts';
import { runChain } from '../support/run-chain.ts';
import { simAdmin } from '../support/sim-admin.ts';
import { startProductionWorker, startTimeSkippingRig, type TimeSkippingRig } from '../support/time-skipping.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const taskQueue = 'leaver-long-waits';

let rig: TimeSkippingRig;
/** Payloads encrypted as in production (and as the committed histories must be). */
let workflows: WorkflowClient;
let stopWorker: (() => Promise<void>) | undefined;

beforeAll(async () => {
  rig = await startTimeSkippingRig({ stores: 1, employeesPerStore: 4, stockPerStore: 1, seed: 11 });
  ({ workflows, stop: stopWorker } = await startProductionWorker(rig, taskQueue));
});
afterAll(async () => {
  await stopWorker?.();
  await rig?.close();
});

async function phoneOf(n: number) {
  const { employeeId } = rig.fleet.employees[n];
  const device = await rig.database.db.prisma.device.findFirstOrThrow({ where: { employeeId } });
  return { employeeId, imei: device.imei };
}

/** Runs `act` once, the first time the test server's clock passes `at` (polled while time skips). */
function atServerTime(at: number, act: () => Promise<void>): { done: Promise<void>; stop(): void } {
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      if (Number(await rig.env.currentTimeMs()) >= at) return act();
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { done, stop: () => void (stopped = true) };
}

const ms = (iso: string | undefined) => Date.parse(iso!);

describe('leaver long waits (time-skipping, production policy)', () => {
  it('phone offline for 90 days: locked, bricked and written off on time, each run under 5,000 events, done when it checks in', async () => {
    const { env, sims } = rig;
    const admin = simAdmin(sims);
    const { employeeId, imei } = await phoneOf(1);
    await admin.setOnline(imei, false);
    const started = Number(await env.currentTimeMs());
    const handle = await workflows.start(leaver, {
      workflowId: `leaver-${employeeId}`,
      taskQueue,
      args: [{ employeeId, lastWorkingDay: dayFromToday(8), policy: DEFAULT_POLICY.leaver }],
    });

    let atCheckIn: { progress: LeaverProgress; knoxGuard: string | undefined; writeOffs: number } | undefined;
    const checkIn = atServerTime(started + 90 * DAY, async () => {
      atCheckIn = {
        progress: await handle.query(leaverProgressQuery),
        knoxGuard: (await admin.knoxGuardDevice(imei))?.status,
        writeOffs: (await admin.leaseCases()).filter((c) => c.imei === imei && c.kind === 'WRITE_OFF').length,
      };
      await admin.setOnline(imei, true);
    });
    try {
      expect(await handle.result()).toBe('written-off');
    } finally {
      checkIn.stop();
    }
    await checkIn.done;

    // Day 90, still offline: locked and bricked as far as phonefleet can, written off, and saying so.
    expect(atCheckIn).toBeDefined();
    expect(atCheckIn!.progress.stage).toBe('bricked');
    expect(atCheckIn!.progress.pending).toMatch(/^lock and permanent lock pending: device offline since /);
    expect(atCheckIn!.knoxGuard).toBe('Locking'); // queued by Knox Guard for the next check-in
    expect(atCheckIn!.writeOffs).toBe(1);

    const progress = await handle.query(leaverProgressQuery);
    expect(progress.remindersSent).toEqual([7, 3, 1, 0]);
    // The lock was requested on its deadline, the permanent lock 14 days after the REQUEST.
    expect(Math.abs(ms(progress.lockRequestedAt) - ms(progress.lockAt))).toBeLessThan(HOUR);
    expect(ms(progress.brickAt) - ms(progress.lockRequestedAt)).toBe(14 * DAY);
    expect(ms(progress.brickAt)).toBeLessThan(started + 90 * DAY);
    expect(progress.pending).toBeUndefined();
    expect((await admin.mdmCommands(imei)).filter((c) => c.type === 'LOCK')).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    expect(await admin.knoxGuardDevice(imei)).toMatchObject({ status: 'Locked' });
    expect(await rig.database.db.prisma.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'LOST' });

    const runs = await runChain(workflows, handle.workflowId, handle.firstExecutionRunId);
    console.log(`[figure] leaver offline 90 days, then watched for 365 days after the write-off: ${runs.length} runs, events per run ${runs.map((r) => r.events).join(', ')}`);
    for (const run of runs) expect(run.events).toBeLessThan(5_000);
    expect(runs.length).toBeGreaterThan(1); // months of polling did roll over
    if (recording) await saveHistoryChain(workflows, handle.workflowId, handle.firstExecutionRunId, 'leaver-offline-90-days');
  });

  it('MDM unreachable for 14 days during a dismissal: waits, then locks, and finishes when the phone is handed in; histories bounded', async () => {
    const { env, sims, fleet } = rig;
    const admin = simAdmin(sims);
    const { employeeId, imei } = await phoneOf(2);
    const mdm = fleet.stores[0].mdmProvider === 'KNOX_MANAGE' ? 'knoxManage' : 'secondMdm';
    await admin.faults(mdm, { outage: { down: true } });
    const started = Number(await env.currentTimeMs());
    const handle = await workflows.start(leaver, {
      workflowId: `leaver-${employeeId}`,
      taskQueue,
      args: [{ employeeId, lastWorkingDay: dayFromToday(1), policy: DEFAULT_POLICY.leaver }],
    });
    let outageEnded = 0;
    const restore = atServerTime(started + 14 * DAY, async () => {
      outageEnded = Number(await env.currentTimeMs());
      await admin.faults(mdm, null);
    });
    const handIn = atServerTime(started + 20 * DAY, async () => {
      await handle.signal(returnedSignal, { condition: 'ok', simReturned: true, at: new Date().toISOString(), by: 'store-support' });
    });
    try {
      expect(await handle.result()).toBe('returned');
    } finally {
      restore.stop();
      handIn.stop();
      await admin.faults(mdm, null);
    }
    await Promise.all([restore.done, handIn.done]);

    const progress = await handle.query(leaverProgressQuery);
    // The lock was due on day ~5, but could only be requested once the MDM answered again.
    expect(outageEnded).toBeGreaterThan(0);
    expect(ms(progress.lockRequestedAt)).toBeGreaterThanOrEqual(outageEnded - HOUR);
    expect(ms(progress.lockRequestedAt) - ms(progress.lockAt)).toBeGreaterThan(8 * DAY);
    const commands = await admin.mdmCommands(imei);
    for (const type of ['LOCK', 'UNLOCK', 'WIPE']) expect(commands.filter((c) => c.type === type)).toHaveLength(1);
    expect(await admin.knoxGuardDevice(imei)).toMatchObject({ status: 'Active' }); // returned before the brick deadline
    expect(await rig.database.db.prisma.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_STOCK' });

    const runs = await runChain(workflows, handle.workflowId, handle.firstExecutionRunId);
    console.log(`[figure] leaver through a 14-day MDM outage: ${runs.length} runs, events per run ${runs.map((r) => r.events).join(', ')}`);
    for (const run of runs) expect(run.events).toBeLessThan(5_000);
    if (recording) await saveHistoryChain(workflows, handle.workflowId, handle.firstExecutionRunId, 'leaver-mdm-outage-14-days');
  });
});
