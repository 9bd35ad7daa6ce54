// A phonefleet worker in a process of its own, so a suite can SIGKILL it mid-activity (what a
// crashed pod does: no drain, completions lost) and start another. Configured by the harness
// through PHONEFLEET_TEST_WORKER (JSON); the workflow code comes pre-bundled from the parent.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { createExternalSystems, type ExternalSystemsConfig } from '../../src/adapters/index.ts';
import { openDatabase } from '../../src/db/client.ts';
import { dataConverter } from '../../src/temporal/connection.ts';
import type { FleetPolicy } from '../../workflows/policy.ts';
import { TEST_PAYLOAD_KEYS } from './keys.ts';

export interface WorkerProcessConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  systems: ExternalSystemsConfig;
  policy: FleetPolicy;
  bundlePath: string;
}

const config: WorkerProcessConfig = JSON.parse(process.env.PHONEFLEET_TEST_WORKER ?? '{}');
const db = await openDatabase({ databaseUrl: config.databaseUrl });
const connection = await NativeConnection.connect({ address: config.address });
const worker = await Worker.create({
  connection,
  namespace: config.namespace,
  taskQueue: config.taskQueue,
  workflowBundle: { codePath: config.bundlePath },
  activities: createActivities({ db: db.prisma, ...createExternalSystems(config.systems), companyName: 'RetailCo', policy: config.policy }),
  dataConverter: dataConverter(TEST_PAYLOAD_KEYS),
});
const running = worker.run();
process.stdout.write('worker-ready\n');
await running;
