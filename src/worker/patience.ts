// How long an activity's request to a rate-limited system may wait for its turn (see
// src/systems/shared/pacing.ts): most of what is left of the activity's start-to-close timeout, so that
// a busy minute makes it wait instead of failing and redoing what it already did, but never so
// long that the timeout cuts it off mid-way. Outside an activity (scripts, tests) a few seconds.
import { Context } from '@temporalio/activity';

/** When each activity attempt first asked (its context object is per attempt). */
const firstAsked = new WeakMap<object, number>();

export function activityPatienceMs(options: { outsideMs?: number; reserveMs?: number; capMs?: number } = {}): number {
  const { outsideMs = 5_000, reserveMs = 10_000, capMs = 45_000 } = options;
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return outsideMs;
  }
  const now = Date.now();
  // The attempt started a little before its first request: the reserve covers that too.
  const started = firstAsked.get(context) ?? (firstAsked.set(context, now), now);
  const left = started + context.info.startToCloseTimeoutMs - reserveMs - now;
  return Math.max(0, Math.min(capMs, left));
}
