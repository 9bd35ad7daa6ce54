// A store's uplink as the simulators model it (issue 9 §5): downloads at once share the link,
// each at most at its phone's own rate (max-min fair sharing: the slow ones take what they can,
// the rest split what is left), and a download completes when its bytes have passed. The link
// keeps its use over time, so a bench or a test can hold a release to the share it may use.
// Event-driven on simulated time (milliseconds); nothing here reads a clock.

export interface LinkDownload {
  id: string;
  /** What is left to pass, in bits. */
  remainingBits: number;
  /** The phone's own rate (Mbit/s): a download never goes faster. */
  maxMbps: number;
  startedAt: number;
}

export interface LinkUse {
  from: number;
  until: number;
  /** The link's total rate over [from, until). */
  mbps: number;
  downloads: number;
}

export interface CompletedDownload {
  id: string;
  startedAt: number;
  endedAt: number;
}

const BITS_PER_MS_PER_MBPS = 1_000; // 1 Mbit/s = 1,000 bits a millisecond

export class StoreLink {
  private now: number;
  private readonly active = new Map<string, LinkDownload>();
  private readonly uses: LinkUse[] = [];

  constructor(
    readonly capacityMbps: number,
    startAt = 0,
  ) {
    if (!(capacityMbps > 0)) throw new RangeError('a link needs a capacity above 0 Mbit/s');
    this.now = startAt;
  }

  get time(): number {
    return this.now;
  }

  get downloading(): number {
    return this.active.size;
  }

  /** Starts a download of `bytes` now (after advancing to `at`, which must not be in the past). */
  start(id: string, bytes: number, maxMbps: number, at = this.now): CompletedDownload[] {
    if (this.active.has(id)) throw new Error(`download ${id} is already running`);
    const done = this.advanceTo(at);
    this.active.set(id, { id, remainingBits: bytes * 8, maxMbps, startedAt: this.now });
    return done;
  }

  /** Runs the link until `t`; the downloads that completed on the way, in order. */
  advanceTo(t: number): CompletedDownload[] {
    if (t < this.now) throw new RangeError(`the link is at ${this.now}; it cannot go back to ${t}`);
    const completed: CompletedDownload[] = [];
    while (this.now < t && this.active.size > 0) completed.push(...this.step(t));
    this.now = t;
    return completed;
  }

  /** Runs until every download has completed. */
  drain(): CompletedDownload[] {
    const completed: CompletedDownload[] = [];
    while (this.active.size > 0) completed.push(...this.step(Infinity));
    return completed;
  }

  /**
   * One stretch of constant rates: until the next download completes, or `limit`. Completion is
   * decided by time (the step reached a download's end), not by what floating point leaves of its bits.
   */
  private step(limit: number): CompletedDownload[] {
    const rates = this.rates();
    const finishIn = new Map([...this.active.values()].map((d) => [d.id, d.remainingBits / (rates.get(d.id)! * BITS_PER_MS_PER_MBPS)]));
    const toLimit = limit - this.now;
    const step = Math.min(toLimit, ...finishIn.values());
    this.record(
      this.now,
      this.now + step,
      [...rates.values()].reduce((a, b) => a + b, 0),
    );
    this.now = step === toLimit ? limit : this.now + step;
    const completed: CompletedDownload[] = [];
    for (const d of [...this.active.values()]) {
      if (finishIn.get(d.id)! <= step) {
        this.active.delete(d.id);
        completed.push({ id: d.id, startedAt: d.startedAt, endedAt: this.now });
      } else {
        d.remainingBits -= rates.get(d.id)! * BITS_PER_MS_PER_MBPS * step;
      }
    }
    return completed;
  }

  /** The link's use over time: piecewise constant, contiguous intervals while anything downloads. */
  use(): readonly LinkUse[] {
    return this.uses;
  }

  /** The highest rate the link carried. */
  peakMbps(): number {
    return this.uses.reduce((m, u) => Math.max(m, u.mbps), 0);
  }

  /** Max-min fair rates: in order of their caps, each download takes its cap or an equal split of what is left. */
  private rates(): Map<string, number> {
    const rates = new Map<string, number>();
    let left = this.capacityMbps;
    const byCap = [...this.active.values()].sort((a, b) => a.maxMbps - b.maxMbps);
    byCap.forEach((d, i) => {
      const rate = Math.min(d.maxMbps, left / (byCap.length - i));
      rates.set(d.id, rate);
      left -= rate;
    });
    return rates;
  }

  private record(from: number, until: number, mbps: number): void {
    if (until <= from) return;
    const last = this.uses.at(-1);
    if (last && last.until === from && Math.abs(last.mbps - mbps) < 1e-9 && last.downloads === this.active.size) last.until = until;
    else this.uses.push({ from, until, mbps, downloads: this.active.size });
  }
}
