// phonefleet assembled from its parts: Temporal, the database, the external systems (real or
// simulated), the workers and the API, each either the embedded default or the real one its
// configuration names. `assemble()` is `npm start` (and `npm run worker` / `npm run api`); the
// test harness and the benchmarks put the same parts together with their own options.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createApp } from './api/app.ts';
import { loggerFor, type Logger } from './observability/log.ts';
import { installTelemetry, workerMetricsAddress } from './observability/telemetry.ts';
import type { ApiContext } from './api/context.ts';
import { oidcVerifier } from './api/oidc.ts';
import type { Config, Part } from './config.ts';
import { databaseOptionsFromEnv, openDatabase, type Database } from './db/client.ts';
import type { PrismaClient } from './db/generated/client.ts';
import { seedFleet, seedReferenceData, seedStoreSettings } from './db/seed.ts';
import { DEMO_FLEET, generateFleet, mdmDeviceIdsOf, seedSimulators, type Fleet, type FleetOptions } from './systems/fleet.ts';
import {
  SIMULATOR_NAMES,
  createExternalSystems,
  externalSystemsConfigFromEnv,
  externalSystemsFromSimulators,
  mdmDeviceCommandsPerSecond,
  startSimulators,
  type ExternalSystems,
  type ExternalSystemsConfig,
  type RunningSimulators,
  type StartSimulatorsOptions,
} from './systems/index.ts';
import { HrHttpApi } from './systems/hr/http.ts';
import { type ArtifactStore, artifactStoreFor } from './release/artifact-store.ts';
import { GitMirrors, type ReleaseGit } from './release/git.ts';
import { KNOX_MANAGE_PUBLISHED_LIMITS } from './systems/shared/rate-limits.ts';
import { DEMO_OPERATOR_LIMITS } from './systems/operator/limits.ts';
import { EncryptionCodec, type PayloadKey } from './temporal/codec.ts';
import { connectClient } from './temporal/connection.ts';
import { startNotificationDelivery } from '../workflows/notification-delivery-contract.ts';
import { FLEET_SYNC_WORKFLOW_TYPE, ensureFleetSyncSchedule, fleetSyncWorkflowId, type FleetSyncInput } from '../workflows/fleet-sync-contract.ts';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ensureSearchAttributes, startDevServer } from './temporal/server.ts';
import { activityPatienceMs } from './worker/patience.ts';
import { connectWorkers, type QueueKind, type QueueOptions, type Workers } from './worker/worker.ts';
import type { FleetPolicy } from '../workflows/policy.ts';

/** What was started, newest last: stopping runs newest first, so a failure half-way still stops what started. */
export type Stops = (() => Promise<unknown>)[];

// --- the external systems --------------------------------------------------------------------

export interface SystemsOptions {
  /** The real systems (externalSystemsConfigFromEnv); the simulators stand in for the others. */
  real?: Partial<ExternalSystemsConfig>;
  /** Start simulators for the systems `real` lacks (the demo, tests, benchmarks). */
  simulate?: StartSimulatorsOptions | false;
  /** A fleet seeded into the simulators (unless restored from their state file) and into `db`. */
  fleet?: FleetOptions;
  /**
   * `simulators`: the fleet goes into the simulators only; the database gets it through the
   * fleet sync (loadFleetThroughSync, once the workers run), as a real deployment's does.
   */
  fleetInto?: 'database' | 'simulators';
  db: PrismaClient;
  /** Fleet-wide pacing of the MDM traffic, kept in `db` (the real deployment and the demo). */
  pacing?: boolean;
  /** Adapters for every system are needed (a worker): refuse when one is neither real nor simulated. */
  adapters?: boolean;
}

export interface AssembledSystems {
  /** Every system's configuration that is known (all of them when adapters were asked for). */
  config: Partial<ExternalSystemsConfig>;
  adapters?: ExternalSystems;
  simulators?: RunningSimulators;
  fleet?: Fleet;
  /** The MDM's device id of each of the fleet's phones (fleetInto `simulators`: for the stock written later). */
  mdmDeviceIds?: Record<string, string>;
  /** Names of the simulated systems. */
  simulated: string[];
  /** The MDM queue's rate: the smallest device-command budget, when pacing. */
  mdmActivitiesPerSecond?: number;
}

export async function assembleSystems(opts: SystemsOptions, stops: Stops): Promise<AssembledSystems> {
  const real = opts.real ?? {};
  const simulated = SIMULATOR_NAMES.filter((name) => !real[name]);
  let simulators: RunningSimulators | undefined;
  let fleet: Fleet | undefined;
  let mdmDeviceIds: Record<string, string> | undefined;
  if (opts.simulate && simulated.length > 0) {
    const running = await startSimulators(opts.simulate);
    simulators = running;
    stops.push(() => running.close());
    if (opts.fleet) {
      fleet = generateFleet(opts.fleet);
      // A restart finds the fleet, and all that happened to it since, in the state file.
      ({ mdmDeviceIds } = running.restored ? mdmDeviceIdsOf(running, fleet) : await seedSimulators(running, fleet));
      if (opts.fleetInto !== 'simulators') await seedFleet(opts.db, fleet, { mdmDeviceIds });
    }
  }
  const config: Partial<ExternalSystemsConfig> = { ...(simulators ? externalSystemsFromSimulators(simulators) : {}), ...real };
  const missing = SIMULATOR_NAMES.filter((name) => !config[name]);
  // A worker without all of them cannot work.
  if (opts.adapters && missing.length > 0) throw new Error(`no configuration for ${missing.join(', ')}`);
  const pacing = opts.pacing ? { db: opts.db, maxWaitMs: () => activityPatienceMs() } : undefined;
  const mdmActivitiesPerSecond = opts.pacing ? mdmDeviceCommandsPerSecond(config) : undefined;
  return {
    config,
    ...(opts.adapters ? { adapters: createExternalSystems(config as ExternalSystemsConfig, pacing) } : {}),
    ...(simulators ? { simulators } : {}),
    ...(fleet ? { fleet } : {}),
    ...(mdmDeviceIds ? { mdmDeviceIds } : {}),
    simulated: simulators ? simulated : [],
    ...(mdmActivitiesPerSecond !== undefined ? { mdmActivitiesPerSecond } : {}),
  };
}

// --- the demo fleet through the sync ------------------------------------------------------------

/**
 * The demo's first syncs, per deployment (its lifecycle task queue): HR's stores and people
 * before the stock is written, then the full sync (the operator, the MDMs, the reconciliation)
 * once the stock is in. The ids are fixed per deployment, so a restart does not run them again,
 * and two deployments on one Temporal namespace (the test suites) never adopt each other's run.
 */
export const demoSyncIds = (taskQueue: string) => ({ hr: fleetSyncWorkflowId(`demo-hr-${taskQueue}`), full: fleetSyncWorkflowId(`demo-first-${taskQueue}`) });

/**
 * The demo fleet into the database as a real deployment's comes: stores and people from HR
 * through the fleet sync (waited for: a few seconds), then the stock the leasing partner
 * delivered and the store settings HR does not know (written directly, as a delivery and
 * operations would), then a full sync in the background. Needs the workers running.
 */
export async function loadFleetThroughSync(client: Client, taskQueue: string, db: PrismaClient, fleet: Fleet, mdmDeviceIds: Record<string, string>): Promise<void> {
  const hrOnly: FleetSyncInput = { trigger: 'demo', dryRun: false, sources: ['hr-stores', 'hr-employees'], reconcile: false };
  const start = async (workflowId: string, input: FleetSyncInput) => {
    try {
      return await client.workflow.start(FLEET_SYNC_WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: 'Fleet sync (demo start-up)',
      });
    } catch (err) {
      // Done before (a restart of the demo): the same fleet is there.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle(workflowId);
      throw err;
    }
  };
  const ids = demoSyncIds(taskQueue);
  await (await start(ids.hr, hrOnly)).result();
  await seedFleet(db, fleet, { mdmDeviceIds });
  await seedStoreSettings(db, fleet);
  await start(ids.full, { trigger: 'demo', dryRun: false });
}

// --- the workers and the API -----------------------------------------------------------------

export interface WorkersAssembly {
  address: string;
  namespace: string;
  taskQueue: string;
  keys: { current: PayloadKey; previous: PayloadKey[] };
  db: PrismaClient;
  adapters: ExternalSystems;
  companyName: string;
  policy?: FleetPolicy;
  /** The MDM queue's rate (AssembledSystems.mdmActivitiesPerSecond); none: unpaced. */
  mdmActivitiesPerSecond?: number;
  /** Accepted APKs (releases upload them to the MDMs) and the apps' repositories (tags). */
  artifacts?: ArtifactStore;
  releaseGit?: ReleaseGit;
  /** Told when a release halts (e-mail), besides the support task. */
  releaseTeamMailbox?: string;
  queues?: Partial<Record<QueueKind, QueueOptions>>;
}

/** One worker per task queue kind, running; `stops` shuts them down. */
export async function startWorkers(opts: WorkersAssembly, stops: Stops): Promise<Workers> {
  const mdmRate = opts.mdmActivitiesPerSecond !== undefined ? { maxTaskQueueActivitiesPerSecond: opts.mdmActivitiesPerSecond } : {};
  const workers = await connectWorkers({
    address: opts.address,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    keys: opts.keys,
    deps: {
      db: opts.db,
      ...opts.adapters,
      companyName: opts.companyName,
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.artifacts ? { artifacts: opts.artifacts } : {}),
      ...(opts.releaseGit ? { releaseGit: opts.releaseGit } : {}),
      ...(opts.releaseTeamMailbox ? { releaseTeamMailbox: opts.releaseTeamMailbox } : {}),
    },
    queues: { ...opts.queues, mdm: { ...mdmRate, ...opts.queues?.mdm } },
  });
  const running = workers.run();
  stops.push(async () => {
    // Temporal's runtime already starts a shutdown on SIGINT/SIGTERM by itself.
    workers.shutdown();
    await running;
    await workers.close();
  });
  return workers;
}

/** The HTTP API listening on host:port (0: an ephemeral port); its URL. */
export async function startApi(context: ApiContext, listen: { host: string; port: number; logger?: Logger }, stops: Stops): Promise<string> {
  const app = createApp(context, listen.logger ? { logger: listen.logger } : {});
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(listen.port, listen.host, () => resolve(s));
    s.once('error', reject);
  });
  stops.push(() => new Promise((resolve) => server.close(resolve)));
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host;
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

/** Runs every stop, newest first, each on its own: one that fails leaves none of the others behind. */
export async function stopAll(stops: Stops, log: Logger = loggerFor('stop')): Promise<void> {
  for (const s of stops.splice(0).reverse()) await s().catch((err: unknown) => log.error({ err }, 'error while stopping'));
}

// --- all of it -------------------------------------------------------------------------------

export interface Running {
  apiUrl: string;
  uiUrl?: string;
  temporalAddress: string;
  /** Which parts run embedded (dev server, PostgreSQL, simulators). */
  embedded: string[];
  simulators?: RunningSimulators;
  workers?: Workers;
  stop(): Promise<void>;
}

type Env = Record<string, string | undefined>;

export type { Part } from './config.ts';

/** The database the configuration names, or the embedded one in the data folder. */
async function openConfiguredDatabase(config: Config, env: Env, stops: Stops, embedded: string[]): Promise<Database> {
  const database = await openDatabase({ port: databaseOptionsFromEnv(env).port, databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'postgres') });
  stops.push(() => database.close());
  if (database.kind === 'embedded') embedded.push('PostgreSQL');
  return database;
}

export async function assemble(config: Config, env: Env = process.env, log: Logger = loggerFor('start'), parts: readonly Part[] = ['worker', 'api']): Promise<Running> {
  const stops: Stops = [];
  const stop = () => stopAll(stops, log);
  const embedded: string[] = [];
  const apiUrl = `http://${config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}`;

  try {
    // Temporal: the configured cluster, or a dev server whose workflows survive a restart.
    let temporalAddress = config.temporal.address;
    let uiUrl: string | undefined;
    const codecUiSecret = randomBytes(24).toString('base64url');
    if (!temporalAddress) {
      const server = await startDevServer({
        port: config.temporal.devServerPort,
        uiPort: config.temporal.uiPort,
        dbFile: path.join(config.dataDir, 'temporal.sqlite'),
        namespace: config.temporal.namespace,
        // Its UI has no login: it gets a codec URL holding a secret made for this start.
        codecEndpoint: `${apiUrl}/codec/${codecUiSecret}`,
        logFile: path.join(config.dataDir, 'temporal.log'),
      });
      stops.push(() => server.stop());
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
      embedded.push('temporal dev server');
    }
    const { client, connection } = await connectClient({ address: temporalAddress, namespace: config.temporal.namespace, keys: config.payloadKeys });
    stops.push(() => connection.close());
    if (config.temporal.address) await ensureSearchAttributes(connection, config.temporal.namespace);

    const database = await openConfiguredDatabase(config, env, stops, embedded);
    await seedReferenceData(database.prisma);

    // External systems: the real ones the configuration names. Only the demo (loadConfig decides,
    // and has refused a partial configuration) adds simulators with a demo fleet for the rest.
    // SIM_BASE_PORT=0: ephemeral ports (tests running beside a demo).
    const basePort = Number(env.SIM_BASE_PORT ?? 7101);
    const systems = await assembleSystems(
      {
        real: externalSystemsConfigFromEnv(env),
        simulate: config.demo && {
          ...(basePort ? { ports: Object.fromEntries(SIMULATOR_NAMES.map((n, i) => [n, basePort + i])) } : {}),
          // What the workflows did to the simulated systems (and the people demo:hire added) must
          // still be there when the workflows continue after a restart.
          stateFile: path.join(config.dataDir, 'simulators.json'),
          // As the real one: the demo shows phonefleet pacing itself to them.
          knoxManageRateLimits: KNOX_MANAGE_PUBLISHED_LIMITS,
          operatorLimits: DEMO_OPERATOR_LIMITS,
        },
        fleet: DEMO_FLEET,
        // Stores and people reach the database through the fleet sync (below).
        fleetInto: parts.includes('worker') ? 'simulators' : 'database',
        db: database.prisma,
        // Every worker on this database shares the MDM's rate budgets.
        pacing: true,
        // The API alone calls no external system.
        adapters: parts.includes('worker'),
      },
      stops,
    );
    if (systems.simulated.length > 0) embedded.push(`simulators (${systems.simulated.join(', ')})`);

    const readiness: Record<string, () => Promise<unknown>> = {
      database: () => database.prisma.$queryRaw`SELECT 1`,
      temporal: () => connection.healthService.check({}),
    };
    let workers: Workers | undefined;
    // Accepted APKs, content-addressed, beside the other state of this deployment (the API keeps them, the worker uploads them).
    const artifacts = artifactStoreFor(config.release.artifacts, path.join(config.dataDir, 'artifacts'));
    const releaseGit = new GitMirrors(path.join(config.dataDir, 'git'));
    if (systems.adapters) {
      // The SDK's own metrics (workflow tasks, activities, polls) on the worker's Prometheus endpoint.
      installTelemetry({ metricsAddress: workerMetricsAddress(env, config.demo) });
      const started = await startWorkers(
        {
          address: temporalAddress,
          namespace: config.temporal.namespace,
          taskQueue: config.temporal.taskQueue,
          keys: config.payloadKeys,
          db: database.prisma,
          adapters: systems.adapters,
          companyName: config.companyName,
          policy: config.policy,
          artifacts,
          releaseGit,
          ...(config.release.teamMailbox ? { releaseTeamMailbox: config.release.teamMailbox } : {}),
          ...(systems.mdmActivitiesPerSecond !== undefined ? { mdmActivitiesPerSecond: systems.mdmActivitiesPerSecond } : {}),
        },
        stops,
      );
      workers = started;
      // The notification deliverer of this deployment (already running: nothing changes).
      await startNotificationDelivery(client, config.temporal.taskQueue);
      // The daily fleet sync's Schedule (there already: brought to the configured time).
      await ensureFleetSyncSchedule(client, config.temporal.taskQueue, config.fleetSyncCron);
      if (systems.fleet && systems.mdmDeviceIds) await loadFleetThroughSync(client, config.temporal.taskQueue, database.prisma, systems.fleet, systems.mdmDeviceIds);
      readiness.worker = async () => {
        if (started.state() !== 'RUNNING') throw new Error(`worker is ${started.state()}`);
      };
    }
    const running = { apiUrl, uiUrl, temporalAddress, embedded, simulators: systems.simulators, workers, stop };
    if (!parts.includes('api')) return running;

    const hrConfig = systems.config.hr;
    await startApi(
      {
        db: database.prisma,
        temporal: client,
        taskQueue: config.temporal.taskQueue,
        policy: config.policy,
        hrWebhookSecrets: config.hrWebhookSecrets,
        apiTokens: config.api.tokens,
        codec: new EncryptionCodec(config.payloadKeys.current, config.payloadKeys.previous),
        // Curators' views fetch names from HR (the API alone too, when HR is configured).
        hr: systems.adapters?.hr ?? (hrConfig ? new HrHttpApi(hrConfig) : undefined),
        codecOrigins: config.api.codecOrigins,
        codecUiSecret: uiUrl ? codecUiSecret : undefined,
        codecIdentity: config.api.codecOidc ? oidcVerifier(config.api.codecOidc) : undefined,
        artifacts,
        releaseGit,
        readiness,
      },
      { host: config.api.host, port: config.api.port, logger: loggerFor('api') },
      stops,
    );
    return running;
  } catch (err) {
    await stop();
    throw err;
  }
}
