// phonefleet assembled for an end-to-end suite, from real parts: the Temporal dev server of the
// test run, a fresh PostgreSQL database, the simulators over HTTP, a worker and the HTTP API on
// ephemeral ports. Only the waits are shortened (policy), so a day-long process takes seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { Connection, type Client } from '@temporalio/client';
import { LocalArtifactStore } from '../../src/release/artifact-store.ts';
import { GitMirrors } from '../../src/release/git.ts';
import { assembleSystems, startApi, startWorkers, stopAll, type Stops } from '../../src/assemble.ts';
import type { ApiTokens } from '../../src/api/auth.ts';
import type { ApiContext } from '../../src/api/context.ts';
import { sign } from '../../src/api/webhook-signature.ts';
import { localDate } from '../../src/domain/store-calendar.ts';
import { seedReferenceData } from '../../src/db/seed.ts';
import type { Fleet } from '../../src/systems/fleet.ts';
import type { RunningSimulators } from '../../src/systems/index.ts';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { connectClient } from '../../src/temporal/connection.ts';
import { workflowBundle } from '../../src/worker/bundle.ts';
import { ensureNamespace } from '../../src/temporal/server.ts';
import type { ReleasePolicy } from '../../workflows/release-contract.ts';
import { DEFAULT_GATE } from '../../src/domain/health-gate.ts';
import type { FleetPolicy } from '../../workflows/policy.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { TEST_PAYLOAD_KEYS } from './keys.ts';

/** Seconds instead of the production minutes and days. */
/** Releases in seconds: phones downloading at 100 kbit/s over a 1 Mbit/s store link (the test APKs are ~74 KB), one-second bakes. */
export const FAST_RELEASE_POLICY: ReleasePolicy = {
  rings: { secondRingShare: 0.5, bakeMs: [1_000], approvalBefore: [] },
  gate: { ...DEFAULT_GATE, minInstalls: 5, minExposureMs: 0 },
  phoneMbps: 0.1,
  batchSpan: '3 seconds',
  planHorizon: '1 hour',
  statusPollFirst: '500 ms',
  statusPollMax: '2 seconds',
  stragglerGrace: '20 seconds',
  healthPoll: '1 second',
  freezeRecheck: '5 seconds',
  operatorWait: '1 hour',
};

export const FAST_POLICY: FleetPolicy = {
  joiner: {
    directoryPollInterval: '500 ms',
    directoryEscalateAfter: '2 seconds',
    // Long on purpose: tests prove that a delivery wakes waiting hires at once.
    stockRetryInterval: '10 minutes',
    registrationPollInterval: '300 ms',
  },
  leaver: {
    reminderDaysBefore: [7, 3, 1, 0],
    returnGracePeriod: '2 seconds',
    brickGracePeriod: '6 seconds',
    recoveryWatch: '1 minute',
    commandPollInterval: '300 ms',
    commandPollMaxInterval: '1 second',
    simOnReturn: 'suspend',
  },
  mover: { freezeRecheckInterval: '10 minutes' },
  release: FAST_RELEASE_POLICY,
  rollout: { activationRecheck: '2 seconds', imagePoll: '1 second' },
};

/** A fetch Response whose JSON body tests read freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface Harness {
  api: string;
  token: string;
  client: Client;
  db: TestDatabase['db']['prisma'];
  sims: RunningSimulators;
  fleet: Fleet;
  taskQueue: string;
  /** The Temporal namespace of its own (see startHarness). */
  namespace: string;
  /** Where this harness's API keeps accepted APKs. */
  artifactDir: string;
  /** A fresh employee id, unique across suites sharing the dev server. */
  newEmployeeId(): string;
  /** POSTs a CloudEvent to /hr/events, signed as HR signs it. */
  sendHrEvent(event: object, opts?: { secret?: string; id?: string; timestamp?: number }): Promise<ApiResponse>;
  /** Operator call with the bearer token. */
  call(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** Stops the worker and starts a new one, with `policy` as its configuration if given (what a redeploy with new POLICY_* does). */
  restartWorker(opts?: { policy?: FleetPolicy }): Promise<void>;
  /** With `workerProcess`: SIGKILLs the worker's process (no drain: what is in flight is lost) and starts another. */
  killWorker(): Promise<void>;
  close(): Promise<void>;
}

/** The release team's mailbox on the SMTP simulator: a halted release is e-mailed there. */
export const RELEASE_TEAM_MAILBOX = 'release-team@retailco.example';
export const HR_SECRET = 'whsec_' + Buffer.from('phonefleet-test-hr-webhook-secret').toString('base64');

export async function startHarness(
  opts: {
    policy?: FleetPolicy;
    fleet?: { stores: number; employeesPerStore: number; stockPerStore: number };
    /** Scoped tokens besides `token` (which has every scope). */ tokens?: ApiTokens;
    /** More of the API's context (codec access). */ api?: Partial<ApiContext>;
    /** Run the worker in a child process, so killWorker() can SIGKILL it. */ workerProcess?: boolean;
  } = {},
): Promise<Harness> {
  const address = inject('temporalAddress');
  const run = randomBytes(3).toString('hex');
  // A namespace of its own: business workflow ids (release-<package>-<versionCode>) repeat
  // across suites, and a start that meets another suite's workflow would be taken as a redelivery.
  const namespace = `e2e-${run}`;
  const admin = await Connection.connect({ address });
  try {
    await ensureNamespace(admin, namespace);
  } finally {
    await admin.close();
  }
  const taskQueue = `e2e-${run}`;
  const policy = opts.policy ?? FAST_POLICY;

  // Newest last; close() runs the API's, then the worker's, then these.
  const stops: Stops = [];
  const database = await createTestDatabase();
  stops.push(() => database.drop());
  const db = database.db.prisma;
  await seedReferenceData(db);
  const assembled = await assembleSystems(
    {
      simulate: {},
      fleet: { stores: 2, employeesPerStore: 12, stockPerStore: 20, seed: 7, employeeIdPrefix: `E${run}-`, ...opts.fleet },
      db,
      adapters: true,
    },
    stops,
  );
  const sims = assembled.simulators!;
  const fleet = assembled.fleet!;
  const systems = assembled.adapters!;
  let workerPolicy = policy;

  // The API keeps accepted APKs here and the worker uploads them to the MDMs from here.
  const artifactDir = path.join(os.tmpdir(), `phonefleet-artifacts-${run}`);
  const gitDir = path.join(os.tmpdir(), `phonefleet-git-${run}`);
  const workerStops: Stops = [];
  const startWorker = async () => {
    await startWorkers(
      {
        address,
        namespace,
        taskQueue,
        keys: TEST_PAYLOAD_KEYS,
        db,
        adapters: systems,
        companyName: 'RetailCo',
        policy: workerPolicy,
        artifacts: new LocalArtifactStore(artifactDir),
        releaseGit: new GitMirrors(gitDir),
        releaseTeamMailbox: RELEASE_TEAM_MAILBOX,
      },
      workerStops,
    );
  };
  const stopWorker = () => stopAll(workerStops);
  let child: ChildProcess | undefined;
  const startChild = async () => {
    const bundlePath = (await workflowBundle()).codePath;
    const config = {
      address,
      namespace,
      taskQueue,
      databaseUrl: database.url,
      systems: assembled.config,
      policy: workerPolicy,
      bundlePath,
      artifactDir,
      gitDir,
      releaseTeamMailbox: RELEASE_TEAM_MAILBOX,
    };
    const started = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'worker-process.ts')], {
      env: { ...process.env, PHONEFLEET_TEST_WORKER: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = started;
    await new Promise<void>((resolve, reject) => {
      started.stdout!.on('data', (b: Buffer) => b.toString().includes('worker-ready') && resolve());
      started.once('exit', (code) => reject(new Error(`test worker process exited (${code}) before it was ready`)));
    });
  };
  const killChild = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  if (opts.workerProcess) await startChild();
  else await startWorker();

  const { client, connection } = await connectClient({ address, namespace, keys: TEST_PAYLOAD_KEYS });
  stops.push(() => connection.close());
  const token = randomBytes(12).toString('hex');
  const apiStops: Stops = [];
  const api = await startApi(
    {
      db,
      temporal: client,
      taskQueue,
      policy,
      hrWebhookSecrets: [HR_SECRET],
      apiTokens: new Map([[token, 'test-operator'], ...(opts.tokens ?? [])]),
      codec: new EncryptionCodec(TEST_PAYLOAD_KEYS.current),
      hr: systems.hr,
      codecOrigins: ['http://localhost:8233'],
      artifacts: new LocalArtifactStore(artifactDir),
      releaseGit: new GitMirrors(gitDir),
      ...opts.api,
      readiness: { database: () => db.$queryRaw`SELECT 1`, temporal: () => connection.healthService.check({}) },
    },
    { host: '127.0.0.1', port: 0 },
    apiStops,
  );
  let seq = 0;

  return {
    api,
    token,
    client,
    db,
    sims,
    fleet,
    taskQueue,
    namespace,
    artifactDir,
    newEmployeeId: () => `T${run}-${++seq}`,
    async sendHrEvent(event, o = {}) {
      const body = JSON.stringify(event);
      const id = o.id ?? `msg_${randomBytes(8).toString('hex')}`;
      const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
      return fetch(`${api}/hr/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/cloudevents+json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(o.secret ?? HR_SECRET, id, timestamp, body),
        },
        body,
      });
    },
    call(method, path, body) {
      return fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    async killWorker() {
      if (!opts.workerProcess) throw new Error('killWorker needs startHarness({ workerProcess: true })');
      await killChild();
      await startChild();
    },
    async restartWorker(o = {}) {
      if (o.policy) workerPolicy = o.policy;
      if (opts.workerProcess) {
        await killChild();
        return startChild();
      }
      await stopWorker();
      await startWorker();
    },
    async close() {
      await stopAll(apiStops);
      if (opts.workerProcess) await killChild();
      else await stopWorker();
      await stopAll(stops);
    },
  };
}

/** Today's date where the store is: a start date of "today" means the store's today (UTC+3 is tomorrow at 21:30 UTC). */
export function storeToday(fleet: Fleet, storeId: string): string {
  return localDate(new Date(), fleet.stores.find((s) => s.id === storeId)?.timeZone ?? 'UTC');
}

/** A hire CloudEvent as HR sends it; pass the store's today as `startDate` when day one matters. */
export function hireEvent(employeeId: string, storeId: string, position: string, extra: Partial<{ startDate: string; displayName: string; id: string }> = {}) {
  return {
    specversion: '1.0',
    id: extra.id ?? `hire-${employeeId}-${randomBytes(4).toString('hex')}`,
    source: '/hr/core',
    type: 'com.retailco.hr.employee.hired',
    time: new Date().toISOString(),
    subject: employeeId,
    datacontenttype: 'application/json',
    data: { employeeId, storeId, position, startDate: extra.startDate ?? new Date().toISOString().slice(0, 10), displayName: extra.displayName ?? 'Test Hire' },
  };
}

export function rescindEvent(employeeId: string) {
  return {
    specversion: '1.0',
    id: `rescind-${employeeId}-${randomBytes(4).toString('hex')}`,
    source: '/hr/core',
    type: 'com.retailco.hr.employee.hire-rescinded',
    data: { employeeId, reason: 'candidate declined the offer' },
  };
}

/** Polls until `probe` returns a value that is not undefined/false, or fails with what it saw last. */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function hrEvent(type: string, employeeId: string, data: Record<string, unknown>) {
  return {
    specversion: '1.0',
    id: `${type.split('.').pop()}-${employeeId}-${randomBytes(4).toString('hex')}`,
    source: '/hr/core',
    type: `com.retailco.hr.employee.${type}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { employeeId, ...data },
  };
}

export const dismissEvent = (employeeId: string, lastWorkingDay: string) => hrEvent('dismissed', employeeId, { lastWorkingDay });
export const revokeDismissalEvent = (employeeId: string) => hrEvent('dismissal-revoked', employeeId, { reason: 'dismissal withdrawn after appeal' });
export const roleChangeEvent = (employeeId: string, position: string, urgent = false) => hrEvent('role-changed', employeeId, { position, urgent });
export const transferEvent = (employeeId: string, storeId: string, urgent = false) => hrEvent('transferred', employeeId, { storeId, urgent });

/** YYYY-MM-DD, `days` from today (UTC). */
export function dayFromToday(days: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** HR: long leave begins or ends (data: kind parental|sick|other, from, until?). */
export const leaveEvent = (employeeId: string, type: 'leave-started' | 'leave-ended', data: Record<string, unknown>) => hrEvent(type, employeeId, data);
