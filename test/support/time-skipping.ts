// A workflow test on Temporal's time-skipping server, against a real PostgreSQL test database
// and the simulators seeded with a small fleet: what the real-durations suites share.
import type { WorkflowClient } from '@temporalio/client';
import { TestWorkflowEnvironment, TimeSkippingWorkflowClient } from '@temporalio/testing';
import { assembleSystems, stopAll, type Stops } from '../../src/assemble.ts';
import { dataConverter } from '../../src/temporal/connection.ts';
import { createWorkers, type WorkersOptions } from '../../src/worker/worker.ts';
import type { ActivityDeps } from '../../activities/deps.ts';
import type { FleetPolicy } from '../../workflows/policy.ts';
import { TEST_PAYLOAD_KEYS } from './keys.ts';
import { seedReferenceData } from '../../src/db/seed.ts';
import type { Fleet, FleetOptions } from '../../src/systems/fleet.ts';
import type { ExternalSystems, RunningSimulators } from '../../src/systems/index.ts';
import { timeSkippingServerOptions } from '../../src/temporal/server.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TimeSkippingRig {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  sims: RunningSimulators;
  /** Adapters on the simulators. */
  systems: ExternalSystems;
  fleet: Fleet;
  close(): Promise<void>;
}

export async function startTimeSkippingRig(fleetOptions: FleetOptions): Promise<TimeSkippingRig> {
  const stops: Stops = [];
  try {
    const env = await TestWorkflowEnvironment.createTimeSkipping(timeSkippingServerOptions());
    stops.push(() => env.teardown());
    const database = await createTestDatabase();
    stops.push(() => database.drop());
    await seedReferenceData(database.db.prisma);
    const assembled = await assembleSystems({ simulate: {}, fleet: fleetOptions, db: database.db.prisma, adapters: true }, stops);
    return {
      env,
      database,
      sims: assembled.simulators!,
      systems: assembled.adapters!,
      fleet: assembled.fleet!,
      close: () => stopAll(stops),
    };
  } catch (err) {
    await stopAll(stops);
    throw err;
  }
}

/**
 * The workers (one per task queue kind) on the rig's time-skipping server running the
 * production workflow bundle and activities, with payloads encrypted as in production (and as
 * committed histories must be), and a client for it. `policy`: the worker's current policy
 * (what `currentPolicy()` answers).
 */
export async function startProductionWorker(
  rig: TimeSkippingRig,
  taskQueue: string,
  policy?: FleetPolicy,
  /** A test double for one system (deps), or a wrapped activity (activities). */
  overrides: { deps?: Partial<ActivityDeps>; activities?: WorkersOptions['activities'] } = {},
): Promise<{ workflows: WorkflowClient; stop(): Promise<void> }> {
  const workers = await createWorkers({
    connection: rig.env.nativeConnection,
    taskQueue,
    keys: TEST_PAYLOAD_KEYS,
    deps: { db: rig.database.db.prisma, ...rig.systems, companyName: 'RetailCo', ...(policy ? { policy } : {}), ...overrides.deps },
    ...(overrides.activities ? { activities: overrides.activities } : {}),
  });
  const running = workers.run();
  const workflows = new TimeSkippingWorkflowClient({ connection: rig.env.connection, dataConverter: dataConverter(TEST_PAYLOAD_KEYS) });
  return {
    workflows,
    async stop() {
      workers.shutdown();
      await running;
    },
  };
}
