// Benchmark: the fleet sync's operator pass. N SIMs (default 31,000) sit at the operator and in
// phonefleet's Sim table (put there directly, in bulk: setting up is not what is measured); a
// fleet sync run started through the API reads them all from the operator's simulator, which
// enforces Control Center's limits scaled up (one call at a time, BENCH_CALLS_PER_SECOND a second,
// BENCH_LATENCY_MS a call) while the adapter paces itself to the same rate; as many phones are in
// Knox Manage and phonefleet, each with one of the SIMs. Then 1 % of the SIMs
// change at the operator and a second run (the daily delta) reads only those. Everything else is
// real: a Temporal dev server, a fresh PostgreSQL database, the worker and the API.
//
//   npm run bench:reconcile                                       # 31,000 SIMs and phones, 15 calls/s, 50 ms a call (~35 min)
//   BENCH_SIMS=3000 npm run bench:reconcile                       # the same at a tenth (~4 min)
//   BENCH_CALLS_PER_SECOND=100 BENCH_LATENCY_MS=5 npm run bench:reconcile   # faster, CPU-bound on 2 cores
//   BENCH_WORKER_NODE_OPTIONS=--max-old-space-size=128 ...        # the worker's heap bounded: its working set, not its garbage
//   npm run build && BENCH_WORKER=compiled npm run bench:reconcile   # the worker as production runs it (npm run worker:prod)
//
// Control Center takes one call at a time: at 50 ms a call no rate above 20 a second can be
// used, so the limit is scaled from 5 to 15 a second (3x), leaving each call room for its latency.
// The figures: the full pass's time / (calls / rate limit) (1.0 = the operator's rate used from
// the first call to the last; goal <= 1.05), the calls (search pages + details), the peak memory
// of the worker (goal < 256 MB; it runs in a process of its own as `npm run worker` does, with its
// flags; the bench's process holds the simulators and the API, reported apart, as is the
// Temporal dev server), and the delta pass's time (goal < 10 s) with its details
// calls against the SIMs changed. Control Center takes one call at a time, so when a call's
// latency is longer than the rate's spacing (50 ms against 10 ms at 100 a second) the latency,
// not the rate, is the floor: the figures give the pass against that floor too.
// Optional: BENCH_CHANGED_PERCENT (default 1), BENCH_TIMEOUT_S (per run, default 3,600).
//
// It prints figures and asserts nothing about them: timings depend on the machine.
// First (through ./rig.ts): it installs Temporal's runtime with warnings-only logging before anything creates one.
import { children, log, memoryOf, mib, positiveInt, round, runBench, seconds, startRig, workerCommand, type Rig } from './rig.ts';
import { randomBytes } from 'node:crypto';
import { DEFAULT_POLICY } from '../src/config.ts';
import { makeIccid, makeImei } from '../src/domain/identifiers.ts';
import { FLEET_OPERATOR } from '../src/systems/fleet.ts';
import type { ControlCenterLimits } from '../src/systems/operator/limits.ts';
import { FLEET_SYNC_WORKFLOW_TYPE, fleetSyncWorkflowId, syncRunRowId, type FleetSyncInput } from '../workflows/fleet-sync-contract.ts';

const SIMS = positiveInt('BENCH_SIMS', 31_000);
const CALLS_PER_SECOND = positiveInt('BENCH_CALLS_PER_SECOND', 15);
const LATENCY_MS = process.env.BENCH_LATENCY_MS === '0' ? 0 : positiveInt('BENCH_LATENCY_MS', 50);
const CHANGED_PERCENT = positiveInt('BENCH_CHANGED_PERCENT', 1);
const TIMEOUT_MS = positiveInt('BENCH_TIMEOUT_S', 60 * 60) * 1000;
const LIMITS: ControlCenterLimits = { callsPerSecond: CALLS_PER_SECOND, concurrentCalls: 1, latencyMs: LATENCY_MS };
/** Not the fleet's issuer (8970199): the bench's SIMs never collide with the fleet's own. */
const ISSUER = '8970198';
/** Nor the fleet's phones' TAC: the bench's phones are its own. */
const TAC = '35999901';
const SEARCH = 'GET /rws/api/v1/devices';
const DETAILS = 'GET /rws/api/v1/devices/:iccid';

/**
 * Puts the SIMs at the operator (its simulator, in process) and in phonefleet's Sim table
 * (createMany), all changed a day ago there; and as many phones, each with one of the SIMs in
 * slot 1, enrolled in Knox Manage's simulator and in phonefleet's Device table.
 */
async function seedFleet(rig: Rig): Promise<string[]> {
  const operator = rig.sims.operator;
  const storeId = rig.fleet.stores[0]!.id;
  const iccids = Array.from({ length: SIMS }, (_, i) => makeIccid(ISSUER, i + 1));
  for (const [i, iccid] of iccids.entries()) {
    operator.addSim({ iccid, msisdn: `+7999${String(i + 1).padStart(7, '0')}`, status: i % 4 === 0 ? 'INVENTORY' : 'ACTIVATED' });
  }
  // Every SIM there (the fleet's too) last changed yesterday: the delta after the full pass sees only what the bench changes.
  const yesterday = new Date(Date.now() - 24 * 3600_000).toISOString();
  for (const sim of operator.sims.values()) sim.dateUpdated = yesterday;
  for (let i = 0; i < iccids.length; i += 5_000) {
    await rig.db.sim.createMany({ data: iccids.slice(i, i + 5_000).map((iccid) => ({ iccid, operator: FLEET_OPERATOR, storeId })), skipDuplicates: true });
  }
  const knox = rig.sims.mdm.KNOX_MANAGE;
  const phones = iccids.map((iccid, i) => {
    const imei = makeImei(TAC, i + 1);
    const enrolled = knox.registerDevice({ imei, serial: `BENCH${String(i + 1).padStart(7, '0')}`, model: 'SM-A256', iccid });
    return {
      imei,
      serial: enrolled.serial,
      model: enrolled.model,
      storeId,
      mdmProvider: 'KNOX_MANAGE' as const,
      mdmDeviceId: enrolled.deviceId,
      leaseContract: 'BENCH',
      warrantyUntil: new Date('2028-12-31'),
    };
  });
  for (let i = 0; i < phones.length; i += 5_000) await rig.db.device.createMany({ data: phones.slice(i, i + 5_000), skipDuplicates: true });
  return iccids;
}

interface RunFigures {
  syncRunId: string;
  /** The operator pass: its SyncRun row's first page to its last. */
  passMs: number;
  /** Knox Manage's pass (31,000 phones, 100 a page): its first page to its last. */
  mdmPassMs: number;
  /** The whole run: from its start until its result (HR, the operator, the MDMs). */
  runMs: number;
  searchPages: number;
  details: number;
  calls: number;
  refused: { rate: number; concurrent: number };
  maxInFlight: number;
  counts: unknown;
  /** The worker process's VmRSS sampled every 200 ms during the run, highest. */
  peakWorkerRssDuringRun?: number;
}

function workerPid(rig: Rig): number {
  if (!rig.workerProcess) throw new Error('the bench runs the worker in a process of its own');
  return rig.workerProcess.pid;
}

async function syncRun(rig: Rig, name: string): Promise<RunFigures> {
  const operator = rig.sims.operator;
  operator.calls.reset();
  operator.callLimiter.resetCounts();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, memoryOf(workerPid(rig))?.rss ?? 0)), 200);
  try {
    const key = `bench-${name}-${randomBytes(3).toString('hex')}`;
    const started = Date.now();
    // As POST /fleet-syncs starts it (the rig's API has no tokens: the bench starts it with the API's input and queue).
    const input: FleetSyncInput = { trigger: 'api', dryRun: false };
    const handle = await rig.client.workflow.start(FLEET_SYNC_WORKFLOW_TYPE, { workflowId: fleetSyncWorkflowId(key), taskQueue: rig.taskQueue, args: [input] });
    const id = handle.workflowId;
    let lastLog = Date.now();
    const ticker = setInterval(() => {
      if (Date.now() - lastLog < 10_000) return;
      lastLog = Date.now();
      const limiter = operator.callLimiter.stats;
      log(`${name}: ${seconds(Date.now() - started).toFixed(0)} s, operator calls ${limiter.accepted} (${operator.calls.count(SEARCH)} pages)`);
    }, 1_000);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        handle.result(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${name} run not finished after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS))),
      ]);
    } finally {
      clearInterval(ticker);
      clearTimeout(timer);
    }
    const runMs = Date.now() - started;
    const row = await rig.db.syncRun.findUniqueOrThrow({ where: { id: syncRunRowId(id, 'operator') } });
    if (!row.finishedAt) throw new Error(`${name}: the operator pass has no finishedAt`);
    const mdm = await rig.db.syncRun.findUniqueOrThrow({ where: { id: syncRunRowId(id, 'mdm-KNOX_MANAGE') } });
    const limiter = operator.callLimiter.stats;
    return {
      syncRunId: id,
      passMs: row.finishedAt.getTime() - row.startedAt.getTime(),
      mdmPassMs: (mdm.finishedAt?.getTime() ?? NaN) - mdm.startedAt.getTime(),
      runMs,
      searchPages: operator.calls.count(SEARCH),
      details: operator.calls.count(DETAILS),
      calls: limiter.accepted,
      refused: limiter.refused,
      maxInFlight: limiter.maxInFlight,
      counts: row.counts,
      ...(peakRss > 0 ? { peakWorkerRssDuringRun: peakRss } : {}),
    };
  } finally {
    clearInterval(sampler);
  }
}

await runBench(async (stops) => {
  log(`${SIMS} SIMs; the operator takes one call at a time, ${CALLS_PER_SECOND} a second, ${LATENCY_MS} ms each`);
  const rig = await startRig(stops, {
    policy: DEFAULT_POLICY,
    // The smallest fleet: one store (the SIMs' own), one employee; the SIMs are the bench's.
    fleet: { stores: 1, employeesPerStore: 1, stockPerStore: 0, seed: 8 },
    hrSecret: 'whsec_' + randomBytes(24).toString('base64'),
    operatorLimits: LIMITS,
    workerProcess: true,
  });
  const beforeSeeding = memoryOf(workerPid(rig));
  const t0 = Date.now();
  const iccids = await seedFleet(rig);
  const operatorSims = rig.sims.operator.sims.size;
  log(`seeded ${SIMS} SIMs and phones in ${seconds(Date.now() - t0).toFixed(1)} s (${operatorSims} at the operator with the fleet's)`);

  log('full pass');
  const full = await syncRun(rig, 'full');
  const afterFull = memoryOf(workerPid(rig));

  // The day's changes at the operator: 1 % of the SIMs, spread over the list, status and dateUpdated.
  const every = Math.max(1, Math.round(100 / CHANGED_PERCENT));
  const changed = iccids.filter((_, i) => i % every === 0);
  const now = new Date().toISOString();
  for (const iccid of changed) {
    const sim = rig.sims.operator.sims.get(iccid)!;
    sim.status = sim.status === 'ACTIVATED' ? 'SUSPENDED' : 'ACTIVATED';
    sim.dateUpdated = now;
  }
  log(`delta pass (${changed.length} SIMs changed at the operator)`);
  const delta = await syncRun(rig, 'delta');
  const end = memoryOf(workerPid(rig));
  const usage = process.resourceUsage();

  const leastMs = (full.calls / CALLS_PER_SECOND) * 1000;
  // One call at a time: a call cannot start before the one before it ended, nor sooner than the rate allows.
  const serialFloorMs = full.calls * Math.max(1000 / CALLS_PER_SECOND, LATENCY_MS);
  const pages = full.searchPages;
  const figures = {
    sims: SIMS,
    simsAtOperator: operatorSims,
    limits: LIMITS,
    worker: workerCommand().kind,
    workerNodeOptions: process.env.BENCH_WORKER_NODE_OPTIONS ?? null,
    full: {
      passS: round(seconds(full.passMs), 1),
      runS: round(seconds(full.runMs), 1),
      mdmPassS: round(seconds(full.mdmPassMs), 1),
      calls: full.calls,
      searchPages: full.searchPages,
      details: full.details,
      leastS: round(seconds(leastMs), 1),
      /** The goal's figure: pass / (calls / rate limit). */
      ratio: round(full.passMs / leastMs, 3),
      /** Against calls x max(1/rate, latency): what one call at a time allows at this latency. */
      serialFloorS: round(seconds(serialFloorMs), 1),
      ratioToSerialFloor: round(full.passMs / serialFloorMs, 3),
      /** The pass's time beyond that floor, per page (the pacer's margin, timers, the activity's turn-around, writes not overlapped). */
      beyondFloorPerPageMs: round((full.passMs - serialFloorMs) / Math.max(1, pages), 1),
      averageCallMs: round(full.passMs / Math.max(1, full.calls), 2),
      refused: full.refused,
      maxInFlight: full.maxInFlight,
      counts: full.counts,
    },
    delta: {
      changed: changed.length,
      passS: round(seconds(delta.passMs), 2),
      runS: round(seconds(delta.runMs), 2),
      mdmPassS: round(seconds(delta.mdmPassMs), 1),
      calls: delta.calls,
      searchPages: delta.searchPages,
      details: delta.details,
      detailsOnlyForChanged: delta.details === changed.length,
      /** One call at a time: the delta's calls x max(1/rate, latency), below which no pass can go; and the pass against it. */
      serialFloorS: round(seconds(delta.calls * Math.max(1000 / CALLS_PER_SECOND, LATENCY_MS)), 2),
      ratioToSerialFloor: round(delta.passMs / Math.max(1, delta.calls * Math.max(1000 / CALLS_PER_SECOND, LATENCY_MS)), 3),
      refused: delta.refused,
      counts: delta.counts,
    },
    memory: {
      covers:
        "the worker process (npm run worker: its flags, every task queue, the sync's activities); the bench process (simulators with every SIM and phone, the API) and the Temporal dev server apart",
      /** The goal's figure: the worker's peak resident memory (VmHWM), start-up included. */
      workerPeakMib: end ? mib(end.hwm) : undefined,
      workerBeforeSeedingMib: beforeSeeding ? mib(beforeSeeding.rss) : undefined,
      /** Of the resident memory before the runs, its own (heaps, stacks) and mapped from files (the node binary, native modules; shared). */
      workerBeforeSeedingSplitMib: beforeSeeding ? { anon: mib(beforeSeeding.anon), file: mib(beforeSeeding.file) } : undefined,
      workerPeakDuringFullPassMib: full.peakWorkerRssDuringRun !== undefined ? mib(full.peakWorkerRssDuringRun) : undefined,
      workerPeakDuringDeltaPassMib: delta.peakWorkerRssDuringRun !== undefined ? mib(delta.peakWorkerRssDuringRun) : undefined,
      workerAfterFullMib: afterFull ? mib(afterFull.rss) : undefined,
      workerAtEndMib: end ? mib(end.rss) : undefined,
      workerAtEndSplitMib: end ? { anon: mib(end.anon), file: mib(end.file) } : undefined,
      benchProcessPeakMib: mib(usage.maxRSS * 1024),
      devServer: children([workerPid(rig)]),
    },
    cpuS: round((usage.userCPUTime + usage.systemCPUTime) / 1e6, 1),
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `reconcile bench: full operator pass over ${operatorSims} SIMs in ${figures.full.passS} s; ${full.calls} calls (${full.searchPages} search pages + ${full.details} details) at ${CALLS_PER_SECOND}/s need ${figures.full.leastS} s: ` +
      `pass / (calls / rate limit) = ${figures.full.ratio} (goal <= 1.05; against one call at a time at ${LATENCY_MS} ms: ${figures.full.ratioToSerialFloor}; ${figures.full.averageCallMs} ms a call); ` +
      `worker peak memory ${figures.memory.workerPeakMib} MiB (goal < 256; ${figures.memory.workerBeforeSeedingMib} MiB before the runs); ` +
      `delta pass (${changed.length} changed) in ${figures.delta.passS} s (goal < 10; its ${delta.calls} calls one at a time need ${figures.delta.serialFloorS} s: ${figures.delta.ratioToSerialFloor}x), ${delta.details} details calls${figures.delta.detailsOnlyForChanged ? ' = the changed SIMs' : ` for ${changed.length} changed SIMs`}; ` +
      `the delta run with the MDMs' inventories ${figures.delta.runS} s`,
  );
  return true;
});
