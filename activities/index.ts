// Every activity the worker registers, built from their dependencies: one factory per process
// (and the shared records), each name offered by exactly one of them (see registry.ts).
import { withBoundary } from './boundary.ts';
import type { ActivityDeps } from './deps.ts';
import { createFleetSyncActivities } from './fleet-sync.ts';
import { createJoinerActivities } from './joiner.ts';
import { createLeaverActivities } from './leaver.ts';
import { createLifecycleActivities } from './lifecycle.ts';
import { createMoverActivities } from './mover.ts';
import { createNotificationActivities } from './notifications.ts';
import { createOfflineLockActivities } from './offline-lock.ts';
import { createReconciliationActivities } from './reconciliation.ts';
import { createRecordActivities } from './records.ts';
import { buildRegistry } from './registry.ts';
import { createReleaseActivities } from './release.ts';
import { createRolloutActivities } from './rollout.ts';

export type { ActivityDeps } from './deps.ts';

/** The factories, by the name a duplicate is reported under. */
export const ACTIVITY_FACTORIES = {
  records: createRecordActivities,
  lifecycle: createLifecycleActivities,
  joiner: createJoinerActivities,
  leaver: createLeaverActivities,
  mover: createMoverActivities,
  offlineLock: createOfflineLockActivities,
  notifications: createNotificationActivities,
  reconciliation: createReconciliationActivities,
  fleetSync: createFleetSyncActivities,
  release: createReleaseActivities,
  rollout: createRolloutActivities,
};

export function createActivities(deps: ActivityDeps) {
  return withBoundary(buildRegistry(ACTIVITY_FACTORIES, deps));
}
