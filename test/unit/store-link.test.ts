// The store uplink model the simulators use (src/systems/shared/store-link.ts): downloads share
// the link fairly, each at most at its phone's rate, and complete when their bytes have passed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StoreLink } from '../../src/systems/shared/store-link.ts';

const MB = 1_000_000;

describe('the store link', () => {
  it("one download goes at its phone's rate: 100 MB at 10 Mbit/s take 80 s", () => {
    const link = new StoreLink(100);
    link.start('a', 100 * MB, 10);
    expect(link.drain()).toEqual([{ id: 'a', startedAt: 0, endedAt: 80_000 }]);
    expect(link.peakMbps()).toBe(10);
  });

  it('two downloads on a link smaller than their rates split it, and the one left speeds up', () => {
    const link = new StoreLink(10);
    link.start('big', 20 * MB, 50);
    link.start('small', 5 * MB, 50);
    // 5 Mbit/s each: small (40 Mbit) ends at 8 s; big has 120 Mbit left, alone at 10 Mbit/s: 12 s more.
    const done = link.drain();
    expect(done.map((d) => [d.id, Math.round(d.endedAt)])).toEqual([
      ['small', 8_000],
      ['big', 20_000],
    ]);
    expect(link.use().map((u) => [u.mbps, u.downloads])).toEqual([
      [10, 2],
      [10, 1],
    ]);
  });

  it('a slow phone takes only its rate; the others share what it leaves', () => {
    const link = new StoreLink(30);
    link.start('slow', MB, 2);
    link.start('a', 10 * MB, 100);
    link.start('b', 10 * MB, 100);
    link.advanceTo(1_000);
    expect(link.use()[0]).toMatchObject({ mbps: 30, downloads: 3 });
    // 2 + 14 + 14.
    expect(link.downloading).toBe(3);
  });

  it('on random downloads: never above the link, every bit passes, none faster than its phone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 600_000 }), mb: fc.integer({ min: 1, max: 500 }), mbps: fc.integer({ min: 1, max: 200 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        (capacity, downloads) => {
          const link = new StoreLink(capacity);
          const sorted = [...downloads].sort((a, b) => a.at - b.at);
          const done = [];
          for (const [i, d] of sorted.entries()) done.push(...link.start(`d${i}`, d.mb * MB, d.mbps, d.at));
          done.push(...link.drain());
          expect(done).toHaveLength(sorted.length);
          for (const u of link.use()) expect(u.mbps).toBeLessThanOrEqual(capacity * (1 + 1e-9));
          const bits = link.use().reduce((sum, u) => sum + u.mbps * 1_000 * (u.until - u.from), 0);
          const sent = sorted.reduce((sum, d) => sum + d.mb * MB * 8, 0);
          expect(Math.abs(bits - sent) / sent).toBeLessThan(1e-6);
          for (const c of done) {
            const d = sorted[Number(c.id.slice(1))]!;
            expect(c.endedAt - c.startedAt).toBeGreaterThanOrEqual(((d.mb * MB * 8) / (d.mbps * 1_000)) * (1 - 1e-9));
          }
        },
      ),
    );
  });

  it('cannot go back in time, nor start the same download twice', () => {
    const link = new StoreLink(10, 1_000);
    link.start('a', MB, 5);
    expect(() => link.start('a', MB, 5)).toThrow(/already running/);
    expect(() => link.advanceTo(500)).toThrow(RangeError);
  });
});
