// Planning a store's training over the API (issue 10 §1): no side effects; a roster as JSON, as
// CSV, or from HR; bad rows named by row and column; a store that cannot spare a department
// refused naming it and the slot; the link's share decides when phones are imaged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIccid, makeImei } from '../../src/domain/identifiers.ts';
import { eventually, startHarness, type Harness } from '../support/harness.ts';
import { runPhonefleet } from '../support/cli.ts';

let h: Harness;
const CURATOR_OTHER_STORE = 'tok-curator-other-store';
beforeAll(async () => {
  h = await startHarness({
    fleet: { stores: 2, employeesPerStore: 12, stockPerStore: 1 },
    tokens: new Map([[CURATOR_OTHER_STORE, { name: 'curator-s2', scopes: ['curator:S002'] }]]),
  });
}, 120_000);
afterAll(async () => h?.close());

const MORNING = { from: '08:00', until: '14:00' };
const EVENING = { from: '14:00', until: '20:00' };
const people = (n: number, department: string, shift = MORNING, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ employeeId: `${department}-${String(from + i).padStart(3, '0')}`, department, shift }));
const request = (over: Record<string, unknown> = {}) => ({
  firstDay: '2027-03-01',
  sessionMinutes: 60,
  openingHours: { from: '08:00', until: '20:00' },
  rooms: [
    { id: 'training-room', seats: 16 },
    { id: 'office', seats: 8 },
  ],
  trainers: [{ id: 'T1' }, { id: 'T2' }],
  departments: [
    { id: 'SALES', minOnFloor: 20 },
    { id: 'CASH', minOnFloor: 6 },
  ],
  roster: [...people(120, 'SALES'), ...people(30, 'CASH'), ...people(80, 'SALES', EVENING, 120), ...people(20, 'CASH', EVENING, 30)],
  ...over,
});

describe('rollout planning', () => {
  it('plans a 250-person store in the fewest days, beside the bound and what sets it, writing nothing', async () => {
    const storeId = h.fleet.stores[0]!.id;
    const auditBefore = await h.db.auditLog.count();
    const res = await h.call('POST', `/stores/${storeId}/rollouts/plan`, request({ firstLoginsPerMinute: 6 }));
    expect(res.status).toBe(200);
    const { plan, employees, firstLogins } = await res.json();
    expect(employees).toBe(250);
    // First logins: everyone's moment, never more than 6 in any minute, none before its session.
    const moments = Object.values(firstLogins.byEmployee as Record<string, string>)
      .map((t) => Date.parse(t))
      .sort((a, b) => a - b);
    expect(moments).toHaveLength(250);
    for (let i = 6; i < moments.length; i++) expect(moments[i]! - moments[i - 6]!).toBeGreaterThanOrEqual(60_000);
    for (const s of plan.sessions) for (const e of s.employees) expect(Date.parse(firstLogins.byEmployee[e])).toBeGreaterThanOrEqual(Date.parse(s.startsAt));
    // Morning: 150 people, 24 seats a slot -> 7 slots; sales can spare 100 of 120 a slot, cash 24 of 30 -> 2 slots. Six slots a day: 2 days.
    expect(plan.lowerBound).toMatchObject({ days: 2, setBy: { kind: 'seats' } });
    expect(plan.days).toBe(2);
    const trained = plan.sessions.flatMap((s: { employees: string[] }) => s.employees);
    expect(new Set(trained).size).toBe(250);
    for (const s of plan.sessions) expect(s.employees.length).toBeLessThanOrEqual(s.room === 'office' ? 8 : 16);
    expect(await h.db.auditLog.count()).toBe(auditBefore);
  });

  it('takes the roster as CSV; a bad row is named by row and column and nothing is planned', async () => {
    const storeId = h.fleet.stores[0]!.id;
    const csv = ['employeeId,department,shiftFrom,shiftUntil,daysOff,unavailable', ...people(40, 'SALES').map((p) => `${p.employeeId},SALES,08:00,14:00,SUN,`)].join('\n');
    const ok = await h.call('POST', `/stores/${storeId}/rollouts/plan`, request({ roster: csv, departments: [{ id: 'SALES', minOnFloor: 10 }] }));
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect((await ok.json()).employees).toBe(40);

    const bad = `${csv}\nSALES-000,SALES,08:00,14:00,,\nE-9,SALES,8am,14:00,HOLIDAY,2027-13-01`;
    const res = await h.call('POST', `/stores/${storeId}/rollouts/plan`, request({ roster: bad, departments: [{ id: 'SALES', minOnFloor: 10 }] }));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.problems).toEqual([
      { field: 'roster[row 42].employeeId', message: 'SALES-000 is already on row 2' },
      { field: 'roster[row 43].shiftFrom', message: 'must be HH:MM (store time)' },
      { field: 'roster[row 43].daysOff', message: '"HOLIDAY" is not a weekday (MON TUE WED THU FRI SAT SUN)' },
      { field: 'roster[row 43].unavailable', message: '"2027-13-01" is not a date YYYY-MM-DD' },
    ]);
  });

  it('refuses a store where a department can never spare anyone: 422 naming the department and the slot', async () => {
    const storeId = h.fleet.stores[0]!.id;
    const res = await h.call(
      'POST',
      `/stores/${storeId}/rollouts/plan`,
      request({
        roster: [...people(10, 'SALES'), ...people(4, 'CASH')],
        departments: [
          { id: 'SALES', minOnFloor: 2 },
          { id: 'CASH', minOnFloor: 4 },
        ],
      }),
    );
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error).toMatch(/department CASH can never spare anyone for training: in slot 2027-03-01 08:00/);
    expect(body.where).toEqual({ department: 'CASH', slot: '2027-03-01 08:00' });
  });

  it('a bad field is a 400 naming it; a roster department without a minimum too; an unknown store 404; another store\u2019s curator 403', async () => {
    const storeId = h.fleet.stores[0]!.id;
    const seats = await h.call('POST', `/stores/${storeId}/rollouts/plan`, request({ rooms: [{ id: 'hall', seats: 40 }] }));
    expect(seats.status).toBe(400);
    expect((await seats.json()).problems).toEqual([{ field: 'rooms[0].seats', message: 'must be 1 to 16 seats (a session is at most 16)' }]);
    const dept = await h.call('POST', `/stores/${storeId}/rollouts/plan`, request({ departments: [{ id: 'SALES', minOnFloor: 1 }] }));
    expect(dept.status).toBe(400);
    expect((await dept.json()).problems[0]).toEqual({ field: 'roster[120].department', message: 'CASH is not among the departments (give its floor minimum, 0 if none)' });
    expect((await h.call('POST', '/stores/S999/rollouts/plan', request())).status).toBe(404);
    const res = await fetch(`${h.api}/stores/${storeId}/rollouts/plan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CURATOR_OTHER_STORE}`, 'content-type': 'application/json' },
      body: JSON.stringify(request()),
    });
    expect(res.status).toBe(403);
  });

  it("without a roster plans HR's employees of the store, on their planned shifts", async () => {
    const store = h.fleet.stores[1]!;
    const staff = await h.db.employee.findMany({ where: { storeId: store.id, status: { in: ['ONBOARDING', 'ACTIVE'] } }, select: { id: true, department: true, roleCode: true } });
    expect(staff.length).toBeGreaterThan(0);
    // Everyone works 10:00-16:00 on the first day only.
    await h.db.plannedShift.deleteMany({ where: { employeeId: { in: staff.map((s) => s.id) } } });
    await h.db.plannedShift.createMany({
      data: staff.map((s) => ({
        employeeId: s.id,
        startsAt: new Date(zoned('2027-03-01', '10:00', store.timeZone)),
        endsAt: new Date(zoned('2027-03-01', '16:00', store.timeZone)),
      })),
    });
    const departments = [...new Set(staff.map((s) => s.department ?? s.roleCode))].map((id) => ({ id, minOnFloor: 0 }));
    const res = await h.call('POST', `/stores/${store.id}/rollouts/plan`, request({ roster: undefined, departments, rooms: [{ id: 'R', seats: 4 }], trainers: [{ id: 'T' }] }));
    expect(res.status).toBe(200);
    const { plan, employees } = await res.json();
    expect(employees).toBe(staff.length);
    expect(plan.days).toBe(1);
    for (const s of plan.sessions) expect(s.start >= '10:00' && s.end <= '16:00').toBe(true);
  });

  it("images each session's phones before it starts over the store's share of its link, and says which sessions the link moved", async () => {
    const storeId = h.fleet.stores[0]!.id;
    // 20 Mbit/s at 50 %, phones at 10 Mbit/s: one download at a time, 4.5 images of 1 GB an hour, from 06:00 on the first day.
    const res = await h.call(
      'POST',
      `/stores/${storeId}/rollouts/plan`,
      request({
        roster: people(60, 'SALES'),
        departments: [{ id: 'SALES', minOnFloor: 0 }],
        activation: { startsAt: '2027-03-01T06:00:00+03:00', uplinkMbps: 20, sharePercent: 50, phoneMbps: 10 },
      }),
    );
    expect(res.status).toBe(200);
    const { plan } = await res.json();
    expect(plan.activation.phonesPerHour).toBe(4.5);
    expect(plan.days).toBeGreaterThan(1);
    expect(plan.activation.movedByLink.length).toBeGreaterThan(0);
  });
});

describe('starting a rollout', () => {
  it('starts the rollout with its plan once: the same request again is the same rollout, another a 409; its progress lists the next sessions', async () => {
    const store = h.fleet.stores[1]!;
    const roster = h.fleet.employees.filter((e) => e.storeId === store.id).map((e) => ({ employeeId: e.employeeId, department: 'SALES', shift: MORNING }));
    const body = request({ firstDay: '2027-03-01', roster, departments: [{ id: 'SALES', minOnFloor: 0 }], rooms: [{ id: 'R1', seats: 8 }], trainers: [{ id: 'T1' }] });
    const started = await h.call('POST', `/stores/${store.id}/rollouts`, body);
    expect(started.status).toBe(201);
    expect(await started.json()).toMatchObject({ rolloutId: `store-rollout-${store.id}`, employees: roster.length, sessions: Math.ceil(roster.length / 8), days: 1 });
    const again = await h.call('POST', `/stores/${store.id}/rollouts`, body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ rolloutId: `store-rollout-${store.id}`, storeId: store.id, alreadyStarted: true });
    const other = await h.call('POST', `/stores/${store.id}/rollouts`, { ...body, sessionMinutes: 90 });
    expect(other.status).toBe(409);
    expect((await other.json()).error).toMatch(/a rollout of S002 is already running/);

    const status = await eventually(async () => {
      const res = await h.call('GET', `/stores/${store.id}/rollouts/current`);
      return res.status === 200 ? res.json() : undefined;
    }, 'the rollout to answer');
    expect(status).toMatchObject({ storeId: store.id, employees: roster.length, trained: 0, sessionsHeld: 0, sessionsLeft: Math.ceil(roster.length / 8), state: 'training' });
    expect(status.upcoming[0]).toMatchObject({ room: 'R1', startsAt: '2027-03-01T05:00:00.000Z' });
    expect((await h.call('GET', `/stores/${h.fleet.stores[0]!.id}/rollouts/current`)).status).toBe(404);
    // A bad plan starts nothing.
    const refused = await h.call('POST', `/stores/${h.fleet.stores[0]!.id}/rollouts`, request({ rooms: [{ id: 'hall', seats: 40 }] }));
    expect(refused.status).toBe(400);
    expect((await h.call('GET', `/stores/${h.fleet.stores[0]!.id}/rollouts/current`)).status).toBe(404);
  });
});

describe('changing a running rollout', () => {
  it('a session cancelled (its people placed later), people added as CSV; a bad body names the field, a refused change says why (409), no rollout is a 404', async () => {
    // The rollout the test above started: every session in 2027, none started.
    const store = h.fleet.stores[1]!;
    const path = `/stores/${store.id}/rollouts/changes`;
    const status = await eventually(async () => {
      const res = await h.call('GET', `/stores/${store.id}/rollouts/current`);
      return res.status === 200 ? res.json() : undefined;
    }, 'the rollout to answer');
    const first = status.upcoming[0];

    const bad = await h.call('POST', path, { kind: 'session-cancelled', reason: 'trainer ill' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).problems).toEqual([{ field: 'sessionId', message: 'must be the session id of the plan, e.g. 2027-03-01T08:00-R1' }]);
    expect((await (await h.call('POST', path, { kind: 'moved', reason: 'x' })).json()).problems[0].field).toBe('kind');
    const badCsv = await h.call('POST', path, {
      kind: 'roster-changed',
      add: 'employeeId,department,shiftFrom,shiftUntil,daysOff,unavailable\nN1,SALES,8am,14:00,,',
      reason: 'hires',
    });
    expect(badCsv.status).toBe(400);
    expect((await badCsv.json()).problems).toEqual([{ field: 'add[row 2].shiftFrom', message: 'must be HH:MM (store time)' }]);
    const none = await h.call('POST', '/stores/S999/rollouts/changes', { kind: 'session-cancelled', sessionId: first.sessionId, reason: 'x' });
    expect(none.status).toBe(404);
    expect((await none.json()).error).toBe('no rollout of S999 is running');
    const refused = await h.call('POST', path, { kind: 'room-lost', room: 'R9', reason: 'inventory' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toBe("no room R9 in the rollout's plan (rooms: R1)");
    const stranger = await h.call('POST', path, { kind: 'roster-changed', remove: ['NOBODY'], reason: 'left' });
    expect(stranger.status).toBe(409);
    expect((await stranger.json()).error).toBe('not on the roster: NOBODY');

    const cancelled = await h.call('POST', path, { kind: 'session-cancelled', sessionId: first.sessionId, reason: 'trainer ill' });
    expect(cancelled.status, await cancelled.clone().text()).toBe(200);
    const moved = await cancelled.json();
    expect(moved).toMatchObject({ storeId: store.id, change: 1, kind: 'session-cancelled', how: 'placed', cancelled: [first.sessionId], unplaced: [] });
    expect(moved.added.flatMap((a: { employees: string[] }) => a.employees).sort()).toEqual([...first.employees].sort());
    const hired = await h.call('POST', path, {
      kind: 'roster-changed',
      add: 'employeeId,department,shiftFrom,shiftUntil,daysOff,unavailable\nN1,SALES,08:00,14:00,,',
      reason: 'new hire',
    });
    expect(hired.status, await hired.clone().text()).toBe(200);
    expect((await hired.json()).added).toEqual([expect.objectContaining({ employees: ['N1'], sessionId: expect.stringMatching(/-r2$/) })]);

    const after = await (await h.call('GET', `/stores/${store.id}/rollouts/current`)).json();
    expect(after).toMatchObject({ employees: status.employees + 1, changes: { applied: 2, last: { kind: 'roster-changed', by: 'api:test-operator', reason: 'new hire' } } });
    expect(after.upcoming.map((u: { sessionId: string }) => u.sessionId)).not.toContain(first.sessionId);
    await eventually(async () => ((await h.db.auditLog.count({ where: { action: 'rollout.changed', storeId: store.id } })) === 2 ? true : undefined), 'the audit rows');
  });
});

describe("the partner's shipment manifest", () => {
  const imei = (i: number) => makeImei('35999902', i);
  const iccid = (i: number) => makeIccid('8970199', 800_000 + i);
  const csv = (n: number, bad = '') =>
    ['imei,iccid,msisdn,serial,model', ...Array.from({ length: n }, (_, i) => `${imei(i)},${iccid(i)},+7916${2_000_000 + i},R58P${String(i).padStart(6, '0')},SM-A256B`), bad].join(
      '\n',
    );

  it('a good manifest is counted; one with bad rows answers every problem by row and column, and nothing is written', async () => {
    const storeId = h.fleet.stores[0]!.id;
    const devicesBefore = await h.db.device.count();
    const ok = await h.call('POST', `/stores/${storeId}/rollouts/manifest-check`, { manifest: csv(300) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ storeId, phones: 300, models: ['SM-A256B'] });
    const known = await h.db.device.findFirstOrThrow({ where: { storeId: h.fleet.stores[1]!.id } });
    const bad = await h.call('POST', `/stores/${storeId}/rollouts/manifest-check`, { manifest: csv(3, `${known.imei},${iccid(0)},+79160000000,X1234567,SM-A256B`) });
    expect(bad.status).toBe(400);
    // Each row's own checks and duplicates first, then what the fleet already has.
    expect((await bad.json()).problems).toEqual([
      { field: 'manifest[row 5].iccid', message: `${iccid(0)} is also on manifest[row 2]` },
      { field: 'manifest[row 5].imei', message: `${known.imei} is already a phone of store ${known.storeId} (${known.state.toLowerCase()})` },
    ]);
    expect(await h.db.device.count()).toBe(devicesBefore);
    const other = await fetch(`${h.api}/stores/${storeId}/rollouts/manifest-check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CURATOR_OTHER_STORE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ manifest: csv(1) }),
    });
    expect(other.status).toBe(403);
  });
});

describe('phonefleet rollout plan', () => {
  it('reads the constraints (JSON) and the roster (CSV) from files and prints the days beside the bound', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-rollout-'));
    const { roster: _, ...constraints } = request();
    fs.writeFileSync(path.join(dir, 'constraints.json'), JSON.stringify({ ...constraints, departments: [{ id: 'SALES', minOnFloor: 10 }] }));
    fs.writeFileSync(
      path.join(dir, 'roster.csv'),
      ['employeeId,department,shiftFrom,shiftUntil,daysOff,unavailable', ...people(200, 'SALES').map((p) => `${p.employeeId},SALES,08:00,14:00,,`)].join('\n'),
    );
    const run = await cli(['rollout', 'plan', h.fleet.stores[0]!.id, '--constraints', path.join(dir, 'constraints.json'), '--roster', path.join(dir, 'roster.csv')]);
    expect(run.code, run.stderr).toBe(0);
    // 200 people, 24 seats a slot, 6 morning slots a day: 9 slots, 2 days.
    expect(run.stdout).toMatch(/^200 people in \d+ sessions over 2 training days \(lower bound 2: seats, /);
    // Start it, again (the same rollout), follow it, and a trainer too early for the first session.
    const store = h.fleet.stores[0]!.id;
    const start = ['rollout', 'start', store, '--constraints', path.join(dir, 'constraints.json'), '--roster', path.join(dir, 'roster.csv')];
    const started = await cli(start);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(new RegExp(`^store-rollout-${store} started: \\d+ sessions over 2 training days, the last on 2027-03-02\\.`));
    expect((await cli(start)).stdout).toBe(`store-rollout-${store} was already started by this request.\n`);
    const status = await eventually(async () => {
      const run = await cli(['rollout', 'status', store]);
      return run.code === 0 ? run : undefined;
    }, 'the rollout status');
    expect(status.stdout).toMatch(
      new RegExp(`^${store}: 0 of 200 trained, 0 phones handed over, 0 no-shows placed again; 0 sessions held, \\d+ left \\(the last on 2027-03-02\\); training\\.`),
    );
    // The partner's shipment goes with the start: its terms are needed, and its rows are checked first.
    const manifest = path.join(dir, 'manifest.csv');
    fs.writeFileSync(manifest, 'imei,iccid,msisdn,serial,model\n123,8970199000000000000,+79160000000,R1234,SM-A256B\n');
    const noTerms = await cli([...start, '--manifest', manifest]);
    expect(noTerms.code).toBe(2);
    expect(noTerms.stderr).toContain('--manifest needs --lease-contract and --warranty-until');
    const badRow = await cli([...start, '--manifest', manifest, '--lease-contract', 'L-2027', '--warranty-until', '2029-12-31', '--curator', 'SALES-000']);
    // A 400 is the caller's input: exit 2, every problem named, nothing started.
    expect(badRow.code, badRow.stderr).toBe(2);
    expect(badRow.stderr).toMatch(/400 from the API: the manifest has 2 problems \(nothing applied\) \(shipment\.manifest\[row 2\]\.imei must be a 15-digit IMEI/);
    const first = status.stdout.split('\n').find((l) => l.includes('2027-03-01T08:00'))!;
    expect(first).toBeDefined();
    const early = await cli(['rollout', 'attend', store, '2027-03-01T08:00-training-room', '--present', 'SALES-000']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/409 from the API: session 2027-03-01T08:00-training-room starts at 2027-03-01T05:00:00.000Z/);

    // Operations change it: the first session cancelled, new hires from a CSV and someone gone; a change refused; no change named.
    const cancel = await cli(['rollout', 'change', store, '--cancel-session', '2027-03-01T08:00-training-room', '--reason', 'trainer ill']);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(
      /^Change 1 to S001's rollout \(session-cancelled\): 1 sessions cancelled \(2027-03-01T08:00-training-room\), \d+ added, 0 people placed nowhere\./,
    );
    fs.writeFileSync(path.join(dir, 'hires.csv'), 'employeeId,department,shiftFrom,shiftUntil,daysOff,unavailable\nNEW-1,SALES,08:00,14:00,,\n');
    const roster = await cli(['rollout', 'change', store, '--roster-add', path.join(dir, 'hires.csv'), '--roster-remove', 'SALES-199', '--reason', 'hires and a leaver']);
    expect(roster.code, roster.stderr).toBe(0);
    expect(roster.stdout).toMatch(/^Change 2 to S001's rollout \(roster-changed\): 0 sessions cancelled, 1 added, 0 people placed nowhere\./);
    const lost = await cli(['rollout', 'change', store, '--room-lost', 'attic', '--reason', 'inventory']);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/409 from the API: no room attic in the rollout's plan/);
    expect((await cli(['rollout', 'change', store, '--reason', 'nothing'])).code).toBe(2);

    const bad = await cli(['rollout', 'plan', h.fleet.stores[0]!.id, '--constraints', path.join(dir, 'missing.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('cannot read');
  });
});

const cli = (args: string[]) => runPhonefleet(h, args);

function zoned(date: string, hhmm: string, timeZone: string): number {
  // The instant the store's clock shows `date hhmm`: the offset found by formatting.
  const guess = Date.parse(`${date}T${hhmm}:00Z`);
  const shown = new Date(new Date(guess).toLocaleString('en-US', { timeZone })).getTime() - new Date(new Date(guess).toLocaleString('en-US', { timeZone: 'UTC' })).getTime();
  return guess - shown;
}
