// A workflow test on Temporal's time-skipping server, against a real PostgreSQL test database
// and the simulators seeded with a small fleet: what the real-durations suites share.
import { TestWorkflowEnvironment } from '@temporalio/testing';
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
