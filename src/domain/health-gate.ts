// Whether a ring of a release may go on (issue 9 §3): the new version against the previous one,
// once enough phones have run it long enough for the figures to mean something (Play vitals are
// hourly; a ring needs about an hour of soak). Crash-free sessions and ANRs come from the apps'
// crash reporter, install failures from the MDM's app status reports. Pure: the release process
// reads the figures and asks.

export interface GatePolicy {
  /** Installs of the new version before the gate judges it. */
  minInstalls: number;
  /** How long the ring must have run the new version before the gate judges it. */
  minExposureMs: number;
  /** Unhealthy when crash-free sessions are this many percentage points (or more) below the previous version's. */
  maxCrashFreeDropPoints: number;
  /** Unhealthy when ANR sessions are this many percentage points (or more) above the previous version's. */
  maxAnrRisePoints: number;
  /** Unhealthy when the install failure rate reaches this multiple of the previous version's... */
  maxInstallFailureRatio: number;
  /** ...taking at least this rate as the previous one's (a version that never failed would make one failure fatal). */
  installFailureRateFloor: number;
}

export const DEFAULT_GATE: GatePolicy = {
  minInstalls: 200,
  minExposureMs: 60 * 60_000,
  maxCrashFreeDropPoints: 1,
  maxAnrRisePoints: 1,
  maxInstallFailureRatio: 2,
  installFailureRateFloor: 0.005,
};

export interface VersionHealth {
  installs: number;
  installFailures: number;
  sessions: number;
  /** 0..1; null without sessions. */
  crashFreeRate: number | null;
  /** 0..1; null without sessions. */
  anrRate: number | null;
}

export type GateVerdict = { verdict: 'waiting'; reasons: string[] } | { verdict: 'healthy'; reasons: string[] } | { verdict: 'unhealthy'; reasons: string[] };

const points = (rate: number) => Math.round(rate * 10_000) / 100;
const failureRate = (h: VersionHealth) => (h.installs + h.installFailures === 0 ? 0 : h.installFailures / (h.installs + h.installFailures));

/**
 * The gate's verdict for the ring: `waiting` until the exposure is enough (the reasons say what
 * is missing), then `unhealthy` with every rule broken, else `healthy`. A first release of an
 * app (no previous version) is judged against nothing: only the exposure is required.
 */
export function judgeRing(candidate: VersionHealth, previous: VersionHealth | undefined, exposureMs: number, policy: GatePolicy = DEFAULT_GATE): GateVerdict {
  const missing: string[] = [];
  if (candidate.installs < policy.minInstalls) missing.push(`${candidate.installs} installs of the ${policy.minInstalls} the gate needs`);
  if (exposureMs < policy.minExposureMs) missing.push(`${Math.floor(exposureMs / 60_000)} min of exposure of the ${Math.ceil(policy.minExposureMs / 60_000)} the gate needs`);
  // Failures judge without the exposure: a build that does not install is bad however few tried.
  const broken: string[] = [];
  const previousFailures = Math.max(previous ? failureRate(previous) : 0, policy.installFailureRateFloor);
  if (candidate.installs + candidate.installFailures > 0 && failureRate(candidate) >= previousFailures * policy.maxInstallFailureRatio) {
    broken.push(`install failures ${points(failureRate(candidate))} % reach ${policy.maxInstallFailureRatio}x the previous version's ${points(previousFailures)} %`);
  }
  if (missing.length && !broken.length) return { verdict: 'waiting', reasons: missing };
  if (previous && candidate.crashFreeRate !== null && previous.crashFreeRate !== null) {
    const drop = points(previous.crashFreeRate) - points(candidate.crashFreeRate);
    if (drop >= policy.maxCrashFreeDropPoints) {
      broken.push(
        `crash-free sessions ${points(candidate.crashFreeRate)} %, ${Math.round(drop * 100) / 100} points below the previous version's ${points(previous.crashFreeRate)} %`,
      );
    }
  }
  if (previous && candidate.anrRate !== null && previous.anrRate !== null) {
    const rise = points(candidate.anrRate) - points(previous.anrRate);
    if (rise >= policy.maxAnrRisePoints)
      broken.push(`ANRs in ${points(candidate.anrRate)} % of sessions, ${Math.round(rise * 100) / 100} points above the previous version's ${points(previous.anrRate)} %`);
  }
  if (broken.length) return { verdict: 'unhealthy', reasons: broken };
  return {
    verdict: 'healthy',
    reasons: [
      `${candidate.installs} installs, ${candidate.sessions} sessions, crash-free ${candidate.crashFreeRate === null ? 'unknown' : `${points(candidate.crashFreeRate)} %`}`,
    ],
  };
}

/** The release policy's gate with the app's own figures over it (App.gate; exposure in minutes there). */
export function gateFor(policy: GatePolicy, app: unknown): GatePolicy {
  const own = (app ?? {}) as Partial<Omit<GatePolicy, 'minExposureMs'> & { minExposureMinutes: number }>;
  const { minExposureMinutes, ...rest } = own;
  return { ...policy, ...rest, ...(minExposureMinutes !== undefined ? { minExposureMs: minExposureMinutes * 60_000 } : {}) };
}
