// A workflow test on Temporal's time-skipping server, against a real PostgreSQL test database
// and the simulators seeded with a small fleet: what the real-durations suites share.
import type { WorkflowClient } from '@temporalio/client';
import { TestWorkflowEnvironment, TimeSkippingWorkflowClient } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { createExternalSystems, externalSystemsFromSimulators } from '../../src/adapters/index.ts';
import { dataConverter } from '../../src/temporal/connection.ts';
import { workflowBundle } from '../../src/worker/worker.ts';
import type { FleetPolicy } from '../../workflows/policy.ts';
import { TEST_PAYLOAD_KEYS } from './keys.ts';
import { seedFleet, seedReferenceData } from '../../src/db/seed.ts';
import { generateFleet, seedSimulators, type Fleet, type FleetOptions } from '../../src/simulators/fleet.ts';
import { startSimulators, type RunningSimulators } from '../../src/simulators/index.ts';
import { timeSkippingServerOptions } from '../../src/temporal/server.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TimeSkippingRig {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  sims: RunningSimulators;
  fleet: Fleet;
  close(): Promise<void>;
}

export async function startTimeSkippingRig(fleetOptions: FleetOptions): Promise<TimeSkippingRig> {
  const env = await TestWorkflowEnvironment.createTimeSkipping(timeSkippingServerOptions());
  const database = await createTestDatabase();
  const sims = await startSimulators();
  const fleet = generateFleet(fleetOptions);
  const { mdmDeviceIds } = await seedSimulators(sims, fleet);
  await seedReferenceData(database.db.prisma);
  await seedFleet(database.db.prisma, fleet, { mdmDeviceIds });
  return {
    env,
    database,
    sims,
    fleet,
    async close() {
      await env.teardown();
      await sims.close();
      await database.drop();
    },
  };
}

/**
 * A worker on the rig's time-skipping server running the production workflow bundle and
 * activities, with payloads encrypted as in production (and as committed histories must be),
 * and a client for it. `policy`: the worker's current policy (what `currentPolicy()` answers).
 */
export async function startProductionWorker(rig: TimeSkippingRig, taskQueue: string, policy?: FleetPolicy): Promise<{ workflows: WorkflowClient; stop(): Promise<void> }> {
  const systems = createExternalSystems(externalSystemsFromSimulators(rig.sims));
  const worker = await Worker.create({
    connection: rig.env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter: dataConverter(TEST_PAYLOAD_KEYS),
    activities: createActivities({ db: rig.database.db.prisma, ...systems, companyName: 'RetailCo', ...(policy ? { policy } : {}) }),
  });
  const running = worker.run();
  const workflows = new TimeSkippingWorkflowClient({ connection: rig.env.connection, dataConverter: dataConverter(TEST_PAYLOAD_KEYS) });
  return {
    workflows,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}
