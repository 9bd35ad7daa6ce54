// The fleet's reconciliation end to end (the fleetReconcile workflow on the dev server, its
// activity against PostgreSQL and the simulators): a fleet seeded with each anomaly kind once, all
// found; the safe ones fixed (a missing owner registration submitted with the identity HR gives
// inside the activity, a finished leaver's SIM suspended at the operator), the rest one support
// task each; a second run changes nothing; a dry run changes nothing and says what it would do;
// an accepted registration followed until the person confirms it (reminders, support before the
// cut-off); no identity data in any payload of the runs' histories.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { ANOMALY_KINDS, type AnomalyKind } from '../../src/domain/anomalies.ts';
import type { FleetPolicy } from '../../workflows/policy.ts';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { FLEET_RECONCILE_WORKFLOW, fleetReconcileWorkflowId, type ReconcileSummary } from '../../workflows/fleet-reconcile-contract.ts';
import { runPhonefleet } from '../../src/cli/program.ts';
import { FAST_POLICY, startHarness, type Harness } from '../support/harness.ts';
import { isSearchAttribute, payloadsOf } from '../support/history-payloads.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';

let h: Harness;
const codec = new EncryptionCodec(TEST_PAYLOAD_KEYS.current);
const DAY = 86_400_000;
const NOW = Date.now();
const ago = (days: number) => new Date(NOW - days * DAY);
const POLICY: FleetPolicy = {
  ...FAST_POLICY,
  fleet: { simUnseenAfter: '30 days', phoneSilentAfter: '14 days', ownerConfirmWithin: '30 days', ownerConfirmReminderDays: [14, 7, 3, 1], ownerConfirmWarnBefore: '5 days' },
};

/** The people each fault is made on (S001, never its curator), by the kind they show. */
const who = {} as Record<AnomalyKind, { employeeId: string; imei: string; iccid: string }>;
const runIds: string[] = [];

async function reconcile(opts: { dryRun?: boolean; now?: Date } = {}): Promise<ReconcileSummary> {
  const runId = `test-${runIds.length + 1}-${Math.random().toString(36).slice(2, 8)}`;
  runIds.push(runId);
  return h.client.workflow.execute(FLEET_RECONCILE_WORKFLOW, {
    workflowId: fleetReconcileWorkflowId(runId),
    taskQueue: h.taskQueue,
    args: [{ runId, dryRun: opts.dryRun ?? false, now: (opts.now ?? new Date()).toISOString() }],
  }) as Promise<ReconcileSummary>;
}

/** Everything a run could change, to compare before and after. */
async function state() {
  const registrations = h.sims.operator.registrationSummaries().map((r) => `${r.registrationId}:${r.status}`);
  const operatorSims = [...h.sims.operator.sims.values()].map((s) => `${s.iccid}:${s.status}`).sort();
  const [anomalies, tasks, sims, links, notifications, audit] = await Promise.all([
    h.db.anomaly.findMany({ orderBy: { id: 'asc' }, select: { id: true, kind: true, subject: true, resolvedAt: true, supportTaskId: true } }),
    h.db.supportTask.findMany({ orderBy: { id: 'asc' }, select: { id: true, kind: true } }),
    h.db.sim.findMany({
      orderBy: { iccid: 'asc' },
      select: {
        iccid: true,
        state: true,
        ownerRegistration: true,
        ownerRegistrationId: true,
        operatorStatus: true,
        ownerConfirmedAt: true,
        ownerConfirmDeadline: true,
        ownerRemindersSent: true,
      },
    }),
    h.db.directoryLink.findMany({ orderBy: { id: 'asc' } }),
    h.db.notification.count(),
    h.db.auditLog.count(),
  ]);
  return { registrations, operatorSims, anomalies, tasks, sims, links, notifications, audit };
}

beforeAll(async () => {
  h = await startHarness({ policy: POLICY, fleet: { stores: 2, employeesPerStore: 12, stockPerStore: 3 } });
  // Registrations submitted from now on stay pending until the test says otherwise.
  h.sims.operator.setRegistrationPolicy({ decideAfterMs: 3_600_000 });

  // What the fleet sync would have written: each phone reports its holder's SIM and checked in
  // yesterday, the operator knows every SIM and number, every registration is confirmed.
  const sims = await h.db.sim.findMany();
  for (const sim of sims) {
    await h.db.sim.update({
      where: { iccid: sim.iccid },
      data: {
        lastSeenAt: sim.employeeId ? ago(1) : null,
        operatorStatus: sim.employeeId ? 'ACTIVATED' : 'INVENTORY',
        ownerConfirmedAt: sim.ownerRegistration === 'ACCEPTED' ? ago(100) : null,
      },
    });
    await h.db.operatorSimRecord.create({
      data: { iccid: sim.iccid, operator: sim.operator, msisdn: sim.msisdn, status: sim.employeeId ? 'ACTIVATED' : 'INVENTORY', fetchedAt: ago(1), lastSeenAt: ago(1) },
    });
  }
  for (const device of await h.db.device.findMany({ where: { employeeId: { not: null } } })) {
    const sim = sims.find((s) => s.employeeId === device.employeeId)!;
    await h.db.device.update({ where: { imei: device.imei }, data: { reportedIccid: sim.iccid, lastCheckInAt: ago(1) } });
  }
  await h.db.employee.updateMany({ data: { hrStatus: 'ACTIVE' } });

  const curators = new Set(h.fleet.stores.map((s) => s.curatorId));
  const people = h.fleet.employees.filter((e) => e.storeId === 'S001' && !curators.has(e.employeeId));
  for (const [i, kind] of ANOMALY_KINDS.entries()) {
    const { employeeId } = people[i]!;
    const row = await h.db.employee.findUniqueOrThrow({ where: { id: employeeId }, include: { devices: true, sims: true } });
    who[kind] = { employeeId, imei: row.devices[0]!.imei, iccid: row.sims[0]!.iccid };
  }
}, 180_000);
afterAll(async () => h?.close());

describe('reconciling the fleet', () => {
  it('a clean fleet: nothing found, nothing done', async () => {
    const summary = await reconcile();
    expect(summary.anomalies).toMatchObject({ open: 0, opened: 0 });
    expect(summary.remediations).toEqual({ planned: 0, done: 0 });
    expect(summary.directory.opened).toBeGreaterThan(0); // the first run fills the directory
    expect(await h.db.anomaly.count()).toBe(0);
  });

  it('each anomaly kind seeded once: a dry run finds them all and changes nothing', async () => {
    const stockSim = await h.db.sim.findFirstOrThrow({ where: { storeId: 'S001', state: 'IN_STOCK' } });
    const [spareA, spareB] = await h.db.device.findMany({ where: { storeId: 'S001', state: 'IN_STOCK' }, take: 2 });
    const w = who;
    await h.db.device.update({ where: { imei: w['sim-in-foreign-phone'].imei }, data: { reportedIccid: stockSim.iccid } });
    await h.db.device.update({ where: { imei: w['sim-not-seen'].imei }, data: { reportedIccid: null } });
    await h.db.sim.update({ where: { iccid: w['sim-not-seen'].iccid }, data: { lastSeenAt: ago(40) } });
    // A leaver who finished: phone returned, SIM forgotten and still switched on.
    await h.db.employee.update({ where: { id: w['leaver-sim-active'].employeeId }, data: { status: 'LEFT', hrStatus: 'LEFT' } });
    await h.db.device.update({ where: { imei: w['leaver-sim-active'].imei }, data: { employeeId: null, state: 'RETURNED', reportedIccid: null } });
    await h.db.sim.update({ where: { iccid: w['sim-unregistered'].iccid }, data: { ownerRegistration: 'NONE', ownerRegistrationId: null, ownerConfirmedAt: null } });
    await h.db.sim.update({ where: { iccid: w['number-unknown-to-operator'].iccid }, data: { msisdn: '79009999999' } });
    await h.db.device.update({ where: { imei: w['phone-silent'].imei }, data: { lastCheckInAt: ago(20) } });
    await h.db.device.update({ where: { imei: spareA!.imei }, data: { reportedIccid: w['iccid-in-two-phones'].iccid } });
    // HR says this one left; no dismissal reached phonefleet; the SIM was dealt with, the phone not.
    await h.db.employee.update({ where: { id: w['phone-enrolled-for-leaver'].employeeId }, data: { hrStatus: 'LEFT' } });
    await h.db.sim.update({ where: { iccid: w['phone-enrolled-for-leaver'].iccid }, data: { employeeId: null, state: 'SUSPENDED', operatorStatus: 'SUSPENDED' } });
    await h.db.device.update({ where: { imei: w['phone-enrolled-for-leaver'].imei }, data: { reportedIccid: null } });
    await h.db.device.update({ where: { imei: spareB!.imei }, data: { employeeId: w['employee-with-two-phones'].employeeId, state: 'IN_USE', lastCheckInAt: ago(1) } });

    const before = await state();
    const dry = await reconcile({ dryRun: true });
    expect(await state()).toEqual(before);
    expect(dry.dryRun).toBe(true);
    expect(dry.anomalies.open).toBe(9);
    expect(Object.keys(dry.anomalies.byKind).sort()).toEqual(Object.keys(who).sort());
    expect(Object.values(dry.anomalies.byKind)).toEqual(Array(9).fill(1));
    expect(dry.remediations).toEqual({ planned: 9, done: 0 });
    const planned = Object.fromEntries(dry.actions.map((a) => [a.kind, a.action]));
    expect(planned).toEqual({
      'sim-in-foreign-phone': 'open-support-task',
      'sim-not-seen': 'open-support-task',
      'leaver-sim-active': 'suspend-sim',
      'sim-unregistered': 'submit-owner-registration',
      'number-unknown-to-operator': 'open-support-task',
      'phone-silent': 'open-support-task',
      'iccid-in-two-phones': 'open-support-task',
      'phone-enrolled-for-leaver': 'open-support-task',
      'employee-with-two-phones': 'open-support-task',
    });
  });

  it('the API and the CLI answer a dry run with what would be done, changing nothing', async () => {
    const before = await state();
    const res = await h.call('POST', '/fleet/reconcile', { dryRun: true });
    expect(res.status).toBe(200);
    const { summary } = await res.json();
    expect(summary).toMatchObject({ dryRun: true, anomalies: { open: 9 }, remediations: { planned: 9, done: 0 } });
    const out: string[] = [];
    const code = await runPhonefleet(['reconcile', '--dry-run'], {
      settings: () => ({ url: h.api, token: h.token }),
      output: { out: (l) => out.push(l), err: (l) => out.push(l) },
    });
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/dry run: nothing changed/);
    for (const action of ['submit-owner-registration', 'suspend-sim', 'open-support-task']) expect(out.join('\n')).toContain(action);
    expect(await state()).toEqual(before);
    const bad = await h.call('POST', '/fleet/reconcile', { dryRun: 'yes', extra: 1 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).problems.map((p: { field: string }) => p.field).sort()).toEqual(['dryRun', 'extra']);
  });

  it('a real run records all nine, fixes the safe two and gives the rest to support, once each', async () => {
    const identityReads = h.sims.hr.identityReads.get(who['sim-unregistered'].employeeId) ?? 0;
    const summary = await reconcile();
    expect(summary.anomalies).toMatchObject({ open: 9, opened: 9, resolved: 1 }); // the suspended SIM's
    expect(summary.supportTasksOpened).toBe(7);

    const anomalies = await h.db.anomaly.findMany();
    expect(anomalies).toHaveLength(9);
    const byKind = Object.fromEntries(anomalies.map((a) => [a.kind, a]));
    expect(byKind['sim-in-foreign-phone']!.subject).toBe((await h.db.device.findUniqueOrThrow({ where: { imei: who['sim-in-foreign-phone'].imei } })).reportedIccid);
    expect(byKind['phone-silent']!.subject).toBe(who['phone-silent'].imei);
    expect(byKind['employee-with-two-phones']!.subject).toBe(who['employee-with-two-phones'].employeeId);

    // Suspended at the operator, recorded, and so resolved by the run itself.
    expect(h.sims.operator.sims.get(who['leaver-sim-active'].iccid)!.status).toBe('SUSPENDED');
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid: who['leaver-sim-active'].iccid } })).toMatchObject({ state: 'SUSPENDED', operatorStatus: 'SUSPENDED' });
    expect(byKind['leaver-sim-active']).toMatchObject({ resolvedBy: 'sync', resolvedAt: expect.any(Date), openKey: null, supportTaskId: null });

    // Submitted with the identity HR gave (read once, inside the activity), pending at the operator.
    expect(h.sims.hr.identityReads.get(who['sim-unregistered'].employeeId)).toBe(identityReads + 1);
    const registration = h.sims.operator.registrationSummaries().find((r) => r.iccid === who['sim-unregistered'].iccid && !r.idempotencyKey.startsWith('imported:'))!;
    expect(registration).toMatchObject({ status: 'PENDING', idempotencyKey: `reconcile:${runIds.at(-1)}:owner-registration:${who['sim-unregistered'].iccid}` });
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid: who['sim-unregistered'].iccid } })).toMatchObject({
      ownerRegistration: 'PENDING',
      ownerRegistrationId: registration.registrationId,
    });
    expect(byKind['sim-unregistered']).toMatchObject({ resolvedAt: null, supportTaskId: null });

    // The other seven: one support task each, linked.
    const tasks = await h.db.supportTask.findMany({ where: { kind: { startsWith: 'anomaly-' } } });
    expect(tasks.map((t) => t.kind).sort()).toEqual(
      ['sim-in-foreign-phone', 'sim-not-seen', 'number-unknown-to-operator', 'phone-silent', 'iccid-in-two-phones', 'phone-enrolled-for-leaver', 'employee-with-two-phones']
        .map((k) => `anomaly-${k}`)
        .sort(),
    );
    for (const task of tasks) expect(anomalies.find((a) => a.supportTaskId === task.id)?.kind).toBe(task.kind.replace('anomaly-', ''));
  });

  it('a second run changes nothing', async () => {
    const before = await state();
    const summary = await reconcile();
    expect(summary).toMatchObject({ anomalies: { open: 8, opened: 0, resolved: 0 }, supportTasksOpened: 0, remediations: { done: 0 } });
    expect(await state()).toEqual(before);
  });

  it('GET /anomalies filters by kind, store and open; bad filters are 400 naming the field; resolve is idempotent and audited', async () => {
    const list = async (q: string) => ((await (await h.call('GET', `/anomalies${q}`)).json()).anomalies as { id: number; kind: string }[]).map((a) => a.kind).sort();
    expect(await list('?open=true')).toHaveLength(8);
    expect(await list('?open=false')).toEqual(['leaver-sim-active']);
    expect(await list('?kind=phone-silent&store=S001')).toEqual(['phone-silent']);
    expect(await list('?kind=phone-silent&store=S002')).toEqual([]);
    const bad = await h.call('GET', '/anomalies?kind=weird&open=maybe&store=S%201');
    expect(bad.status).toBe(400);
    expect((await bad.json()).problems.map((p: { field: string }) => p.field)).toEqual(['query.kind', 'query.store', 'query.open']);
    expect((await h.call('GET', '/anomalies?store=S999')).status).toBe(404);

    const silent = await h.db.anomaly.findFirstOrThrow({ where: { kind: 'phone-silent' } });
    const first = await h.call('POST', `/anomalies/${silent.id}/resolve`);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ alreadyResolved: false, anomaly: { id: silent.id, resolvedBy: 'api:test-operator', openKey: null } });
    const again = await h.call('POST', `/anomalies/${silent.id}/resolve`);
    expect(await again.json()).toMatchObject({ alreadyResolved: true });
    expect(await h.db.auditLog.count({ where: { action: 'anomaly.resolved', actor: 'api:test-operator' } })).toBe(1);
    expect((await h.call('POST', '/anomalies/999999/resolve')).status).toBe(404);
    expect((await h.call('POST', '/anomalies/x/resolve')).status).toBe(400);

    // Still silent: the next run opens it again (a new anomaly), with its own support task.
    const summary = await reconcile();
    expect(summary.anomalies.opened).toBe(1);
    const reopened = await h.db.anomaly.findFirstOrThrow({ where: { kind: 'phone-silent', resolvedAt: null } });
    expect(reopened.id).not.toBe(silent.id);

    const out: string[] = [];
    expect(
      await runPhonefleet(['anomalies', 'list', '--kind', 'phone-silent', '--status', 'all'], {
        settings: () => ({ url: h.api, token: h.token }),
        output: { out: (l) => out.push(l), err: (l) => out.push(l) },
      }),
    ).toBe(0);
    expect(out.join('\n')).toContain(who['phone-silent'].imei);
  });

  it('an accepted registration is followed until confirmed: reminders, support before the cut-off, then recorded', async () => {
    // The operator accepts the pending registration now.
    const iccid = who['sim-unregistered'].iccid;
    const state0 = h.sims.operator.exportState();
    const record = state0.registrations.find((r) => r.iccid === iccid && r.decideAt > Date.now())!;
    record.decideAt = Date.now();
    h.sims.operator.importState(state0);
    const confirmBy = Date.parse(h.sims.operator.registrationSummaries().find((r) => r.registrationId === record.registrationId)!.confirmBy!);

    // Two days before the cut-off: the reminders 14, 7 and 3 days before are due (one message), support is warned.
    const at = new Date(confirmBy - 2 * DAY);
    const summary = await reconcile({ now: at });
    expect(summary.remindersSent).toBe(1);
    const sim = await h.db.sim.findUniqueOrThrow({ where: { iccid } });
    expect(sim).toMatchObject({ ownerRegistration: 'ACCEPTED', ownerConfirmedAt: null, ownerConfirmDeadline: new Date(confirmBy), ownerRemindersSent: 3 });
    expect(await h.db.anomaly.findFirst({ where: { kind: 'sim-unregistered', subject: iccid, resolvedAt: null } })).toBeNull();
    const notices = await h.db.notification.findMany({ where: { kind: 'sim-owner-confirm', employeeId: who['sim-unregistered'].employeeId }, include: { deliveries: true } });
    expect(Object.fromEntries(notices.map((n) => [n.recipient, n.deliveries.map((d) => d.channel).sort()]))).toEqual({
      curator: ['email', 'phone'],
      [who['sim-unregistered'].employeeId]: ['phone'],
    });
    expect(await h.db.supportTask.count({ where: { kind: 'sim-owner-unconfirmed', employeeId: who['sim-unregistered'].employeeId } })).toBe(1);

    // Again at the same moment: nothing more.
    const before = await state();
    expect((await reconcile({ now: at })).remindersSent).toBe(0);
    expect(await state()).toEqual(before);

    // The person confirms on the state portal: recorded, no more reminders.
    h.sims.operator.confirmRegistration(record.registrationId);
    await reconcile({ now: new Date(confirmBy - DAY) });
    expect((await h.db.sim.findUniqueOrThrow({ where: { iccid } })).ownerConfirmedAt).toBeInstanceOf(Date);
    expect(await h.db.notification.count({ where: { kind: 'sim-owner-confirm', employeeId: who['sim-unregistered'].employeeId } })).toBe(2);
  });

  it('no identity data in any payload of the runs: input, results, failures (decoded)', async () => {
    const identity = h.fleet.identities[who['sim-unregistered'].employeeId]!;
    const secrets = [identity.documentNumber, identity.lastName, identity.firstName, identity.birthDate];
    for (const runId of runIds) {
      const history = await h.client.workflow.getHandle(fleetReconcileWorkflowId(runId)).fetchHistory();
      const payloads = payloadsOf(history).filter((p) => !isSearchAttribute(p.path));
      expect(payloads.length).toBeGreaterThan(0);
      for (const { path, payload } of payloads) {
        const [plain] = await codec.decode([payload]);
        const text = JSON.stringify(defaultPayloadConverter.fromPayload(plain));
        for (const secret of secrets) expect(text, `${runId} ${path}`).not.toContain(secret);
      }
    }
  });
});
