// Knox Guard's offline lock for phones in use, end to end: a phone gets the policy at its
// hand-over (seeded phones in use hold it already), and HR's long-leave events spare it until
// the person is back: signed CloudEvent -> API -> lifecycle -> Knox Guard simulator over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_LOCK } from '../../src/domain/offline-lock.ts';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle.ts';
import { dayFromToday, eventually, hireEvent, leaveEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { recording, saveHistories } from '../support/histories.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
let nextEmployee = 1;

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

async function employeeWithPhone() {
  const employee = h.fleet.employees.filter((e) => e.storeId === 'S001')[nextEmployee++];
  const row = await h.db.employee.findUniqueOrThrow({ where: { id: employee.employeeId }, include: { devices: true } });
  return { employeeId: employee.employeeId, imei: row.devices[0].imei };
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const employee = async (employeeId: string): Promise<any> => (await h.call('GET', `/employees/${employeeId}`)).json();
const guard = (imei: string) => h.sims.knoxGuard.device(imei)!;

describe('offline lock and long leave', () => {
  it('parental leave spares the phone from the offline lock until the person is back; leave-ended restores it', async () => {
    const { employeeId, imei } = await employeeWithPhone();
    expect(guard(imei).offlineLockOnPhone).toMatchObject({ days: OFFLINE_LOCK.days }); // held since its hand-over
    const until = dayFromToday(180);
    expect((await h.sendHrEvent(leaveEvent(employeeId, 'leave-started', { kind: 'parental', from: dayFromToday(0), until }))).status).toBe(202);
    await eventually(async () => guard(imei).offlineLockRequested?.exemptUntil === until, 'the exemption asked of Knox Guard');
    expect(guard(imei).offlineLockOnPhone?.exemptUntil).toBe(until); // the phone is online: it has it
    const away = await eventually(async () => {
      const e = await employee(employeeId);
      return e.lifecycle.outcomes.some((o: { outcome: string }) => o.outcome === `phone ${imei} spared from the offline lock until ${until}`) ? e : undefined;
    }, 'the lifecycle recording the leave');
    expect(away.lifecycle.status).toBe('active');

    expect((await h.sendHrEvent(leaveEvent(employeeId, 'leave-ended', { kind: 'parental', from: dayFromToday(0) }))).status).toBe(202);
    await eventually(async () => guard(imei).offlineLockRequested !== undefined && guard(imei).offlineLockRequested!.exemptUntil === undefined, 'the exemption lifted');
    expect(guard(imei).offlineLockOnPhone?.exemptUntil).toBeUndefined();
    const actions = (await h.db.auditLog.findMany({ where: { imei }, orderBy: { id: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['phone.offline-lock-exempted', 'phone.offline-lock-exemption-lifted']));
    if (recording) await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-long-leave');
  });

  it('refuses leave events with an unknown kind, a leave ending before it starts, or for someone not employed', async () => {
    const { employeeId } = await employeeWithPhone();
    const badKind = await h.sendHrEvent(leaveEvent(employeeId, 'leave-started', { kind: 'vacation', from: dayFromToday(0) }));
    expect(badKind.status).toBe(400);
    expect((await badKind.json()).problems.map((p: { field: string }) => p.field)).toEqual(['data.kind']);
    const backwards = await h.sendHrEvent(leaveEvent(employeeId, 'leave-started', { kind: 'sick', from: dayFromToday(10), until: dayFromToday(1) }));
    expect(backwards.status).toBe(400);
    expect((await backwards.json()).problems.map((p: { field: string }) => p.field)).toEqual(['data.until']);
    const unknown = await h.sendHrEvent(leaveEvent('E-NOBODY', 'leave-started', { kind: 'sick', from: dayFromToday(0) }));
    expect(unknown.status).toBe(422);
  });

  it("a phone handed over gets the offline-lock policy, with a lock text in the store's language within 350 characters", async () => {
    const employeeId = h.newEmployeeId();
    await sim.addHrEmployee({ employeeId, storeId: 'S001', position: h.fleet.employees[0].position, startDate: storeToday(h.fleet, 'S001'), documentNumber: `DOC-${employeeId}` });
    await sim.addDirectoryAccount(employeeId, 0);
    await h.sendHrEvent(hireEvent(employeeId, 'S001', h.fleet.employees[0].position, { startDate: storeToday(h.fleet, 'S001') }));
    const ready = await eventually(async () => {
      const e = await employee(employeeId);
      return e.onboarding?.stage === 'awaiting-handover' ? e : undefined;
    }, 'phone prepared');
    const { imei } = ready.onboarding;
    expect(guard(imei).offlineLockRequested).toBeUndefined(); // a stock phone: not yet

    expect((await h.call('POST', `/devices/${imei}/handover`, { employeeId })).status).toBe(202);
    await eventually(async () => (await employee(employeeId)).lifecycle?.status === 'active', 'handed over');
    const policy = guard(imei).offlineLockRequested!;
    expect(policy).toMatchObject({ days: OFFLINE_LOCK.days, warningDays: OFFLINE_LOCK.warningDays });
    expect(policy.message).toContain('принадлежит RetailCo');
    expect(policy.message).toContain(policy.tel);
    expect(policy.message.length).toBeLessThanOrEqual(350);
    // The policy waits for the phone to reach the network (the stock phone is still off in the simulator).
    if (!(await sim.mdmDevice(imei)).online) {
      expect(guard(imei).offlineLockOnPhone).toBeUndefined();
      await sim.setOnline(imei, true);
    }
    expect(guard(imei).offlineLockOnPhone).toEqual(policy);
  });
});
