// First logins of a store's new phones, staggered (issue 10 §2): phones from one address that
// log in to an external service at the same moment got the company's addresses banned once. So
// at most K first logins per minute per store, in any minute (not per clock minute: a sliding
// window), at jittered moments so they never line up, each at or after its session's start.
// Deterministic for a seed (the store), so a re-run or a replay gives the same moments.
// Pure: times are epoch milliseconds.
import { seededRandom } from './seeded-random.ts';

/** K when the rollout does not say: ten new phones' first sign-ins a minute per store. */
export const DEFAULT_FIRST_LOGINS_PER_MINUTE = 10;

export interface LoginSession {
  /** When the session starts (its people may log in from then). */
  startsAt: number;
  /** When it ends: logins after it are reported. */
  endsAt: number;
  employees: string[];
}

export interface FirstLogins {
  /** Each employee's first login, epoch ms. */
  at: Map<string, number>;
  /** People whose login falls after their session's end (K too small for the sessions' sizes). */
  afterSession: string[];
}

/**
 * The moments: the sessions' people in order of their session's start (sessions at the same
 * time interleaved), each at least a jittered 60/K seconds after the previous one and never less
 * than a minute after the K-th before it (so no 60-second window holds more than K), the
 * `earlier` moments (epoch ms) included.
 */
export function firstLoginMoments(sessions: readonly LoginSession[], perMinute: number, seed: string, earlier: readonly number[] = []): FirstLogins {
  if (!Number.isInteger(perMinute) || perMinute < 1) throw new RangeError('perMinute must be a whole number, 1 or more');
  const random = seededRandom(seed);
  const spacing = 60_000 / perMinute;
  const byStart = new Map<number, LoginSession[]>();
  for (const s of sessions) byStart.set(s.startsAt, [...(byStart.get(s.startsAt) ?? []), s]);
  const at = new Map<string, number>();
  const afterSession: string[] = [];
  // Logins planned before (an earlier round of the same store) count against the same minutes.
  const moments: number[] = [...earlier].sort((x, y) => x - y);
  for (const [startsAt, group] of [...byStart].sort(([a], [b]) => a - b)) {
    // Interleaved: the first of each room, then the second of each, ...
    const queue: { employeeId: string; endsAt: number }[] = [];
    for (let i = 0; i < Math.max(...group.map((s) => s.employees.length)); i++)
      for (const s of group) if (s.employees[i]) queue.push({ employeeId: s.employees[i]!, endsAt: s.endsAt });
    for (const person of queue) {
      const previous = moments.at(-1);
      let t = Math.max(startsAt + random() * spacing, previous === undefined ? -Infinity : previous + spacing * (0.5 + random()));
      const kthBefore = moments[moments.length - perMinute];
      if (kthBefore !== undefined) t = Math.max(t, kthBefore + 60_000);
      t = Math.ceil(t);
      moments.push(t);
      at.set(person.employeeId, t);
      if (t >= person.endsAt) afterSession.push(person.employeeId);
    }
  }
  return { at, afterSession };
}

/**
 * Moments for `count` more first logins from `from` on, fitted between the store's logins already
 * planned (`planned`, any order; some may lie ahead): each at least half the spacing (60/K s)
 * from any other, and no 60-second window over K with them. What an image late on a slow link
 * needs: its sign-in moved after the image lands, without landing on its wave's neighbours.
 */
export function fitLogins(planned: readonly number[], count: number, from: number, perMinute: number, seed: string): number[] {
  if (!Number.isInteger(perMinute) || perMinute < 1) throw new RangeError('perMinute must be a whole number, 1 or more');
  const random = seededRandom(seed);
  const spacing = 60_000 / perMinute;
  const times = [...planned].sort((a, b) => a - b);
  const fits = (t: number) => {
    let i = 0;
    while (i < times.length && times[i]! < t) i++;
    if ((i > 0 && t - times[i - 1]! < spacing / 2) || (i < times.length && times[i]! - t < spacing / 2)) return false;
    const withT = [...times.slice(Math.max(0, i - perMinute), i), t, ...times.slice(i, i + perMinute)];
    for (let j = 0; j + perMinute < withT.length; j++) if (withT[j + perMinute]! - withT[j]! < 60_000) return false;
    return true;
  };
  const added: number[] = [];
  let t = from;
  while (added.length < count) {
    t = Math.ceil(t + random() * spacing);
    if (!fits(t)) continue;
    added.push(t);
    times.splice(times.findIndex((x) => x > t) === -1 ? times.length : times.findIndex((x) => x > t), 0, t);
  }
  return added;
}
