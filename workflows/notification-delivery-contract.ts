// The notification-delivery process as the worker start-up, the activities and the API see it.
// One long-running workflow per deployment (task queue) delivers the outbox of notifications
// (NotificationDelivery rows) by e-mail and MDM push.
//
// Why an outbox and one deliverer, not a send inside the processes: the processes' workflows
// stay as they are (their committed histories replay unchanged): "telling the curator" remains
// the one activity that writes the notification row, and the delivery rows are written in the
// same transaction. Why a workflow rather than a Temporal Schedule: a signal wakes it the moment
// a row is written (a schedule would wait for its next tick or need a trigger per row), its
// retries and backoff are per row in the database (where they are recorded), and one workflow id
// means at most one delivery pass at a time, which is what makes "an attempt found half-done
// died" a safe conclusion. It continues-as-new to keep its history short, and polls as a
// fallback for a wake-up that was lost (a worker crash between the commit and the signal).
import { defineSignal } from '@temporalio/workflow';
import type { Client } from '@temporalio/client';
// The deliverer of the deployment is on its lifecycle queue, whichever queue asks.
import { lifecycleQueueOf } from './kit/task-queues.ts';

export const NOTIFICATION_DELIVERY_WORKFLOW = 'notificationDelivery';

export const notificationDeliveryWorkflowId = (taskQueue: string) => `notification-delivery-${lifecycleQueueOf(taskQueue)}`;

/** Sent after notification rows are committed: deliver now rather than at the next poll. */
export const notificationsEnqueued = defineSignal('notificationsEnqueued');

export interface NotificationDeliveryInput {
  /** Fallback poll when no signal comes (a lost wake-up). Milliseconds. Default 1 minute. */
  pollIntervalMs?: number;
  /** Retry backoff per delivery: first delay, doubling up to maxMs. Defaults 30 s and 6 h. */
  backoff?: { firstMs: number; maxMs: number };
  /** After this many failed attempts a delivery is FAILED (kept, with its last error). Default 30. */
  maxAttempts?: number;
  /** Rows per pass. Default 50. */
  batchSize?: number;
}

/** What one delivery pass did (the workflow's activity result). */
export interface DeliveryPass {
  sent: number;
  failed: number;
  retrying: number;
  skipped: number;
  /** When the earliest delivery still waiting is due (ISO), null when none waits. */
  nextDueAt: string | null;
}

/**
 * Starts the deliverer if it is not running (at worker start; a second worker or a restart
 * finds it running and changes nothing).
 */
export async function startNotificationDelivery(client: Client, taskQueue: string, input: NotificationDeliveryInput = {}): Promise<void> {
  await client.workflow.start(NOTIFICATION_DELIVERY_WORKFLOW, {
    workflowId: notificationDeliveryWorkflowId(taskQueue),
    taskQueue: lifecycleQueueOf(taskQueue),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: 'Delivers notifications (e-mail, phone push)',
  });
}
