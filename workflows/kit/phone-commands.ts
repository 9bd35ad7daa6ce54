// Waiting for a command (lock, wipe, permanent lock) to reach a phone. A command arrives only when
// the phone is online: until then the process says "<what> pending: device offline since ..."
// and asks again, less and less often (the caller's backoff), so a phone kept off for months
// costs a few polls a day; the long history is handed to continue-as-new by the wait kit.
import { pollUntil, type Backoff, type WaitEnd } from './wait.ts';

/** Where a command stands on the phone (as the MDM reports it). */
export interface CommandOnPhone {
  done: boolean;
  online: boolean;
  offlineSince?: string;
}

export interface CommandWaitOptions {
  /** Where the command stands now (usually an activity asking the MDM). */
  progress: () => Promise<CommandOnPhone>;
  backoff: Backoff;
  /** Called after each look that found it not done yet: show it as pending (see `pendingText`). */
  onPending: (state: CommandOnPhone) => void;
  /** Stop waiting (e.g. the phone was handed in). */
  interrupt?: () => boolean;
  /** Absolute instant (epoch ms) after which the wait ends with 'deadline'. */
  deadline?: number;
  /** Rounds already done (from a previous run). */
  startAttempt?: number;
}

/** Waits until the command is done on the phone: 'ready', or 'interrupted' / 'deadline' / 'continue-as-new'. */
export function waitForPhone(opts: CommandWaitOptions): Promise<WaitEnd<true>> {
  return pollUntil({
    check: async () => {
      const state = await opts.progress();
      if (state.done) return true;
      opts.onPending(state);
      return undefined;
    },
    backoff: opts.backoff,
    interrupt: opts.interrupt,
    deadline: opts.deadline,
    startAttempt: opts.startAttempt,
  });
}

/** "lock pending", or "lock pending: device offline since <when>". */
export function pendingText(what: string, state: Omit<CommandOnPhone, 'done'>): string {
  return state.online ? `${what} pending` : `${what} pending: device offline since ${state.offlineSince ?? 'unknown'}`;
}
