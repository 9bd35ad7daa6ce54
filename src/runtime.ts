// phonefleet on one machine: Temporal, the database, the external systems, the worker and the
// API, each either the embedded default or the real one its configuration names.
import type { Server } from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createApp } from './api/app.ts';
import { oidcVerifier } from './api/oidc.ts';
import { createExternalSystems, externalSystemsConfigFromEnv, externalSystemsFromSimulators } from './adapters/index.ts';
import type { Config, Part } from './config.ts';
import { openDatabase } from './db/client.ts';
import { seedFleet, seedReferenceData } from './db/seed.ts';
import { DEMO_FLEET, generateFleet, mdmDeviceIdsOf, seedSimulators } from './simulators/fleet.ts';
import { SIMULATOR_NAMES, startSimulators, type RunningSimulators } from './simulators/index.ts';
import { KNOX_MANAGE_PUBLISHED_LIMITS } from './simulators/rate-limits.ts';
import { EncryptionCodec } from './temporal/codec.ts';
import { HrHttpApi, type HrHttpConfig } from './adapters/hr-http.ts';
import { connectClient } from './temporal/connection.ts';
import { ensureSearchAttributes, startDevServer } from './temporal/server.ts';
import { activityPatienceMs } from './worker/patience.ts';
import { createWorker } from './worker/worker.ts';

export interface Running {
  apiUrl: string;
  uiUrl?: string;
  temporalAddress: string;
  /** Which parts run embedded (dev server, PGlite, simulators). */
  embedded: string[];
  simulators?: RunningSimulators;
  stop(): Promise<void>;
}

type Env = Record<string, string | undefined>;

export type { Part } from './config.ts';

export async function startPhonefleet(
  config: Config,
  env: Env = process.env,
  log: (line: string) => void = console.log,
  parts: readonly Part[] = ['worker', 'api'],
): Promise<Running> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => log(`phonefleet: error while stopping: ${err instanceof Error ? err.message : err}`));
  };
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

    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
    stops.push(() => database.close());
    if (database.kind === 'pglite') embedded.push('PGlite');
    await seedReferenceData(database.prisma);

    // External systems: the real ones the configuration names. Only the demo (loadConfig decides,
    // and has refused a partial configuration) adds simulators with a demo fleet for the rest.
    const real = externalSystemsConfigFromEnv(env);
    let simulators: RunningSimulators | undefined;
    if (config.demo && SIMULATOR_NAMES.some((name) => !real[name])) {
      const basePort = Number(env.SIM_BASE_PORT ?? 7101);
      simulators = await startSimulators({
        ports: Object.fromEntries(SIMULATOR_NAMES.map((n, i) => [n, basePort + i])),
        // What the workflows did to the simulated systems (and the people demo:hire added) must
        // still be there when the workflows continue after a restart.
        stateFile: path.join(config.dataDir, 'simulators.json'),
        // As the real one: the demo shows phonefleet pacing itself to them.
        knoxManageRateLimits: KNOX_MANAGE_PUBLISHED_LIMITS,
      });
      stops.push(() => simulators!.close());
      const fleet = generateFleet(DEMO_FLEET);
      // A restart finds the demo fleet, and all that happened to it since, in the state file.
      const { mdmDeviceIds } = simulators.restored ? mdmDeviceIdsOf(simulators, fleet) : await seedSimulators(simulators, fleet);
      await seedFleet(database.prisma, fleet, { mdmDeviceIds });
      embedded.push(`simulators (${SIMULATOR_NAMES.filter((n) => !real[n]).join(', ')})`);
    }
    const missing = SIMULATOR_NAMES.filter((name) => !real[name] && !simulators);
    // The API alone calls no external system; a worker without all of them cannot work.
    if (parts.includes('worker') && missing.length > 0) throw new Error(`no configuration for ${missing.join(', ')}`);
    const systems = parts.includes('worker')
      ? createExternalSystems({ ...(simulators ? externalSystemsFromSimulators(simulators) : {}), ...real } as Parameters<typeof createExternalSystems>[0], {
          // Every worker on this database shares the MDM's rate budgets.
          db: database.prisma,
          maxWaitMs: () => activityPatienceMs(),
        })
      : undefined;

    const readiness: Record<string, () => Promise<unknown>> = {
      database: () => database.prisma.$queryRaw`SELECT 1`,
      temporal: () => connection.healthService.check({}),
    };
    if (systems) {
      const { worker, connection: workerConnection } = await createWorker({
        address: temporalAddress,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        keys: config.payloadKeys,
        deps: { db: database.prisma, ...systems, companyName: config.companyName, policy: config.policy },
      });
      const workerRun = worker.run();
      stops.push(async () => {
        // Temporal's runtime already starts a shutdown on SIGINT/SIGTERM by itself.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerRun;
        await workerConnection.close();
      });
      readiness.worker = async () => {
        if (worker.getState() !== 'RUNNING') throw new Error(`worker is ${worker.getState()}`);
      };
    }
    if (!parts.includes('api')) return { apiUrl, uiUrl, temporalAddress, embedded, simulators, stop };

    const app = createApp(
      {
        db: database.prisma,
        temporal: client,
        taskQueue: config.temporal.taskQueue,
        policy: config.policy,
        hrWebhookSecrets: config.hrWebhookSecrets,
        apiTokens: config.api.tokens,
        codec: new EncryptionCodec(config.payloadKeys.current, config.payloadKeys.previous),
        // Curators' views fetch names from HR (the API alone too, when HR is configured).
        hr: systems?.hr ?? hrForNames(real.hr ?? (simulators ? externalSystemsFromSimulators(simulators).hr : undefined)),
        codecOrigins: config.api.codecOrigins,
        codecUiSecret: uiUrl ? codecUiSecret : undefined,
        codecIdentity: config.api.codecOidc ? oidcVerifier(config.api.codecOidc) : undefined,
        readiness,
      },
      { log },
    );
    const server: Server = await new Promise((resolve, reject) => {
      const s = app.listen(config.api.port, config.api.host, () => resolve(s));
      s.once('error', reject);
    });
    stops.push(() => new Promise((resolve) => server.close(resolve)));

    return { apiUrl, uiUrl, temporalAddress, embedded, simulators, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const hrForNames = (config: HrHttpConfig | undefined) => (config ? new HrHttpApi(config) : undefined);
