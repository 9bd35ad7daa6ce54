// The edge between phonefleet's adapters and Temporal: an external system's permanent failure
// must not be retried for ever, and a throttled one must be retried no sooner than it asked.
import { ApplicationFailure } from '@temporalio/activity';
import { InventoryRefusal } from '../src/inventory/errors.ts';
import { PermanentSystemError, RetryableSystemError } from '../src/systems/shared/errors.ts';

/** A business rule says no (unknown position, device the MDM never saw): retrying cannot help. */
export function permanent(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

function translate(err: unknown): unknown {
  // The records refuse (unknown device, a phone in a state the step cannot start from): no retry changes that.
  if (err instanceof InventoryRefusal) return ApplicationFailure.nonRetryable(err.message, err.name);
  if (err instanceof PermanentSystemError) return ApplicationFailure.nonRetryable(err.message, err.name);
  if (err instanceof RetryableSystemError) {
    return ApplicationFailure.create({ message: err.message, type: err.name, nextRetryDelay: err.retryAfterMs });
  }
  return err;
}

type AsyncFunctions = Record<string, (...args: never[]) => Promise<unknown>>;

/** Wraps every activity of a factory so adapter errors reach Temporal classified. */
export function withBoundary<T extends AsyncFunctions>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw translate(err);
      }
    };
    Object.defineProperty(wrapped[name], 'name', { value: name });
  }
  return wrapped as T;
}
