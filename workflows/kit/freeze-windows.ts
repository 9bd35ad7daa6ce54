// Waiting out freeze windows: nothing reaches a store's phones while inventory counts (a phone
// whose apps change mid-count stops the count). The wait sleeps until the freeze seen ends, looks
// again at once when operators announce a change (a freeze created or lifted), and every recheck
// interval in case a change went unannounced. A whole freeze costs a timer, not a poll per hour.
import type { Duration } from '@temporalio/common';
import { pollUntil } from './wait.ts';

/** A freeze window in force (as the inventory reports it). */
export interface FreezeWindow {
  storeId: string | null;
  endsAt: string;
  reason: string;
}

export interface FreezeWaitOptions<F extends FreezeWindow> {
  /** The freeze in force now over the stores concerned, or none (usually an activity). */
  freezeInForce: () => Promise<F | null | undefined>;
  /** Look again this often even if no change was announced. */
  recheckEvery: Duration;
  /** Operators announced a change: look again at once. Clear the flag in `freezeInForce`. */
  announced: () => boolean;
  /** The freeze already being waited for (from a previous run), if any. */
  waitingFor?: F;
  /** Rounds already done (from a previous run), so the recheck resumes where it was. */
  startAttempt?: number;
  /** The freeze waited for changed: a new one (show it), or none after one ended. */
  onFreeze: (freeze: F | undefined) => void;
}

export type FreezeWaitEnd =
  /** No freeze in force: go ahead. */
  | { kind: 'clear' }
  /** The history is getting long: carry the freeze waited for and `attempt` into continue-as-new. */
  | { kind: 'continue-as-new'; attempt: number };

/** Waits until no freeze window is in force over the stores concerned. */
export async function waitOutFreezes<F extends FreezeWindow>(opts: FreezeWaitOptions<F>): Promise<FreezeWaitEnd> {
  let waitingFor = opts.waitingFor;
  let attempt = opts.startAttempt ?? 0;
  for (;;) {
    const seen = waitingFor;
    const end = await pollUntil({
      check: async () => {
        const freeze = await opts.freezeInForce();
        if (!freeze) return { clear: true as const };
        return JSON.stringify(freeze) === JSON.stringify(seen) ? undefined : { freeze };
      },
      backoff: { first: opts.recheckEvery, max: opts.recheckEvery },
      wake: opts.announced,
      deadline: seen ? Date.parse(seen.endsAt) : undefined,
      startAttempt: attempt,
    });
    if (end.kind === 'continue-as-new') return { kind: 'continue-as-new', attempt: end.attempt };
    if (end.kind === 'ready' && 'clear' in end.value) return { kind: 'clear' };
    if (end.kind === 'ready') {
      // A (new) freeze in force: wait for its end.
      waitingFor = end.value.freeze;
      attempt = 1;
    } else {
      waitingFor = undefined; // the freeze waited for ended: look at once
      attempt = 0;
    }
    opts.onFreeze(waitingFor);
  }
}
