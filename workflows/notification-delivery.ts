// Delivers the notification outbox: a pass (one activity) sends what is due, then the workflow
// sleeps until the next delivery is due, a signal says rows were written, or the poll interval
// passes. Retries and backoff are per delivery row (recorded in the database), not Temporal
// activity retries, so one recipient's failing mailbox does not hold up the others.
import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { NotificationActivities } from '../activities/notifications.ts';
import { notificationsEnqueued, type NotificationDeliveryInput } from './notification-delivery-contract.ts';

const { deliverNotifications } = proxyActivities<NotificationActivities>({
  // A pass is bounded (batch size × the channels' timeouts) and heartbeats after each row, so a
  // dead worker's pass is retried within a minute.
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Passes per run before continuing as new: about ten events each, so the history stays small. */
const PASSES_PER_RUN = 200;

export async function notificationDelivery(input: NotificationDeliveryInput = {}): Promise<void> {
  const pollIntervalMs = input.pollIntervalMs ?? 60_000;
  let woken = false;
  setHandler(notificationsEnqueued, () => {
    woken = true;
  });
  for (let pass = 0; pass < PASSES_PER_RUN && !workflowInfo().continueAsNewSuggested; pass++) {
    // Reset before the pass: a signal arriving while it runs wakes the next one.
    woken = false;
    const done = await deliverNotifications(input);
    const untilDue = done.nextDueAt === null ? pollIntervalMs : Date.parse(done.nextDueAt) - Date.now();
    const wait = Math.min(pollIntervalMs, untilDue);
    if (wait > 0) await condition(() => woken, wait);
  }
  await continueAsNew<typeof notificationDelivery>(input);
}
