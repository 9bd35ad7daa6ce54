// Benchmark: a burst of hires in one store, from HR's signed webhook to phones ready for
// hand-over. Everything is real except the outside world: a Temporal dev server, a fresh
// PostgreSQL database, the worker and the API, with simulators that answer at once (no latency,
// no faults, SIM owners accepted on submission), so what is measured is phonefleet itself.
//
//   npm run bench:joiner                                   # 1,000 hires, 32 requests in flight
//   BENCH_HIRES=100 BENCH_CONCURRENCY=8 npm run bench:joiner
//
// Optional: BENCH_TIMEOUT_S (wait for readiness, default 900), BENCH_ACTIVITY_SLOTS (the worker's
// maxConcurrentActivityTaskExecutions; the lifecycle worker's default (src/worker/worker.ts) otherwise), DATABASE_URL (the
// PostgreSQL server the throw-away database is created on; default local trust auth).
//
// It prints figures and asserts nothing about them: timings depend on the machine.
// First: it installs Temporal's runtime with warnings-only logging before anything creates one.
import { DEFAULT_POLICY } from '../src/config.ts';
import '../src/temporal/quiet-runtime.ts';
import { randomBytes } from 'node:crypto';
import { roleByCode } from '../src/domain/roles.ts';
import { simAdmin } from '../src/systems/simulated-world.ts';
import type { FleetPolicy } from '../workflows/policy.ts';
import { children, log, mib, percentile, positiveInt, round, runBench, seconds, sendEvents, signedCloudEvent, startRig, workerSettings, type Rig, type SendResult } from './rig.ts';

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
  return signedCloudEvent(HR_SECRET, {
    specversion: '1.0',
    id: eventId,
    source: '/hr/core',
    type: 'com.retailco.hr.employee.hired',
    time: new Date().toISOString(),
    subject: employeeId,
    datacontenttype: 'application/json',
    data: { employeeId, storeId: STORE, position, startDate, displayName: 'Bench Hire' },
  });
}

/** POSTs every hire with at most `concurrency` requests in flight, timing each one. */
function sendHires(api: string, employeeIds: string[], position: string, startDate: string, concurrency: number): Promise<SendResult> {
  return sendEvents(api, employeeIds.length, concurrency, (i) => signedHire(employeeIds[i]!, position, startDate));
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

// --- main ------------------------------------------------------------------------------------

async function main(stops: (() => Promise<unknown>)[]): Promise<boolean> {
  log(`starting: ${HIRES} hires, ${CONCURRENCY} in flight`);
  const setupStarted = performance.now();
  // One store, a dozen staff (so it has its curator), and a phone + SIM in stock for every hire.
  const rig = await startRig(stops, {
    policy: POLICY,
    fleet: { stores: 1, employeesPerStore: 12, stockPerStore: HIRES, seed: 7 },
    hrSecret: HR_SECRET,
    activitySlots: ACTIVITY_SLOTS,
  });
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

await runBench(main);
