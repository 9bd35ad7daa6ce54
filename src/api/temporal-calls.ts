// Every Temporal call the API makes on a request's behalf has a short deadline: while Temporal
// is unreachable the client would otherwise retry for about 20 s, and HR's sender, a curator's
// screen and a load balancer would all wait that long for a 500. With the deadline the caller
// gets 503 + Retry-After (http-errors.ts) within seconds and nothing half-done: the HR route
// writes its receipt as pending first, and a redelivery completes it.
import type { ApiContext } from './context.ts';

/** Long enough for a busy but healthy server (a signal-with-start takes milliseconds). */
export const TEMPORAL_DEADLINE_MS = 5_000;

export function withTemporal<T>(ctx: Pick<ApiContext, 'temporal' | 'temporalDeadlineMs'>, call: () => Promise<T>): Promise<T> {
  return ctx.temporal.withDeadline(Date.now() + (ctx.temporalDeadlineMs ?? TEMPORAL_DEADLINE_MS), call);
}
