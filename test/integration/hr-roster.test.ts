// HR's roster for the fleet sync, adapter against simulator over HTTP: the stores (name, time
// zone, address, curator, opening hours) and the employees page by page (department, planned
// shifts, leaving date), as the demo fleet puts them there; never identity data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalSystems, externalSystemsFromSimulators, startSimulators, type ExternalSystems, type RunningSimulators } from '../../src/systems/index.ts';
import { generateFleet, PLANNED_SHIFT_DAYS, seedSimulators, type Fleet } from '../../src/systems/fleet.ts';
import type { HrRosterEntry } from '../../src/systems/hr/api.ts';
import { HrSimulator } from '../../src/systems/hr/simulator.ts';
import { PermanentSystemError } from '../../src/systems/shared/errors.ts';
import { localDate } from '../../src/domain/store-calendar.ts';
import { admin, failure } from '../support/simulator-calls.ts';

let sims: RunningSimulators;
let systems: ExternalSystems;
let fleet: Fleet;

beforeAll(async () => {
  sims = await startSimulators({ seed: 3 });
  fleet = generateFleet({ stores: 3, employeesPerStore: 14, stockPerStore: 1, seed: 8, shiftsFrom: '2026-12-07', employeeIdPrefix: 'R' });
  await seedSimulators(sims, fleet);
  systems = createExternalSystems(externalSystemsFromSimulators(sims));
});

afterAll(async () => {
  await sims?.close();
});

async function allEmployees(pageSize: number): Promise<{ employees: HrRosterEntry[]; pages: number }> {
  const employees: HrRosterEntry[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const page = await systems.hr.listEmployees({ pageSize, ...(pageToken ? { pageToken } : {}) });
    employees.push(...page.employees);
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken);
  return { employees, pages };
}

async function rawGet(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sims.hr.url}${path}`, { headers: { authorization: `Bearer ${sims.hr.token}` } });
  return { status: res.status, body: await res.json() };
}

describe('HR roster', () => {
  it('lists the demo fleet stores with name, time zone, address, curator and opening hours', async () => {
    const stores = await systems.hr.listStores();
    expect(stores.map((s) => s.storeId)).toEqual(fleet.stores.map((s) => s.id));
    for (const store of fleet.stores) {
      expect(stores.find((s) => s.storeId === store.id)).toEqual({
        storeId: store.id,
        name: store.name,
        timeZone: store.timeZone,
        address: store.address,
        curatorEmployeeId: store.curatorId,
        openingHours: store.openingHours,
      });
      expect(store.address).toContain(store.city);
      expect(store.openingHours.mon).toMatchObject([expect.stringMatching(/^\d\d:\d\d$/), expect.stringMatching(/^\d\d:\d\d$/)]);
    }
  });

  it('pages through every employee exactly once, in id order, with department and planned shifts', async () => {
    const { employees, pages } = await allEmployees(5);
    expect(pages).toBe(Math.ceil(fleet.employees.length / 5));
    expect(employees.map((e) => e.employeeId)).toEqual(fleet.employees.map((e) => e.employeeId).sort());
    for (const expected of fleet.employees) {
      const entry = employees.find((e) => e.employeeId === expected.employeeId)!;
      expect(entry).toEqual({
        employeeId: expected.employeeId,
        storeId: expected.storeId,
        position: expected.position,
        startDate: expected.startDate,
        status: 'ACTIVE',
        department: expected.department,
        plannedShifts: expected.plannedShifts,
      });
    }
    expect(new Set(employees.map((e) => e.department)).size).toBeGreaterThan(3);
  });

  it('plans shifts for the 14 days from shiftsFrom, inside the store opening hours (office roles on weekdays)', () => {
    const first = '2026-12-07';
    const last = '2026-12-20';
    expect(PLANNED_SHIFT_DAYS).toBe(14);
    for (const employee of fleet.employees) {
      const store = fleet.stores.find((s) => s.id === employee.storeId)!;
      expect(employee.plannedShifts.length).toBeGreaterThan(0);
      for (const shift of employee.plannedShifts) {
        const day = localDate(new Date(shift.startsAt), store.timeZone);
        expect(day >= first && day <= last).toBe(true);
        const hours = (Date.parse(shift.endsAt) - Date.parse(shift.startsAt)) / 3_600_000;
        expect(hours === 8 || hours === 9).toBe(true);
        const weekday = new Intl.DateTimeFormat('en-US', { timeZone: store.timeZone, weekday: 'short' }).format(new Date(shift.startsAt)).toLowerCase() as 'mon';
        const open = store.openingHours[weekday]!;
        const clock = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: store.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
        expect(clock(shift.startsAt) >= open[0]).toBe(true);
        expect(clock(shift.endsAt) <= open[1]).toBe(true);
      }
    }
  });

  it('never carries identity data, and reading the roster reads no identity', async () => {
    await admin(sims.hr, 'DELETE', '/identity-reads');
    const page = await rawGet('/api/v1/employees?pageSize=1000');
    const text = JSON.stringify(page.body);
    const identity = fleet.identities[fleet.employees[0]!.employeeId]!;
    expect(text).not.toContain(identity.documentNumber);
    expect(text).not.toMatch(/documentNumber|birthDate|firstName|lastName/);
    expect(await admin(sims.hr, 'GET', '/identity-reads')).toEqual({});
  });

  it('refuses a page size over 1000 or an unknown page token with a 400 naming the field', async () => {
    const big = await rawGet('/api/v1/employees?pageSize=1001');
    expect(big.status).toBe(400);
    expect(JSON.stringify(big.body)).toMatch(/pageSize/);
    const token = await rawGet('/api/v1/employees?pageSize=5&pageToken=garbage');
    expect(token.status).toBe(400);
    expect(JSON.stringify(token.body)).toMatch(/pageToken/);
    await failure(systems.hr.listEmployees({ pageSize: 5000 }), PermanentSystemError);
  });

  it('neither skips nor repeats anyone when someone is hired between two pages', async () => {
    const first = await systems.hr.listEmployees({ pageSize: 10 });
    sims.hr.addEmployee({ employeeId: 'R000000', storeId: 'S001', position: 'POS-CASH-01', startDate: '2026-12-01', status: 'HIRED' });
    sims.hr.addEmployee({ employeeId: 'R999999', storeId: 'S001', position: 'POS-CASH-01', startDate: '2026-12-01', status: 'HIRED' });
    const rest: HrRosterEntry[] = [];
    let pageToken = first.nextPageToken;
    while (pageToken) {
      const page = await systems.hr.listEmployees({ pageSize: 10, pageToken });
      rest.push(...page.employees);
      pageToken = page.nextPageToken;
    }
    const ids = [...first.employees, ...rest].map((e) => e.employeeId);
    expect(new Set(ids).size).toBe(ids.length);
    // One hired before the cursor is for the next pass; one after it is in this one.
    expect(ids).toContain('R999999');
    expect(ids).not.toContain('R000000');
    expect(rest.find((e) => e.employeeId === 'R999999')).toMatchObject({ department: 'Checkout', plannedShifts: [], status: 'HIRED' });
  });

  it('reports a leaving date HR set, and stops when HR clears it', async () => {
    const id = fleet.employees[3]!.employeeId;
    await admin(sims.hr, 'PATCH', `/employees/${id}`, { lastWorkingDay: '2026-12-15', department: 'Warehouse' });
    const entry = async () => (await allEmployees(1000)).employees.find((e) => e.employeeId === id)!;
    expect(await entry()).toMatchObject({ lastWorkingDay: '2026-12-15', department: 'Warehouse' });
    await admin(sims.hr, 'PATCH', `/employees/${id}`, { lastWorkingDay: null });
    expect((await entry()).lastWorkingDay).toBeUndefined();
    const bad = await fetch(`${sims.hr.url}/_sim/employees/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lastWorkingDay: '15.12.2026' }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/lastWorkingDay/);
  });

  it('keeps stores and roster across a restart, and reads a state file from before them', async () => {
    const state = sims.hr.exportState();
    const restarted = new HrSimulator();
    restarted.importState(JSON.parse(JSON.stringify(state)));
    expect([...restarted.stores.values()]).toEqual([...sims.hr.stores.values()]);
    const id = fleet.employees[0]!.employeeId;
    expect(restarted.rosterEntry(id)).toEqual(sims.hr.rosterEntry(id));

    const old = new HrSimulator();
    old.importState({ employees: [{ employee: { employeeId: 'X1', storeId: 'S001', position: 'POS-WHSE-01', startDate: '2020-01-01', status: 'ACTIVE' } }] });
    expect(old.stores.size).toBe(0);
    expect(old.rosterEntry('X1')).toMatchObject({ department: 'Warehouse', plannedShifts: [] });
  });

  it('takes stores through the admin API, naming a bad field', async () => {
    const store = { storeId: 'S900', name: 'RetailCo Test', timeZone: 'Europe/Moscow', address: 'Moscow, Test 1', openingHours: { mon: ['09:00', '21:00'] } };
    await admin(sims.hr, 'POST', '/stores', store);
    expect((await systems.hr.listStores()).find((s) => s.storeId === 'S900')).toEqual(store);
    const bad = await fetch(`${sims.hr.url}/_sim/stores`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...store, openingHours: { tue: ['21:00', '09:00'] } }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/openingHours\.tue/);
  });
});
