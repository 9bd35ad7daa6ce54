// Fleet-wide pacing of requests to a system that publishes rate limits (Knox Manage: 1,800
// requests a minute overall, 300 device commands a minute, then 429 and "retry after a
// minute"). Every worker takes from the same budgets, kept in PostgreSQL, so a mass event (an
// evaluation round moving 5,000 people, a store closing) runs just under the limits instead of
// into them: a 429 there costs every caller a whole minute.
//
// Each budget is one row holding a GCRA "theoretical arrival time" (readyAtMs): taking a request
// moves it one interval (60,000 ms / rate) on, atomically in one UPDATE, and tells the caller how
// long to wait for its turn. A caller whose turn is further off than it can wait inside its
// activity takes nothing and gets a retryable error carrying that delay (the activity boundary
// turns it into Temporal's nextRetryDelay), so nothing is held while it waits.
import { RetryableSystemError } from './errors.ts';

/** Published limits, and the part of them phonefleet allows itself (the rest is headroom). */
export interface RateLimit {
  perMinute: number;
}

/** What an adapter asks before each request; kinds are budget names ("requests", "device-commands"). */
export interface RequestPacer {
  /** Waits for this request's turn in each budget named, or throws RetryableSystemError(retryAfterMs). */
  take(budgets: readonly string[]): Promise<void>;
  /** The system answered 429 anyway (another client, a lower limit): the whole fleet holds off. */
  holdOff(budgets: readonly string[], ms: number): Promise<void>;
}

/** The raw-SQL part of PrismaClient the budgets need (any Prisma client). */
export interface RawSql {
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): Promise<T>;
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): Promise<number>;
}

export interface BudgetOptions {
  /** Share of the published limit used (default 0.95): what another client or a clock skew may use. */
  share?: number;
  /**
   * Longest wait for a turn inside the caller (default 5 s), or a function answering it per
   * request (an activity: what is left of its timeout, src/worker/patience.ts).
   */
  maxWaitMs?: number | (() => number);
}

interface Budget {
  name: string;
  /** Milliseconds between two requests at the paced rate. */
  intervalMs: number;
  /** How far ahead of the steady rate a burst may go: the published minute minus the paced one. */
  burstMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Budgets in PostgreSQL, for one system (`system` names them and its errors). The paced rate is
 * `share` of the published one and the burst allowance the rest of the minute, so that in any
 * 60-second window the requests sent stay within the published count.
 */
export class PostgresRequestBudgets implements RequestPacer {
  private readonly budgets = new Map<string, Budget>();
  private readonly maxWaitMs: () => number;
  private created: Promise<void> | undefined;
  /** This process's figures: turns taken, waited for, and callers turned away, by budget kind. */
  readonly stats = { taken: {} as Record<string, number>, waitedMs: {} as Record<string, number>, turnedAway: {} as Record<string, number> };

  constructor(
    private readonly db: RawSql,
    private readonly system: string,
    limits: Record<string, RateLimit>,
    options: BudgetOptions = {},
  ) {
    const share = options.share ?? 0.95;
    const maxWait = options.maxWaitMs ?? 5_000;
    this.maxWaitMs = typeof maxWait === 'number' ? () => maxWait : maxWait;
    for (const [kind, limit] of Object.entries(limits)) {
      if (!(limit.perMinute > 0)) throw new Error(`${system} ${kind}: the limit must be a positive number of requests per minute`);
      const paced = limit.perMinute * share;
      const intervalMs = 60_000 / paced;
      // At least one request may go at once; the rest of the published minute is burst headroom.
      const burstMs = Math.max(intervalMs, (limit.perMinute - paced - 1) * intervalMs);
      this.budgets.set(kind, { name: `${system}:${kind}`, intervalMs, burstMs });
    }
  }

  async take(kinds: readonly string[]): Promise<void> {
    await this.ensureRows();
    for (const kind of kinds) {
      const budget = this.budgets.get(kind);
      if (!budget) continue;
      const waitMs = await this.takeOne(kind, budget);
      this.stats.taken[kind] = (this.stats.taken[kind] ?? 0) + 1;
      this.stats.waitedMs[kind] = (this.stats.waitedMs[kind] ?? 0) + waitMs;
      if (waitMs > 0) await sleep(waitMs);
    }
  }

  async holdOff(kinds: readonly string[], retryAfterMs: number): Promise<void> {
    // A Retry-After of hours would be a broken answer, not a plan: hold off ten minutes at most.
    const ms = Math.min(retryAfterMs, 10 * 60_000);
    await this.ensureRows();
    for (const kind of kinds) {
      const budget = this.budgets.get(kind);
      if (!budget) continue;
      // The next request's turn comes `ms` from now, for every worker.
      await this.db.$executeRaw`
        UPDATE "RateBudget"
        SET "readyAtMs" = GREATEST("readyAtMs", EXTRACT(EPOCH FROM clock_timestamp()) * 1000 + ${ms}::float8 + ${budget.burstMs - budget.intervalMs}::float8)
        WHERE name = ${budget.name}`;
    }
  }

  /** Takes a turn when it comes within maxWaitMs (answering the wait), else throws. */
  private async takeOne(kind: string, budget: Budget): Promise<number> {
    const { name, intervalMs, burstMs } = budget;
    const maxWaitMs = this.maxWaitMs();
    // One statement, so concurrent takers (any worker) serialise on the row: each sees the
    // arrival time the previous one left.
    const taken = await this.db.$queryRaw<{ waitMs: number }[]>`
      UPDATE "RateBudget" AS b
      SET "readyAtMs" = GREATEST(b."readyAtMs", n.ms) + ${intervalMs}::float8
      FROM (SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8 * 1000 AS ms) AS n
      WHERE b.name = ${name} AND GREATEST(b."readyAtMs", n.ms) + ${intervalMs}::float8 - ${burstMs}::float8 - n.ms <= ${maxWaitMs}::float8
      RETURNING b."readyAtMs" - ${burstMs}::float8 - n.ms AS "waitMs"`;
    if (taken.length > 0) return Math.max(0, Number(taken[0]!.waitMs));
    const [spent] = await this.db.$queryRaw<{ waitMs: number }[]>`
      SELECT "readyAtMs" + ${intervalMs}::float8 - ${burstMs}::float8 - EXTRACT(EPOCH FROM clock_timestamp())::float8 * 1000 AS "waitMs"
      FROM "RateBudget" WHERE name = ${name}`;
    this.stats.turnedAway[kind] = (this.stats.turnedAway[kind] ?? 0) + 1;
    // A little spread, so that the callers turned away together do not all come back together;
    // at least a second (a caller out of time is turned away even when the turn is near).
    const retryAfterMs = Math.ceil(Math.max(1_000, Number(spent?.waitMs ?? maxWaitMs)) * (1 + Math.random() * 0.2));
    throw new RetryableSystemError(this.system, `${name.slice(this.system.length + 1)} budget spent: next turn in ${retryAfterMs} ms`, retryAfterMs);
  }

  private ensureRows(): Promise<void> {
    this.created ??= (async () => {
      for (const { name } of this.budgets.values()) {
        await this.db.$executeRaw`INSERT INTO "RateBudget" (name, "readyAtMs") VALUES (${name}, 0) ON CONFLICT (name) DO NOTHING`;
      }
    })().catch((err: unknown) => {
      this.created = undefined;
      throw err;
    });
    return this.created;
  }
}

/**
 * In-process pacing for a system that takes one call at a time per account and so many a second
 * (the operator's Control Center): calls run one after another, each starting at least
 * 1/callsPerSecond (plus a small margin for the network's jitter) after the one before. A caller
 * whose turn is further off than `maxWaitMs` is turned away with a RetryableSystemError carrying
 * the delay, as the budgets above do. One pacer per account and process: a second process on the
 * same account is not seen, and the system's refusal (retryable) covers it.
 */
export class SerialPacer {
  /** Milliseconds between two call starts. */
  readonly intervalMs: number;
  private tail: Promise<void> = Promise.resolve();
  private nextStartAt = 0;
  private queued = 0;
  /** This process's figures: calls run, time spent waiting for a turn, callers turned away. */
  readonly stats = { calls: 0, waitedMs: 0, turnedAway: 0 };

  constructor(
    private readonly system: string,
    readonly callsPerSecond: number,
    private readonly maxWaitMs: number = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    if (!(callsPerSecond > 0)) throw new Error(`${system}: callsPerSecond must be positive`);
    // 2 % over the exact spacing, 20 ms of slack in every second whatever the rate: a call that
    // reaches the system a little early, or after one that started late (its timer fired late:
    // the turns are planned), must not count in the second of the ones before it.
    this.intervalMs = (1_000 / callsPerSecond) * 1.02;
  }

  /** Runs `call` in its turn: after every call queued before it has finished, and not sooner than the rate allows. */
  run<T>(call: () => Promise<T>): Promise<T> {
    const expectedWaitMs = Math.max(0, this.nextStartAt - this.now()) + this.queued * this.intervalMs;
    if (expectedWaitMs > this.maxWaitMs) {
      this.stats.turnedAway++;
      const retryAfterMs = Math.ceil(expectedWaitMs * (1 + Math.random() * 0.2));
      return Promise.reject(new RetryableSystemError(this.system, `call budget spent: next turn in ${retryAfterMs} ms`, retryAfterMs));
    }
    this.queued++;
    const turn = this.tail.then(async () => {
      this.queued--;
      // The turn's start is planned, not taken from the clock after the sleep: a timer that fires
      // late does not push every later call back (with thousands of calls in a pass, that lateness
      // adds up). It never plans into the past either, so a slow call is not made up for with a burst.
      const plannedAt = Math.max(this.nextStartAt, this.now());
      const waitMs = plannedAt - this.now();
      if (waitMs > 0) await sleep(waitMs);
      this.stats.calls++;
      this.stats.waitedMs += waitMs;
      this.nextStartAt = plannedAt + this.intervalMs;
      return call();
    });
    this.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** The system refused a call anyway (another process, a lower limit): no call starts for `ms`. */
  holdOff(ms: number): void {
    this.nextStartAt = Math.max(this.nextStartAt, this.now() + ms);
  }
}
