// The worker's workflow bundle entry point.
export { employeeLifecycle } from './employee-lifecycle.ts';
export { joiner } from './joiner.ts';
export { leaver } from './leaver.ts';
export { mover } from './mover.ts';
export { notificationDelivery } from './notification-delivery.ts';
export { fleetReconcile } from './fleet-reconcile.ts';
export { fleetSync } from './fleet-sync.ts';
export { release } from './release.ts';
export { releaseStore } from './release-store.ts';
export { trainingSession } from './training-session.ts';
export { storeRollout } from './store-rollout.ts';
