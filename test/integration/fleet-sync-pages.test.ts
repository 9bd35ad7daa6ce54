// The fleet sync's page activity against the real database and the simulators over HTTP (HR's
// roster is a typed double of HrRoster here; test/e2e/fleet-sync.test.ts runs whole syncs on the
// dev server): HR's stores and employees, the operator's SIMs joined by ICCID alone, the delta
// pass's details calls, a non-company SIM reported by the agent, and a page written once when
// two attempts of it overlap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index.ts';
import { seedFleet, seedReferenceData } from '../../src/db/seed.ts';
import { generateFleet, seedSimulators, type Fleet } from '../../src/systems/fleet.ts';
import type { HrRoster, HrRosterEntry, HrStore } from '../../src/systems/hr/api.ts';
import { createExternalSystems, externalSystemsFromSimulators, startSimulators, type RunningSimulators } from '../../src/systems/index.ts';
import type { SyncPageInput, SyncPageResult, SyncSource } from '../../workflows/fleet-sync-contract.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let database: TestDatabase;
let sims: RunningSimulators;
let fleet: Fleet;
let activities: ReturnType<typeof createActivities>;
const db = () => database.db.prisma;

const stores: HrStore[] = [];
const roster: HrRosterEntry[] = [];
const hrRoster: HrRoster = {
  listStores: async () => structuredClone(stores),
  listEmployees: async ({ pageToken, pageSize }) => {
    const from = Number(pageToken ?? 0);
    const employees = structuredClone(roster.slice(from, from + pageSize));
    return from + pageSize < roster.length ? { employees, nextPageToken: String(from + pageSize) } : { employees };
  },
};

// A personal SIM: a valid ICCID that is neither phonefleet's nor the operator's.
const PERSONAL_ICCID = '8970199000000000009';

beforeAll(async () => {
  database = await createTestDatabase();
  sims = await startSimulators({});
  fleet = generateFleet({ stores: 2, employeesPerStore: 4, stockPerStore: 3, seed: 31, employeeIdPrefix: 'FS-' });
  const { mdmDeviceIds } = await seedSimulators(sims, fleet);
  await seedReferenceData(db());
  await seedFleet(db(), fleet, { mdmDeviceIds });
  const systems = createExternalSystems(externalSystemsFromSimulators(sims));
  activities = createActivities({ db: db(), ...systems, hr: Object.assign(systems.hr, hrRoster), companyName: 'RetailCo' });
});
afterAll(async () => {
  await sims?.close();
  await database?.drop();
});

const env = () => new MockActivityEnvironment({ workflowExecution: { workflowId: 'sync-test', runId: 'r1' }, activityId: '1' });
const page = (input: SyncPageInput) => env().run(activities.syncFleetPage, input) as Promise<SyncPageResult>;

async function pass(syncRunId: string, source: SyncSource, extra: Partial<SyncPageInput> = {}) {
  const input: SyncPageInput = { syncRunId, source, trigger: 'api', dryRun: false, pageSize: 3, ...extra };
  for (let pages = 0; pages < 100; pages++) {
    const done = await page(input);
    if (done.done) return done;
  }
  throw new Error(`${source} did not finish`);
}

describe('fleet sync pages', () => {
  it('HR: a new store is created and a known one updated; an employee who already works gets a record (no onboarding), one not started yet does not; a leaver with a phone is not dismissed', async () => {
    const known = fleet.stores[0]!;
    stores.push(
      {
        storeId: known.id,
        name: known.name,
        timeZone: known.timeZone,
        address: '1 Lenina St, Kazan',
        curatorEmployeeId: known.curatorId,
        openingHours: { mon: ['09:00', '21:00'] },
      },
      { storeId: 'S900', name: 'RetailCo Tver', timeZone: 'Europe/Moscow', address: '5 Sovetskaya St, Tver', openingHours: { mon: ['10:00', '22:00'], sat: ['10:00', '18:00'] } },
    );
    const withPhone = fleet.devices.find((d) => d.state === 'IN_USE' && d.employeeId)!.employeeId!;
    for (const e of fleet.employees) {
      roster.push({
        employeeId: e.employeeId,
        storeId: e.storeId,
        position: e.position,
        startDate: e.startDate,
        status: e.employeeId === withPhone ? 'LEFT' : 'ACTIVE',
        department: 'sales floor',
        plannedShifts: [],
      });
    }
    const shift = { startsAt: '2026-12-03T07:00:00.000Z', endsAt: '2026-12-03T15:00:00.000Z' };
    roster.push(
      {
        employeeId: 'FS-NEW-1',
        storeId: 'S900',
        position: fleet.employees[0]!.position,
        startDate: '2025-03-01',
        status: 'ACTIVE',
        department: 'warehouse',
        plannedShifts: [shift],
      },
      { employeeId: 'FS-NEW-2', storeId: 'S900', position: fleet.employees[0]!.position, startDate: '2027-01-10', status: 'HIRED', department: 'warehouse', plannedShifts: [] },
    );

    const storesPass = await pass('sync-hr', 'hr-stores');
    expect(storesPass.counts).toMatchObject({ stores: 2, created: 1 });
    const created = await db().store.findUniqueOrThrow({ where: { id: 'S900' } });
    expect(created).toMatchObject({
      name: 'RetailCo Tver',
      timeZone: 'Europe/Moscow',
      address: '5 Sovetskaya St, Tver',
      openingHours: { mon: ['10:00', '22:00'], sat: ['10:00', '18:00'] },
    });
    expect(await db().store.findUniqueOrThrow({ where: { id: known.id } })).toMatchObject({ address: '1 Lenina St, Kazan', openingHours: { mon: ['09:00', '21:00'] } });
    // What HR does not know (support phone, uplink, MDM) is asked of operations, once, for the new store only.
    expect(await db().supportTask.findMany({ where: { kind: 'store-settings-missing' }, select: { storeId: true, summary: true } })).toEqual([
      { storeId: 'S900', summary: expect.stringMatching(/^Store S900 \(RetailCo Tver\) came from HR .*support phone.*uplink.*MDM/) },
    ]);

    const employeesPass = await pass('sync-hr', 'hr-employees');
    expect(employeesPass.pages).toBe(Math.ceil(roster.length / 3));
    expect(employeesPass.counts).toMatchObject({ employees: roster.length, created: 1, notYetStarted: 1, leftWithPhone: 1 });
    const recorded = await db().employee.findUniqueOrThrow({ where: { id: 'FS-NEW-1' }, include: { shifts: true } });
    expect(recorded).toMatchObject({ status: 'ACTIVE', storeId: 'S900', department: 'warehouse', hrStatus: 'ACTIVE' });
    expect(recorded.shifts.map((s) => s.startsAt.toISOString())).toEqual([shift.startsAt]);
    expect(await db().employee.findUnique({ where: { id: 'FS-NEW-2' } })).toBeNull();
    // HR says LEFT; phonefleet's record and the phone stay as they were, for the reconciliation.
    const leaver = await db().employee.findUniqueOrThrow({ where: { id: withPhone }, include: { devices: true } });
    expect(leaver).toMatchObject({ status: 'ACTIVE', hrStatus: 'LEFT' });
    expect(leaver.devices.length).toBeGreaterThan(0);
    expect(await db().syncChange.count({ where: { runId: 'sync-hr:hr-employees', key: withPhone, field: 'hrStatus', after: 'LEFT' } })).toBe(1);

    // The same run again: each pass is finished, nothing is read or written twice.
    expect((await page({ syncRunId: 'sync-hr', source: 'hr-employees', trigger: 'api', dryRun: false, pageSize: 3 })).counts).toEqual(employeesPass.counts);
  });

  it('operator: an operator that returns no numbers still joins its SIMs to phonefleet by ICCID; a delta pass fetches details only for SIMs changed since', async () => {
    for (const s of sims.operator.sims.values()) delete s.msisdn;
    const numbers = new Map((await db().sim.findMany()).map((s) => [s.iccid, s.msisdn]));
    sims.operator.calls.reset();
    const first = await pass('sync-op-1', 'operator', { pageSize: 4 });
    expect(first.counts).toMatchObject({ sims: sims.operator.sims.size, withNumber: 0, known: fleet.sims.length });
    expect(sims.operator.calls.count('GET /rws/api/v1/devices/:iccid')).toBe(sims.operator.sims.size);
    for (const sim of await db().sim.findMany()) {
      expect(sim.operatorStatus, sim.iccid).toBe(sims.operator.sims.get(sim.iccid)!.status);
      expect(sim.msisdn, 'the number phonefleet has stays').toBe(numbers.get(sim.iccid));
    }
    expect(await db().operatorSimRecord.count({ where: { msisdn: null } })).toBe(sims.operator.sims.size);

    const changed = fleet.sims.find((s) => s.state === 'IN_USE')!;
    sims.operator.setStatus(sims.operator.sims.get(changed.iccid)!, 'SUSPENDED');
    sims.operator.calls.reset();
    const delta = await pass('sync-op-2', 'operator', { pageSize: 4, watermarkOverlapMs: 0 });
    expect(sims.operator.calls.count('GET /rws/api/v1/devices/:iccid')).toBe(1);
    expect(delta.counts).toMatchObject({ sims: 1, known: 1 });
    expect((await db().sim.findUniqueOrThrow({ where: { iccid: changed.iccid } })).operatorStatus).toBe('SUSPENDED');
    expect(await db().syncChange.findMany({ where: { runId: 'sync-op-2:operator', entity: 'sim' }, select: { key: true, field: true, before: true, after: true } })).toContainEqual(
      {
        key: changed.iccid,
        field: 'operatorStatus',
        before: 'ACTIVATED',
        after: 'SUSPENDED',
      },
    );
  });

  it("MDM: known phones get the agent-reported company SIM, user and check-in; a SIM that is not the company's is stored nowhere", async () => {
    const device = fleet.devices.find((d) => d.state === 'IN_USE' && d.mdmProvider === 'KNOX_MANAGE')!;
    const other = fleet.devices.find((d) => d.state === 'IN_STOCK' && d.mdmProvider === 'KNOX_MANAGE')!;
    // The agent reports the personal SIM where the company's should be, on one phone.
    const mdmOther = sims.mdm.KNOX_MANAGE.devices.byImei(other.imei)!;
    mdmOther.iccid = PERSONAL_ICCID;
    const result = await pass('sync-mdm', 'mdm-KNOX_MANAGE', { pageSize: 4 });
    expect(result.counts.devices).toBe(sims.mdm.KNOX_MANAGE.devices.listEnrolled().length);
    const phone = await db().device.findUniqueOrThrow({ where: { imei: device.imei } });
    expect(phone.reportedIccid).toBe(device.iccid);
    expect(phone.mdmUserId).not.toBeNull();
    expect((await db().sim.findUniqueOrThrow({ where: { iccid: device.iccid } })).lastSeenImei).toBe(device.imei);
    expect((await db().device.findUniqueOrThrow({ where: { imei: other.imei } })).reportedIccid).toBeNull();
    const sighting = await db().mdmDeviceSighting.findFirstOrThrow({ where: { imei: other.imei } });
    expect(sighting).toMatchObject({ known: true, reportedIccid: null });
    const everything = JSON.stringify([
      await db().mdmDeviceSighting.findMany(),
      await db().syncChange.findMany(),
      await db().syncRun.findMany(),
      await db().device.findMany(),
      await db().sim.findMany(),
    ]);
    expect(everything).not.toContain(PERSONAL_ICCID);
  });

  it('two attempts of the same page that overlap write it once', async () => {
    const input: SyncPageInput = { syncRunId: 'sync-overlap', source: 'mdm-SECOND_MDM', trigger: 'api', dryRun: false, pageSize: 2 };
    const [a, b] = await Promise.all([page(input), page(input)]);
    expect(a.pages).toBe(1);
    expect(b.pages).toBe(1);
    const row = await db().syncRun.findUniqueOrThrow({ where: { id: 'sync-overlap:mdm-SECOND_MDM' } });
    expect((row.counts as Record<string, number>).devices).toBe(Math.min(2, sims.mdm.SECOND_MDM.devices.listEnrolled().length));
  });
});
