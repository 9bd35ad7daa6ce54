// Activity options by kind of call, so each process's proxyActivities say what a call is (a
// quick call to a system, a side effect with an undo, a compensation) instead of repeating
// timeouts and retry numbers. The values are the ones the processes ran with: changing one
// changes how running processes retry (not their histories), so do it here, on purpose.
import { ActivityCancellationType, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';

/** Retries that never give up, from 1 second doubling to at most `maximumInterval`: an outage is waited out outside the history. */
export const retryForever = (maximumInterval: string): RetryPolicy => ({ initialInterval: '1 second', backoffCoefficient: 2, maximumInterval });

/** The same retries, but at most `maximumAttempts` tries: for calls whose failure someone else handles (the workflow's own backoff, support). */
export const retryAtMost = (maximumAttempts: number, maximumInterval: string): RetryPolicy => ({ ...retryForever(maximumInterval), maximumAttempts });

/**
 * A side effect with an undo: a cancellation (rescinded hire, revoked dismissal) while it runs
 * waits for it to finish, so the undo that runs next comes after it and finds what to undo.
 */
export const undoable = (options: ActivityOptions): ActivityOptions => ({ ...options, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED });

/** A call to HR, the directory, the operator, the MDM or phonefleet's database: 30 s per try, retried up to every minute. */
export const systemCall: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: retryForever('1 minute') };

/** A compensation: tried 5 times, then listed in a support task. */
export const compensation: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: retryAtMost(5, '1 minute') };

/**
 * The joiner's MDM enrolment: a few minutes of tries (8), then it hands over to the workflow's own
 * backoff (minutes growing to hours), so a weeks-long MDM outage costs a few events an hour.
 */
export const enrolmentAttempt: ActivityOptions = undoable({ startToCloseTimeout: '30 seconds', retry: retryAtMost(8, '1 minute') });

/** A store change (new role's apps, transfer across MDMs): up to a minute per try, retried up to every minute. */
export const storeChange: ActivityOptions = { startToCloseTimeout: '1 minute', retry: retryForever('1 minute') };

/**
 * A phone command makes up to three MDM calls of at most 10 s each: the minute per try leaves
 * room, so two tries of one command never overlap (activities/device-commands.ts relies on it).
 * An outage is waited out with retries up to every 30 minutes.
 */
export const phoneCommand: ActivityOptions = { startToCloseTimeout: '1 minute', retry: retryForever('30 minutes') };

/** A message to a phone is worth sending only around its day: after a day of MDM outage it is skipped. */
export const timelyMessage: ActivityOptions = { ...phoneCommand, scheduleToCloseTimeout: '1 day' };

/** Undoing a phone command on revocation: tried for a few hours (12 tries), then left to support. */
export const phoneCommandUndo: ActivityOptions = { startToCloseTimeout: '1 minute', retry: retryAtMost(12, '30 minutes') };

/** Sparing a phone from Knox Guard's offline lock (long leave) or subjecting it again: up to a minute per try, retried up to every 10 minutes. */
export const offlineLockCall: ActivityOptions = { startToCloseTimeout: '1 minute', retry: retryForever('10 minutes') };
