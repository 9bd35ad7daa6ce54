// A phonefleet worker in a process of its own, so a suite can SIGKILL it mid-activity (what a
// crashed pod does: no drain, completions lost) and start another. Configured by the harness
// through PHONEFLEET_TEST_WORKER (JSON); the workflow code comes pre-bundled from the parent.
import { createExternalSystems, type ExternalSystemsConfig } from '../../src/systems/index.ts';
import { openDatabase } from '../../src/db/client.ts';
import { installTelemetry } from '../../src/observability/telemetry.ts';
import { connectWorkers } from '../../src/worker/worker.ts';
import type { FleetPolicy } from '../../workflows/policy.ts';
import { TEST_PAYLOAD_KEYS } from './keys.ts';
import { LocalArtifactStore } from '../../src/release/artifact-store.ts';
import { GitMirrors } from '../../src/release/git.ts';

export interface WorkerProcessConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  systems: Partial<ExternalSystemsConfig>;
  policy: FleetPolicy;
  bundlePath: string;
  artifactDir: string;
  gitDir: string;
  releaseTeamMailbox: string;
}

const config: WorkerProcessConfig = JSON.parse(process.env.PHONEFLEET_TEST_WORKER ?? '{}');
installTelemetry({ metricsAddress: process.env.WORKER_METRICS_ADDRESS });
const db = await openDatabase({ databaseUrl: config.databaseUrl });
// Every queue's worker, as a production process runs them.
const workers = await connectWorkers({
  address: config.address,
  namespace: config.namespace,
  taskQueue: config.taskQueue,
  workflowBundle: { codePath: config.bundlePath },
  deps: {
    db: db.prisma,
    ...createExternalSystems(config.systems as ExternalSystemsConfig),
    companyName: 'RetailCo',
    policy: config.policy,
    artifacts: new LocalArtifactStore(config.artifactDir),
    releaseGit: new GitMirrors(config.gitDir),
    releaseTeamMailbox: config.releaseTeamMailbox,
  },
  keys: TEST_PAYLOAD_KEYS,
});
const running = workers.run();
process.stdout.write('worker-ready\n');
await running;
