// Every Temporal call the API makes on a request's behalf has a short deadline: while Temporal
// is unreachable the client would otherwise retry for about 20 s, and HR's sender, a curator's
// screen and a load balancer would all wait that long for a 500. With the deadline the caller
// gets 503 + Retry-After (http-errors.ts) within seconds and nothing half-done: the HR route
// writes its receipt as pending first, and a redelivery completes it.
//
// Operator actions (hand-over, phone returned, SIM-owner retry) are Temporal Updates: the
// workflow's validator accepts or rejects them atomically, against the state it is in at that
// moment, so there is no query-then-signal race. An Update needs a live worker to run the
// validator: when none answers within the deadline, the caller gets 503 + Retry-After too.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { ApiContext } from './context.ts';
import { HttpError, isTemporalUnreachable, TEMPORAL_RETRY_AFTER_SECONDS } from './http-errors.ts';

/** Long enough for a busy but healthy server (a signal-with-start takes milliseconds). */
export const TEMPORAL_DEADLINE_MS = 5_000;

export function withTemporal<T>(ctx: Pick<ApiContext, 'temporal' | 'temporalDeadlineMs'>, call: () => Promise<T>): Promise<T> {
  return ctx.temporal.withDeadline(Date.now() + (ctx.temporalDeadlineMs ?? TEMPORAL_DEADLINE_MS), call);
}

/** How the workflow answered an operator's Update. */
export type UpdateAnswer<R> =
  | { accepted: R }
  /** The validator's reason (wrong stage, another phone, ...): the API says 409 with it. */
  | { rejected: string }
  /** No such workflow running (never started, or already ended). */
  | { notRunning: true }
  /** A run started before the Update existed (its code has no handler): the caller falls back to the signal. */
  | { unknownUpdate: true };

/** The SDK's rejection of an Update the workflow has no handler for (@temporalio/workflow internals). */
const NO_HANDLER = 'No registered handler for update';

/** 503 for an Update no worker answered in time: it may still be applied when one does; a repeat is safe. */
export const noWorkerAnswered = () =>
  new HttpError(
    503,
    'Temporal is unreachable, or no phonefleet worker answered in time: the action may still be applied once one does; send it again (a repeat changes nothing)',
    undefined,
    undefined,
    TEMPORAL_RETRY_AFTER_SECONDS,
  );

/** Sends an operator's Update with the request deadline; rejections and missing runs become answers, not errors. */
export async function operatorUpdate<R, A extends unknown[]>(
  ctx: Pick<ApiContext, 'temporal' | 'temporalDeadlineMs'>,
  handle: WorkflowHandle,
  update: UpdateDefinition<R, A>,
  ...args: A
): Promise<UpdateAnswer<R>> {
  try {
    // The SDK's overloads tell [] from [arg, ...] apart; the definition already fixes the arguments.
    const execute = handle.executeUpdate as (def: UpdateDefinition<R, A>, options: { args: A }) => Promise<R>;
    return { accepted: await withTemporal(ctx, () => execute.call(handle, update, { args })) };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = err.cause?.message ?? err.message;
      return reason.startsWith(NO_HANDLER) ? { unknownUpdate: true } : { rejected: reason };
    }
    if (err instanceof WorkflowNotFoundError) return { notRunning: true };
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isTemporalUnreachable(err)) throw noWorkerAnswered();
    throw err;
  }
}
