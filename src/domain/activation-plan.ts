// When each phone of a store rollout downloads its image and signs in for the first time (issue
// 10 §2). Two incidents shape it: 300 phones pulling a 1 GB image at once saturated a store's
// uplink, and phones of one address signing in to a service together got the company's addresses
// banned. So the images go through the share of the uplink in waves (update-waves.ts: whole
// downloads at the phone's rate, as many at once as fit in the share), the phones of the earliest
// sessions first, each inside the time before its session when it can; and the first sign-ins
// are staggered, at most K a minute (first-logins.ts), each after its phone's image is there.
// A phone that cannot be ready before its session is reported with when it will be.
// Pure: times are epoch milliseconds.
import { firstLoginMoments } from './first-logins.ts';
import { planWaves, type UplinkBudget } from './update-waves.ts';

export interface ActivationPhone {
  imei: string;
  /** The start of the session its holder is trained at: its image and sign-in are due by then. */
  neededBy: number;
}

export interface ActivationPlanInput {
  phones: readonly ActivationPhone[];
  /** Nothing downloads before (the round's now, or the shipment's arrival). */
  from: number;
  imageBytes: number;
  link: UplinkBudget;
  phoneMbps: number;
  /** When the images of earlier rounds still on the link end. */
  busyUntil?: readonly number[];
  firstLoginsPerMinute: number;
  /** The first sign-ins earlier rounds planned (they count against the same minutes). */
  earlierLogins?: readonly number[];
  /** The jitter's seed (the store): the same input gives the same plan. */
  seed: string;
}

export interface ActivationTarget {
  imei: string;
  downloadFrom: number;
  downloadUntil: number;
  /** The first sign-in: after the image is there, at most K a minute in the store. */
  activateFrom: number;
  neededBy: number;
}

export interface ActivationPlan {
  targets: ActivationTarget[];
  /** Phones that will not be ready by their session's start, and when they will be. */
  late: { imei: string; neededBy: number; readyAt: number }[];
  /** Downloads at once within the share. */
  concurrency: number;
  /** The last download's end minus `from`. */
  makespanMs: number;
  /** The physical floor: every image's bytes over share x uplink. */
  boundMs: number;
}

/** A year: far enough for any image of a rollout behind its session. */
const LATE_HORIZON_MS = 365 * 86_400_000;

export function planActivation(input: ActivationPlanInput): ActivationPlan {
  const byNeed = [...input.phones].sort((a, b) => a.neededBy - b.neededBy || a.imei.localeCompare(b.imei));
  const waves = (phones: readonly ActivationPhone[], until: (p: ActivationPhone) => number, busyUntil: readonly number[]) =>
    planWaves({
      apkBytes: input.imageBytes,
      // In the store's back room until handed over: the only bound is the session.
      phones: phones.map((p) => ({ imei: p.imei, inStore: [{ from: input.from, until: until(p) }] })),
      link: input.link,
      phoneMbps: input.phoneMbps,
      from: input.from,
      until: Math.max(input.from, ...phones.map(until)),
      busyUntil: [...busyUntil],
    });
  // First every image before its session where the link allows, then the rest as soon as it can.
  const onTime = waves(byNeed, (p) => p.neededBy, input.busyUntil ?? []);
  const behind = new Set(onTime.unplaced.map((u) => u.imei));
  const late = behind.size
    ? waves(
        byNeed.filter((p) => behind.has(p.imei)),
        () => input.from + LATE_HORIZON_MS,
        [...(input.busyUntil ?? []), ...onTime.downloads.map((d) => d.endsAt)],
      )
    : undefined;
  const downloads = [...onTime.downloads, ...(late?.downloads ?? [])];
  const need = new Map(byNeed.map((p) => [p.imei, p.neededBy]));
  const logins = firstLoginMoments(
    downloads.map((d) => ({ startsAt: d.endsAt, endsAt: need.get(d.imei)!, employees: [d.imei] })),
    input.firstLoginsPerMinute,
    input.seed,
    input.earlierLogins,
  );
  const targets = downloads
    .map((d) => ({ imei: d.imei, downloadFrom: d.startsAt, downloadUntil: d.endsAt, activateFrom: logins.at.get(d.imei)!, neededBy: need.get(d.imei)! }))
    .sort((a, b) => a.downloadFrom - b.downloadFrom || a.imei.localeCompare(b.imei));
  const lastEnd = Math.max(input.from, ...downloads.map((d) => d.endsAt));
  return {
    targets,
    late: targets.filter((t) => t.activateFrom > t.neededBy).map((t) => ({ imei: t.imei, neededBy: t.neededBy, readyAt: t.activateFrom })),
    concurrency: onTime.concurrency,
    makespanMs: lastEnd - input.from,
    boundMs: Math.ceil((downloads.length * input.imageBytes * 8) / ((input.link.uplinkMbps * input.link.share * 1e6) / 1000)),
  };
}
