// Every activity the worker registers, built from their dependencies.
import { withBoundary } from './boundary.ts';
import type { ActivityDeps } from './deps.ts';
import { createJoinerActivities } from './joiner.ts';
import { createLeaverActivities } from './leaver.ts';
import { createLifecycleActivities } from './lifecycle.ts';
import { createMoverActivities } from './mover.ts';
import { createOfflineLockActivities } from './offline-lock.ts';

export type { ActivityDeps } from './deps.ts';

export function createActivities(deps: ActivityDeps) {
  return withBoundary({ ...createLifecycleActivities(deps), ...createJoinerActivities(deps), ...createLeaverActivities(deps), ...createMoverActivities(deps), ...createOfflineLockActivities(deps) });
}
