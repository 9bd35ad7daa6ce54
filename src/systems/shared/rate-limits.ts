// Published rate limits, as Knox Manage enforces them: so many requests in any minute overall,
// so many device commands, and past either a 429 with "Retry-After: 60". Counted over a sliding
// minute of accepted requests (a refused one does not count), per simulator instance.
import type { RequestHandler, Router } from 'express';
import { Fields, SimHttpError, bodyOf, plainError } from './request-fields.ts';

export interface RateLimits {
  requestsPerMinute: number;
  deviceCommandsPerMinute: number;
  /** Sent with every 429 (Knox Manage: a minute). */
  retryAfterSeconds: number;
}

/** Knox Manage's published limits. */
export const KNOX_MANAGE_PUBLISHED_LIMITS: RateLimits = { requestsPerMinute: 1800, deviceCommandsPerMinute: 300, retryAfterSeconds: 60 };

const WINDOW_MS = 60_000;

/** Accepted requests of the last minute, oldest first (a ring buffer of timestamps). */
class SlidingMinute {
  private times: number[] = [];
  private head = 0;

  count(now: number): number {
    while (this.head < this.times.length && this.times[this.head]! <= now - WINDOW_MS) this.head++;
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }
}

export interface RateLimitCounts {
  /** Requests answered 429, by the limit they hit. */
  refused: { requests: number; deviceCommands: number };
  accepted: { requests: number; deviceCommands: number };
}

export class RateLimiter {
  private readonly requests = new SlidingMinute();
  private readonly commands = new SlidingMinute();
  private counts: RateLimitCounts = { refused: { requests: 0, deviceCommands: 0 }, accepted: { requests: 0, deviceCommands: 0 } };

  constructor(
    /** null: no limits (what most tests want). */
    public limits: RateLimits | null,
    private readonly now: () => number = Date.now,
  ) {}

  get stats(): RateLimitCounts {
    return structuredClone(this.counts);
  }

  resetCounts(): void {
    this.counts = { refused: { requests: 0, deviceCommands: 0 }, accepted: { requests: 0, deviceCommands: 0 } };
  }

  /** Forgets the last minute too (between tests). */
  reset(): void {
    this.resetCounts();
    this.requests.clear();
    this.commands.clear();
  }

  /** Middleware for a route; `deviceCommand` routes count against both limits. */
  middleware(deviceCommand: boolean): RequestHandler {
    return (_req, _res, next) => {
      const limits = this.limits;
      if (!limits) return next();
      const now = this.now();
      const overall = this.requests.count(now) >= limits.requestsPerMinute;
      const commands = deviceCommand && this.commands.count(now) >= limits.deviceCommandsPerMinute;
      if (overall || commands) {
        if (commands) this.counts.refused.deviceCommands++;
        else this.counts.refused.requests++;
        throw new SimHttpError(
          429,
          { resultCode: '1429', resultMessage: commands ? 'Device command rate limit exceeded' : 'API rate limit exceeded' },
          { 'Retry-After': String(limits.retryAfterSeconds) },
        );
      }
      this.requests.add(now);
      this.counts.accepted.requests++;
      if (deviceCommand) {
        this.commands.add(now);
        this.counts.accepted.deviceCommands++;
      }
      next();
    };
  }
}

/**
 * `GET /_sim/rate-limits` (limits and counts), `PUT /_sim/rate-limits` ({ requestsPerMinute,
 * deviceCommandsPerMinute, retryAfterSeconds } or { off: true }), `DELETE /_sim/rate-limits/counts`.
 */
export function mountRateLimitAdmin(admin: Router, limiter: RateLimiter): void {
  const reject = plainError(400);
  admin.get('/rate-limits', (_req, res) => {
    res.json({ limits: limiter.limits, ...limiter.stats });
  });
  admin.put('/rate-limits', (req, res) => {
    const fields = new Fields(bodyOf(req), reject);
    if (fields.optionalBoolean('off') === true) limiter.limits = null;
    else {
      const base = limiter.limits ?? KNOX_MANAGE_PUBLISHED_LIMITS;
      const positive = (name: keyof RateLimits): number => {
        const value = fields.optionalNumber(name) ?? base[name];
        if (!(value > 0)) throw reject(`${name} must be positive`);
        return value;
      };
      limiter.limits = {
        requestsPerMinute: positive('requestsPerMinute'),
        deviceCommandsPerMinute: positive('deviceCommandsPerMinute'),
        retryAfterSeconds: positive('retryAfterSeconds'),
      };
    }
    res.json({ limits: limiter.limits });
  });
  admin.delete('/rate-limits/counts', (_req, res) => {
    limiter.resetCounts();
    res.status(204).end();
  });
}
