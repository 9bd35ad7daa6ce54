// Dismissal end to end: signed HR CloudEvent -> API -> lifecycle -> leaver on the real Temporal
// dev server -> MDM, Knox Guard, operator and leasing-partner simulators over HTTP -> PostgreSQL.
// Grace periods are seconds here (FAST_POLICY); test/workflows crosses the real days.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle.ts';
import { leaverWorkflowId } from '../../workflows/leaver.ts';
import { dayFromToday, dismissEvent, eventually, hireEvent, revokeDismissalEvent, startHarness, type Harness } from '../support/harness.ts';
import { recording, saveHistories } from '../support/histories.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
let nextEmployee = 1; // the fleet's S001 employees, one per test (0 is the curator)

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

/** An employee of S001 who holds a phone and a SIM, and the two. */
async function employeeWithPhone() {
  const employee = h.fleet.employees.filter((e) => e.storeId === 'S001')[nextEmployee++];
  const row = await h.db.employee.findUniqueOrThrow({ where: { id: employee.employeeId }, include: { devices: true, sims: true } });
  return { employeeId: employee.employeeId, imei: row.devices[0].imei, iccid: row.sims[0].iccid };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function employee(employeeId: string): Promise<any> {
  return (await h.call('GET', `/employees/${employeeId}`)).json();
}

async function clearance(employeeId: string, stage: string, timeoutMs?: number) {
  return eventually(
    async () => {
      const e = await employee(employeeId);
      return e.clearance?.stage === stage ? e : undefined;
    },
    `${employeeId}'s clearance to reach ${stage}`,
    timeoutMs,
  );
}

const returned = (imei: string, condition = 'ok', simReturned = true) => h.call('POST', `/devices/${imei}/returned`, { condition, simReturned });
const commandsOf = async (imei: string, type: string) => (await sim.mdmCommands(imei)).filter((c) => c.type === type);

describe('leaver: dismissal', () => {
  it('phone returned before the last day: backup instructions sent, wiped, SIM released, both restocked', async () => {
    const { employeeId, imei, iccid } = await employeeWithPhone();
    expect((await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(7)))).status).toBe(202);
    await clearance(employeeId, 'awaiting-return');
    // The backup instructions reached the phone, contacts named explicitly.
    await eventually(
      async () => (await sim.mdmDevice(imei)).messages.some((m) => m.body.includes('КОНТАКТЫ')),
      "backup instructions on the phone, in the store's language (Russian)",
    );

    expect((await returned(imei)).status).toBe(202);
    // The clearance (the leaver child) says done a moment before its parent, the lifecycle, records the departure.
    const done = await eventually(async () => {
      const e = await employee(employeeId);
      return e.clearance?.stage === 'done' && e.lifecycle?.status !== 'leaving' ? e : undefined;
    }, `${employeeId}'s clearance done and the lifecycle past leaving`);
    expect(done.clearance.outcome).toBe('returned');
    expect(done.lifecycle.status).toBe('left');
    expect(done.employee.status).toBe('LEFT');
    expect(await commandsOf(imei, 'WIPE')).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    expect(await commandsOf(imei, 'LOCK')).toHaveLength(0);
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_STOCK', employeeId: null });
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ state: 'IN_STOCK', employeeId: null, ownerRegistration: 'WITHDRAWN' });
    expect((await h.sims.operator.sims.get(iccid))?.status).toBe('SUSPENDED'); // policy: suspend returned SIMs
    const actions = (await h.db.auditLog.findMany({ where: { OR: [{ imei }, { iccid }, { employeeId }] }, orderBy: { id: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(['employee.dismissed', 'phone.backup-instructions', 'phone.wipe-sent', 'sim.restocked-suspended', 'phone.restocked', 'employee.left']),
    );
  });

  it('not returned: locked with a clear message and SIM suspended, then bricked, written off; recovered when it comes back', async () => {
    const { employeeId, imei, iccid } = await employeeWithPhone();
    expect((await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)))).status).toBe(202); // the event arrived late

    await clearance(employeeId, 'locked');
    const [lock] = await commandsOf(imei, 'LOCK');
    expect(lock.status).toBe('COMPLETED');
    const screen = (await sim.mdmDevice(imei)).lockScreen!;
    // In the store's language (Russian), within Knox Guard's lock text limit.
    expect(screen.message).toContain('принадлежит RetailCo');
    expect(screen.message).toContain('не был возвращён после увольнения');
    expect(screen.message.length).toBeLessThanOrEqual(350);
    expect(screen.message).toContain(screen.phoneNumber);
    expect(screen.message).not.toMatch(/hack|ransom|pay|bitcoin/i);
    expect((await h.sims.operator.sims.get(iccid))?.status).toBe('SUSPENDED');

    const bricked = await clearance(employeeId, 'bricked', 30_000);
    expect(bricked.employee.status).toBe('LEFT');
    const guarded = await sim.knoxGuardDevice(imei);
    expect(guarded).toMatchObject({ status: 'Locked' });
    expect(guarded!.message).toContain('принадлежит RetailCo');
    expect(guarded!.message).toContain(guarded!.tel!);
    expect(guarded!.message!.length).toBeLessThanOrEqual(350);
    expect((await sim.leaseCases()).filter((c) => c.imei === imei)).toEqual([expect.objectContaining({ kind: 'WRITE_OFF' })]);
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'LOST' });

    // The phone turns up after all: unlocked for good, wiped, restocked.
    expect((await returned(imei)).status).toBe(202);
    const recovered = await clearance(employeeId, 'done');
    expect(recovered.clearance.outcome).toBe('returned');
    expect((await sim.knoxGuardDevice(imei))!.status).toBe('Active');
    expect(await commandsOf(imei, 'UNLOCK')).toHaveLength(1);
    expect(await commandsOf(imei, 'WIPE')).toHaveLength(1);
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_STOCK' });
    if (recording) {
      await saveHistories(h.client, leaverWorkflowId(employeeId), 'leaver-locked-bricked-recovered');
      await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-dismissed');
    }
  });

  it('returned after the lock, before the brick: unlocked, wiped, restocked; Knox Guard never used', async () => {
    const { employeeId, imei } = await employeeWithPhone();
    await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)));
    await clearance(employeeId, 'locked');
    expect((await returned(imei, 'damaged', false)).status).toBe(202);
    await clearance(employeeId, 'done');
    expect(await commandsOf(imei, 'UNLOCK')).toHaveLength(1);
    expect(await commandsOf(imei, 'WIPE')).toHaveLength(1);
    expect(await sim.knoxGuardDevice(imei)).toMatchObject({ status: 'Active' });
    // Damaged: swapped by the leasing partner instead of restocked; the SIM that did not come back stays suspended.
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'AWAITING_SWAP' });
    expect((await sim.leaseCases()).filter((c) => c.imei === imei)).toEqual([expect.objectContaining({ kind: 'SWAP' })]);
  });

  it('phone offline: "lock pending: device offline since" in the query and the Web UI, done the moment it checks in', async () => {
    const { employeeId, imei } = await employeeWithPhone();
    await sim.setOnline(imei, false);
    await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)));
    const pending = await eventually(async () => {
      const e = await employee(employeeId);
      return e.clearance?.pending?.startsWith('lock pending: device offline since') ? e : undefined;
    }, 'lock pending while offline');
    expect(pending.clearance.stage).toBe('locking');
    expect(await commandsOf(imei, 'LOCK')).toEqual([expect.objectContaining({ status: 'PENDING' })]);
    // Support finds it in the Web UI by its search attributes.
    await eventually(async () => {
      for await (const wf of h.client.workflow.list({ query: `EmployeeId = '${employeeId}' AND Phase = 'locking-pending-offline'` }))
        return wf.workflowId === leaverWorkflowId(employeeId);
      return false;
    }, 'the leaver listed as locking-pending-offline');

    await sim.setOnline(imei, true);
    const locked = await clearance(employeeId, 'locked');
    expect(locked.clearance.pending).toBeUndefined();
    expect(await commandsOf(imei, 'LOCK')).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    await returned(imei);
    await clearance(employeeId, 'done');
  });

  it('dismissal revoked after the lock: phone unlocked, SIM resumed, owner registration kept, employee active again', async () => {
    const { employeeId, imei, iccid } = await employeeWithPhone();
    await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)));
    await clearance(employeeId, 'locked');
    expect((await h.sendHrEvent(revokeDismissalEvent(employeeId))).status).toBe(202);
    const revoked = await clearance(employeeId, 'revoked');
    expect(revoked.clearance.outcome).toBe('revoked');
    await eventually(async () => (await employee(employeeId)).lifecycle.status === 'active', 'lifecycle active again');
    expect(await commandsOf(imei, 'UNLOCK')).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    expect((await sim.mdmDevice(imei)).locked).toBe(false);
    expect((await h.sims.operator.sims.get(iccid))?.status).toBe('ACTIVATED');
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ state: 'IN_USE', ownerRegistration: 'ACCEPTED' });
    expect(await h.db.employee.findUniqueOrThrow({ where: { id: employeeId } })).toMatchObject({ status: 'ACTIVE', lastWorkingDay: null });
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_USE', employeeId });
    if (recording) {
      await saveHistories(h.client, leaverWorkflowId(employeeId), 'leaver-revoked');
      await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-dismissal-revoked');
    }
  });

  it('dismissal during onboarding: the joiner is undone, then the leaver finds nothing handed out', async () => {
    const employeeId = h.newEmployeeId();
    await sim.addHrEmployee({ employeeId, storeId: 'S001', position: h.fleet.employees[0].position, startDate: dayFromToday(0), documentNumber: `DOC-${employeeId}` });
    await sim.addDirectoryAccount(employeeId, 0);
    await h.sendHrEvent(hireEvent(employeeId, 'S001', h.fleet.employees[0].position));
    const ready = await eventually(async () => {
      const e = await employee(employeeId);
      return e.onboarding?.stage === 'awaiting-handover' ? e : undefined;
    }, 'phone prepared');
    const { imei } = ready.onboarding;

    expect((await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(0)))).status).toBe(202);
    const left = await eventually(async () => {
      const e = await employee(employeeId);
      return e.lifecycle?.status === 'left' ? e : undefined;
    }, 'employee left');
    expect(left.onboarding.stage).toBe('rescinded');
    expect(left.clearance.outcome).toBe('nothing-to-return');
    expect(left.lifecycle.outcomes.map((o: { outcome: string }) => o.outcome)).toEqual(['onboarding cancelled by a dismissal; compensations done', 'left: nothing-to-return']);
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_STOCK', employeeId: null });
  });

  it('a worker killed mid-leaver and a lock call that timed out after reaching the MDM: one lock, one wipe', async () => {
    const { employeeId, imei } = await employeeWithPhone();
    await sim.setOnline(imei, false);
    // The MDM answers after the client gave up (10 s): the first attempt's lock reaches the MDM
    // but is never recorded as sent; the retry must find it instead of locking again.
    await sim.faults('knoxManage', { latencyMs: 11_000, paths: ['ForLockDevice'] });
    try {
      await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)));
      await eventually(async () => (await commandsOf(imei, 'LOCK')).length > 0, 'the slow lock reaching the MDM', 60_000);
    } finally {
      await sim.faults('knoxManage', null);
    }
    await eventually(async () => (await employee(employeeId)).clearance?.pending?.startsWith('lock pending: device offline'), 'lock pending', 60_000);
    await h.restartWorker();
    await sim.setOnline(imei, true);
    await clearance(employeeId, 'locked');
    await returned(imei);
    await clearance(employeeId, 'done');
    expect(await commandsOf(imei, 'LOCK')).toHaveLength(1);
    expect(await commandsOf(imei, 'WIPE')).toHaveLength(1);
    expect(await commandsOf(imei, 'UNLOCK')).toHaveLength(1);
    expect(await h.db.deviceCommand.count({ where: { imei, kind: 'LOCK' } })).toBe(1);
    if (recording) await saveHistories(h.client, leaverWorkflowId(employeeId), 'leaver-offline-worker-restart');
  });

  it('dismissed, revoked, dismissed again: locked again (2 locks, 1 unlock); the second revocation unlocks again', async () => {
    const { employeeId, imei } = await employeeWithPhone();
    const lifecycleActive = () => eventually(async () => (await employee(employeeId)).lifecycle.status === 'active', 'lifecycle active again');
    await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)));
    await clearance(employeeId, 'locked');
    await h.sendHrEvent(revokeDismissalEvent(employeeId));
    await eventually(async () => (await commandsOf(imei, 'UNLOCK')).length === 1, 'first unlock');
    await lifecycleActive();

    // The same person, the same workflow id, a new dismissal: its lock is a new business event.
    await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)));
    await eventually(async () => (await commandsOf(imei, 'LOCK')).length === 2 && (await sim.mdmDevice(imei)).locked, 'locked a second time');
    expect(await commandsOf(imei, 'UNLOCK')).toHaveLength(1);
    await clearance(employeeId, 'locked');

    await h.sendHrEvent(revokeDismissalEvent(employeeId));
    await eventually(async () => (await commandsOf(imei, 'UNLOCK')).length === 2, 'second unlock');
    await lifecycleActive();
    expect((await sim.mdmDevice(imei)).locked).toBe(false);
    expect(await commandsOf(imei, 'LOCK')).toHaveLength(2);
    expect(await h.db.employee.findUniqueOrThrow({ where: { id: employeeId } })).toMatchObject({ status: 'ACTIVE' });
    if (recording) await saveHistories(h.client, leaverWorkflowId(employeeId), 'leaver-dismissed-twice');
  });

  it('revocation while the lock call is in flight: the lock lands, then is undone; SIM resumed', async () => {
    const { employeeId, imei, iccid } = await employeeWithPhone();
    // The MDM takes 4 s to answer the lock (within the client's 10 s): a revocation arrives meanwhile.
    await sim.faults('knoxManage', { latencyMs: 4_000, paths: ['ForLockDevice'] });
    try {
      await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)));
      await eventually(async () => (await h.sims.operator.sims.get(iccid))?.status === 'SUSPENDED', 'SIM suspended, lock call next');
      expect(await commandsOf(imei, 'LOCK')).toHaveLength(0); // still in flight
      expect((await h.sendHrEvent(revokeDismissalEvent(employeeId))).status).toBe(202);
      await eventually(async () => (await employee(employeeId)).clearance?.stage === 'revoked', 'revoked', 60_000);
    } finally {
      await sim.faults('knoxManage', null);
    }
    const commands = await sim.mdmCommands(imei);
    expect(commands.map((c) => c.type).filter((t) => t === 'LOCK' || t === 'UNLOCK')).toEqual(['LOCK', 'UNLOCK']);
    await eventually(async () => (await sim.mdmDevice(imei)).locked === false, 'phone unlocked');
    expect((await h.sims.operator.sims.get(iccid))?.status).toBe('ACTIVATED');
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_USE', employeeId });
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ state: 'IN_USE' });
    await eventually(async () => (await employee(employeeId)).lifecycle.status === 'active', 'lifecycle active again');
    if (recording) await saveHistories(h.client, leaverWorkflowId(employeeId), 'leaver-revoked-during-lock');
  });

  it('a new last working day moves the running leaver: an earlier one locks at once, a later one unlocks and waits again', async () => {
    const { employeeId, imei, iccid } = await employeeWithPhone();
    await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(30)));
    const waiting = await clearance(employeeId, 'awaiting-return');
    expect(waiting.clearance.lastWorkingDay).toBe(dayFromToday(30));

    // HR brings the date forward to yesterday: the lock comes now, not in a month.
    expect((await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)))).status).toBe(202);
    const locked = await clearance(employeeId, 'locked');
    expect(locked.clearance.lastWorkingDay).toBe(dayFromToday(-1));
    expect((await sim.mdmDevice(imei)).locked).toBe(true);

    // ... and then pushes it back a week: the person still works, so the phone is unlocked and the SIM resumed.
    await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(7)));
    const moved = await eventually(async () => {
      const e = await employee(employeeId);
      return e.clearance?.stage === 'awaiting-return' && e.clearance.lastWorkingDay === dayFromToday(7) ? e : undefined;
    }, 'the leaver waiting for the new date');
    expect(Date.parse(moved.clearance.lockAt)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(moved.employee.lastWorkingDay).toBe(dayFromToday(7));
    expect(moved.lifecycle.outcomes.map((o: { outcome: string }) => o.outcome)).toEqual(
      expect.arrayContaining([`last working day moved to ${dayFromToday(-1)}`, `last working day moved to ${dayFromToday(7)}`]),
    );
    await eventually(async () => (await sim.mdmDevice(imei)).locked === false, 'phone unlocked');
    expect(await commandsOf(imei, 'UNLOCK')).toHaveLength(1);
    expect((await h.sims.operator.sims.get(iccid))?.status).toBe('ACTIVATED');
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_USE' });

    await returned(imei);
    const done = await clearance(employeeId, 'done');
    expect(done.clearance.outcome).toBe('returned');
    expect(await commandsOf(imei, 'UNLOCK')).toHaveLength(1); // nothing left to unlock on return
    if (recording) {
      await saveHistories(h.client, leaverWorkflowId(employeeId), 'leaver-last-working-day-moved');
      await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-last-working-day-moved');
    }
  });

  it('revocation with one undo impossible: every other undo still done, and ONE support task lists what failed', async () => {
    const { employeeId, imei, iccid } = await employeeWithPhone();
    await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)));
    await clearance(employeeId, 'locked');
    // The operator no longer knows the SIM (a permanent refusal): resuming it cannot work.
    const operatorSim = h.sims.operator.sims.get(iccid)!;
    h.sims.operator.sims.delete(iccid);
    try {
      await h.sendHrEvent(revokeDismissalEvent(employeeId));
      const revoked = await clearance(employeeId, 'revoked');
      expect(revoked.clearance.undoFailed).toEqual([expect.stringMatching(new RegExp(`^resume SIM ${iccid}: `))]);
    } finally {
      h.sims.operator.sims.set(iccid, operatorSim);
    }
    // The other undos ran, before and after the failed one: unlocked, employee reinstated; the
    // database does not pretend the SIM works.
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ state: 'SUSPENDED' });
    expect(await commandsOf(imei, 'UNLOCK')).toHaveLength(1);
    expect((await sim.mdmDevice(imei)).locked).toBe(false);
    expect(await h.db.employee.findUniqueOrThrow({ where: { id: employeeId } })).toMatchObject({ status: 'ACTIVE' });
    const tasks = await h.db.supportTask.findMany({ where: { employeeId, kind: 'dismissal-revocation-incomplete' } });
    expect(tasks).toHaveLength(1);
    expect(tasks[0].summary).toContain(`resume SIM ${iccid}`);
    expect(tasks[0].summary).not.toContain(`unlock phone ${imei}`);
  });

  it('refuses a return for a phone whose holder is not leaving, and bad input', async () => {
    const { imei } = await employeeWithPhone();
    expect((await returned(imei)).status).toBe(409);
    const bad = await h.call('POST', `/devices/${imei}/returned`, { condition: 'broken' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).problems.map((p: { field: string }) => p.field)).toEqual(['condition', 'simReturned']);
  });
});
