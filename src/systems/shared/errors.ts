// How an external system's failure is classified, so Temporal's retry policies do the right
// thing: a RetryableSystemError is retried (honouring Retry-After), a PermanentSystemError is
// not (activities turn it into a non-retryable ApplicationFailure at their boundary).

export class RetryableSystemError extends Error {
  override readonly name = 'RetryableSystemError';
  constructor(
    readonly system: string,
    message: string,
    /** From a 429/503 Retry-After header: the earliest moment a retry makes sense. */
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(`${system}: ${message}`);
  }
}

export class PermanentSystemError extends Error {
  override readonly name = 'PermanentSystemError';
  constructor(
    readonly system: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${system}: ${message}`);
  }
}
