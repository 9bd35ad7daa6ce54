// The `phonefleet` command end to end: the real bin (`node bin/phonefleet.mjs`, as npm links it)
// in a child process, against the harness's API (real Temporal, PostgreSQL, simulators), for
// each command: its text, its --json and the exit codes a pipeline acts on.
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImei } from '../../src/domain/identifiers.ts';
import { dayFromToday, dismissEvent, eventually, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';
import { runPhonefleet } from '../support/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STORE = 'S001';

let h: Harness;
let sim: SimAdmin;
let nextEmployee = 1; // the fleet's S001 employees, one per test that needs one (0 is the curator)

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `phonefleet <args>` with the harness's API and token in the environment (or `env` instead). */
const phonefleet = (args: string[], env: Record<string, string | undefined> = {}): Promise<Run> => runPhonefleet(h, args, { env });

/** Runs with --json and parses stdout; fails the test with stderr when the exit code is not `code`. */
async function json(args: string[], code = 0) {
  const run = await phonefleet([...args, '--json']);
  expect(run.code, run.stderr).toBe(code);
  return JSON.parse(run.stdout);
}

async function employeeWithPhone() {
  const employee = h.fleet.employees.filter((e) => e.storeId === STORE)[nextEmployee++]!;
  const row = await h.db.employee.findUniqueOrThrow({ where: { id: employee.employeeId }, include: { devices: true, sims: true } });
  return { employeeId: employee.employeeId, imei: row.devices[0]!.imei, iccid: row.sims[0]!.iccid };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function employee(employeeId: string): Promise<any> {
  return (await h.call('GET', `/employees/${employeeId}`)).json();
}

describe('phonefleet CLI', () => {
  it('--help lists the commands, the environment and the exit codes', async () => {
    const run = await phonefleet(['--help']);
    expect(run.code).toBe(0);
    for (const text of ['employee', 'device', 'freeze', 'support-task', 'PHONEFLEET_API_URL', 'PHONEFLEET_TOKEN', 'Exit codes:', '3  not found', '5  unavailable'])
      expect(run.stdout).toContain(text);
  });

  it('employee show: the employee, their phone and SIM, as a table and as the API answers', async () => {
    const { employeeId, imei, iccid } = await employeeWithPhone();
    const text = await phonefleet(['employee', 'show', employeeId]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Employee ${employeeId}: store ${STORE}`);
    expect(text.stdout).toContain(imei);
    expect(text.stdout).toContain(iccid);
    expect(text.stdout).toMatch(/│\s*in use\s*│/); // the device's state, in a table cell

    expect(await json(['employee', 'show', employeeId])).toEqual(await employee(employeeId));

    const missing = await phonefleet(['employee', 'show', 'NOBODY-1']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('404 from the API: employee NOBODY-1 is unknown to phonefleet');
    expect(await json(['employee', 'show', 'NOBODY-1'], 3)).toMatchObject({ status: 404, error: 'employee NOBODY-1 is unknown to phonefleet' });
  });

  it("device handover by the employee's id finds the prepared phone; again by IMEI it was already done; a phone in stock is refused", async () => {
    const employeeId = h.newEmployeeId();
    const position = h.fleet.employees[0]!.position;
    await sim.addHrEmployee({ employeeId, storeId: STORE, position, startDate: storeToday(h.fleet, STORE), documentNumber: `DOC-${employeeId}` });
    await sim.addDirectoryAccount(employeeId, 0);
    expect((await h.sendHrEvent(hireEvent(employeeId, STORE, position, { startDate: storeToday(h.fleet, STORE) }))).status).toBe(202);
    const ready = await eventually(async () => {
      const e = await employee(employeeId);
      return e.onboarding?.stage === 'awaiting-handover' && e;
    }, 'the phone to be ready for hand-over');
    const { imei } = ready.onboarding;

    const handover = await phonefleet(['device', 'handover', employeeId]);
    expect(handover.code, handover.stderr).toBe(0);
    expect(handover.stdout).toContain(`Phone ${imei} handed over to ${employeeId}`);
    await eventually(async () => (await employee(employeeId)).employee?.status === 'ACTIVE', 'the onboarding to finish');
    expect(await json(['device', 'handover', imei])).toEqual({ employeeId, imei, alreadyHandedOver: true });
    expect((await phonefleet(['device', 'handover', imei])).stdout).toContain(`Phone ${imei} was already handed over to ${employeeId}.`);

    const inStock = await h.db.device.findFirstOrThrow({ where: { storeId: STORE, state: 'IN_STOCK' } });
    const refused = await phonefleet(['device', 'handover', inStock.imei]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`409 from the API: device ${inStock.imei} is not prepared for anyone`);
  });

  it('device returned: the clearance sheet reaches the leaver process (condition and SIM as given)', async () => {
    const { employeeId, imei } = await employeeWithPhone();
    expect((await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(7)))).status).toBe(202);
    await eventually(async () => (await employee(employeeId)).clearance?.stage === 'awaiting-return', 'the clearance to await the phone');

    const usage = await phonefleet(['device', 'returned', imei, '--condition', 'broken', '--sim-returned']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Allowed choices are ok, damaged');
    const simUnsaid = await phonefleet(['device', 'returned', imei, '--condition', 'ok']);
    expect(simUnsaid.code).toBe(2);
    expect(simUnsaid.stderr).toContain('--sim-returned or --no-sim-returned');

    const answer = await json(['device', 'returned', imei, '--condition', 'damaged', '--no-sim-returned']);
    expect(answer).toMatchObject({ employeeId, imei, workflowId: expect.any(String) });
    const sheet = await eventually(async () => (await employee(employeeId)).clearance?.returned, 'the clearance to hold the return');
    expect(sheet).toMatchObject({ condition: 'damaged', simReturned: false });

    const unknown = await phonefleet(['device', 'returned', makeImei('99000000', 424242), '--condition', 'ok', '--sim-returned']);
    expect(unknown.code, unknown.stderr).toBe(3);
    const invalid = await phonefleet(['device', 'returned', '356938035643800', '--condition', 'ok', '--sim-returned']); // wrong check digit
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('400 from the API: invalid request (imei must be a 15-digit IMEI with a valid check digit)');
  });

  it('freeze add, list and remove, for a store and for the fleet; a freeze removed twice is not found', async () => {
    const from = new Date(Date.now() + 86_400_000).toISOString().replace('Z', '+00:00');
    const until = new Date(Date.now() + 2 * 86_400_000).toISOString().replace(/\.\d+Z$/, '+03:00');
    const added = await phonefleet(['freeze', 'add', '--store', STORE, '--from', from, '--until', until, '--reason', 'stock-taking']);
    expect(added.code, added.stderr).toBe(0);
    const id = Number(/Freeze (\d+) declared for store S001/.exec(added.stdout)?.[1]);
    expect(id).toBeGreaterThan(0);

    const fleetWide = await json(['freeze', 'add', '--fleet', '--from', from, '--until', until, '--reason', 'peak sales']);
    expect(fleetWide.freeze).toMatchObject({ storeId: null, reason: 'peak sales' });

    const list = await phonefleet(['freeze', 'list', '--store', STORE]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`│ ${id}\\s*│ S001\\s*│.*stock-taking`));
    expect(list.stdout).toContain('peak sales'); // a store is frozen by the fleet's windows too
    const listed = await json(['freeze', 'list']);
    expect(listed.freezes.map((f: { id: number }) => f.id)).toEqual([fleetWide.freeze.id]);

    expect((await phonefleet(['freeze', 'add', '--from', from, '--until', until, '--reason', 'x'])).code).toBe(2); // neither --store nor --fleet
    const noOffset = await phonefleet(['freeze', 'add', '--fleet', '--from', '2026-03-02T06:00:00', '--until', until, '--reason', 'x']);
    expect(noOffset.code).toBe(2);
    expect(noOffset.stderr).toContain('with an offset');

    const removed = await phonefleet(['freeze', 'remove', String(id), '--store', STORE]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain(`Freeze ${id} lifted.`);
    expect(await h.db.freeze.count({ where: { id } })).toBe(0);
    const twice = await phonefleet(['freeze', 'remove', String(id), '--store', STORE]);
    expect(twice.code).toBe(3);
    expect(await json(['freeze', 'remove', String(fleetWide.freeze.id)])).toEqual({ removed: fleetWide.freeze.id, storeId: null });
  });

  it('support-task list filters and close records the resolution; closing again the same is 0, differently 1', async () => {
    const { employeeId } = await employeeWithPhone();
    const task = await h.db.supportTask.create({
      data: { idempotencyKey: `cli-${employeeId}`, storeId: STORE, employeeId, kind: 'phone-not-returned', summary: `Collect the phone of ${employeeId}` },
    });
    await h.db.supportTask.create({ data: { idempotencyKey: `cli-other-${employeeId}`, storeId: STORE, employeeId, kind: 'onboarding-failed', summary: 'other' } });

    const listed = await json(['support-task', 'list', '--store', STORE, '--kind', 'phone-not-returned', '--employee', employeeId]);
    expect(listed.tasks.map((t: { id: number }) => t.id)).toEqual([task.id]);
    const text = await phonefleet(['support-task', 'list', '--employee', employeeId]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`│ ${task.id}\\s*│ S001\\s*│ ${employeeId}\\s*│ phone-not-returned`));
    expect(text.stdout).toContain('onboarding-failed');

    const closed = await phonefleet(['support-task', 'close', String(task.id), '--resolution', 'phone collected at the store']);
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toContain(`Support task ${task.id} closed.`);
    const again = await json(['support-task', 'close', String(task.id), '--resolution', 'phone collected at the store']);
    expect(again).toMatchObject({ alreadyClosed: true, task: { id: task.id, status: 'DONE', resolution: 'phone collected at the store' } });
    const conflict = await phonefleet(['support-task', 'close', String(task.id), '--resolution', 'written off']);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(`409 from the API: support task ${task.id} is already closed with another resolution`);

    const done = await phonefleet(['support-task', 'list', '--status', 'done', '--employee', employeeId]);
    expect(done.stdout).toMatch(new RegExp(`│ ${task.id}\\s*│.*phone collected at the store`));
    expect((await json(['support-task', 'list', '--employee', employeeId])).tasks.map((t: { kind: string }) => t.kind)).toEqual(['onboarding-failed']);
    expect((await phonefleet(['support-task', 'close', '999999999', '--resolution', 'x'])).code).toBe(3);
    expect((await phonefleet(['support-task', 'close', 'seven', '--resolution', 'x'])).code).toBe(2);
  });

  it('sync run --wait runs a fleet sync to the end; the same --key is the same run, another dry-run a conflict; then directory, anomalies and compliance read what it brought', async () => {
    const key = `cli-sync-${Date.now()}`;
    const ran = await phonefleet(['sync', 'run', '--key', key, '--wait']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^Sync sync-cli-sync-\d+: completed, started /);
    for (const pass of ['hr-stores', 'hr-employees', 'operator', 'mdm-KNOX_MANAGE']) expect(ran.stdout).toMatch(new RegExp(`│ ${pass}\\s*│ \\d+`));
    expect(ran.stdout).toContain('Reconciliation: ');
    const again = await json(['sync', 'run', '--key', key]);
    expect(again).toMatchObject({ id: `sync-${key}`, dryRun: false });
    const status = await json(['sync', 'status', again.id]);
    expect(status).toEqual(await (await h.call('GET', `/fleet-syncs/${again.id}`)).json());
    expect(status).toMatchObject({ status: 'COMPLETED', passes: expect.arrayContaining([expect.objectContaining({ source: 'operator', finishedAt: expect.any(String) })]) });
    const conflict = await phonefleet(['sync', 'run', '--key', key, '--dry-run']);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('409 from the API');
    expect((await phonefleet(['sync', 'status', 'sync-never-ran'])).code).toBe(3);

    // What support looks up: the holder of a number, and what a person has.
    const { employeeId, imei, iccid } = await employeeWithPhone();
    const sim = await h.db.sim.findUniqueOrThrow({ where: { iccid } });
    const byEmployee = await json(['directory', 'find', '--employee', employeeId]);
    expect(byEmployee.current).toEqual([expect.objectContaining({ employeeId, iccid, imei, msisdn: sim.msisdn, until: null })]);
    const byNumber = await phonefleet(['directory', 'find', '--number', sim.msisdn!]);
    expect(byNumber.code, byNumber.stderr).toBe(0);
    const row = [employeeId, sim.msisdn!, iccid, imei].map((cell) => cell.replace(/[+]/g, '\\+')).join('\\s*│ ');
    expect(byNumber.stdout).toMatch(new RegExp(`Now:[\\s\\S]*│ ${row}\\s*│`));
    expect((await phonefleet(['directory', 'find', '--number', sim.msisdn!, '--imei', imei])).code).toBe(2);

    const anomalies = await json(['anomalies', 'list', '--status', 'all']);
    expect(anomalies).toEqual(await (await h.call('GET', '/anomalies')).json());
    const compliance = await json(['compliance']);
    expect(compliance.total.registered + compliance.total.pending + compliance.total.rejected + compliance.total.missing).toBeGreaterThan(0);
    const table = await phonefleet(['compliance']);
    expect(table.stdout).toMatch(/│ all\s*│/);
  });

  it('exit codes: 4 for a token the API does not know, 5 when the API is unreachable, 2 without the environment', async () => {
    const employeeId = h.fleet.employees[0]!.employeeId;
    const badToken = await phonefleet(['employee', 'show', employeeId], { PHONEFLEET_TOKEN: 'not-a-token' });
    expect(badToken.code).toBe(4);
    expect(badToken.stderr).toContain('401 from the API');

    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const unreachable = await phonefleet(['support-task', 'list'], { PHONEFLEET_API_URL: `http://127.0.0.1:${closedPort}` });
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toContain(`cannot reach the API at http://127.0.0.1:${closedPort}`);

    const unset = await phonefleet(['support-task', 'list'], { PHONEFLEET_TOKEN: undefined });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('set PHONEFLEET_TOKEN');
  });
});

describe('apps and releases from a Jenkins stage', () => {
  const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', 'apk', `${name}.apk`);

  it('release publish: accepted (exit 0), the same build again names its release (exit 0), a refused build exits 1 naming the reason', async () => {
    const first = await phonefleet(['release', 'publish', fixture('stock-43'), '--commit', 'a1b2c3d', '--notes', 'Barcode lookup twice as fast', '--announce']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^release-com\.retailco\.stock-43 accepted: 4\.3\.0 \(43\), SHA-256 [0-9a-f]{64}\./);
    expect(await h.db.release.findUniqueOrThrow({ where: { id: 'release-com.retailco.stock-43' } })).toMatchObject({
      commit: 'a1b2c3d',
      notes: 'Barcode lookup twice as fast',
      announce: true,
    });

    const again = await json(['release', 'publish', fixture('stock-43'), '--commit', 'a1b2c3d']);
    expect(again.release.id).toBe('release-com.retailco.stock-43');
    expect(await h.db.release.count()).toBe(1);

    const tampered = await phonefleet(['release', 'publish', fixture('stock-44-tampered'), '--commit', 'a1b2c3d']);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/422 from the API: APK refused: its content changed after it was signed/);

    const missing = await phonefleet(['release', 'publish', fixture('no-such-build'), '--commit', 'a1b2c3d']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });

  it('app register, then list: the app, its roles and its last release', async () => {
    const run = await phonefleet([
      'app',
      'register',
      '--package',
      'com.retailco.shelf',
      '--name',
      'Shelf Audit',
      '--cert-sha256',
      'c'.repeat(64),
      '--critical',
      '--role',
      'CASHIER',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('com.retailco.shelf registered (roles CASHIER).\n');
    const list = await json(['app', 'list']);
    expect(list.apps.find((a: { packageName: string }) => a.packageName === 'com.retailco.shelf')).toMatchObject({
      critical: true,
      autoInstall: true,
      roles: ['CASHIER'],
      lastVersionCode: null,
    });
    const conflict = await phonefleet(['app', 'register', '--package', 'com.retailco.shelf', '--name', 'Shelf Audit', '--cert-sha256', 'd'.repeat(64)]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('409 from the API: com.retailco.shelf is registered otherwise');

    // Its own health gate: the figures given, the rest the fleet's default; a bad figure is a usage error before any request.
    const gated = await phonefleet(
      ['app', 'register', '--package', 'com.retailco.tills', '--name', 'Tills', '--cert-sha256', 'e'.repeat(64)].concat([
        '--gate-min-installs',
        '50',
        '--gate-max-crash-free-drop',
        '0.5',
        '--gate-max-install-failure-ratio',
        '3',
      ]),
    );
    expect(gated.code, gated.stderr).toBe(0);
    expect((await h.db.app.findUniqueOrThrow({ where: { packageName: 'com.retailco.tills' } })).gate).toEqual({
      maxCrashFreeDropPoints: 0.5,
      maxInstallFailureRatio: 3,
      minInstalls: 50,
    });
    const bad = await phonefleet(['app', 'register', '--package', 'com.retailco.x', '--name', 'X', '--cert-sha256', 'e'.repeat(64), '--gate-max-crash-free-drop', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be a number such as 1 or 0.5');
    expect(await h.db.app.count({ where: { packageName: 'com.retailco.x' } })).toBe(0);
  });
});

describe('store settings', () => {
  it('store settings: sets the options given and prints the settings; without options shows them; a bad value exits 2', async () => {
    const set = await phonefleet(['store', 'settings', 'S002', '--uplink', '400', '--update-share', '15', '--install-window', '02:00-05:00']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^Store S002: support line .+, uplink 400 Mbit\/s, updates may use 15 % of it, install window 02:00-05:00, MDM \w+\.\n$/);
    expect(await json(['store', 'settings', 'S002'])).toMatchObject({ storeId: 'S002', uplinkMbps: 400, updateSharePercent: 15, installWindow: { from: '02:00', until: '05:00' } });
    expect((await json(['store', 'settings', 'S002', '--install-window', 'none'])).installWindow).toBeNull();
    const bad = await phonefleet(['store', 'settings', 'S002', '--update-share', '0']);
    expect(bad.code).toBe(2);
    expect((await phonefleet(['store', 'settings', 'S002', '--install-window', 'at night'])).code).toBe(2);
  });
});
