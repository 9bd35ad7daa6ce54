// The leaver with the production policy on Temporal's time-skipping test server: reminders 7,
// 3 and 1 days before and on the last day, the lock 3 days after it, the brick 14 days later,
// and a year of watching for the phone to come back: 390 days crossed in seconds, against the
// real database and simulators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/config.ts';
import { leaver, leaverProgressQuery } from '../../workflows/leaver.ts';
import { dayFromToday } from '../support/harness.ts';
import { simAdmin } from '../support/sim-admin.ts';
import { startProductionWorker, startTimeSkippingRig, type TimeSkippingRig } from '../support/time-skipping.ts';

let rig: TimeSkippingRig;

beforeAll(async () => {
  rig = await startTimeSkippingRig({ stores: 1, employeesPerStore: 3, stockPerStore: 1, seed: 5 });
});
afterAll(async () => rig?.close());

describe('leaver on real durations (time-skipping)', () => {
  it('reminds four times, locks 3 days after the last day, bricks 14 days later, writes off after a year', async () => {
    const { env, sims, database, fleet } = rig;
    const db = database.db.prisma;
    const { employeeId } = fleet.employees[1];
    const imei = (await db.device.findFirstOrThrow({ where: { employeeId } })).imei;
    const lastWorkingDay = dayFromToday(8);
    const worker = await startProductionWorker(rig, 'leaver-time-skipping');
    try {
      const started = await env.currentTimeMs();
      const handle = await worker.workflows.start(leaver, {
        workflowId: `leaver-${employeeId}`,
        taskQueue: 'leaver-time-skipping',
        args: [{ employeeId, lastWorkingDay, policy: DEFAULT_POLICY.leaver }],
      });
      expect(await handle.result()).toBe('written-off');
      const days = (Number(await env.currentTimeMs()) - Number(started)) / 86_400_000;
      expect(days).toBeGreaterThan(8 + 3 + 14 + 365 - 1);

      const progress = await handle.query(leaverProgressQuery);
      expect(progress.remindersSent).toEqual([7, 3, 1, 0]);
      const messages = sims.mdm[fleet.stores[0].mdmProvider].devices.byImei(imei)!.messages;
      expect(messages.filter((m) => m.title.includes('сдайте этот телефон'))).toHaveLength(4);
      expect(messages.filter((m) => m.title.includes('сохраните свои данные'))).toHaveLength(1);
      const admin = simAdmin(sims);
      expect((await admin.mdmCommands(imei)).filter((c) => c.type === 'LOCK')).toHaveLength(1);
      expect(await admin.knoxGuardDevice(imei)).toMatchObject({ status: 'Locked' });
      expect(await db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'LOST' });
      expect(await db.employee.findUniqueOrThrow({ where: { id: employeeId } })).toMatchObject({ status: 'LEFT' });
    } finally {
      await worker.stop();
    }
  });
});
