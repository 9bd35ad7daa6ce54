// Two leaver paths end to end (real Temporal dev server, simulators over HTTP, PostgreSQL): a
// revocation that arrives while the permanent (Knox Guard) lock call is in flight, and a leaver
// that runs on the policy of the worker when it starts, not the one frozen in the lifecycle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaverProgressQuery, leaverWorkflowId } from '../../workflows/leaver.ts';
import { dayFromToday, dismissEvent, eventually, FAST_POLICY, revokeDismissalEvent, startHarness, type Harness } from '../support/harness.ts';
import { recording, saveHistories } from '../support/histories.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
// The fleet's S001 employees from the end (leaver.test.ts takes them from the start).
let nextEmployee = 1;

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

async function employeeWithPhone() {
  const inStore = h.fleet.employees.filter((e) => e.storeId === 'S001');
  const employee = inStore[inStore.length - nextEmployee++];
  const row = await h.db.employee.findUniqueOrThrow({ where: { id: employee.employeeId }, include: { devices: true, sims: true } });
  return { employeeId: employee.employeeId, imei: row.devices[0].imei, iccid: row.sims[0].iccid };
}

const progressOf = (employeeId: string) => h.client.workflow.getHandle(leaverWorkflowId(employeeId)).query(leaverProgressQuery);
const commandsOf = async (imei: string, type: string) => (await sim.mdmCommands(imei)).filter((c) => c.type === type);

describe('leaver: revocation and policy', () => {
  it('revocation while the Knox Guard lock call is in flight: the permanent lock lands, then is undone; not written off; MDM lock undone, SIM resumed', async () => {
    const { employeeId, imei, iccid } = await employeeWithPhone();
    // Knox Guard takes 4 s to answer the permanent lock (within the client's timeout): the revocation arrives meanwhile.
    await sim.faults('knoxGuard', { latencyMs: 4_000, paths: ['/kg/devices/lock'] });
    try {
      await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)));
      await eventually(async () => ((await progressOf(employeeId)).stage === 'bricking' ? true : undefined), 'leaver bricking', 60_000);
      const guarded = await sim.knoxGuardDevice(imei);
      expect(guarded?.status ?? 'Active').toBe('Active'); // the lock call is still in flight
      expect((await h.sendHrEvent(revokeDismissalEvent(employeeId))).status).toBe(202);
      await eventually(async () => ((await progressOf(employeeId)).stage === 'revoked' ? true : undefined), 'leaver revoked', 60_000);
    } finally {
      await sim.faults('knoxGuard', null);
    }
    const progress = await progressOf(employeeId);
    expect(progress).toMatchObject({ outcome: 'revoked', bricked: false, locked: false, simSuspended: false });
    expect(progress.undoFailed).toBeUndefined();
    // Knox Guard did lock (the call was on its way), and the undo came after it.
    const guarded = await eventually(async () => {
      const d = await sim.knoxGuardDevice(imei);
      return d?.status === 'Active' ? d : undefined;
    }, 'Knox Guard device active again');
    expect(guarded.actions.map((a) => a.action).filter((a) => a === 'LOCK_REQUESTED' || a === 'UNLOCK_REQUESTED')).toEqual(['LOCK_REQUESTED', 'UNLOCK_REQUESTED']);
    expect((await sim.leaseCases()).filter((c) => c.imei === imei)).toEqual([]);
    expect(await commandsOf(imei, 'UNLOCK')).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    expect((await sim.mdmDevice(imei)).locked).toBe(false);
    expect((await h.sims.operator.sims.get(iccid))?.status).toBe('ACTIVATED');
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_USE', employeeId });
    expect(await h.db.employee.findUniqueOrThrow({ where: { id: employeeId } })).toMatchObject({ status: 'ACTIVE', lastWorkingDay: null });
    if (recording) await saveHistories(h.client, leaverWorkflowId(employeeId), 'leaver-revoked-during-brick');
  });

  it('a worker restarted with a new leaver policy runs the next leaver on it, not on the lifecycle input', async () => {
    // The API (and so the lifecycle's input) still says: lock 2 s after the last day, brick 6 s after the lock.
    const brickGracePeriod = 3600_000;
    await h.restartWorker({ policy: { ...FAST_POLICY, leaver: { ...FAST_POLICY.leaver, returnGracePeriod: '30 days', brickGracePeriod: '1 hour' } } });
    const { employeeId } = await employeeWithPhone();
    // Gone 40 days ago: past both grace periods, so it locks at once, and its deadlines show which policy ran.
    await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-40)));
    const locked = await eventually(
      async () => {
        const p = await progressOf(employeeId);
        return p.stage === 'locked' ? p : undefined;
      },
      'leaver locked',
      60_000,
    );
    // lockAt = end of the last day + 30 days (about 9 days ago), not + 2 s (about 39 days ago).
    const lockedAgo = Date.now() - Date.parse(locked.lockAt!);
    expect(lockedAgo).toBeGreaterThan(8 * 24 * 3600_000);
    expect(lockedAgo).toBeLessThan(11 * 24 * 3600_000);
    expect(Date.parse(locked.brickAt!) - Date.parse(locked.lockRequestedAt!)).toBe(brickGracePeriod);
    if (recording) await saveHistories(h.client, leaverWorkflowId(employeeId), 'leaver-current-policy');
  });
});
