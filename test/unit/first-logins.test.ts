// First logins staggered (issue 10 §2): never more than K in any 60 seconds of a store, each at
// or after its session's start, jittered (not on a grid), the same for the same store.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstLoginMoments, fitLogins, type LoginSession } from '../../src/domain/first-logins.ts';

const HOUR = 3_600_000;
const sessionsArb = fc.array(fc.record({ slot: fc.integer({ min: 0, max: 8 }), size: fc.integer({ min: 1, max: 16 }) }), { minLength: 1, maxLength: 20 }).map((specs) =>
  specs.map((s, i): LoginSession => ({
    startsAt: Date.UTC(2027, 2, 1, 8) + s.slot * HOUR,
    endsAt: Date.UTC(2027, 2, 1, 9) + s.slot * HOUR,
    employees: Array.from({ length: s.size }, (_, j) => `E${i}-${j}`),
  })),
);

describe('first logins', () => {
  it('no 60-second window holds more than K, each login is at or after its session starts, everyone once', () => {
    fc.assert(
      fc.property(sessionsArb, fc.integer({ min: 1, max: 20 }), fc.string(), (sessions, k, seed) => {
        const { at, afterSession } = firstLoginMoments(sessions, k, seed);
        expect(at.size).toBe(sessions.reduce((n, s) => n + s.employees.length, 0));
        const times = [...at.values()].sort((a, b) => a - b);
        for (let i = k; i < times.length; i++) expect(times[i]! - times[i - k]!).toBeGreaterThanOrEqual(60_000);
        for (const s of sessions)
          for (const e of s.employees) {
            expect(at.get(e)!).toBeGreaterThanOrEqual(s.startsAt);
            expect(afterSession.includes(e)).toBe(at.get(e)! >= s.endsAt);
          }
      }),
      { numRuns: 200 },
    );
  });

  it('is jittered, not a grid, and the same for the same store (a replay or a re-run agrees)', () => {
    const sessions: LoginSession[] = [{ startsAt: 0, endsAt: HOUR, employees: Array.from({ length: 16 }, (_, i) => `E${i}`) }];
    const a = firstLoginMoments(sessions, 4, 'S007');
    expect(firstLoginMoments(sessions, 4, 'S007').at).toEqual(a.at);
    expect(firstLoginMoments(sessions, 4, 'S008').at).not.toEqual(a.at);
    const gaps = [...a.at.values()].sort((x, y) => x - y).map((t, i, ts) => (i ? t - ts[i - 1]! : t));
    expect(new Set(gaps).size).toBeGreaterThan(8);
    // 16 people at 4 a minute: all within the session, about four minutes in.
    expect(a.afterSession).toEqual([]);
    expect(Math.max(...a.at.values())).toBeLessThan(6 * 60_000);
  });

  it('reports the people a too small K pushes past their session', () => {
    const sessions: LoginSession[] = [{ startsAt: 0, endsAt: 5 * 60_000, employees: Array.from({ length: 16 }, (_, i) => `E${i}`) }];
    const { afterSession } = firstLoginMoments(sessions, 1, 'S007');
    expect(afterSession.length).toBeGreaterThanOrEqual(16 - 5);
    expect(() => firstLoginMoments(sessions, 0, 'S007')).toThrow(RangeError);
  });
});

describe('first logins fitted between planned ones', () => {
  it('never closer than half the spacing to another, never over K in 60 s with the planned ones, all from the given moment', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 * 60_000 }), { maxLength: 60 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 30 }), (raw, count, k) => {
        // A plan that keeps the rule itself (as firstLoginMoments makes them).
        const planned = firstLoginMoments([{ startsAt: 0, endsAt: HOUR, employees: raw.map((_, i) => `P${i}`) }], k, 'S1').at;
        const before = [...planned.values()];
        const from = 5 * 60_000;
        const added = fitLogins(before, count, from, k, 'S1');
        expect(added).toHaveLength(count);
        for (const t of added) expect(t).toBeGreaterThanOrEqual(from);
        const all = [...before, ...added].sort((a, b) => a - b);
        for (let i = k; i < all.length; i++) expect(all[i]! - all[i - k]!).toBeGreaterThanOrEqual(60_000);
        for (const t of added) {
          const others = [...all];
          others.splice(others.indexOf(t), 1);
          for (const o of others) expect(Math.abs(o - t)).toBeGreaterThanOrEqual(60_000 / k / 2);
        }
      }),
      { numRuns: 100 },
    );
  });
});
