// Fault injection shared by every simulator: the failures the story lived through (MDM
// servers unreachable for weeks, throttled directories, flaky links) on demand, so tests and
// demos can show that phonefleet waits and retries instead of failing a process.
// Configured at runtime with `PUT /_sim/faults`; admin routes are never faulted.
import type { RequestHandler, Router } from 'express';
import { createPrng, type Prng } from './prng.ts';
import { Fields, SimHttpError, bodyOf, plainError } from './request-fields.ts';

export type Outage = { down: true } | { until: string };

export interface FaultConfig {
  /** Added to every answer, faulted or not. */
  latencyMs?: number;
  /** Share of requests (0..1) answered 503 without Retry-After. */
  errorRate?: number;
  /** Share of requests (0..1) answered 429 with Retry-After. */
  throttleRate?: number;
  /** Retry-After sent with 429s (default 1). */
  retryAfterSeconds?: number;
  /** Every request answered 503, until switched off or until the given moment. */
  outage?: Outage;
  /**
   * Only requests whose path contains one of these are faulted (default: all). A lock call that
   * answers after the client gave up, while the rest of the MDM is healthy, is how a command
   * reaches the MDM without phonefleet recording it.
   */
  paths?: string[];
}

export class FaultInjector {
  private config: FaultConfig = {};
  private prng: Prng;

  constructor(
    private readonly seed: number,
    private readonly now: () => number = Date.now,
  ) {
    this.prng = createPrng(seed);
  }

  get current(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Replaces the whole configuration; a seed restarts the random draws from that seed. */
  configure(config: FaultConfig, seed?: number): void {
    this.config = structuredClone(config);
    if (seed !== undefined) this.prng = createPrng(seed);
  }

  clear(): void {
    this.config = {};
    this.prng = createPrng(this.seed);
  }

  /** The fault that applies to the next request, if any (draws from the PRNG). */
  private nextFault(): SimHttpError | undefined {
    const { outage, throttleRate = 0, errorRate = 0, retryAfterSeconds = 1 } = this.config;
    if (outage) {
      if ('down' in outage) return new SimHttpError(503, { error: 'service unavailable (simulated outage)' });
      const remainingMs = Date.parse(outage.until) - this.now();
      if (remainingMs > 0) {
        return new SimHttpError(
          503,
          { error: 'service unavailable (simulated outage)' },
          {
            'Retry-After': String(Math.ceil(remainingMs / 1000)),
          },
        );
      }
    }
    if (throttleRate > 0 && this.prng.next() < throttleRate) {
      return new SimHttpError(
        429,
        { error: 'too many requests (simulated throttling)' },
        {
          'Retry-After': String(retryAfterSeconds),
        },
      );
    }
    if (errorRate > 0 && this.prng.next() < errorRate) {
      return new SimHttpError(503, { error: 'service unavailable (simulated error)' });
    }
    return undefined;
  }

  readonly middleware: RequestHandler = async (req, res, next) => {
    const { latencyMs = 0, paths } = this.config;
    if (paths && !paths.some((p) => req.path.includes(p))) return next();
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const fault = this.nextFault();
    if (!fault) return next();
    res.status(fault.status).set(fault.headers).json(fault.body);
  };
}

const reject = plainError(400);

export function parseFaultConfig(body: Record<string, unknown>): { config: FaultConfig; seed?: number } {
  const fields = new Fields(body, reject);
  const rate = (name: string): number | undefined => {
    const value = fields.optionalNumber(name);
    if (value !== undefined && (value < 0 || value > 1)) throw reject(`${name} must be between 0 and 1`);
    return value;
  };
  const nonNegative = (name: string): number | undefined => {
    const value = fields.optionalNumber(name);
    if (value !== undefined && value < 0) throw reject(`${name} must not be negative`);
    return value;
  };
  const config: FaultConfig = {};
  const latencyMs = nonNegative('latencyMs');
  const errorRate = rate('errorRate');
  const throttleRate = rate('throttleRate');
  const retryAfterSeconds = nonNegative('retryAfterSeconds');
  if (latencyMs !== undefined) config.latencyMs = latencyMs;
  if (errorRate !== undefined) config.errorRate = errorRate;
  if (throttleRate !== undefined) config.throttleRate = throttleRate;
  if (retryAfterSeconds !== undefined) config.retryAfterSeconds = retryAfterSeconds;
  if (body.outage !== undefined && body.outage !== null) {
    const outage = fields.object('outage');
    if (outage.optionalBoolean('down') === true) config.outage = { down: true };
    else {
      const until = outage.string('until');
      if (Number.isNaN(Date.parse(until))) throw reject('outage.until must be an ISO date-time');
      config.outage = { until };
    }
  }
  if (body.paths !== undefined) {
    if (!Array.isArray(body.paths) || !body.paths.every((p) => typeof p === 'string' && p.length > 0)) throw reject('paths must be a list of non-empty strings');
    config.paths = body.paths as string[];
  }
  const seed = fields.optionalNumber('seed');
  return seed === undefined ? { config } : { config, seed };
}

/** `PUT|GET|DELETE /_sim/faults` on the simulator's admin router. */
export function mountFaultAdmin(admin: Router, faults: FaultInjector): void {
  admin.get('/faults', (_req, res) => {
    res.json(faults.current);
  });
  admin.put('/faults', (req, res) => {
    const { config, seed } = parseFaultConfig(bodyOf(req));
    faults.configure(config, seed);
    res.json(faults.current);
  });
  admin.delete('/faults', (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
}
