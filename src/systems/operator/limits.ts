// Control Center's API limits, as the operator enforces them per account: one call at a time
// (a call made while another is in flight is refused) and at most 5 calls in any second. Over
// either, the answer is HTTP 400 with errorCode 40000029 "Rate limit exceeded", not a 429, and
// without a Retry-After. The simulator enforces them (CallLimiter below); the adapter paces
// itself under them (SerialPacer in ../shared/pacing.ts) and treats 40000029 as retryable.
import type { Request, RequestHandler, Router } from 'express';
import { Fields, SimHttpError, bodyOf, plainError } from '../shared/request-fields.ts';

export interface ControlCenterLimits {
  /** Calls accepted in any 1-second window, per account. */
  callsPerSecond: number;
  /** Calls in flight at once, per account (Control Center: 1). */
  concurrentCalls: number;
  /** Simulated time each accepted call takes, while it holds its account's turn (0: none). */
  latencyMs: number;
}

/** Control Center's published limits. */
export const CONTROL_CENTER_LIMITS: ControlCenterLimits = { callsPerSecond: 5, concurrentCalls: 1, latencyMs: 0 };

/** What the demo and run-simulators enforce: Control Center's limits at a realistic latency. */
export const DEMO_OPERATOR_LIMITS: ControlCenterLimits = { ...CONTROL_CENTER_LIMITS, latencyMs: 50 };

/** The error code of a refused call (over the rate or concurrent), whatever the HTTP status. */
export const RATE_LIMIT_ERROR_CODE = '40000029';

/** How long the adapter holds off after a 40000029 (there is no Retry-After): the rate's window. */
export const RATE_LIMIT_HOLD_OFF_MS = 1_000;

const WINDOW_MS = 1_000;

export interface CallLimitCounts {
  accepted: number;
  /** Refused because the account's rate was spent, and because another call was in flight. */
  refused: { rate: number; concurrent: number };
  /** Most calls seen in flight at once for one account. */
  maxInFlight: number;
}

interface AccountCalls {
  inFlight: number;
  /** Arrival times of the accepted calls of the last second, oldest first. */
  recent: number[];
}

function accountOf(req: Request): string {
  const match = /^Basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (!match) return '';
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  return decoded.slice(0, Math.max(0, decoded.indexOf(':')));
}

export class CallLimiter {
  private readonly accounts = new Map<string, AccountCalls>();
  private counts: CallLimitCounts = { accepted: 0, refused: { rate: 0, concurrent: 0 }, maxInFlight: 0 };

  constructor(
    /** null: no limits. */
    public limits: ControlCenterLimits | null,
    private readonly now: () => number = Date.now,
  ) {}

  get stats(): CallLimitCounts {
    return structuredClone(this.counts);
  }

  resetCounts(): void {
    this.counts = { accepted: 0, refused: { rate: 0, concurrent: 0 }, maxInFlight: 0 };
  }

  /** Forgets the last second too (between tests); calls in flight stay counted until they end. */
  reset(): void {
    this.resetCounts();
    this.forgetRecentCalls();
  }

  /** Forgets each account's last second: the calls made before limits are set do not count against them. */
  forgetRecentCalls(): void {
    for (const calls of this.accounts.values()) calls.recent = [];
  }

  /** After authentication: refuses the call or holds the account's turn until it is answered. */
  readonly middleware: RequestHandler = (req, res, next) => {
    const limits = this.limits;
    if (!limits) return next();
    const account = accountOf(req);
    let calls = this.accounts.get(account);
    if (!calls) this.accounts.set(account, (calls = { inFlight: 0, recent: [] }));
    const now = this.now();
    while (calls.recent.length > 0 && calls.recent[0]! <= now - WINDOW_MS) calls.recent.shift();
    const concurrent = calls.inFlight >= limits.concurrentCalls;
    if (concurrent || calls.recent.length >= limits.callsPerSecond) {
      if (concurrent) this.counts.refused.concurrent++;
      else this.counts.refused.rate++;
      throw new SimHttpError(400, { errorCode: RATE_LIMIT_ERROR_CODE, errorMessage: 'Rate limit exceeded' });
    }
    calls.inFlight++;
    calls.recent.push(now);
    this.counts.accepted++;
    this.counts.maxInFlight = Math.max(this.counts.maxInFlight, calls.inFlight);
    const held = calls;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      held.inFlight--;
    };
    res.once('finish', release);
    res.once('close', release);
    if (limits.latencyMs > 0) setTimeout(next, limits.latencyMs);
    else next();
  };
}

/**
 * `GET /_sim/rate-limits` (limits and counts), `PUT /_sim/rate-limits` ({ callsPerSecond,
 * concurrentCalls, latencyMs }, each optional, or { off: true }), `DELETE /_sim/rate-limits/counts`.
 */
export function mountCallLimitAdmin(admin: Router, limiter: CallLimiter): void {
  const reject = plainError(400);
  admin.get('/rate-limits', (_req, res) => {
    res.json({ limits: limiter.limits, ...limiter.stats });
  });
  admin.put('/rate-limits', (req, res) => {
    const fields = new Fields(bodyOf(req), reject);
    if (fields.optionalBoolean('off') === true) limiter.limits = null;
    else {
      const base = limiter.limits ?? CONTROL_CENTER_LIMITS;
      const read = (name: keyof ControlCenterLimits, min: number): number => {
        const value = fields.optionalNumber(name) ?? base[name];
        if (!(value >= min)) throw reject(`${name} must be ${min === 0 ? 'zero or more' : 'positive'}`);
        return value;
      };
      const concurrentCalls = read('concurrentCalls', 1);
      if (!Number.isInteger(concurrentCalls)) throw reject('concurrentCalls must be a whole number');
      limiter.limits = { callsPerSecond: read('callsPerSecond', Number.MIN_VALUE), concurrentCalls, latencyMs: read('latencyMs', 0) };
    }
    // New limits start with an empty second: calls made under the old ones (or none) do not count.
    limiter.forgetRecentCalls();
    res.json({ limits: limiter.limits });
  });
  admin.delete('/rate-limits/counts', (_req, res) => {
    limiter.resetCounts();
    res.status(204).end();
  });
}
