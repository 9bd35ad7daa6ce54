// One reconciliation of the fleet's data on demand (see fleet-reconcile-contract.ts): the work is
// one activity, which heartbeats as it goes, so a dead worker's run is retried within minutes and
// every step it repeats finds its key.
import { proxyActivities } from '@temporalio/workflow';
import type { ReconciliationActivities } from '../activities/reconciliation.ts';
import type { ReconcileInput, ReconcileSummary } from './fleet-reconcile-contract.ts';
import { retryForever } from './kit/activity-options.ts';

const { reconcileFleet } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: retryForever('5 minutes'),
});

export async function fleetReconcile(input: ReconcileInput): Promise<ReconcileSummary> {
  return reconcileFleet(input);
}
