// The shared wait kit: how every process waits for something outside it (a command reaching an
// offline phone, a directory account, stock, an operator's decision, a freeze window) without
// its history outgrowing Temporal's limits (51,200 events terminate a run).
//
// A wait polls with backoff (e.g. 5 minutes growing to 6 hours), tells the caller only when a
// round went by so the caller can update progress and search attributes ONLY when what it shows
// changed (an upsert per poll is an event per poll), and hands back `continue-as-new` when the
// history is getting long, so the caller carries its state into a fresh run (its input's
// `resume`) and carries on from the same stage. Nothing here remembers anything across runs:
// whatever the caller needs after continue-as-new (attempt, deadlines, what it learned, signals
// received) it puts into its resume state itself; `attempt` in WaitEnd makes the backoff
// resumable too.
//
// Workflow-safe: imports only '@temporalio/workflow', types and Temporal's own duration helper.
import { condition, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { Phase } from '../search-attributes.ts';

/** A keyword search attribute key, such as Phase. */
type KeywordKey = typeof Phase;

/** Poll after `first`, then `factor` (default 2) times longer each round, never longer than `max`. */
export interface Backoff {
  first: Duration;
  max: Duration;
  factor?: number;
}

export type WaitEnd<T> =
  /** check() returned a value. */
  | { kind: 'ready'; value: T; attempt: number }
  /** interrupt() became true (a signal or update the caller reacts to). */
  | { kind: 'interrupted'; attempt: number }
  /** The absolute deadline (epoch ms, workflow time) was reached before check() had a value. */
  | { kind: 'deadline'; attempt: number }
  /** The history is getting long: carry your state (and `attempt`) into continue-as-new. */
  | { kind: 'continue-as-new'; attempt: number };

export interface PollOptions<T> {
  /** Usually an activity; `undefined` = not yet. Called first at once (unless `startAttempt` > 0). */
  check: () => Promise<T | undefined>;
  backoff: Backoff;
  /**
   * Check again at once (and start the backoff over), e.g. "a delivery was announced". Level
   * triggered: clear the flag it reads inside check(), or each round checks at once.
   */
  wake?: () => boolean;
  /** Stop waiting and return 'interrupted' (e.g. the phone was handed in). */
  interrupt?: () => boolean;
  /** Absolute instant (epoch ms) after which the wait returns 'deadline'. */
  deadline?: number;
  /**
   * Called after each check() that had no value, with the round number (1 = first check).
   * Update progress here; upsert search attributes only if the shown value changed
   * (see `searchAttributeShower`).
   */
  onStillWaiting?: (attempt: number) => void;
  /** Rounds already done in an earlier run (from the resume state), so the backoff resumes where it was. */
  startAttempt?: number;
  /** History bound for this wait (default HISTORY_EVENT_BOUND). */
  historyBound?: number;
}

/**
 * Past this many events a run hands over to a fresh one, far below Temporal's warning (10,240)
 * and limit (51,200), so even a slow poll's last round and the continue-as-new fit comfortably.
 */
export const HISTORY_EVENT_BOUND = 2_000;

/** The delay before round `attempt + 1` (attempt 0 = the delay after the first check). */
export function backoffDelay(backoff: Backoff, attempt: number): number {
  const first = msToNumber(backoff.first);
  const max = msToNumber(backoff.max);
  const factor = backoff.factor ?? 2;
  // Capped exponent: 2^60 minutes overflows nothing useful, and keeps the arithmetic finite.
  const delay = first * Math.pow(factor, Math.min(Math.max(attempt, 0), 60));
  return Math.min(Number.isFinite(delay) ? delay : max, max);
}

/** workflowInfo().continueAsNewSuggested, or the history passed `bound` events. */
export function historyShouldRoll(bound = HISTORY_EVENT_BOUND): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= bound;
}

/**
 * Polls `check` with backoff until it has a value, `interrupt` becomes true, the deadline
 * passes, or the history should roll over. Each round costs the check (an activity: 3 events),
 * one timer (2 events) and a workflow task (3 events); nothing else unless the caller adds it.
 */
export async function pollUntil<T>(opts: PollOptions<T>): Promise<WaitEnd<T>> {
  const bound = opts.historyBound ?? HISTORY_EVENT_BOUND;
  let attempt = opts.startAttempt ?? 0;
  // A resumed wait (attempt > 0) first sleeps the delay it was due, instead of checking at once.
  let sleepFirst = attempt > 0;
  for (;;) {
    if (opts.interrupt?.()) return { kind: 'interrupted', attempt };
    if (opts.deadline !== undefined && Date.now() >= opts.deadline) return { kind: 'deadline', attempt };
    if (!sleepFirst) {
      const value = await opts.check();
      if (value !== undefined) return { kind: 'ready', value, attempt };
      attempt++;
      opts.onStillWaiting?.(attempt);
      if (opts.interrupt?.()) return { kind: 'interrupted', attempt };
      if (historyShouldRoll(bound)) return { kind: 'continue-as-new', attempt };
    }
    sleepFirst = false;
    let delay = backoffDelay(opts.backoff, attempt - 1);
    if (opts.deadline !== undefined) delay = Math.min(delay, Math.max(0, opts.deadline - Date.now()));
    const woken = await condition(() => Boolean(opts.interrupt?.()) || Boolean(opts.wake?.()), delay);
    if (woken && !opts.interrupt?.()) attempt = 0; // news: check at once, then start the backoff over
  }
}

/**
 * Waits until `done()` is true or the deadline passes: one timer however long the wait, so it
 * needs no continue-as-new. Returns true if `done()` became true.
 */
export async function waitUntil(done: () => boolean, deadline: number): Promise<boolean> {
  return condition(done, Math.max(0, deadline - Date.now()));
}

/**
 * A search attribute shown only when its value changes: an upsert costs a history event, so a
 * wait that re-shows the same phase every round grows the history for nothing. Starts from the
 * value the run was started with (continue-as-new carries search attributes over). Does nothing
 * on a server without the attribute (e.g. the time-skipping test server) unless `indexed`.
 */
export function searchAttributeShower<V extends string>(key: KeywordKey, indexed?: boolean) {
  const current = workflowInfo().typedSearchAttributes.get(key);
  const enabled = indexed ?? current !== undefined;
  let shown: string | undefined = current;
  return (value: V): void => {
    if (!enabled || shown === value) return;
    shown = value;
    upsertSearchAttributes([{ key, value }]);
  };
}
