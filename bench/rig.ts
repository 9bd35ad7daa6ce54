// What the benchmarks share: phonefleet assembled from real parts (a Temporal dev server, a fresh
// PostgreSQL database, the worker and the API) with simulators that answer at once (no latency,
// no faults, SIM owners accepted on submission), signed HR webhooks sent with bounded
// concurrency, and the figures every benchmark prints (latency percentiles, RSS, CPU).
//
// First: it installs Temporal's runtime with warnings-only logging before anything creates one.
import '../src/temporal/quiet-runtime.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assembleSystems, startApi, startWorkers } from '../src/assemble.ts';
import { LocalArtifactStore } from '../src/release/artifact-store.ts';
import { environmentOf, externalSystemsFromSimulators } from '../src/systems/index.ts';
import { sign } from '../src/api/webhook-signature.ts';
import { openDatabase } from '../src/db/client.ts';
import { createScratchDatabase } from '../src/db/scratch-database.ts';
import { seedReferenceData } from '../src/db/seed.ts';
import type { FleetOptions } from '../src/systems/fleet.ts';
import type { ControlCenterLimits } from '../src/systems/operator/limits.ts';
import type { RateLimits } from '../src/systems/shared/rate-limits.ts';
import { EncryptionCodec, payloadKeyFromBase64 } from '../src/temporal/codec.ts';
import { connectClient } from '../src/temporal/connection.ts';
import { startDevServer } from '../src/temporal/server.ts';
import type { FleetPolicy } from '../workflows/policy.ts';

// The figures' arithmetic, in a file of its own for benches that start no servers.
import { log } from './figures.ts';
export { log, mib, percentile, positiveInt, round, seconds } from './figures.ts';

// --- the parts -------------------------------------------------------------------------------

export interface RigOptions {
  /** The policy the API hands to the workflows it starts. */
  policy: FleetPolicy;
  /** The fleet seeded into the simulators and the database. */
  fleet: FleetOptions;
  /** The secret HR signs its webhooks with. */
  hrSecret: string;
  /** The worker's maxConcurrentActivityTaskExecutions; the lifecycle worker's default (src/worker/worker.ts) when absent. */
  activitySlots?: number;
  /**
   * Knox Manage's rate limits, enforced by its simulator and paced to by phonefleet's fleet-wide
   * budgets (as in production). Absent: no limits and no pacing, so what is measured is
   * phonefleet alone.
   */
  knoxManageRateLimits?: RateLimits;
  /**
   * The operator's Control Center limits (rate, calls at once, latency), enforced by its
   * simulator; its adapter paces itself to the simulator's rate. Absent: none, and no pacing.
   */
  operatorLimits?: ControlCenterLimits;
  /**
   * The worker in a process of its own, as production runs it (`npm run worker`'s command and
   * flags, configured through its environment to this rig's server, database and simulators),
   * so that its memory is measured apart from the simulators, the API and the bench.
   */
  workerProcess?: boolean;
}

/** Starts every part, newest last in `stops`, so a failure half-way still stops what started. */
export async function startRig(stops: (() => Promise<unknown>)[], opts: RigOptions) {
  const devServer = await startDevServer({ headless: true });
  stops.push(() => devServer.stop());
  const namespace = 'default';
  const taskQueue = `bench-${randomBytes(3).toString('hex')}`;
  // A fresh key per run: the payloads are thrown away with the in-memory server.
  const keys = { current: payloadKeyFromBase64(randomBytes(32).toString('base64')), previous: [] };

  // A throw-away database on the PostgreSQL server of DATABASE_URL, dropped at the end.
  const scratch = await createScratchDatabase(process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres', 'phonefleet_bench');
  stops.push(() => scratch.drop());
  const database = await openDatabase({ databaseUrl: scratch.url });
  stops.push(() => database.close());
  const db = database.prisma;
  await seedReferenceData(db);

  const assembled = await assembleSystems(
    {
      // decideAfterMs 0: the operator answers a SIM owner registration in the submission's response.
      simulate: {
        decideAfterMs: 0,
        directoryLagMs: 0,
        ...(opts.knoxManageRateLimits ? { knoxManageRateLimits: opts.knoxManageRateLimits } : {}),
        ...(opts.operatorLimits ? { operatorLimits: opts.operatorLimits } : {}),
      },
      fleet: opts.fleet,
      db,
      pacing: opts.knoxManageRateLimits !== undefined,
      adapters: true,
    },
    stops,
  );
  const sims = assembled.simulators!;
  const fleet = assembled.fleet!;
  const systems = assembled.adapters!;
  const workerProcess = opts.workerProcess
    ? await spawnWorker(stops, {
        ...environmentOf(externalSystemsFromSimulators(sims)),
        ...(systems.operator.pacer ? { OPERATOR_CALLS_PER_SECOND: String(systems.operator.pacer.callsPerSecond) } : {}),
        DATABASE_URL: scratch.url,
        TEMPORAL_ADDRESS: devServer.address,
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        PAYLOAD_KEY: keys.current.key.toString('base64'),
        // Not the default 127.0.0.1:9464: a worker running there (a test suite, npm start) keeps it.
        WORKER_METRICS_ADDRESS: 'off',
      })
    : undefined;
  // Accepted APKs (releases): kept by the API, uploaded to the MDMs by the worker; thrown away at the end.
  const artifactDir = path.join(os.tmpdir(), `phonefleet-bench-artifacts-${taskQueue}`);
  stops.push(() => fs.promises.rm(artifactDir, { recursive: true, force: true }));
  const artifacts = new LocalArtifactStore(artifactDir);
  const workers = workerProcess
    ? undefined
    : await startWorkers(
        {
          address: devServer.address,
          namespace,
          taskQueue,
          keys,
          db,
          adapters: systems,
          companyName: 'RetailCo',
          policy: opts.policy,
          artifacts,
          ...(assembled.mdmActivitiesPerSecond !== undefined ? { mdmActivitiesPerSecond: assembled.mdmActivitiesPerSecond } : {}),
          ...(opts.activitySlots !== undefined ? { queues: { lifecycle: { maxConcurrentActivityTaskExecutions: opts.activitySlots } } } : {}),
        },
        stops,
      );
  const worker = workers?.byKind.lifecycle;

  const token = randomBytes(12).toString('hex');
  const { client, connection } = await connectClient({ address: devServer.address, namespace, keys });
  stops.push(() => connection.close());
  const api = await startApi(
    {
      db,
      temporal: client,
      taskQueue,
      policy: opts.policy,
      hrWebhookSecrets: [opts.hrSecret],
      // The bench's own operator token (releases are published with it).
      apiTokens: new Map([[token, 'bench']]),
      codec: new EncryptionCodec(keys.current),
      codecOrigins: [],
      artifacts,
      readiness: { database: () => db.$queryRaw`SELECT 1`, temporal: () => connection.healthService.check({}) },
    },
    { host: '127.0.0.1', port: 0 },
    stops,
  );

  return { api, token, db, sims, worker, workers, workerProcess, client, fleet, taskQueue, systems };
}

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * Which worker command a bench spawns: `npm run worker` (the TypeScript source through tsx, the
 * default) or, with BENCH_WORKER=compiled, `npm run worker:prod` (what production runs: the
 * compiled tree and its prebuilt workflow bundle, built first with `npm run build`).
 */
export function workerCommand(env: NodeJS.ProcessEnv = process.env): { kind: 'source' | 'compiled'; args: string[] } {
  const kind = env.BENCH_WORKER ?? 'source';
  if (kind === 'source') return { kind, args: ['--max-semi-space-size=2', '--import', 'tsx', 'src/worker/main.ts'] };
  if (kind !== 'compiled') throw new Error(`BENCH_WORKER must be "source" or "compiled", not ${JSON.stringify(kind)}`);
  if (!fs.existsSync(new URL('../dist/src/worker/main.js', import.meta.url))) throw new Error('BENCH_WORKER=compiled needs the build: run `npm run build` first');
  return { kind, args: ['--max-semi-space-size=2', 'dist/src/worker/main.js'] };
}

/** The worker command (workerCommand: its node flags and environment) with `env` over this process's; resolves once it polls. */
async function spawnWorker(stops: (() => Promise<unknown>)[], env: Record<string, string>): Promise<{ pid: number }> {
  const child = spawn(process.execPath, workerCommand().args, {
    cwd: ROOT,
    env: {
      ...process.env,
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stops.push(async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('worker polling Temporal')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the worker process exited (${code}) before polling: ${out.slice(-2_000)}`)));
  });
  child.stdout.resume();
  return { pid: child.pid! };
}

/**
 * A process's resident memory now and at its peak (VmRSS, VmHWM), in bytes, with the part of
 * the resident memory that is its own (RssAnon: heaps, stacks) and the part mapped from files
 * (RssFile: the node binary, native modules, shared with other processes); undefined off Linux or once it is gone.
 */
export function memoryOf(pid: number | 'self'): { rss: number; hwm: number; anon: number; file: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM'), anon: kib('RssAnon'), file: kib('RssFile') };
  } catch {
    return undefined;
  }
}

export type Rig = Awaited<ReturnType<typeof startRig>>;

// --- sending ---------------------------------------------------------------------------------

/** A CloudEvent as HR sends it (structured mode), signed the Standard Webhooks way. */
export function signedCloudEvent(secret: string, event: object) {
  const body = JSON.stringify(event);
  const webhookId = `msg_${randomBytes(8).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/cloudevents+json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(secret, webhookId, timestamp, body),
    },
  };
}

export interface SendResult {
  latenciesMs: number[];
  statuses: Map<number | string, number>;
  accepted: number;
  durationMs: number;
}

/**
 * POSTs `count` events to /hr/events with at most `concurrency` requests in flight, timing each
 * one; `request(i)` builds the i-th signed request when its turn comes.
 */
export async function sendEvents(api: string, count: number, concurrency: number, request: (i: number) => { body: string; headers: Record<string, string> }): Promise<SendResult> {
  const latenciesMs: number[] = [];
  const statuses = new Map<number | string, number>();
  let next = 0;
  const started = performance.now();
  const sender = async () => {
    while (next < count) {
      const { body, headers } = request(next++);
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
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, sender));
  return { latenciesMs, statuses, accepted: statuses.get(202) ?? 0, durationMs: performance.now() - started };
}

// --- figures ---------------------------------------------------------------------------------

/** The worker's effective concurrency settings, as the SDK compiled them. */
export function workerSettings(worker: Rig['worker']) {
  if (!worker) throw new Error('the worker runs in a process of its own: its settings are not in this one');
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
export function children(except: number[] = []): { rssMib: number; cpuSeconds: number } | undefined {
  try {
    const ticksPerSecond = 100; // USER_HZ, 100 on every Linux that matters
    let rssKib = 0;
    let ticks = 0;
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid || except.includes(Number(pid))) continue;
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

// --- running ---------------------------------------------------------------------------------

/**
 * Runs `main`, then stops everything it started and exits explicitly (0 when it returned true):
 * open handles (pooled sockets, the Temporal runtime) would keep Node alive. Stops run newest
 * first, each on its own, so one that fails does not leave the others (the dev server, the
 * throw-away database) behind; Ctrl-C still runs them.
 */
export async function runBench(main: (stops: (() => Promise<unknown>)[]) => Promise<boolean>): Promise<never> {
  const stops: (() => Promise<unknown>)[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const stop of stops.reverse()) await stop().catch((err) => log(`error while stopping: ${err instanceof Error ? err.message : err}`));
    })());
  process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));

  let ok = false;
  try {
    ok = await main(stops);
  } catch (err) {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await stopAll();
  }
  process.exit(ok ? 0 : 1);
}
