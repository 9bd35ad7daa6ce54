// Which stores get a release in which ring (issue 9 §3): the pilot stores first (the story's
// pilot was 3 stores, ~1,000 phones), then a share of the fleet, then every store; each ring
// bakes before its health is judged. Pure: the release process asks once, with the stores that
// have the app's roles, and keeps the answer in its state.

export interface RingPolicy {
  /** The pilot stores, in order; default the first three (by id) when none are named. */
  pilotStores?: string[];
  /** Of the stores left after the pilot, the share the second ring takes (0..1). */
  secondRingShare: number;
  /** How long each ring runs before its health gate may judge it, ring by ring (the last repeats). */
  bakeMs: number[];
  /** Rings (1-based) an operator must approve before they start. */
  approvalBefore: number[];
}

export const DEFAULT_RINGS: RingPolicy = { secondRingShare: 0.3, bakeMs: [24 * 3_600_000, 24 * 3_600_000, 0], approvalBefore: [] };
export const DEFAULT_PILOT_COUNT = 3;

export interface Ring {
  /** 1-based. */
  number: number;
  name: 'pilot' | 'early' | 'all';
  stores: string[];
  bakeMs: number;
  needsApproval: boolean;
}

/**
 * The rings over `stores` (those with phones whose role has the app): every store in exactly one
 * ring, in order; an empty ring is left out (a fleet of three pilot stores has one ring). Pilot
 * stores that do not have the app are ignored; the second ring takes ceil(share x the rest), in
 * store id order, so the same fleet always gets the same rings.
 */
export function planRings(stores: readonly string[], policy: RingPolicy = DEFAULT_RINGS): Ring[] {
  if (!(policy.secondRingShare >= 0 && policy.secondRingShare <= 1)) throw new RangeError('secondRingShare must be between 0 and 1');
  if (policy.bakeMs.length === 0 || policy.bakeMs.some((b) => !(b >= 0))) throw new RangeError('bakeMs must list one or more durations of 0 or more');
  const all = [...new Set(stores)].sort();
  const named = policy.pilotStores ?? all.slice(0, DEFAULT_PILOT_COUNT);
  const pilot = named.filter((s) => all.includes(s));
  const rest = all.filter((s) => !pilot.includes(s));
  const early = rest.slice(0, Math.ceil(rest.length * policy.secondRingShare));
  const late = rest.slice(early.length);
  const groups: [Ring['name'], string[]][] = [
    ['pilot', pilot],
    ['early', early],
    ['all', late],
  ];
  return groups
    .filter(([, s]) => s.length > 0)
    .map(([name, s], i) => ({
      number: i + 1,
      name,
      stores: s,
      bakeMs: policy.bakeMs[Math.min(i, policy.bakeMs.length - 1)]!,
      needsApproval: policy.approvalBefore.includes(i + 1),
    }));
}
