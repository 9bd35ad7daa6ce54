// The phonefleet workers: one per kind of task queue, each with the options its work needs, all
// registering every activity and sharing one workflow bundle and one connection.
//   lifecycle  the configured queue: the workflows and the database activities.
//   mdm        `<queue>-mdm`: commands to phones, which the MDMs take only at a published rate;
//              paced server-side, for every worker of the fleet at once.
//   bulk       `<queue>-bulk`: the activities of long jobs over the whole fleet (the fleet
//              sync's pages, reconciliation), kept to a trickle so that they never crowd out a
//              hire. Their workflows run on the lifecycle queue: a worker that runs workflows
//              holds a V8 isolate with the bundle (~50 MB), and one is enough.
import { NativeConnection, Worker, type WorkerOptions as SdkWorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.ts';
import type { PayloadKey } from '../temporal/codec.ts';
import { dataConverter } from '../temporal/connection.ts';
import { workflowBundle } from './bundle.ts';

export const QUEUE_KINDS = ['lifecycle', 'mdm', 'bulk'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

/** The task queue of `kind` (as workflows/kit/task-queues.ts derives it inside a workflow). */
export function taskQueueOf(lifecycleQueue: string, kind: QueueKind): string {
  return kind === 'lifecycle' ? lifecycleQueue : `${lifecycleQueue}-${kind}`;
}

/** What differs between the workers, by kind. */
export interface QueueOptions {
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  /** Activities a second the server hands out on this queue, to all its workers together. */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Whether this worker runs workflows too (else it polls only for activities). */
  workflows?: boolean;
}

/**
 * The defaults suit one store's burst of hires on a 2-core machine. The MDM worker runs no
 * workflows (they live on the lifecycle queue) and gets its rate from the assembly, which knows
 * the MDM's budget; its slots are as many as the lifecycle's, because a role change is several
 * commands that wait on the shared rate budget inside one activity (with 20 slots the mover bench
 * ran 18 % over its pre-queue figure; with 100, 6 %). The bulk one runs its jobs' activities two
 * at a time, and no workflows (see above).
 */
export const QUEUE_DEFAULTS: Readonly<Record<QueueKind, QueueOptions>> = {
  lifecycle: { maxConcurrentActivityTaskExecutions: 100, workflows: true },
  mdm: { maxConcurrentActivityTaskExecutions: 100, workflows: false },
  bulk: { maxConcurrentActivityTaskExecutions: 2, workflows: false },
};

export interface WorkersOptions {
  /** One connection for every worker (the time-skipping server's, in tests). */
  connection: NativeConnection;
  namespace?: string;
  /** The lifecycle queue; the others are named after it (taskQueueOf). */
  taskQueue: string;
  keys: { current: PayloadKey; previous: PayloadKey[] };
  deps: ActivityDeps;
  /** Per kind, over QUEUE_DEFAULTS. */
  queues?: Partial<Record<QueueKind, QueueOptions>>;
  /** The activity implementations, given the production ones (createActivities(deps)): tests wrap one to act mid-activity. */
  activities?: (production: ReturnType<typeof createActivities>) => ReturnType<typeof createActivities>;
  /** Default: the production bundle (workflowBundle()); a child process passes its prebuilt file. */
  workflowBundle?: WorkflowBundle | { codePath: string };
}

/** The workers of one process, run and stopped together. */
export interface Workers {
  byKind: Record<QueueKind, Worker>;
  /** Runs every worker until shutdown(); rejects when one of them fails. */
  run(): Promise<void>;
  shutdown(): void;
  /** 'RUNNING' when every worker is; else the state of the first that is not. */
  state(): string;
}

export async function createWorkers(opts: WorkersOptions): Promise<Workers> {
  const production = createActivities(opts.deps);
  const activities = opts.activities ? opts.activities(production) : production;
  const workflowCode = opts.workflowBundle ?? (await workflowBundle());
  const byKind = {} as Record<QueueKind, Worker>;
  for (const kind of QUEUE_KINDS) {
    const { workflows, ...options } = { ...QUEUE_DEFAULTS[kind], ...opts.queues?.[kind] };
    const sdkOptions: SdkWorkerOptions = {
      connection: opts.connection,
      namespace: opts.namespace ?? 'default',
      taskQueue: taskQueueOf(opts.taskQueue, kind),
      activities,
      dataConverter: dataConverter(opts.keys),
      ...(workflows ? { workflowBundle: workflowCode } : {}),
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    };
    byKind[kind] = await Worker.create(sdkOptions);
  }
  const all = Object.values(byKind);
  const shutdown = () => {
    for (const w of all) if (w.getState() === 'RUNNING') w.shutdown();
  };
  return {
    byKind,
    async run() {
      // One failing worker stops the others: a process half polling would look alive.
      await Promise.all(
        all.map((w) =>
          w.run().catch((err: unknown) => {
            shutdown();
            throw err;
          }),
        ),
      );
    },
    shutdown,
    state: () => all.map((w) => w.getState()).find((s) => s !== 'RUNNING') ?? 'RUNNING',
  };
}

/** createWorkers on a connection of their own (closed by `close`). */
export async function connectWorkers(opts: Omit<WorkersOptions, 'connection'> & { address: string }): Promise<Workers & { close(): Promise<void> }> {
  const connection = await NativeConnection.connect({ address: opts.address });
  try {
    const workers = await createWorkers({ ...opts, connection });
    return { ...workers, close: () => connection.close() };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
