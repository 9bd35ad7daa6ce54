// Benchmark: one release to the whole fleet. 90 stores of 344 phones (31,000; BENCH_STORES,
// BENCH_EMPLOYEES), every holder's role given the app, everyone on shift, an instant MDM (no
// rate limits, no latency), zero bake time, and the simulators' store link model on: the build is
// published through the API as Jenkins does and the real release process takes it ring by ring
// to every phone, on a Temporal dev server, a fresh PostgreSQL database and the worker.
//
//   npm run bench:release                          # 90 x 344 phones (~10 min on 2 cores)
//   BENCH_STORES=9 npm run bench:release           # a tenth
//
// Time is scaled, not skipped: the sample APK is ~74 KB and the phones download at 0.1 Mbit/s
// (6 s each) over store links of BENCH_UPLINK_MBPS (11) of which 30 % is for updates, so a store
// of 344 phones needs about a minute of link time instead of the two hours an 80 MB APK at
// 20 Mbit/s over 100 Mbit/s would take. Every figure below is a ratio or a count that the scale
// does not change: bytes over bandwidth against the link's bound, calls and actions per phone.
// The app is marked critical so that each phone installs as soon as it has downloaded (the
// holder's shift would otherwise hold the installs for hours: install moments are tested apart).
//
// Printed: wall time; Temporal actions per phone (counted from the histories of the release and
// its store workflows; goal <= 0.05); MDM calls per phone (the simulators' counts, every route;
// goal <= 0.1); per store, peak update traffic / allowed share (goal <= 1.0) and makespan /
// bandwidth bound (goal <= 1.1), from the simulators' link model; mobile data per phone against
// the plan's 3 GB. It asserts nothing.
import { log, positiveInt, round, runBench, seconds, startRig } from './rig.ts';
import proto from '@temporalio/proto';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_POLICY } from '../src/config.ts';
import { DEFAULT_GATE } from '../src/domain/health-gate.ts';
import { DEFAULT_RINGS } from '../src/domain/release-rings.ts';
import { MOBILE_DATA_BUDGET_BYTES } from '../src/domain/update-waves.ts';
import { releaseStoreWorkflowId, type ReleasePolicy, type ReleaseProgress } from '../workflows/release-contract.ts';
import { releaseProgressQuery } from '../workflows/release-contract.ts';

const STORES = positiveInt('BENCH_STORES', 90);
const EMPLOYEES = positiveInt('BENCH_EMPLOYEES', 344);
const UPLINK_MBPS = positiveInt('BENCH_UPLINK_MBPS', 11);
const SHARE_PERCENT = 30;
const PHONE_MBPS = 0.1;
const TIMEOUT_MS = positiveInt('BENCH_TIMEOUT_S', 40 * 60) * 1000;
const PACKAGE = 'com.retailco.stock';
const APK = fs.readFileSync(path.join(import.meta.dirname, '..', 'test', 'fixtures', 'apk', 'stock-43.apk'));

const EVENT_TYPES: Record<number, string> = Object.fromEntries(Object.entries(proto.temporal.api.enums.v1.EventType).map(([name, value]) => [value as number, name]));
/** The event type as its enum name (the client decodes it as a number). */
const eventTypeName = (type: unknown): string => (typeof type === 'number' ? (EVENT_TYPES[type] ?? String(type)) : String(type));

/** Events that Temporal bills as actions. */
const ACTION_EVENTS = new Set([
  'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
  'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
  'EVENT_TYPE_TIMER_STARTED',
  'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED',
  'EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
  'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
  'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
]);

const POLICY: ReleasePolicy = {
  rings: { ...DEFAULT_RINGS, bakeMs: [0] },
  gate: { ...DEFAULT_GATE, minExposureMs: 0 },
  phoneMbps: PHONE_MBPS,
  // Scaled as the downloads are: a batch of the plan per ~2 minutes (4 hours at full scale).
  batchSpan: '2 minutes',
  planHorizon: '1 day',
  statusPollFirst: '5 seconds',
  statusPollMax: '20 seconds',
  stragglerGrace: '2 minutes',
  healthPoll: '5 seconds',
  freezeRecheck: '1 minute',
  operatorWait: '1 day',
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
};

await runBench(async (stops) => {
  const setUpStarted = Date.now();
  const rig = await startRig(stops, {
    policy: { ...DEFAULT_POLICY, release: POLICY },
    fleet: { stores: STORES, employeesPerStore: EMPLOYEES, stockPerStore: 0, seed: 9 },
    hrSecret: 'whsec_' + Buffer.from('bench').toString('base64'),
  });
  const { db, sims } = rig;
  // Every role has the app, critical (installs at once); every store's link is modelled.
  const roles = await db.role.findMany({ select: { code: true } });
  await db.roleApp.createMany({ data: roles.map((r) => ({ roleCode: r.code, packageName: PACKAGE })), skipDuplicates: true });
  await db.app.update({ where: { packageName: PACKAGE }, data: { critical: true } });
  await db.store.updateMany({ data: { uplinkMbps: UPLINK_MBPS, updateSharePercent: SHARE_PERCENT } });
  for (const store of rig.fleet.stores) sims.mdm[store.mdmProvider].apps.setStoreLink(store.id, { uplinkMbps: UPLINK_MBPS, phoneMbps: PHONE_MBPS });
  // Everyone on shift for the next hours: in the store, on its Wi-Fi.
  const holders = await db.device.findMany({ where: { state: 'IN_USE', employeeId: { not: null } }, select: { employeeId: true } });
  await db.plannedShift.deleteMany({});
  const now = Date.now();
  for (let i = 0; i < holders.length; i += 5_000) {
    await db.plannedShift.createMany({
      data: holders.slice(i, i + 5_000).map((h) => ({ employeeId: h.employeeId!, startsAt: new Date(now - 3_600_000), endsAt: new Date(now + 6 * 3_600_000) })),
    });
  }
  const phones = holders.length;
  log(`${STORES} stores, ${phones} phones; publishing ${PACKAGE} 43 (${APK.length} bytes)`);
  const seeded = Date.now();
  const callsBefore = mdmCalls(sims);

  const started = Date.now();
  const sha256 = crypto.createHash('sha256').update(APK).digest('hex');
  const res = await fetch(`${rig.api}/releases?${new URLSearchParams({ commit: 'a1b2c3d', sha256 })}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rig.token}`, 'content-type': 'application/vnd.android.package-archive' },
    body: APK,
  });
  if (res.status !== 201) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
  const releaseId = `release-${PACKAGE}-43`;
  const handle = rig.client.workflow.getHandle(releaseId);
  let progress: ReleaseProgress | undefined;
  for (;;) {
    progress = await handle.query(releaseProgressQuery).catch(() => undefined);
    if (progress && ['completed', 'halted', 'aborted'].includes(progress.status)) break;
    if (Date.now() - started > TIMEOUT_MS) throw new Error(`the release did not finish in ${TIMEOUT_MS / 1000} s (${progress?.status})`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
  await handle.result().catch(() => undefined);
  const wallMs = Date.now() - started;
  log(`released in ${round(seconds(wallMs), 1)} s (set-up took ${round(seconds(seeded - setUpStarted), 1)} s); reading the histories`);

  // Actions, from every history: the release (each run) and each store's workflow (each run).
  let actions = 0;
  const ids = [releaseId, ...rig.fleet.stores.map((s) => releaseStoreWorkflowId(releaseId, s.id))];
  for (const id of ids) {
    for await (const run of rig.client.workflow.list({ query: `WorkflowId = '${id}'` })) {
      const history = await rig.client.workflow.getHandle(id, run.runId).fetchHistory();
      actions += (history.events ?? []).filter((e) => ACTION_EVENTS.has(String(eventTypeName(e.eventType)))).length;
    }
  }
  const calls = mdmCalls(sims) - callsBefore;
  const installed = await db.releaseTarget.count({ where: { releaseId, status: 'INSTALLED' } });

  // Per store: the link's peak against the share, and its busy stretch against the bound.
  const peakRatios: number[] = [];
  const makespanRatios: number[] = [];
  const share = (UPLINK_MBPS * SHARE_PERCENT) / 100;
  for (const store of rig.fleet.stores) {
    const link = sims.mdm[store.mdmProvider].apps.linkOf(store.id)!;
    const use = link.use().filter((u) => u.mbps > 0);
    if (use.length === 0) continue;
    peakRatios.push(link.peakMbps() / share);
    const downloads = await db.releaseTarget.count({ where: { releaseId, storeId: store.id, status: { notIn: ['UNPLACED', 'CANCELLED'] } } });
    const boundMs = (downloads * APK.length * 8) / (share * 1_000);
    makespanRatios.push((use.at(-1)!.until - use[0]!.from) / boundMs);
  }
  let mobileMax = 0;
  for (const mdm of Object.values(sims.mdm)) for (const d of mdm.devices.list()) mobileMax = Math.max(mobileMax, mdm.apps.mobileBytesOf(d.deviceId));

  const figures = {
    stores: STORES,
    phones,
    status: progress.status,
    rings: progress.rings.map((r) => r.stores.length),
    installed,
    wallSeconds: round(seconds(wallMs), 1),
    temporalActions: actions,
    actionsPerPhone: round(actions / phones, 4),
    actionsPerPhoneGoal: 0.05,
    mdmCalls: calls,
    mdmCallsPerPhone: round(calls / phones, 4),
    mdmCallsPerPhoneGoal: 0.1,
    peakTrafficOverShare: { max: round(Math.max(...peakRatios), 3), median: round(median(peakRatios), 3), goal: 1.0 },
    makespanOverBound: { max: round(Math.max(...makespanRatios), 3), median: round(median(makespanRatios), 3), goal: 1.1 },
    mobileDataPerPhoneOverBudget: round(mobileMax / MOBILE_DATA_BUDGET_BYTES, 6),
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  return progress.status === 'completed';
});

/** Every call the MDM simulators answered, all routes. */
function mdmCalls(sims: { mdm: Record<string, { calls: { snapshot(): Record<string, number> } }> }): number {
  return Object.values(sims.mdm).reduce((sum, mdm) => sum + Object.values(mdm.calls.snapshot()).reduce((a, b) => a + b, 0), 0);
}
