// When each phone of a store downloads a new APK over the store's uplink (issue 9 §5). One
// store once saturated its link with 300 phones pulling a 1 GB image at once; so a release may
// use only a share of the uplink, and the phones go home with their holders, so a phone downloads
// only while it is in the store (its holder's shift).
//
// The link model (the simulator's too): downloads at once share the link, and each phone takes
// at most its own Wi-Fi rate. phonefleet cannot throttle a download, only decide how many run at
// once: `concurrency` downloads at the phone rate stay within share x uplink. Every download is
// placed inside one stay of its phone in the store, as early as a slot is free; what cannot fit
// in any stay before the horizon is reported, not dropped.
//
// Pure: no clock, no I/O; times are milliseconds since the epoch.

/** APKs up to this size may come over mobile data while the phone is away from the store. */
export const MOBILE_DOWNLOAD_MAX_BYTES = 50 * 1024 * 1024;
/** The corporate plan's mobile data: 3 GB a month per phone. */
export const MOBILE_DATA_BUDGET_BYTES = 3 * 1024 ** 3;

export interface Stay {
  from: number;
  until: number;
}

export interface StorePhone {
  imei: string;
  /** When the phone is in the store, on its Wi-Fi (from its holder's shifts), in any order. */
  inStore: Stay[];
}

export interface UplinkBudget {
  uplinkMbps: number;
  /** The part of the uplink updates may use, 0 < share <= 1. */
  share: number;
}

export interface WavePlanInput {
  apkBytes: number;
  phones: StorePhone[];
  link: UplinkBudget;
  /** One phone's download rate over the store's Wi-Fi. */
  phoneMbps: number;
  /** The plan's start: nothing downloads before it. */
  from: number;
  /** Nothing is planned to end after it. */
  until: number;
  /**
   * When the downloads already on the link (an earlier batch still running, another release)
   * end, each at the phone rate: each holds a slot until then.
   */
  busyUntil?: number[];
}

export interface Download {
  imei: string;
  startsAt: number;
  endsAt: number;
}

/** Downloads that start together. */
export interface Wave {
  startsAt: number;
  imeis: string[];
}

export interface WavePlan {
  /** How many downloads run at once at most: floor(share x uplink / phone rate). */
  concurrency: number;
  downloadMs: number;
  downloads: Download[];
  waves: Wave[];
  /** The last download's end minus `from` (0 when nothing is planned). */
  makespanMs: number;
  /** The physical floor: the bytes of every planned download over share x uplink. */
  boundMs: number;
  /** Phones with no stay long enough for the download before `until`, and why. */
  unplaced: { imei: string; why: string }[];
}

const bitsPerMs = (mbps: number) => (mbps * 1e6) / 1000;

/** Why a budget cannot be planned at all, or undefined. */
export function budgetProblem(link: UplinkBudget, phoneMbps: number): string | undefined {
  if (!(link.uplinkMbps > 0)) return 'the uplink must be above 0 Mbit/s';
  if (!(link.share > 0 && link.share <= 1)) return 'the share of the uplink must be above 0 and at most 1';
  if (!(phoneMbps > 0)) return "a phone's download rate must be above 0 Mbit/s";
  if (link.uplinkMbps * link.share < phoneMbps) {
    return `${link.share * 100} % of ${link.uplinkMbps} Mbit/s is less than one phone's ${phoneMbps} Mbit/s: a single download would exceed the share`;
  }
  return undefined;
}

export function planWaves(input: WavePlanInput): WavePlan {
  const problem = budgetProblem(input.link, input.phoneMbps);
  if (problem) throw new RangeError(problem);
  const budgetMbps = input.link.uplinkMbps * input.link.share;
  const concurrency = Math.floor(budgetMbps / input.phoneMbps);
  const downloadMs = Math.ceil((input.apkBytes * 8) / bitsPerMs(input.phoneMbps));

  // A phone's usable stays: clipped to [from, until], long enough for one download.
  const pending = input.phones.map((p) => ({
    imei: p.imei,
    stays: p.inStore
      .map((s) => ({ from: Math.max(s.from, input.from), until: Math.min(s.until, input.until) }))
      .filter((s) => s.until - s.from >= downloadMs)
      .sort((a, b) => a.from - b.from),
  }));
  const unplaced = pending
    .filter((p) => p.stays.length === 0)
    .map((p) => ({ imei: p.imei, why: `in the store less than the ${Math.ceil(downloadMs / 60_000)} min a download takes before the plan ends` }));
  let waiting = pending.filter((p) => p.stays.length > 0);

  // Slots: when each of the `concurrency` downloads at once is free again.
  const freeAt = Array.from({ length: concurrency }, () => input.from);
  // Downloads already running hold their slots, the longest-running in the first ones.
  const busy = [...(input.busyUntil ?? [])].filter((t) => t > input.from).sort((a, b) => b - a);
  busy.slice(0, concurrency).forEach((t, i) => (freeAt[i] = t));
  const downloads: Download[] = [];
  while (waiting.length > 0) {
    const slot = freeAt.indexOf(Math.min(...freeAt));
    const t = freeAt[slot]!;
    // The phone that can start earliest from t (in a stay that still fits the download); ties: the one whose chances end first.
    let best: { index: number; start: number; lastChance: number } | undefined;
    for (const [index, p] of waiting.entries()) {
      const stay = p.stays.find((s) => Math.max(s.from, t) + downloadMs <= s.until);
      if (!stay) continue;
      const start = Math.max(stay.from, t);
      const lastChance = p.stays.at(-1)!.until;
      if (!best || start < best.start || (start === best.start && lastChance < best.lastChance)) best = { index, start, lastChance };
    }
    if (!best) {
      // No stay of any waiting phone fits from t on: they cannot be placed.
      for (const p of waiting) unplaced.push({ imei: p.imei, why: 'every stay in the store that fits the download is taken by others before the plan ends' });
      break;
    }
    const phone = waiting[best.index]!;
    downloads.push({ imei: phone.imei, startsAt: best.start, endsAt: best.start + downloadMs });
    freeAt[slot] = best.start + downloadMs;
    waiting = waiting.filter((_, i) => i !== best.index);
  }

  downloads.sort((a, b) => a.startsAt - b.startsAt || a.imei.localeCompare(b.imei));
  const waves: Wave[] = [];
  for (const d of downloads) {
    const last = waves.at(-1);
    if (last?.startsAt === d.startsAt) last.imeis.push(d.imei);
    else waves.push({ startsAt: d.startsAt, imeis: [d.imei] });
  }
  const end = downloads.reduce((m, d) => Math.max(m, d.endsAt), input.from);
  return {
    concurrency,
    downloadMs,
    downloads,
    waves,
    makespanMs: end - input.from,
    boundMs: (downloads.length * input.apkBytes * 8) / bitsPerMs(budgetMbps),
    unplaced,
  };
}

/** The update traffic on the link at instant t (Mbit/s): each running download at the phone rate. */
export function trafficAt(plan: Pick<WavePlan, 'downloads'>, t: number, phoneMbps: number): number {
  return plan.downloads.filter((d) => d.startsAt <= t && t < d.endsAt).length * phoneMbps;
}
