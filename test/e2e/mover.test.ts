// Role changes and store transfers end to end, freeze windows included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/domain/roles.ts';
import { eventually, roleChangeEvent, startHarness, transferEvent, type Harness } from '../support/harness.ts';
import { moverWorkflowId } from '../../workflows/mover.ts';
import { recording, saveHistories } from '../support/histories.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
let next = 1;

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

async function employeeOf(storeId: string) {
  const e = h.fleet.employees.filter((x) => x.storeId === storeId)[next++];
  const row = await h.db.employee.findUniqueOrThrow({ where: { id: e.employeeId }, include: { devices: true, sims: true, role: { include: { apps: true } } } });
  return { employeeId: e.employeeId, imei: row.devices[0].imei, iccid: row.sims[0].iccid, role: row.role };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function move(employeeId: string, stage: string, timeoutMs?: number): Promise<any> {
  return eventually(
    async () => {
      const e = await (await h.call('GET', `/employees/${employeeId}`)).json();
      return e.move?.stage === stage ? e : undefined;
    },
    `${employeeId}'s move to reach ${stage}`,
    timeoutMs,
  );
}

/** A role whose apps differ from `role`'s: something is added and something removed. */
function otherRole(role: { code: string; apps: { packageName: string }[] }) {
  const mine = new Set(role.apps.map((a) => a.packageName));
  return ROLES.find((r) => r.code !== role.code && r.apps.some((a) => !mine.has(a)) && [...mine].some((a) => !r.apps.includes(a)))!;
}

describe('mover', () => {
  it('role change: new profile applied, apps the new role lacks removed, the employee told', async () => {
    const { employeeId, imei, role } = await employeeOf('S001');
    const target = otherRole(role);
    expect((await h.sendHrEvent(roleChangeEvent(employeeId, target.positions[0]))).status).toBe(202);
    const done = await move(employeeId, 'done');
    const removed = role.apps.map((a) => a.packageName).filter((p) => !target.apps.includes(p));
    expect(done.move.applied.appsRemoved.sort()).toEqual(removed.sort());
    expect(done.employee.roleCode).toBe(target.code);
    expect((await sim.mdmDevice(imei)).profileId).toBe(target.profileId);
    const uninstalled = (await sim.mdmCommands(imei)).filter((c) => c.type === 'UNINSTALL_APP');
    expect(uninstalled).toHaveLength(removed.length);
    expect((await sim.mdmDevice(imei)).messages.at(-1)?.body).toContain(`Ваша роль теперь: ${target.name}`);
  });

  it('role change during a freeze waits for its end; a freeze created meanwhile is honoured', async () => {
    const { employeeId, imei, role } = await employeeOf('S001');
    const target = otherRole(role);
    const soon = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    const first = await h.call('POST', '/stores/S001/freezes', { startsAt: soon(-60), endsAt: soon(4), reason: 'inventory' });
    expect(first.status).toBe(201);
    await h.sendHrEvent(roleChangeEvent(employeeId, target.positions[0]));
    const waiting = await move(employeeId, 'waiting-for-freeze');
    expect(waiting.move.freeze.reason).toBe('inventory');
    // Operators extend the inventory while the change waits: the new window is honoured.
    const second = await h.call('POST', '/stores/S001/freezes', { startsAt: soon(-1), endsAt: soon(9), reason: 'inventory recount' });
    expect(second.status).toBe(201);
    await eventually(async () => (await move(employeeId, 'waiting-for-freeze')).move.freeze.reason === 'inventory recount', 'the extended freeze seen');
    expect((await sim.mdmDevice(imei)).profileId).toBe(role.profileId); // nothing touched the phone yet
    const secondEnds = Date.parse((await second.json()).freeze?.endsAt ?? (await h.db.freeze.findFirstOrThrow({ where: { reason: 'inventory recount' } })).endsAt.toISOString());
    const done = await move(employeeId, 'done', 30_000);
    expect(Date.parse(done.move.since)).toBeGreaterThanOrEqual(secondEnds);
    expect((await sim.mdmDevice(imei)).profileId).toBe(target.profileId);
    if (recording) await saveHistories(h.client, moverWorkflowId(employeeId), 'mover-role-change-after-freezes');
  });

  it('an urgent role change does not wait for the freeze', async () => {
    const { employeeId, role } = await employeeOf('S001');
    const target = otherRole(role);
    const soon = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    await h.call('POST', '/stores/S001/freezes', { startsAt: soon(-60), endsAt: soon(600), reason: 'inventory' });
    try {
      await h.sendHrEvent(roleChangeEvent(employeeId, target.positions[0], true));
      const done = await move(employeeId, 'done');
      expect(done.employee.roleCode).toBe(target.code);
    } finally {
      await h.db.freeze.deleteMany({ where: { storeId: 'S001' } });
    }
  });

  it('store transfer across two MDMs: device and SIM move to the new store, its group, and its MDM', async () => {
    const { employeeId, imei, iccid } = await employeeOf('S001');
    const stores = await h.db.store.findMany({ where: { id: { in: ['S001', 'S002'] } } });
    expect(new Set(stores.map((s) => s.mdmProvider)).size).toBe(2); // the fleet runs both MDMs
    expect((await h.sendHrEvent(transferEvent(employeeId, 'S002'))).status).toBe(202);
    const done = await move(employeeId, 'done');
    expect(done.move.applied).toMatchObject({ fromStore: 'S001', toStore: 'S002', mdmMoved: true });
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ storeId: 'S002', mdmProvider: 'SECOND_MDM' });
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ storeId: 'S002' });
    expect(done.employee.storeId).toBe('S002');
    // Now managed by the second MDM, for the same account, in the new store's group; gone from Knox Manage.
    const employee = await h.db.employee.findUniqueOrThrow({ where: { id: employeeId } });
    const managed = h.sims.secondMdm.devices.byImei(imei)!;
    expect(managed).toMatchObject({ userId: employee.directoryUserId });
    expect(managed.groupId).toBe('S002');
    expect(h.sims.knoxManage.devices.byImei(imei)?.enrolled).toBe(false);
    await eventually(async () => (await (await h.call('GET', `/employees/${employeeId}`)).json()).lifecycle.outcomes.length === 1, 'outcome recorded');
    if (recording) await saveHistories(h.client, moverWorkflowId(employeeId), 'mover-transfer-across-mdms');
  });
});
