// The joiner with the production policy (15-minute directory polls, escalation after a day) on
// Temporal's time-skipping test server: a directory account that appears 25 hours late is crossed
// in seconds. Real database and simulators; only the directory is a typed double, because its
// account must appear in workflow time, which a wall-clock simulator cannot follow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryApi } from '../../src/systems/directory/api.ts';
import { DEFAULT_POLICY } from '../../src/config.ts';
import { handedOverSignal, joiner, progressQuery } from '../../workflows/joiner.ts';
import { simAdmin } from '../support/sim-admin.ts';
import { startProductionWorker, startTimeSkippingRig, type TimeSkippingRig } from '../support/time-skipping.ts';

let rig: TimeSkippingRig;

beforeAll(async () => {
  rig = await startTimeSkippingRig({ stores: 1, employeesPerStore: 2, stockPerStore: 2, seed: 3 });
});
afterAll(async () => rig?.close());

/** The directory as IT fills it: the account exists only once `lateBy` of workflow time has passed since the first lookup. */
function lateDirectory(lateBy: number): DirectoryApi & { lookups: number } {
  let firstAt: number | undefined;
  const double = {
    lookups: 0,
    async findUserByEmployeeId(employeeId: string) {
      double.lookups++;
      const now = await rig.env.currentTimeMs(); // the test server's clock, which skips ahead
      firstAt ??= now;
      return now - firstAt >= lateBy ? { id: `aad-${employeeId}`, employeeId, accountEnabled: true } : null;
    },
  };
  return double;
}

describe('joiner on real durations (time-skipping)', () => {
  it('waits 25 hours for the directory account, escalates once after a day, then completes', async () => {
    const { env, sims, database } = rig;
    const db = database.db.prisma;
    const employeeId = 'TS-1';
    const storeId = 'S001';
    const position = (await db.role.findFirstOrThrow({ where: { code: 'CASHIER' } })).positions[0];
    await simAdmin(sims).addHrEmployee({ employeeId, storeId, position, startDate: '2026-12-01', documentNumber: 'DOC-TS-1' });
    const directory = lateDirectory(25 * 3_600_000);
    const worker = await startProductionWorker(rig, 'time-skipping', DEFAULT_POLICY, { deps: { directory } });
    try {
      const handle = await worker.workflows.start(joiner, {
        workflowId: `joiner-${employeeId}`,
        taskQueue: 'time-skipping',
        args: [{ employeeId, hire: { storeId, position, startDate: '2026-12-01' }, policy: DEFAULT_POLICY.joiner }],
      });
      // Time skips while the test waits on the workflow; poll the query in workflow time.
      let progress = await handle.query(progressQuery);
      while (progress.stage !== 'awaiting-handover') {
        await env.sleep('1 hour');
        progress = await handle.query(progressQuery);
      }
      expect(progress.escalations).toEqual(['directory-account-missing']);
      // Backoff from 15 minutes to 6 hours: looked at 0, 15 min, 45 min, 1h45, 3h45, 7h45, 13h45
      // and 19h45 (the 6-hour cap), escalated at 24 h, found at 30 h (the next round).
      expect(directory.lookups).toBe(9);
      const tasks = await db.supportTask.findMany({ where: { employeeId } });
      expect(tasks.map((t) => t.kind)).toEqual(['directory-account-missing']);

      await handle.signal(handedOverSignal, { at: '2026-12-01T09:00:00Z', by: 'curator' });
      const result = await handle.result();
      expect(result).toMatchObject({ employeeId, handoverDay: 1, dayOne: true });
    } finally {
      await worker.stop();
    }
  });
});
