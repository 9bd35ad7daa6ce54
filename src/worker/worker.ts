// The phonefleet worker: runs the workflows and the activities (adapters + database).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.ts';
import type { PayloadKey } from '../temporal/codec.ts';
import { dataConverter, FAILURE_CONVERTER_PATH } from '../temporal/connection.ts';

export const WORKFLOWS_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../workflows/index.ts');

/** Bundling takes seconds: do it once per process and share it between workers. */
let bundle: Promise<WorkflowBundle> | undefined;
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietBundlerLogger });
  return bundle;
}

const quiet = () => {};
const quietBundlerLogger = { trace: quiet, debug: quiet, info: quiet, warn: console.warn, error: console.error, log: quiet };

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  keys: { current: PayloadKey; previous: PayloadKey[] };
  deps: ActivityDeps;
  /** Concurrency caps; the defaults suit one store's burst of hires on a 2-core machine. */
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createWorker(opts: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(opts.deps),
    dataConverter: dataConverter(opts.keys),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 100,
  });
  return { worker, connection };
}
