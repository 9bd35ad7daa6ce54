// The release rings (src/domain/release-rings.ts): pilot stores, then a share of the rest, then
// all; every store exactly once, the same fleet the same rings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RINGS, planRings } from '../../src/domain/release-rings.ts';

const stores = (n: number) => Array.from({ length: n }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);

describe('release rings', () => {
  it('90 stores by default: the first three as the pilot, 30 % of the rest (27), then the other 60', () => {
    const rings = planRings(stores(90));
    expect(rings.map((r) => [r.number, r.name, r.stores.length])).toEqual([
      [1, 'pilot', 3],
      [2, 'early', 27],
      [3, 'all', 60],
    ]);
    expect(rings[0]!.stores).toEqual(['S001', 'S002', 'S003']);
    expect(rings.map((r) => r.bakeMs)).toEqual(DEFAULT_RINGS.bakeMs);
  });

  it('named pilot stores go first; pilots without the app are ignored; empty rings left out', () => {
    const rings = planRings(['S010', 'S002', 'S005'], { ...DEFAULT_RINGS, pilotStores: ['S005', 'S099'] });
    expect(rings.map((r) => [r.name, r.stores])).toEqual([
      ['pilot', ['S005']],
      ['early', ['S002']],
      ['all', ['S010']],
    ]);
    expect(planRings(stores(3)).map((r) => r.name)).toEqual(['pilot']);
  });

  it('marks the rings that need an operator’s approval and repeats the last bake time', () => {
    const rings = planRings(stores(20), { ...DEFAULT_RINGS, bakeMs: [3_600_000], approvalBefore: [3] });
    expect(rings.map((r) => [r.bakeMs, r.needsApproval])).toEqual([
      [3_600_000, false],
      [3_600_000, false],
      [3_600_000, true],
    ]);
  });

  it('on random fleets: every store in exactly one ring, in order, the same answer every time', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { maxLength: 120 }), fc.double({ min: 0, max: 1, noNaN: true }), (ids, share) => {
        const fleet = ids.map((i) => `S${i}`);
        const rings = planRings(fleet, { ...DEFAULT_RINGS, secondRingShare: share });
        expect(rings.flatMap((r) => r.stores).sort()).toEqual([...fleet].sort());
        expect(rings.map((r) => r.number)).toEqual(rings.map((_, i) => i + 1));
        expect(planRings([...fleet].reverse(), { ...DEFAULT_RINGS, secondRingShare: share })).toEqual(rings);
      }),
    );
  });

  it('refuses a share outside 0..1 and a ring without a bake time', () => {
    expect(() => planRings(stores(5), { ...DEFAULT_RINGS, secondRingShare: 1.5 })).toThrow(RangeError);
    expect(() => planRings(stores(5), { ...DEFAULT_RINGS, bakeMs: [] })).toThrow(RangeError);
  });
});
