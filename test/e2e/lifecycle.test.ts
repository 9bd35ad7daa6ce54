// The employee's lifecycle across occurrences of the same kind of event, end to end: each
// business event acts once with its own keys (a second role change sends its own message, a
// rehire is a full new onboarding), no HR event is dropped (a rehire while the old clearance still
// watches for a written-off phone starts the new employment), a moved last working day reaches
// the running leaver, and a phase cancelled by hand in the Web UI does not fail the lifecycle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/domain/roles.ts';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle.ts';
import { joinerWorkflowId } from '../../workflows/joiner.ts';
import { leaverWorkflowId } from '../../workflows/leaver.ts';
import { moverWorkflowId } from '../../workflows/mover.ts';
import { dayFromToday, dismissEvent, eventually, hireEvent, roleChangeEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function employee(employeeId: string): Promise<any> {
  return (await h.call('GET', `/employees/${employeeId}`)).json();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function until(employeeId: string, what: string, probe: (e: any) => boolean, timeoutMs?: number) {
  return eventually(
    async () => {
      const e = await employee(employeeId);
      return probe(e) ? e : undefined;
    },
    `${employeeId}: ${what}`,
    timeoutMs,
  );
}

async function fleetEmployee() {
  const e = h.fleet.employees.filter((x) => x.storeId === 'S001')[nextEmployee++];
  const row = await h.db.employee.findUniqueOrThrow({ where: { id: e.employeeId }, include: { devices: true, sims: true, role: { include: { apps: true } } } });
  return { employeeId: e.employeeId, imei: row.devices[0].imei, iccid: row.sims[0].iccid, role: row.role };
}

/** A new hire known to HR and the directory, onboarded up to the phone in their hands. */
async function hiredAndHandedOver(startDate = storeToday(h.fleet, 'S001')) {
  const employeeId = h.newEmployeeId();
  const position = h.fleet.employees[0].position;
  await sim.addHrEmployee({ employeeId, storeId: 'S001', position, startDate, documentNumber: `DOC-${employeeId}` });
  await sim.addDirectoryAccount(employeeId, 0);
  await h.sendHrEvent(hireEvent(employeeId, 'S001', position, { startDate }));
  const ready = await until(employeeId, 'phone ready', (e) => e.onboarding?.stage === 'awaiting-handover');
  expect((await h.call('POST', `/devices/${ready.onboarding.imei}/handover`, { employeeId })).status).toBe(202);
  await until(employeeId, 'active', (e) => e.lifecycle?.status === 'active');
  await sim.setOnline(ready.onboarding.imei, true); // in use: on the network
  return { employeeId, position, first: ready.onboarding };
}

const phoneReadyNotices = (employeeId: string) => h.db.notification.findMany({ where: { kind: 'phone-ready', message: { contains: `employee ${employeeId} (` } } });
const returned = (imei: string) => h.call('POST', `/devices/${imei}/returned`, { condition: 'ok', simReturned: true });

describe('lifecycle: every occurrence acts once, and every one acts', () => {
  it('two role changes: two messages reach the phone', async () => {
    const { employeeId, imei, role } = await fleetEmployee();
    const other = ROLES.find((r) => r.code !== role.code)!;
    const messagesBefore = (await sim.mdmDevice(imei)).messages.length;
    expect((await h.sendHrEvent(roleChangeEvent(employeeId, other.positions[0]))).status).toBe(202);
    await until(employeeId, 'first role change applied', (e) => e.lifecycle.outcomes.length === 1);
    expect((await h.sendHrEvent(roleChangeEvent(employeeId, role.positions[0]))).status).toBe(202);
    const done = await until(employeeId, 'second role change applied', (e) => e.lifecycle.outcomes.length === 2);
    expect(done.employee.roleCode).toBe(role.code);
    const messages = (await sim.mdmDevice(imei)).messages.slice(messagesBefore);
    expect(messages.map((m) => m.body)).toEqual([expect.stringContaining(`Ваша роль теперь: ${other.name}`), expect.stringContaining(`Ваша роль теперь: ${role.name}`)]);
    if (recording) await saveHistories(h.client, moverWorkflowId(employeeId), 'mover-v2-second-role-change');
  });

  it('rehire after leaving: a full new onboarding (new curator notice, new owner registration)', async () => {
    const { employeeId, position, first } = await hiredAndHandedOver();
    // Last working day today (a rehire may not start before it), phone handed in at once.
    expect((await h.sendHrEvent(dismissEvent(employeeId, storeToday(h.fleet, 'S001')))).status).toBe(202);
    await until(employeeId, 'clearance awaiting return', (e) => e.clearance?.stage === 'awaiting-return');
    expect((await returned(first.imei)).status).toBe(202);
    await until(employeeId, 'left', (e) => e.employee.status === 'LEFT' && e.clearance?.stage === 'done');
    await eventually(async () => (await h.client.workflow.getHandle(employeeWorkflowId(employeeId)).describe()).status.name === 'COMPLETED', 'lifecycle over');

    // HR hires the same person again.
    expect((await h.sendHrEvent(hireEvent(employeeId, 'S001', position, { startDate: storeToday(h.fleet, 'S001') }))).status).toBe(202);
    const again = await until(
      employeeId,
      'phone ready again',
      (e) => e.onboarding?.stage === 'awaiting-handover' && e.onboarding.simOwnerRegistration?.registrationId !== first.simOwnerRegistration.registrationId,
    );
    expect(again.onboarding.simOwnerRegistration.status).toBe('ACCEPTED');
    expect(await sim.registrationStatus(again.onboarding.simOwnerRegistration.registrationId)).toBe('ACCEPTED');
    // The stage shows before the notice is written: wait for it.
    await eventually(async () => (await phoneReadyNotices(employeeId)).length === 2, 'a second phone-ready notice');
    expect(await sim.identityReads(employeeId)).toBe(2); // once per registration
    expect((await h.call('POST', `/devices/${again.onboarding.imei}/handover`, { employeeId })).status).toBe(202);
    const active = await until(employeeId, 'active again', (e) => e.lifecycle?.status === 'active');
    expect(active.employee).toMatchObject({ status: 'ACTIVE', handoverDay: 1, lastWorkingDay: null });
    if (recording) {
      await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-v2-rehired');
      await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-v2-rehired');
    }
  });

  it('rehire while the old clearance still watches for a written-off phone: the new employment starts at once', async () => {
    // Started two days ago: a last working day before the start date is refused (422).
    const { employeeId, position, first } = await hiredAndHandedOver(dayFromToday(-2));
    expect((await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)))).status).toBe(202);
    // FAST_POLICY: locked 2 s after the last day, bricked 6 s later, then watched for a minute.
    await until(employeeId, 'written off', (e) => e.clearance?.stage === 'bricked' && e.employee.status === 'LEFT', 60_000);

    expect((await h.sendHrEvent(hireEvent(employeeId, 'S001', position, { startDate: storeToday(h.fleet, 'S001') }))).status).toBe(202);
    const again = await until(employeeId, 'onboarding again', (e) => e.onboarding?.stage === 'awaiting-handover' && e.onboarding.imei !== first.imei, 40_000);
    // The old clearance still watches for the phone, beside the new onboarding.
    expect((await h.client.workflow.getHandle(leaverWorkflowId(employeeId)).describe()).status.name).toBe('RUNNING');
    expect(again.lifecycle.status).toBe('onboarding');
    expect(again.lifecycle.outcomes.map((o: { outcome: string }) => o.outcome)).toContain('left: the phone was written off; the clearance keeps watching for it');
    // The stage shows before the notice is written: wait for it.
    await eventually(async () => (await phoneReadyNotices(employeeId)).length === 2, 'a second phone-ready notice');

    // The old phone turns up: the old clearance recovers it, and the new employment stays in force.
    expect((await returned(first.imei)).status).toBe(202);
    await eventually(async () => (await h.client.workflow.getHandle(leaverWorkflowId(employeeId)).describe()).status.name === 'COMPLETED', 'old clearance done', 60_000);
    // It closed "its" employment on the way (LEFT); the lifecycle puts the records right at once.
    await eventually(async () => (await h.db.auditLog.count({ where: { employeeId, action: 'employee.status-restored' } })) === 1, 'employment restored in the records');
    const after = await until(employeeId, 'records say onboarding', (e) => e.employee.status === 'ONBOARDING');
    expect(after.lifecycle.status).toBe('onboarding');
    if (recording) await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-v2-rehired-during-watch');
    expect(await h.db.device.findUniqueOrThrow({ where: { imei: first.imei } })).toMatchObject({ state: 'IN_STOCK' });
  });

  it('a new last working day for someone already leaving reaches the running leaver', async () => {
    const { employeeId } = await fleetEmployee();
    expect((await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(20)))).status).toBe(202);
    await until(employeeId, 'clearance awaiting return', (e) => e.clearance?.stage === 'awaiting-return');
    const moved = dismissEvent(employeeId, dayFromToday(10));
    expect((await h.sendHrEvent(moved)).status).toBe(202);
    const e = await until(employeeId, 'last working day moved', (x) => x.lifecycle.outcomes.some((o: { eventId: string }) => o.eventId === moved.id));
    expect(e.lifecycle.outcomes.at(-1)).toMatchObject({ eventId: moved.id, outcome: `last working day moved to ${dayFromToday(10)}` });
    expect(e.lifecycle.status).toBe('leaving');
    const history = await h.client.workflow.getHandle(leaverWorkflowId(employeeId)).fetchHistory();
    const signals = history.events!.filter((ev) => ev.workflowExecutionSignaledEventAttributes?.signalName === 'lastWorkingDayChanged');
    expect(signals).toHaveLength(1);
  });
});

describe('lifecycle: a phase cancelled by hand (Web UI) does not fail it', () => {
  it('onboarding cancelled in the Web UI: undone, the lifecycle goes on, support told, a new hire event retries', async () => {
    const employeeId = h.newEmployeeId();
    const position = h.fleet.employees[0].position;
    await sim.addHrEmployee({ employeeId, storeId: 'S001', position, startDate: storeToday(h.fleet, 'S001'), documentNumber: `DOC-${employeeId}` });
    await sim.addDirectoryAccount(employeeId, 0);
    await h.sendHrEvent(hireEvent(employeeId, 'S001', position));
    const ready = await until(employeeId, 'phone ready', (e) => e.onboarding?.stage === 'awaiting-handover');
    const { imei, iccid, simOwnerRegistration } = ready.onboarding;

    await h.client.workflow.getHandle(joinerWorkflowId(employeeId)).cancel(); // what the Web UI's "Cancel" does
    const failed = await until(employeeId, 'onboarding cancelled', (e) => e.lifecycle?.status === 'onboarding-failed');
    expect(failed.onboarding.stage).toBe('rescinded');
    expect((await h.client.workflow.getHandle(employeeWorkflowId(employeeId)).describe()).status.name).toBe('RUNNING');
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_STOCK', employeeId: null });
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ state: 'IN_STOCK', employeeId: null });
    expect(await sim.registrationStatus(simOwnerRegistration.registrationId)).toBe('WITHDRAWN');
    expect(await h.db.supportTask.count({ where: { employeeId, kind: 'onboarding-cancelled' } })).toBe(1);

    await h.sendHrEvent(hireEvent(employeeId, 'S001', position)); // HR sends the hire again
    await until(employeeId, 'onboarding again', (e) => e.onboarding?.stage === 'awaiting-handover' && e.lifecycle.status === 'onboarding');
    if (recording) await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-v2-joiner-cancelled-by-hand');
  });

  it('a clearance cancelled in the Web UI: the phone stays with the employee, the lifecycle goes on, support told', async () => {
    const { employeeId, imei } = await fleetEmployee();
    expect((await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(20)))).status).toBe(202);
    await until(employeeId, 'clearance awaiting return', (e) => e.clearance?.stage === 'awaiting-return');
    await h.client.workflow.getHandle(leaverWorkflowId(employeeId)).cancel();
    const after = await until(employeeId, 'clearance recorded', (e) => e.lifecycle.status === 'active' && e.lifecycle.outcomes.length === 1);
    expect(after.lifecycle.outcomes[0].outcome).toBe('clearance cancelled by an operator; undone');
    expect(after.employee.status).toBe('ACTIVE');
    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_USE', employeeId });
    expect(await h.db.supportTask.count({ where: { employeeId, kind: 'leaver-cancelled' } })).toBe(1);
    expect((await h.client.workflow.getHandle(employeeWorkflowId(employeeId)).describe()).status.name).toBe('RUNNING');
  });

  it('a role change cancelled in the Web UI while it waits for a freeze: not applied, the lifecycle goes on', async () => {
    const { employeeId, role } = await fleetEmployee();
    const other = ROLES.find((r) => r.code !== role.code)!;
    const soon = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    await h.call('POST', '/stores/S001/freezes', { startsAt: soon(-60), endsAt: soon(600), reason: 'inventory' });
    try {
      await h.sendHrEvent(roleChangeEvent(employeeId, other.positions[0]));
      await until(employeeId, 'waiting for the freeze', (e) => e.move?.stage === 'waiting-for-freeze');
      await h.client.workflow.getHandle(moverWorkflowId(employeeId)).cancel();
      const after = await until(employeeId, 'move recorded', (e) => e.lifecycle.outcomes.length === 1);
      expect(after.lifecycle.outcomes[0].outcome).toBe('not applied: cancelled by an operator');
      expect(after.lifecycle.status).toBe('active');
      expect(after.employee.roleCode).toBe(role.code);
      expect(await h.db.supportTask.count({ where: { employeeId, kind: 'move-cancelled' } })).toBe(1);
      expect((await h.client.workflow.getHandle(employeeWorkflowId(employeeId)).describe()).status.name).toBe('RUNNING');
    } finally {
      await h.db.freeze.deleteMany({ where: { storeId: 'S001' } });
    }
    // The lifecycle still takes the next event.
    await h.sendHrEvent(roleChangeEvent(employeeId, other.positions[0]));
    const done = await until(employeeId, 'role changed', (e) => e.lifecycle.outcomes.length === 2);
    expect(done.employee.roleCode).toBe(other.code);
  });
});
