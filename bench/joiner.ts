// Benchmark: a burst of hires in one store, from HR's signed webhook to phones ready for
// hand-over. Everything is real except the outside world: a Temporal dev server, a fresh
// PostgreSQL database, the worker and the API, with simulators that answer at once (no latency,
// no faults, SIM owners accepted on submission), so what is measured is phonefleet itself.
//
//   npm run bench:joiner                                   # 1,000 hires, 32 requests in flight
//   BENCH_HIRES=100 BENCH_CONCURRENCY=8 npm run bench:joiner
//
// Optional: BENCH_TIMEOUT_S (wait for readiness, default 900), BENCH_ACTIVITY_SLOTS (the worker's
// maxConcurrentActivityTaskExecutions; createWorker's default otherwise), DATABASE_URL (the
// PostgreSQL server the throw-away database is created on; default local trust auth).
//
// It prints figures and asserts nothing about them: timings depend on the machine.
// First: it installs Temporal's runtime with warnings-only logging before anything creates one.
import { DEFAULT_POLICY } from '../src/config.ts';
import '../test/support/quiet-temporal.ts';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/api/app.ts';
import { sign } from '../src/api/webhook-signature.ts';
import { createExternalSystems, externalSystemsFromSimulators } from '../src/adapters/index.ts';
import { seedFleet, seedReferenceData } from '../src/db/seed.ts';
import { roleByCode } from '../src/domain/roles.ts';
import { generateFleet, seedSimulators } from '../src/simulators/fleet.ts';
import { startSimulators } from '../src/simulators/index.ts';
import { EncryptionCodec, payloadKeyFromBase64 } from '../src/temporal/codec.ts';
import { connectClient } from '../src/temporal/connection.ts';
import { startDevServer } from '../src/temporal/server.ts';
import { createWorker } from '../src/worker/worker.ts';
import { createTestDatabase } from '../test/support/database.ts';
import { simAdmin } from '../test/support/sim-admin.ts';
import type { FleetPolicy } from '../workflows/policy.ts';

const HIRES = positiveInt('BENCH_HIRES', 1000);
const CONCURRENCY = positiveInt('BENCH_CONCURRENCY', 32);
const TIMEOUT_MS = positiveInt('BENCH_TIMEOUT_S', 15 * 60) * 1000;
const ACTIVITY_SLOTS = process.env.BENCH_ACTIVITY_SLOTS ? positiveInt('BENCH_ACTIVITY_SLOTS', 0) : undefined;
const STORE = 'S001';
const HR_SECRET = 'whsec_' + randomBytes(24).toString('base64');

// Nothing here should wait on a timer: accounts exist at once and the operator decides at once.
// The intervals only matter if something goes wrong, and then short ones keep the run moving;
// the escalation is far away so no support task is opened during the run.
const POLICY: FleetPolicy = {
  joiner: {
    directoryPollInterval: '1 second',
    directoryEscalateAfter: '1 day',
    stockRetryInterval: '1 minute',
    registrationPollInterval: '1 second',
  },
  leaver: DEFAULT_POLICY.leaver,
  mover: DEFAULT_POLICY.mover,
};

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const seconds = (ms: number) => ms / 1000;
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

// --- the parts -------------------------------------------------------------------------------

/** Starts every part, newest last in `stops`, so a failure half-way still stops what started. */
async function startRig(stops: (() => Promise<unknown>)[]) {
  const devServer = await startDevServer({ headless: true });
  stops.push(() => devServer.stop());
  const namespace = 'default';
  const taskQueue = `bench-${randomBytes(3).toString('hex')}`;
  // A fresh key per run: the payloads are thrown away with the in-memory server.
  const keys = { current: payloadKeyFromBase64(randomBytes(32).toString('base64')), previous: [] };

  const database = await createTestDatabase();
  stops.push(() => database.drop());
  const db = database.db.prisma;

  // decideAfterMs 0: the operator answers a SIM owner registration in the submission's response.
  const sims = await startSimulators({ decideAfterMs: 0, directoryLagMs: 0 });
  stops.push(() => sims.close());
  // One store, a dozen staff (so it has its curator), and a phone + SIM in stock for every hire.
  const fleet = generateFleet({ stores: 1, employeesPerStore: 12, stockPerStore: HIRES, seed: 7 });
  const { mdmDeviceIds } = await seedSimulators(sims, fleet);
  await seedReferenceData(db);
  await seedFleet(db, fleet, { mdmDeviceIds });

  const deps = { db, ...createExternalSystems(externalSystemsFromSimulators(sims)), companyName: 'RetailCo' };
  const { worker, connection: workerConnection } = await createWorker({
    address: devServer.address,
    namespace,
    taskQueue,
    keys,
    deps,
    ...(ACTIVITY_SLOTS !== undefined ? { maxConcurrentActivityTaskExecutions: ACTIVITY_SLOTS } : {}),
  });
  const running = worker.run();
  stops.push(async () => {
    // Temporal's runtime starts a shutdown by itself on SIGINT/SIGTERM.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await workerConnection.close();
  });

  const { client, connection } = await connectClient({ address: devServer.address, namespace, keys });
  stops.push(() => connection.close());
  const app = createApp({
    db,
    temporal: client,
    taskQueue,
    policy: POLICY,
    hrWebhookSecrets: [HR_SECRET],
    apiTokens: new Map(),
    codec: new EncryptionCodec(keys.current),
    codecOrigins: [],
    codecAccess: 'token', // nobody decrypts through /codec during a benchmark
    readiness: { database: () => db.$queryRaw`SELECT 1`, temporal: () => connection.healthService.check({}) },
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  stops.push(() => new Promise((resolve) => server.close(resolve)));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return { api, db, sims, worker };
}

type Rig = Awaited<ReturnType<typeof startRig>>;

// --- the hires -------------------------------------------------------------------------------

/** HR knows each new hire (with fake identity data) and IT already created their account. */
async function registerHires(rig: Rig, employeeIds: string[], position: string, startDate: string) {
  const sim = simAdmin(rig.sims);
  for (const [i, employeeId] of employeeIds.entries()) {
    // Series "00 00" is never issued: clearly fake document numbers.
    await sim.addHrEmployee({ employeeId, storeId: STORE, position, startDate, documentNumber: `00 00 ${String(i).padStart(6, '0')}` });
    await sim.addDirectoryAccount(employeeId, 0);
  }
}

/** A hire CloudEvent as HR sends it (structured mode), signed the Standard Webhooks way. */
function signedHire(employeeId: string, position: string, startDate: string) {
  const eventId = `hire-${employeeId}`;
  const body = JSON.stringify({
    specversion: '1.0',
    id: eventId,
    source: '/hr/core',
    type: 'com.retailco.hr.employee.hired',
    time: new Date().toISOString(),
    subject: employeeId,
    datacontenttype: 'application/json',
    data: { employeeId, storeId: STORE, position, startDate, displayName: 'Bench Hire' },
  });
  const webhookId = `msg_${randomBytes(8).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/cloudevents+json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(HR_SECRET, webhookId, timestamp, body),
    },
  };
}

interface SendResult {
  latenciesMs: number[];
  statuses: Map<number | string, number>;
  accepted: number;
  durationMs: number;
}

/** POSTs every hire with at most `concurrency` requests in flight, timing each one. */
async function sendHires(api: string, employeeIds: string[], position: string, startDate: string, concurrency: number): Promise<SendResult> {
  const latenciesMs: number[] = [];
  const statuses = new Map<number | string, number>();
  let next = 0;
  const started = performance.now();
  const sender = async () => {
    while (next < employeeIds.length) {
      const employeeId = employeeIds[next++]!;
      const { body, headers } = signedHire(employeeId, position, startDate);
      const t0 = performance.now();
      let status: number | string;
      try {
        const res = await fetch(`${api}/hr/events`, { method: 'POST', headers, body });
        await res.arrayBuffer(); // read the answer: latency is until the whole response is in
        status = res.status;
      } catch (err) {
        status = `error: ${err instanceof Error ? err.message : String(err)}`;
      }
      latenciesMs.push(performance.now() - t0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, employeeIds.length) }, sender));
  return { latenciesMs, statuses, accepted: statuses.get(202) ?? 0, durationMs: performance.now() - started };
}

// --- readiness -------------------------------------------------------------------------------

interface Progress {
  /** Employee rows written by recordHire. */
  recorded: number;
  /** Phones taken from stock for a hire (reserved or further). */
  reserved: number;
  /** Phones enrolled in the MDM (enrolDevice): the step before the curator is told. */
  enrolled: number;
  /** Curators told "phone ready" (the joiner is at awaiting-handover). */
  ready: number;
}

// The database answers "how many are ready" in one cheap query instead of querying 2,000
// workflows. The fleet's own staff hold IN_USE phones, so only the hires' phones are counted.
async function progress(db: Rig['db']): Promise<Progress> {
  const [row] = await db.$queryRaw<Progress[]>`
    SELECT
      (SELECT count(*)::int FROM "Employee" WHERE status = 'ONBOARDING') AS recorded,
      (SELECT count(*)::int FROM "Device" WHERE state IN ('RESERVED', 'ENROLLED')) AS reserved,
      (SELECT count(*)::int FROM "Device" WHERE state = 'ENROLLED') AS enrolled,
      (SELECT count(*)::int FROM "Notification" WHERE kind = 'phone-ready') AS ready`;
  return row!;
}

/**
 * Polls until `hires` phones are ready or the deadline passes. The time of the last one is the
 * newest notification's createdAt, not when a poll noticed it: Prisma stamps it in this process
 * (UTC, whatever the server's time zone), so it compares with Date.now() without poll jitter.
 */
async function waitUntilReady(db: Rig['db'], hires: number, deadline: number): Promise<Progress & { timedOut: boolean; lastReadyAt?: number }> {
  let lastLog = 0;
  for (;;) {
    const p = await progress(db);
    if (p.ready >= hires || Date.now() > deadline) {
      const { _max } = await db.notification.aggregate({ where: { kind: 'phone-ready' }, _max: { createdAt: true } });
      return { ...p, timedOut: p.ready < hires, lastReadyAt: _max.createdAt?.getTime() };
    }
    if (Date.now() - lastLog >= 5_000) {
      log(`ready ${p.ready}/${hires} (recorded ${p.recorded}, reserved ${p.reserved}, enrolled ${p.enrolled})`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

// --- figures ---------------------------------------------------------------------------------

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The worker's effective concurrency settings, as the SDK compiled them. */
function workerSettings(worker: Rig['worker']) {
  const o = worker.options;
  const slots = (s: (typeof o.tuner)['workflowTaskSlotSupplier']) => (s.type === 'fixed-size' ? s.numSlots : s.type);
  const polls = (b: typeof o.workflowTaskPollerBehavior) => (b.type === 'simple-maximum' ? b.maximum : `autoscaling ≤${b.maximum}`);
  return {
    maxConcurrentWorkflowTaskExecutions: slots(o.tuner.workflowTaskSlotSupplier),
    maxConcurrentActivityTaskExecutions: slots(o.tuner.activityTaskSlotSupplier),
    maxCachedWorkflows: o.maxCachedWorkflows,
    workflowTaskPolls: polls(o.workflowTaskPollerBehavior),
    activityTaskPolls: polls(o.activityTaskPollerBehavior),
    workflowThreadPoolSize: o.workflowThreadPoolSize,
    reuseV8Context: o.reuseV8Context,
    // openDatabase gives PrismaPg only a connection string, so node-postgres' default pool applies.
    dbPoolMax: 10,
  };
}

/** This process's children (the Temporal dev server), from /proc: RSS and CPU time; undefined elsewhere. */
function children(): { rssMib: number; cpuSeconds: number } | undefined {
  try {
    const ticksPerSecond = 100; // USER_HZ, 100 on every Linux that matters
    let rssKib = 0;
    let ticks = 0;
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
        rssKib += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // gone meanwhile
      }
    }
    return { rssMib: Math.round(rssKib / 1024), cpuSeconds: ticks / ticksPerSecond };
  } catch {
    return undefined;
  }
}

// --- main ------------------------------------------------------------------------------------

async function main(stops: (() => Promise<unknown>)[]): Promise<boolean> {
  log(`starting: ${HIRES} hires, ${CONCURRENCY} in flight`);
  const setupStarted = performance.now();
  const rig = await startRig(stops);
  const run = randomBytes(2).toString('hex');
  const employeeIds = Array.from({ length: HIRES }, (_, i) => `B${run}-${String(i + 1).padStart(6, '0')}`);
  const position = roleByCode('SALES_ADVISOR')!.positions[0]!;
  const startDate = new Date().toISOString().slice(0, 10);
  await registerHires(rig, employeeIds, position, startDate);
  log(`set up in ${seconds(performance.now() - setupStarted).toFixed(1)} s (dev server, database, simulators, worker, API)`);

  let peakRss = process.memoryUsage().rss;
  const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 500);
  const cpuBefore = process.cpuUsage();
  const childrenBefore = children();

  const sentAt = Date.now();
  const sent = await sendHires(rig.api, employeeIds, position, startDate, CONCURRENCY);
  log(`sent ${HIRES} in ${seconds(sent.durationMs).toFixed(1)} s; waiting for phones to be ready`);
  const done = await waitUntilReady(rig.db, sent.accepted, Date.now() + TIMEOUT_MS);
  const wallReadyS = seconds(Date.now() - sentAt);

  clearInterval(rssSampler);
  const cpu = process.cpuUsage(cpuBefore);
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  const childrenAfter = children();

  const sorted = [...sent.latenciesMs].sort((a, b) => a - b);
  const readyS = !done.timedOut && done.lastReadyAt !== undefined ? seconds(done.lastReadyAt - sentAt) : wallReadyS;
  const summary = {
    hires: HIRES,
    concurrency: CONCURRENCY,
    accepted: sent.accepted,
    non202: HIRES - sent.accepted,
    sendSeconds: round(seconds(sent.durationMs), 2),
    eventsPerSecond: round(sent.accepted / seconds(sent.durationMs), 1),
    latencyMs: {
      p50: round(percentile(sorted, 50), 1),
      p95: round(percentile(sorted, 95), 1),
      p99: round(percentile(sorted, 99), 1),
      max: round(sorted.at(-1) ?? NaN, 1),
    },
    ready: done.ready,
    timedOut: done.timedOut,
    readySeconds: round(readyS, 2),
    phonesPerSecond: round(done.ready / readyS, 1),
    rssMiB: { now: mib(rss), peak: mib(peakRss), temporalDevServer: childrenAfter?.rssMib ?? null },
    // From the first event on: what the run cost, without start-up (bundling, seeding).
    cpuSeconds: {
      bench: round((cpu.user + cpu.system) / 1e6, 1),
      temporalDevServer: childrenBefore && childrenAfter ? round(childrenAfter.cpuSeconds - childrenBefore.cpuSeconds, 1) : null,
    },
    worker: workerSettings(rig.worker),
  };

  const nonAccepted = [...sent.statuses].filter(([status]) => status !== 202);
  const rows: [string, string][] = [
    ['hires sent', `${HIRES} (${CONCURRENCY} in flight)`],
    ['accepted (202)', `${sent.accepted} in ${summary.sendSeconds} s = ${summary.eventsPerSecond} events/s`],
    ['non-202', nonAccepted.length ? nonAccepted.map(([s, n]) => `${n}× ${s}`).join(', ') : '0'],
    ['API latency p50/p95/p99/max', `${summary.latencyMs.p50} / ${summary.latencyMs.p95} / ${summary.latencyMs.p99} / ${summary.latencyMs.max} ms`],
    [
      done.timedOut ? 'TIMED OUT: ready' : 'all phones ready after',
      done.timedOut
        ? `${done.ready}/${sent.accepted} after ${round(wallReadyS, 1)} s (recorded ${done.recorded}, reserved ${done.reserved}, enrolled ${done.enrolled})`
        : `${summary.readySeconds} s (first event sent → last phone-ready)`,
    ],
    ['throughput', `${summary.phonesPerSecond} phones/s`],
    ['RSS (bench process)', `${summary.rssMiB.now} MiB now, ${summary.rssMiB.peak} MiB peak`],
    ['RSS (Temporal dev server)', summary.rssMiB.temporalDevServer === null ? 'n/a' : `${summary.rssMiB.temporalDevServer} MiB`],
    ['CPU since first event', `bench process ${summary.cpuSeconds.bench} s, Temporal dev server ${summary.cpuSeconds.temporalDevServer ?? 'n/a'} s`],
    ...Object.entries(summary.worker).map(([k, v]): [string, string] => [`worker ${k}`, String(v)]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\njoiner benchmark: ${HIRES} hires in store ${STORE}, instant simulators`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log(JSON.stringify(summary));
  return !done.timedOut && sent.accepted === HIRES;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// Stops run newest first, each on its own, so one that fails does not leave the others (the
// dev server, the throw-away database) behind.
const stops: (() => Promise<unknown>)[] = [];
let stopping: Promise<void> | undefined;
const stopAll = () =>
  (stopping ??= (async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log(`error while stopping: ${err instanceof Error ? err.message : err}`));
  })());
// Ctrl-C: still drop the database and stop the dev server.
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));

let ok = false;
try {
  ok = await main(stops);
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await stopAll();
}
// Explicitly: open handles (pooled sockets, the Temporal runtime) would keep Node alive.
process.exit(ok ? 0 : 1);
