// Issue 6 §4: the audit log stays exact while the worker dies mid-onboarding. Ten hires run on
// the real dev server while the worker's process is SIGKILLed and replaced 5 times (activities in
// flight lose their completion and are retried after their timeout, workflows replay on the new
// worker); afterwards each audited
// action of each onboarding is in the log exactly once, and every registration the operator
// accepted has its `sim-owner.accepted` row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinerWorkflowId } from '../../workflows/joiner.ts';
import { eventually, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;

beforeAll(async () => {
  h = await startHarness({ workerProcess: true });
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function onboarding(employeeId: string): Promise<any> {
  const res = await h.call('GET', `/employees/${employeeId}`);
  return res.status === 200 ? (await res.json()).onboarding : undefined;
}

describe('audit log under worker restarts (§4)', () => {
  it('10 onboardings with the worker SIGKILLed 5 times: each audited action once per onboarding, every acceptance logged', async () => {
    const hires: { employeeId: string; storeId: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const employeeId = h.newEmployeeId();
      const storeId = i % 2 ? 'S002' : 'S001';
      const position = h.fleet.employees[0].position;
      await sim.addHrEmployee({ employeeId, storeId, position, startDate: storeToday(h.fleet, storeId), documentNumber: `DOC-${employeeId}` });
      // Directory accounts arriving at different times keep the hires in different steps when the worker goes.
      await sim.addDirectoryAccount(employeeId, (i % 5) * 700);
      hires.push({ employeeId, storeId });
    }
    for (const { employeeId, storeId } of hires) {
      expect((await h.sendHrEvent(hireEvent(employeeId, storeId, h.fleet.employees[0].position, { startDate: storeToday(h.fleet, storeId) }))).status).toBe(202);
    }
    let restarts = 0;
    for (; restarts < 4; restarts++) {
      await new Promise((r) => setTimeout(r, 1_500));
      await h.killWorker();
    }
    const ready = new Map<string, { imei: string; iccid: string }>();
    for (const { employeeId } of hires) {
      const o = await eventually(
        async () => {
          const got = await onboarding(employeeId);
          return got?.stage === 'awaiting-handover' ? got : undefined;
        },
        `${employeeId} ready for handover`,
        120_000,
      );
      ready.set(employeeId, { imei: o.imei, iccid: o.iccid });
    }
    // One more kill while the handovers are confirmed.
    for (const [employeeId, { imei }] of ready) expect((await h.call('POST', `/devices/${imei}/handover`, { employeeId })).status).toBe(202);
    await h.killWorker();
    restarts++;
    for (const [employeeId] of ready) {
      await eventually(async () => (await h.db.employee.findUnique({ where: { id: employeeId } }))?.status === 'ACTIVE', `${employeeId} active`, 120_000);
    }

    for (const [employeeId, { imei, iccid }] of ready) {
      const rows = await eventually(async () => {
        const all = await h.db.auditLog.findMany({ where: { OR: [{ employeeId }, { iccid }, { imei }] } });
        return all.some((r) => r.action === 'device.handed-over') ? all : undefined;
      }, `${employeeId} handover logged`);
      const counts: Record<string, number> = {};
      for (const r of rows) counts[r.action] = (counts[r.action] ?? 0) + 1;
      expect({ employeeId, counts }).toEqual({
        employeeId,
        counts: expect.objectContaining({
          'employee.hired': 1,
          'stock.reserved': 1,
          'sim-owner.submitted': 1,
          'sim-owner.accepted': 1,
          'device.enrolled': 1,
          'device.handed-over': 1,
        }),
      });
      expect((counts['sim.activated'] ?? 0) + (counts['sim.resumed'] ?? 0)).toBe(1);
      // Nothing was undone or released along the way: the restarts were invisible to the business.
      expect(counts['stock.released'] ?? 0).toBe(0);
      expect(counts['device.unenrolled'] ?? 0).toBe(0);
    }
    // Every registration accepted by the operator for these hires has its acceptance logged.
    const accepted = h.sims.operator.registrationSummaries().filter((r) => r.status === 'ACCEPTED' && [...ready.values()].some((x) => x.iccid === r.iccid));
    expect(accepted).toHaveLength(ready.size);
    for (const r of accepted) expect(await h.db.auditLog.count({ where: { action: 'sim-owner.accepted', iccid: r.iccid } })).toBe(1);
    expect(restarts).toBe(5);
    // The restarts hit steps in flight: some activity attempts were cut off and retried.
    let retried = 0;
    for (const [employeeId] of ready) {
      const { events } = await h.client.workflow.getHandle(joinerWorkflowId(employeeId)).fetchHistory();
      retried += (events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
    }
    console.log(`[figure] 10 onboardings, ${restarts} worker kills: ${retried} activity attempts retried`);
    expect(retried).toBeGreaterThan(0);
  }, 300_000);
});
