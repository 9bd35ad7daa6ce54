// The task queues by kind of work. The lifecycle's queue is the one the workflow runs on (the
// configured TEMPORAL_TASK_QUEUE); MDM commands (paced to the MDM's command budget) and bulk jobs
// (reconciliation, low concurrency) each have a worker of their own on a queue named after it.
import { patched, proxyActivities, workflowInfo, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';

export interface TaskQueues {
  lifecycle: string;
  mdm: string;
  bulk: string;
}

/** The names for a lifecycle queue `q`: `q`, `q-mdm`, `q-bulk` (the workers use the same function). */
export const taskQueuesFor = (lifecycle: string): TaskQueues => ({ lifecycle, mdm: `${lifecycle}-mdm`, bulk: `${lifecycle}-bulk` });

/** The task queue without its kind suffix (`q` for `q-bulk`): the deployment's lifecycle queue. */
export const lifecycleQueueOf = (taskQueue: string): string => taskQueue.replace(/-(mdm|bulk)$/, '');

/**
 * The queues of the running workflow, derived from its own task queue (a fleet sync started on
 * `q-bulk` by an earlier version belongs to `q` as well).
 */
export const taskQueues = (): TaskQueues => taskQueuesFor(lifecycleQueueOf(workflowInfo().taskQueue));

/**
 * Activities that send a command to a phone through the MDM (enrolment, lock, wipe, message,
 * profile changes). They run on the MDM queue, whose worker the server hands at most the MDM's
 * command budget a second: a burst of leavers waits in the queue, not in activity slots.
 */
export const MDM_COMMAND_ACTIVITIES: ReadonlySet<string> = new Set([
  'enrolDevice',
  'unenrolDevice',
  'lockPhone',
  'unlockPhone',
  'wipePhone',
  'messagePhone',
  'applyRoleChange',
  'transferStore',
]);

/** Workflows that scheduled their MDM commands on their own queue before the MDM queue existed replay as they ran. */
export const MDM_QUEUE_PATCH = 'mdm-command-queue';

/**
 * proxyActivities, with the MDM commands sent to the MDM queue and everything else to the
 * workflow's own queue. The queue is taken from the running workflow at each call (workflow code
 * is shared by every workflow of a worker, each may run on another queue).
 */
export function proxyActivitiesByQueue<A extends object>(options: ActivityOptions): ActivityInterfaceFor<A> {
  const own = proxyActivities<A>(options);
  return new Proxy(own, {
    get(target, name, receiver) {
      if (typeof name !== 'string' || !MDM_COMMAND_ACTIVITIES.has(name)) return Reflect.get(target, name, receiver) as unknown;
      return (...args: unknown[]): Promise<unknown> => {
        const activities = patched(MDM_QUEUE_PATCH) ? proxyActivities<A>({ ...options, taskQueue: taskQueues().mdm }) : target;
        return (activities as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args);
      };
    },
  });
}

/**
 * proxyActivities on the bulk queue: the long jobs' activities (a fleet sync's pages, its
 * reconciliation) run two at a time on the bulk worker, while their workflow stays on the
 * lifecycle queue (one workflow isolate per worker process, not two: ~50 MB each). The queue is
 * taken from the running workflow at each call, as in proxyActivitiesByQueue.
 */
export function proxyBulkActivities<A extends object>(options: ActivityOptions): ActivityInterfaceFor<A> {
  return new Proxy({} as ActivityInterfaceFor<A>, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]): Promise<unknown> =>
        (proxyActivities<A>({ ...options, taskQueue: taskQueues().bulk }) as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args);
    },
  });
}
