// Errors as the API answers them: a status, a sentence, and for bad input each bad field.
import type { ErrorRequestHandler } from 'express';
import { isGrpcServiceError } from '@temporalio/client';
import type { Problem } from './hr-cloudevents.ts';
import { loggerFor, type Logger } from '../observability/log.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems?: Problem[],
    /** More of the answer's body (e.g. what a 409 conflicts with). */
    readonly details?: Record<string, unknown>,
    /** Seconds, for 503: when to try again. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export const badRequest = (problems: Problem[]) => new HttpError(400, 'invalid request', problems);

/** How long a caller should wait before retrying while Temporal cannot be reached. */
export const TEMPORAL_RETRY_AFTER_SECONDS = 10;

// gRPC status codes (@grpc/grpc-js `status`, which phonefleet does not depend on directly).
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** Temporal could not be reached in time (unavailable, or the client's deadline passed). */
export function isTemporalUnreachable(err: unknown): boolean {
  const grpc = isGrpcServiceError(err) ? err : err instanceof Error && isGrpcServiceError(err.cause) ? err.cause : undefined;
  return grpc !== undefined && (grpc.code === GRPC_UNAVAILABLE || grpc.code === GRPC_DEADLINE_EXCEEDED);
}

export const temporalUnavailable = () =>
  new HttpError(503, 'Temporal is unreachable: nothing was started or signalled; try again later', undefined, undefined, TEMPORAL_RETRY_AFTER_SECONDS);

const apiLog = loggerFor('api');

export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  if (isTemporalUnreachable(err)) err = temporalUnavailable();
  if (err instanceof HttpError) {
    if (err.retryAfter !== undefined) res.set('Retry-After', String(err.retryAfter));
    res.status(err.status).json({ error: err.message, ...(err.problems ? { problems: err.problems } : {}), ...err.details });
    return;
  }
  // Body parser errors (too large, bad encoding) carry their own 4xx status: the client's
  // mistake, answered without a stack trace in the log.
  const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status === 500) ((res.locals.log as Logger | undefined) ?? apiLog).error({ err }, 'unhandled error');
  res.status(status).json({ error: status === 500 ? 'internal error' : String(err.message ?? 'bad request') });
};
