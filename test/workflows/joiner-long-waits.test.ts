// The joiner's long waits on Temporal's time-skipping server, with the production policy, the
// real database and the simulators over HTTP: the MDM unreachable for 14 days (the story's blocked
// servers) during an onboarding. The enrolment hands each few minutes of outage over to the
// workflow's backoff (5 minutes growing to 6 hours), so the wait costs a few events an hour and
// every run's history stays bounded; the onboarding finishes once the MDM answers again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowClient } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/config.ts';
import { handedOverSignal, joiner, progressQuery } from '../../workflows/joiner.ts';
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { HISTORIES_DIR, recording, saveHistoryChain } from '../support/histories.ts';
import { runChain } from '../support/run-chain.ts';
import { simAdmin } from '../support/sim-admin.ts';
import { startProductionWorker, startTimeSkippingRig, type TimeSkippingRig } from '../support/time-skipping.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const taskQueue = 'joiner-long-waits';

let rig: TimeSkippingRig;
let workflows: WorkflowClient;
let stopWorker: (() => Promise<void>) | undefined;

beforeAll(async () => {
  rig = await startTimeSkippingRig({ stores: 1, employeesPerStore: 2, stockPerStore: 2, seed: 5 });
  ({ workflows, stop: stopWorker } = await startProductionWorker(rig, taskQueue, DEFAULT_POLICY));
});
afterAll(async () => {
  await stopWorker?.();
  await rig?.close();
});

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

describe('joiner long waits (time-skipping, production policy)', () => {
  it('MDM unreachable for 14 days during an onboarding: waits, then enrols and finishes; every run bounded', async () => {
    const { env, sims, fleet } = rig;
    const admin = simAdmin(sims);
    const storeId = fleet.stores[0].id;
    const employeeId = 'TS-MDM-1';
    const position = fleet.employees[0].position;
    await admin.addHrEmployee({ employeeId, storeId, position, startDate: '2026-12-01', documentNumber: 'DOC-TS-MDM-1' });
    await admin.addDirectoryAccount(employeeId, 0);
    const mdm = fleet.stores[0].mdmProvider === 'KNOX_MANAGE' ? 'knoxManage' : 'secondMdm';
    await admin.faults(mdm, { outage: { down: true } });

    const started = Number(await env.currentTimeMs());
    const handle = await workflows.start(joiner, {
      workflowId: `joiner-${employeeId}`,
      taskQueue,
      args: [{ employeeId, hire: { storeId, position, startDate: '2026-12-01' }, policy: DEFAULT_POLICY.joiner }],
    });
    let outageEnded = 0;
    let stageAtRestore = '';
    const restore = atServerTime(started + 14 * DAY, async () => {
      stageAtRestore = (await handle.query(progressQuery)).stage;
      outageEnded = Number(await env.currentTimeMs());
      await admin.faults(mdm, null);
      // The curator's confirmation, sent now: once nothing is pending the test server's clock
      // jumps to the run's timeout, so it must be there when the phone is ready.
      await handle.signal(handedOverSignal, { at: new Date(started + 15 * DAY).toISOString(), by: 'curator' });
    });
    let result;
    try {
      result = await handle.result();
    } finally {
      restore.stop();
      await admin.faults(mdm, null);
    }
    await restore.done;

    expect(stageAtRestore).toBe('enrolling-device'); // still waiting after 14 days, not failed
    expect(result).toMatchObject({ employeeId });
    const device = await rig.database.db.prisma.device.findUniqueOrThrow({ where: { imei: result.imei } });
    expect(device.state).toBe('IN_USE');
    const { directoryUserId } = await rig.database.db.prisma.employee.findUniqueOrThrow({ where: { id: employeeId } });
    expect((await admin.mdmDevice(result.imei)).userId).toBe(directoryUserId);

    const runs = await runChain(workflows, handle.workflowId, handle.firstExecutionRunId);
    const enrolRounds = runs.flatMap((r) => r.history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'enrolDevice').length;
    console.log(`[figure] joiner through a 14-day MDM outage: ${runs.length} runs, events per run ${runs.map((r) => r.events).join(', ')}, ${enrolRounds} enrolment rounds`);
    expect(outageEnded - started).toBeGreaterThanOrEqual(14 * DAY - HOUR);
    // 5 minutes doubling to 6 hours: about 60 rounds in 14 days (the old joiner: none in history,
    // but an activity retried every minute for 14 days, 20,000 calls to a server that is down).
    // The outage ends when this test sees the server's clock pass 14 days; on a busy machine the
    // time-skipping server is days further by then and fires more rounds (seen: 144). A bound
    // far below a per-minute retry's 20,000 still proves the backoff.
    expect(enrolRounds).toBeLessThan(300);
    for (const run of runs) expect(run.events).toBeLessThan(5_000);
    if (recording) await saveHistoryChain(workflows, handle.workflowId, handle.firstExecutionRunId, 'joiner-v2-mdm-outage-14-days');
  });

  it('out of stock for a year: the curator is told once, the wait rolls over into bounded runs, stock found a year later is taken', async () => {
    const { env, sims, fleet } = rig;
    const db = rig.database.db.prisma;
    const admin = simAdmin(sims);
    const storeId = fleet.stores[0].id;
    const employeeId = 'TS-STOCK-1';
    const position = fleet.employees[0].position;
    await admin.addHrEmployee({ employeeId, storeId, position, startDate: '2026-12-01', documentNumber: 'DOC-TS-STOCK-1' });
    await admin.addDirectoryAccount(employeeId, 0);
    await db.device.updateMany({ where: { storeId, state: 'IN_STOCK' }, data: { state: 'RETIRED' } });

    const started = Number(await env.currentTimeMs());
    const handle = await workflows.start(joiner, {
      workflowId: `joiner-${employeeId}`,
      taskQueue,
      args: [{ employeeId, hire: { storeId, position, startDate: '2026-12-01' }, policy: DEFAULT_POLICY.joiner }],
    });
    let stageThen = '';
    // A phone turns up a year later, without a delivery announcement: the backoff's next look finds it.
    const restock = atServerTime(started + 365 * DAY, async () => {
      stageThen = (await handle.query(progressQuery)).stage;
      const [phone] = await db.device.findMany({ where: { storeId, state: 'RETIRED', mdmDeviceId: { not: null } }, take: 1 });
      await db.device.update({ where: { imei: phone.imei }, data: { state: 'IN_STOCK' } });
      await handle.signal(handedOverSignal, { at: new Date(started + 366 * DAY).toISOString(), by: 'curator' });
    });
    try {
      await handle.result();
    } finally {
      restock.stop();
    }
    await restock.done;
    expect(stageThen).toBe('awaiting-stock');
    expect(await db.notification.count({ where: { employeeId, kind: 'out-of-stock' } })).toBe(1);

    const runs = await runChain(workflows, handle.workflowId, handle.firstExecutionRunId);
    console.log(`[figure] joiner out of stock for 365 days: ${runs.length} runs, events per run ${runs.map((r) => r.events).join(', ')}`);
    expect(runs.length).toBeGreaterThan(1); // continued as new, carrying its state
    for (const run of runs) expect(run.events).toBeLessThan(5_000);
    // The last run only (a resumed run: its input carries the state); the whole chain is ~10 MB.
    if (recording) fs.writeFileSync(path.join(HISTORIES_DIR, 'joiner-v2-out-of-stock-resumed.1.json'), historyToJSON(runs.at(-1)!.history) + '\n');
  });
});
