// The fleet sync end to end on the dev server, the worker in a process of its own, the simulators
// over HTTP. HR holds a store and people phonefleet has never heard of, one of its employees with
// a phone has left, a phone's agent reports the employee's personal SIM in slot 2, and the
// operator gives no numbers at all. The first sync runs with small pages and its worker is
// SIGKILLed mid-way; what it left behind is then checked piece by piece. A second sync is a
// delta: the operator's details are fetched only for the SIMs changed since the first.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle-contract.ts';
import { joinerWorkflowId } from '../../workflows/joiner-contract.ts';
import { leaverWorkflowId } from '../../workflows/leaver-contract.ts';
import { FLEET_SYNC_WORKFLOW_TYPE, fleetSyncWorkflowId, syncRunRowId, type FleetSyncInput, type FleetSyncResult } from '../../workflows/fleet-sync-contract.ts';
import { eventually, startHarness, type Harness } from '../support/harness.ts';
import { isPatchMarkerData, isSearchAttribute, payloadsOf, readableText } from '../support/history-payloads.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';
import { admin } from '../support/simulator-calls.ts';
import { makeIccid } from '../../src/domain/identifiers.ts';

let h: Harness;
let raw: Client;
const run = randomBytes(3).toString('hex');
const codec = new EncryptionCodec(TEST_PAYLOAD_KEYS.current);
const GET_SIM = 'GET /rws/api/v1/devices/:iccid';

const NEW_STORE = 'S900';
const shift = { startsAt: '2026-12-03T07:00:00.000Z', endsAt: '2026-12-03T15:00:00.000Z' };
let working: string; // new to phonefleet, already working (HR: ACTIVE)
let notStarted: string; // new, hired but not started (HR: HIRED)
let leaver: { employeeId: string; imei: string };
let withPersonalSim: { imei: string; companyIccid: string }; // the company's SIM in slot 1, the employee's own in slot 2
let onlyPersonalSim: { imei: string }; // slot 1 empty (the company's SIM taken out), the employee's own in slot 2
// Valid ICCIDs that are neither phonefleet's nor the operator's: the employees' own SIMs.
const PERSONAL_ICCID = '8970199000000000009';
const OTHER_PERSONAL_ICCID = makeIccid('8970177', 42);
const firstSync = fleetSyncWorkflowId(`first-${run}`);

beforeAll(async () => {
  h = await startHarness({ workerProcess: true });
  raw = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }), namespace: h.namespace });
  const { hr, operator } = h.sims;
  const position = h.fleet.employees[0]!.position;
  hr.addStore({
    storeId: NEW_STORE,
    name: 'RetailCo Tver',
    timeZone: 'Europe/Moscow',
    address: '5 Sovetskaya St, Tver',
    openingHours: { mon: ['10:00', '22:00'], sat: ['10:00', '18:00'] },
  });
  working = `W${run}-1`;
  notStarted = `W${run}-2`;
  hr.addEmployee({ employeeId: working, storeId: NEW_STORE, position, startDate: '2025-03-01', status: 'ACTIVE' }, undefined, { department: 'Warehouse', plannedShifts: [shift] });
  hr.addEmployee({ employeeId: notStarted, storeId: NEW_STORE, position, startDate: '2027-01-10', status: 'HIRED' }, undefined, { department: 'Warehouse', plannedShifts: [] });
  const phones = h.fleet.devices.filter((d) => d.state === 'IN_USE' && d.employeeId && d.mdmProvider === 'KNOX_MANAGE');
  leaver = { employeeId: phones[0]!.employeeId!, imei: phones[0]!.imei };
  hr.updateEmployee(leaver.employeeId, { status: 'LEFT' });
  // The phones are dual SIM: the agent reports slot 2 (the employee's own SIM) beside slot 1.
  withPersonalSim = { imei: phones[1]!.imei, companyIccid: phones[1]!.iccid };
  h.sims.mdm.KNOX_MANAGE.devices.byImei(withPersonalSim.imei)!.personalIccid = PERSONAL_ICCID;
  onlyPersonalSim = { imei: phones[2]!.imei };
  const emptied = h.sims.mdm.KNOX_MANAGE.devices.byImei(onlyPersonalSim.imei)!;
  delete emptied.iccid;
  emptied.personalIccid = OTHER_PERSONAL_ICCID;
  operator.withholdNumbers = true;
  // Control Center's limits (5 calls a second, one at a time): the operator pass takes a while, so the kill lands in it.
  await admin(operator, 'PUT', '/rate-limits', { callsPerSecond: 5, concurrentCalls: 1, latencyMs: 20 });
}, 120_000);
afterAll(async () => {
  await raw?.connection.close();
  await h?.close();
});

const passRow = (source: string) => h.db.syncRun.findUnique({ where: { id: syncRunRowId(firstSync, source as never) } });
const countsOf = async (source: string) => ((await passRow(source))?.counts ?? {}) as Record<string, number>;

async function runIds(workflowId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of raw.workflow.list({ query: `WorkflowId = '${workflowId}'` })) ids.push(w.runId);
  return ids;
}

describe('fleet sync', () => {
  it('a worker killed mid-sync resumes where it stopped: every record counted once, no page read from the start again, history bounded by continue-as-new', async () => {
    const input: FleetSyncInput = { trigger: 'api', dryRun: false, pagesPerRun: 3, pageSize: { hr: 5, operator: 5, mdm: 5 } };
    h.sims.operator.calls.reset();
    await admin(h.sims.operator, 'DELETE', '/rate-limits/counts');
    const handle = await h.client.workflow.start(FLEET_SYNC_WORKFLOW_TYPE, { workflowId: firstSync, taskQueue: h.taskQueue, args: [input] });
    await eventually(async () => (((await passRow('operator'))?.cursor as { page?: number } | null)?.page ?? 0) >= 2, 'the operator pass two pages in', 120_000);
    await h.killWorker();
    const result = (await handle.result()) as FleetSyncResult;
    expect(result.syncRunId).toBe(firstSync);
    // The run ends with the reconciliation of what it brought in.
    expect(result.reconcile).toMatchObject({ anomaliesOpen: expect.any(Number), remediationsPlanned: expect.any(Number) });
    expect(result.reconcile!.anomaliesOpen).toBeGreaterThan(0);
    // The workflow ran on the lifecycle queue, its pages and reconciliation on the bulk one.
    const { events } = await h.client.workflow.getHandle(firstSync).fetchHistory();
    const scheduledOn = new Set(events!.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.taskQueue?.name] : [])));
    expect([...scheduledOn]).toEqual([`${h.taskQueue}-bulk`]);

    const sims = h.sims.operator.sims.size;
    expect(await countsOf('operator')).toMatchObject({ sims, created: sims });
    expect((await countsOf('hr-employees')).employees).toBe(h.sims.hr.employees.size);
    expect((await countsOf('mdm-KNOX_MANAGE')).devices).toBe(h.sims.mdm.KNOX_MANAGE.devices.listEnrolled().length);
    expect((await countsOf('mdm-SECOND_MDM')).devices ?? 0).toBe(h.sims.mdm.SECOND_MDM.devices.listEnrolled().length);
    // Each SIM's record was created once, by one page.
    expect(await h.db.syncChange.count({ where: { runId: syncRunRowId(firstSync, 'operator'), entity: 'operator-sim', field: 'status' } })).toBe(sims);
    // At most the pages in flight were read again, not the pass (calls the operator refused as over
    // its rate apart): the one being written and the one being read beside it, 5 SIMs each.
    const { refused } = await admin<{ refused: { rate: number; concurrent: number } }>(h.sims.operator, 'GET', '/rate-limits');
    const detailCalls = h.sims.operator.calls.count(GET_SIM);
    expect(detailCalls).toBeGreaterThanOrEqual(sims);
    expect(detailCalls - refused.rate - refused.concurrent).toBeLessThanOrEqual(sims + 2 * 5);
    expect((await runIds(firstSync)).length).toBeGreaterThan(2);
  }, 300_000);

  it('HR: a new store is created; an employee who already works gets a record and no onboarding; one not started yet waits for his hire event', async () => {
    expect(await h.db.store.findUniqueOrThrow({ where: { id: NEW_STORE } })).toMatchObject({
      name: 'RetailCo Tver',
      timeZone: 'Europe/Moscow',
      address: '5 Sovetskaya St, Tver',
      openingHours: { mon: ['10:00', '22:00'], sat: ['10:00', '18:00'] },
    });
    const recorded = await h.db.employee.findUniqueOrThrow({ where: { id: working }, include: { shifts: true } });
    expect(recorded).toMatchObject({ storeId: NEW_STORE, status: 'ACTIVE', hrStatus: 'ACTIVE', department: 'Warehouse' });
    expect(recorded.shifts.map((s) => [s.startsAt.toISOString(), s.endsAt.toISOString()])).toEqual([[shift.startsAt, shift.endsAt]]);
    for (const id of [employeeWorkflowId(working), joinerWorkflowId(working)]) {
      await expect(raw.workflow.getHandle(id).describe(), id).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    expect(await h.db.employee.findUnique({ where: { id: notStarted } })).toBeNull();
  });

  it("an HR leaver who still has a phone is not dismissed: record, phone and SIM stay, no leaver process, HR's status recorded", async () => {
    const e = await h.db.employee.findUniqueOrThrow({ where: { id: leaver.employeeId }, include: { devices: true, sims: true } });
    expect(e).toMatchObject({ status: 'ACTIVE', hrStatus: 'LEFT' });
    expect(e.devices.map((d) => [d.imei, d.state])).toContainEqual([leaver.imei, 'IN_USE']);
    expect(e.sims.every((s) => s.state === 'IN_USE')).toBe(true);
    await expect(raw.workflow.getHandle(leaverWorkflowId(leaver.employeeId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await countsOf('hr-employees')).toMatchObject({ leftWithPhone: 1 });
    // Not silent either: the sync's reconciliation shows the phone of someone who left to support.
    const anomaly = await h.db.anomaly.findFirst({ where: { kind: 'phone-enrolled-for-leaver', subject: leaver.imei, resolvedAt: null } });
    expect(anomaly).not.toBeNull();
    expect(await h.db.syncChange.findFirst({ where: { runId: syncRunRowId(firstSync, 'hr-employees'), key: leaver.employeeId, field: 'hrStatus' } })).toMatchObject({
      before: null,
      after: 'LEFT',
    });
  });

  it("a personal SIM the agent reports in slot 2 is stored nowhere: not in any table, not in any payload of the sync's history (decrypted)", async () => {
    // Beside the company's SIM in slot 1: the phone gets the company's, the personal one is dropped.
    const dual = await h.db.device.findUniqueOrThrow({ where: { imei: withPersonalSim.imei } });
    expect(dual.lastCheckInAt).not.toBeNull();
    expect(dual.reportedIccid).toBe(withPersonalSim.companyIccid);
    // Alone (slot 1 empty): seen (its check-in and user recorded), no SIM recorded for it.
    const phone = await h.db.device.findUniqueOrThrow({ where: { imei: onlyPersonalSim.imei } });
    expect(phone.lastCheckInAt).not.toBeNull();
    expect(phone.reportedIccid).toBeNull();
    const tables = await Promise.all([
      h.db.mdmDeviceSighting.findMany(),
      h.db.device.findMany(),
      h.db.sim.findMany(),
      h.db.operatorSimRecord.findMany(),
      h.db.syncRun.findMany(),
      h.db.syncChange.findMany(),
      h.db.auditLog.findMany(),
    ]);
    for (const personal of [PERSONAL_ICCID, OTHER_PERSONAL_ICCID]) expect(JSON.stringify(tables)).not.toContain(personal);
    const ids = await runIds(firstSync);
    expect(ids.length).toBeGreaterThan(0);
    for (const runId of ids) {
      const history = await raw.workflow.getHandle(firstSync, runId).fetchHistory();
      for (const personal of [PERSONAL_ICCID, OTHER_PERSONAL_ICCID]) expect(readableText(history)).not.toContain(personal);
      for (const { path, payload } of payloadsOf(history).filter((p) => !isSearchAttribute(p.path) && !isPatchMarkerData(p.path))) {
        const [plain] = await codec.decode([payload]);
        const decoded = JSON.stringify(defaultPayloadConverter.fromPayload(plain));
        for (const personal of [PERSONAL_ICCID, OTHER_PERSONAL_ICCID]) expect(decoded, `${runId} ${path}`).not.toContain(personal);
      }
    }
  });

  it('an operator that returns no numbers still joins by ICCID: each SIM gets its operator status and the phone it is in, and keeps its number', async () => {
    const fleetSims = new Map(h.fleet.sims.map((s) => [s.iccid, s]));
    expect(await h.db.operatorSimRecord.count({ where: { msisdn: { not: null } } })).toBe(0);
    for (const sim of await h.db.sim.findMany()) {
      expect(sim.operatorStatus, sim.iccid).toBe(h.sims.operator.sims.get(sim.iccid)!.status);
      expect(sim.msisdn, sim.iccid).toBe(fleetSims.get(sim.iccid)?.msisdn ?? null);
    }
    // The MDM's agent reported each phone's company SIM: the SIM knows the phone it is in.
    for (const d of h.fleet.devices.filter((x) => x.state === 'IN_USE' && x.imei !== onlyPersonalSim.imei)) {
      expect((await h.db.sim.findUniqueOrThrow({ where: { iccid: d.iccid } })).lastSeenImei, d.iccid).toBe(d.imei);
    }
  });

  it('a delta sync fetches the details only of the SIMs changed since the last finished operator pass', async () => {
    const changed = h.fleet.sims.filter((s) => s.state === 'IN_STOCK').slice(0, 2);
    for (const s of changed) h.sims.operator.setStatus(h.sims.operator.sims.get(s.iccid)!, 'ACTIVATED');
    h.sims.operator.calls.reset();
    const delta = fleetSyncWorkflowId(`delta-${run}`);
    const input: FleetSyncInput = { trigger: 'api', dryRun: false, watermarkOverlapMs: 0 };
    await h.client.workflow.execute(FLEET_SYNC_WORKFLOW_TYPE, { workflowId: delta, taskQueue: h.taskQueue, args: [input] });
    expect(h.sims.operator.calls.count(GET_SIM)).toBe(changed.length);
    for (const s of changed) expect((await h.db.sim.findUniqueOrThrow({ where: { iccid: s.iccid } })).operatorStatus).toBe('ACTIVATED');
    // The API shows the run's passes.
    const res = await h.call('GET', `/fleet-syncs/${delta}`);
    expect(res.status).toBe(200);
    const view = await res.json();
    expect(view).toMatchObject({ id: delta, status: 'COMPLETED' });
    expect(view.passes.find((p: { source: string }) => p.source === 'operator').counts).toMatchObject({ sims: changed.length });
  }, 120_000);
});
