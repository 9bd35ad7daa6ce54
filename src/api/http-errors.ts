// Errors as the API answers them: a status, a sentence, and for bad input each bad field.
import type { ErrorRequestHandler } from 'express';
import type { Problem } from './hr-cloudevents.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems?: Problem[],
  ) {
    super(message);
  }
}

export const badRequest = (problems: Problem[]) => new HttpError(400, 'invalid request', problems);

export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  if (err instanceof HttpError) {
    res.status(err.status).json({ error: err.message, ...(err.problems ? { problems: err.problems } : {}) });
    return;
  }
  // Body parser errors (too large, bad encoding) carry their own 4xx status.
  const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status === 500) console.error('api: unhandled error:', err instanceof Error ? err.stack : err);
  res.status(status).json({ error: status === 500 ? 'internal error' : String(err.message ?? 'bad request') });
};
