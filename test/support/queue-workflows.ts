// A workflow that calls one activity on a task queue it is told, bundled only by
// test/integration/task-queues.test.ts: it proves which worker serves which queue.
import { proxyActivities } from '@temporalio/workflow';

export async function callActivityOn(taskQueue: string, activity: string, args: unknown[]): Promise<unknown> {
  const activities = proxyActivities<Record<string, (...a: unknown[]) => Promise<unknown>>>({
    taskQueue,
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 1 },
  });
  return activities[activity]!(...args);
}
