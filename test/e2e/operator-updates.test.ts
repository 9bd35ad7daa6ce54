// Operator actions as Temporal Updates (issue 7): hand-over, phone returned and SIM-owner retry
// are accepted or rejected by the workflow itself, atomically, against the state it is in when
// the Update arrives (no query-then-signal race). Accepted -> 202, rejected -> 409 with the
// workflow's reason, a repeat -> 200 (changes nothing) or 409; no worker to answer -> 503 +
// Retry-After within the request deadline, nothing applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle-contract.ts';
import { JOINER_STAGE, JOINER_WORKFLOW_TYPE, joinerWorkflowId, type JoinerStart } from '../../workflows/joiner-contract.ts';
import { LEAVER_STAGE, leaverWorkflowId } from '../../workflows/leaver-contract.ts';
import { dayFromToday, dismissEvent, eventually, FAST_POLICY, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { recording, saveHistories } from '../support/histories.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
const STORE = 'S001';
/** Short, so the no-worker case answers quickly; still the production code path. */
const DEADLINE_MS = 2_000;

beforeAll(async () => {
  h = await startHarness({ api: { temporalDeadlineMs: DEADLINE_MS } });
  sim = simAdmin(h.sims);
}, 180_000);
afterAll(async () => h?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function employee(employeeId: string): Promise<any> {
  const res = await h.call('GET', `/employees/${employeeId}`);
  return res.status === 200 ? await res.json() : undefined;
}

async function onboardingAt(employeeId: string, stage: string) {
  return eventually(async () => {
    const e = await employee(employeeId);
    return e?.onboarding?.stage === stage ? e.onboarding : undefined;
  }, `${employeeId} to reach ${stage}`);
}

async function newHire(documentNumber: string) {
  const employeeId = h.newEmployeeId();
  const position = h.fleet.employees[0]!.position;
  await sim.addHrEmployee({ employeeId, storeId: STORE, position, startDate: storeToday(h.fleet, STORE), documentNumber });
  await sim.addDirectoryAccount(employeeId, 0);
  expect((await h.sendHrEvent(hireEvent(employeeId, STORE, position))).status).toBe(202);
  return employeeId;
}

describe('operator actions are Updates the workflow accepts or rejects', () => {
  it('SIM-owner retry and hand-over: rejected at the wrong stage (409, with the stage), accepted once, a repeat changes nothing', async () => {
    const documentNumber = `REJECT-${Date.now()}`;
    await sim.rejectDocuments([documentNumber], 'document number does not match the holder');
    const employeeId = await newHire(documentNumber);
    const rejected = await onboardingAt(employeeId, JOINER_STAGE.simOwnerRejected);

    // The phone is reserved for the hire, but the onboarding is not waiting for a hand-over.
    const early = await h.call('POST', `/devices/${rejected.imei}/handover`, { employeeId });
    expect(early.status).toBe(409);
    expect((await early.json()).error).toMatch(/not ready for hand-over yet \(onboarding stage: sim-owner-rejected\)/);

    // Two retries at once: exactly one accepted; the other rejected by the workflow.
    await sim.rejectDocuments([], '');
    const retries = await Promise.all([1, 2].map(() => h.call('POST', `/employees/${employeeId}/sim-owner-registration/retry`)));
    expect(retries.map((r) => r.status).sort()).toEqual([202, 409]);
    const refusal = await retries.find((r) => r.status === 409)!.json();
    expect(refusal.error).toMatch(/already under way|onboarding stage: registering-sim-owner/);

    const ready = await onboardingAt(employeeId, JOINER_STAGE.awaitingHandover);
    expect(ready.simOwnerRegistration.status).toBe('ACCEPTED');
    const lateRetry = await h.call('POST', `/employees/${employeeId}/sim-owner-registration/retry`);
    expect(lateRetry.status).toBe(409);
    expect((await lateRetry.json()).error).toMatch(/onboarding stage: awaiting-handover/);

    // Two hand-overs at once (a double scan): one accepted, the other accepted as a repeat.
    const handovers = await Promise.all([1, 2].map(() => h.call('POST', `/devices/${ready.imei}/handover`, { employeeId })));
    expect(handovers.map((r) => r.status).sort()).toEqual([200, 202]);
    expect(await handovers.find((r) => r.status === 200)!.json()).toMatchObject({ alreadyHandedOver: true });
    await eventually(async () => (await employee(employeeId))?.lifecycle?.status === 'active', 'employee active');
    const logged = await h.db.auditLog.count({ where: { employeeId, action: 'device.handed-over' } });
    expect(logged).toBe(1);
    const after = await h.call('POST', `/devices/${ready.imei}/handover`, { employeeId });
    expect(after.status).toBe(200);
    if (recording) {
      // Histories with Updates (accepted and rejected) and the static summaries, for the replay test.
      await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-v2-operator-updates');
      await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-v2-summaries');
    }
  });

  it('phone returned: accepted once, a repeat changes nothing (200), none after the clearance ended (409)', async () => {
    const holder = h.fleet.employees.filter((e) => e.storeId === STORE)[1]!;
    const row = await h.db.employee.findUniqueOrThrow({ where: { id: holder.employeeId }, include: { devices: true } });
    const imei = row.devices[0]!.imei;
    expect((await h.sendHrEvent(dismissEvent(holder.employeeId, dayFromToday(7)))).status).toBe(202);
    await eventually(async () => (await employee(holder.employeeId))?.clearance?.stage === LEAVER_STAGE.awaitingReturn, 'clearance awaiting the return');

    const reports = await Promise.all([1, 2].map(() => h.call('POST', `/devices/${imei}/returned`, { condition: 'ok', simReturned: true })));
    expect(reports.map((r) => r.status).sort()).toEqual([200, 202]);
    expect(await reports.find((r) => r.status === 200)!.json()).toMatchObject({ alreadyReturned: true });

    const done = await eventually(async () => {
      const e = await employee(holder.employeeId);
      return e?.clearance?.stage === LEAVER_STAGE.done ? e : undefined;
    }, 'clearance done');
    expect(done.clearance.outcome).toBe('returned');
    const wipes = (await sim.mdmCommands(imei)).filter((c) => c.type === 'WIPE');
    expect(wipes).toHaveLength(1);
    const late = await h.call('POST', `/devices/${imei}/returned`, { condition: 'ok', simReturned: true });
    expect(late.status).toBe(409);
    if (recording) await saveHistories(h.client, leaverWorkflowId(holder.employeeId), 'leaver-return-update');
  });

  it('no worker answers: 503 + Retry-After within the deadline; the hand-over is not applied', async () => {
    // An onboarding whose task queue no worker polls (what a stopped worker looks like to the
    // server), waiting for the hand-over of a phone prepared for it.
    const { employeeId, position } = h.fleet.employees.filter((e) => e.storeId === STORE)[2]!;
    const device = await h.db.device.findFirstOrThrow({ where: { storeId: STORE, state: 'IN_STOCK' } });
    await h.db.device.update({ where: { imei: device.imei }, data: { state: 'ENROLLED', employeeId } });
    const start: JoinerStart = { employeeId, hire: { storeId: STORE, position, startDate: storeToday(h.fleet, STORE) }, policy: FAST_POLICY.joiner };
    const handle = await h.client.workflow.start(JOINER_WORKFLOW_TYPE, { workflowId: joinerWorkflowId(employeeId), taskQueue: `${h.taskQueue}-nobody`, args: [start] });
    try {
      const started = Date.now();
      const res = await h.call('POST', `/devices/${device.imei}/handover`, { employeeId });
      const ms = Date.now() - started;
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await res.json()).error).toMatch(/no phonefleet worker answered in time/);
      expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 200);
      expect(await h.db.device.findUniqueOrThrow({ where: { imei: device.imei } })).toMatchObject({ state: 'ENROLLED', employeeId });
    } finally {
      await handle.terminate('test over');
    }
  });
});
