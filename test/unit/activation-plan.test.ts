// A rollout's activation plan (issue 10 §2): the images within the share of the store's uplink,
// the earliest sessions' phones first and before their session where the link allows, the first
// sign-ins after the image and never more than K in any 60 seconds, earlier rounds included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planActivation, type ActivationPlanInput } from '../../src/domain/activation-plan.ts';

const HOUR = 3_600_000;
const FROM = Date.UTC(2027, 2, 1, 6);

const inputArb = fc
  .record({
    phones: fc.array(fc.integer({ min: 0, max: 48 }), { minLength: 1, maxLength: 120 }),
    uplinkMbps: fc.integer({ min: 20, max: 1000 }),
    sharePercent: fc.integer({ min: 20, max: 100 }),
    phoneMbps: fc.constantFrom(5, 10, 20),
    imageMb: fc.integer({ min: 50, max: 2000 }),
    k: fc.integer({ min: 1, max: 30 }),
    earlier: fc.integer({ min: 0, max: 20 }),
    busy: fc.array(fc.integer({ min: 0, max: 2 * HOUR }), { maxLength: 3 }),
  })
  .filter((r) => (r.uplinkMbps * r.sharePercent) / 100 >= r.phoneMbps)
  .map((r): ActivationPlanInput => ({
    phones: r.phones.map((h, i) => ({ imei: `35${String(i).padStart(13, '0')}`, neededBy: FROM + h * HOUR })),
    from: FROM,
    imageBytes: r.imageMb * 1e6,
    link: { uplinkMbps: r.uplinkMbps, share: r.sharePercent / 100 },
    phoneMbps: r.phoneMbps,
    busyUntil: r.busy.map((b) => FROM + b),
    firstLoginsPerMinute: r.k,
    // An earlier round's logins, themselves at most K a minute (as that round planned them), up to the start.
    earlierLogins: Array.from({ length: r.earlier }, (_, i) => FROM - i * Math.ceil(60_000 / r.k)),
    seed: 'S042',
  }));

describe('the activation plan', () => {
  it('every phone once, within the share at every moment, signed in after its image, at most K a minute, lateness reported exactly', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planActivation(input);
        expect(plan.targets.map((t) => t.imei).sort()).toEqual(input.phones.map((p) => p.imei).sort());
        // At the start of every download, the downloads running (earlier rounds' included) fit in the share.
        const running = (t: number) => plan.targets.filter((d) => d.downloadFrom <= t && t < d.downloadUntil).length + (input.busyUntil ?? []).filter((b) => t < b).length;
        for (const d of plan.targets) expect(running(d.downloadFrom) * input.phoneMbps).toBeLessThanOrEqual(input.link.uplinkMbps * input.link.share + 1e-9);
        for (const t of plan.targets) {
          expect(t.downloadFrom).toBeGreaterThanOrEqual(input.from);
          expect(t.activateFrom).toBeGreaterThanOrEqual(t.downloadUntil);
        }
        const logins = [...plan.targets.map((t) => t.activateFrom), ...(input.earlierLogins ?? [])].sort((a, b) => a - b);
        const k = input.firstLoginsPerMinute;
        for (let i = k; i < logins.length; i++) expect(logins[i]! - logins[i - k]!).toBeGreaterThanOrEqual(60_000);
        expect(plan.late.map((l) => l.imei).sort()).toEqual(
          plan.targets
            .filter((t) => t.activateFrom > t.neededBy)
            .map((t) => t.imei)
            .sort(),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('with every session far enough away, the images take exactly the waves the share holds (makespan / bound = the rounding only)', () => {
    // 300 phones, 1 GB, 1 Gbit/s at 30 %, 20 Mbit/s a phone: 15 at once, 400 s each, 20 waves.
    const phones = Array.from({ length: 300 }, (_, i) => ({ imei: `35${String(i).padStart(13, '0')}`, neededBy: FROM + 30 * 24 * HOUR }));
    const plan = planActivation({ phones, from: FROM, imageBytes: 1e9, link: { uplinkMbps: 1000, share: 0.3 }, phoneMbps: 20, firstLoginsPerMinute: 10, seed: 'S1' });
    expect(plan.concurrency).toBe(15);
    expect(plan.makespanMs).toBe(20 * 400_000);
    expect(plan.boundMs).toBe(8_000_000);
    expect(plan.late).toEqual([]);
  });

  it('the earliest sessions first: a phone due in an hour is imaged before one due tomorrow, even listed after it', () => {
    const plan = planActivation({
      phones: [
        { imei: '350000000000001', neededBy: FROM + 24 * HOUR },
        { imei: '350000000000002', neededBy: FROM + HOUR },
      ],
      from: FROM,
      imageBytes: 1e9,
      link: { uplinkMbps: 100, share: 0.3 },
      phoneMbps: 20,
      firstLoginsPerMinute: 5,
      seed: 'S1',
    });
    expect(plan.targets.map((t) => t.imei)).toEqual(['350000000000002', '350000000000001']);
    expect(plan.late).toEqual([]);
  });

  it('a link too slow for a session reports its phones late, with when they will be ready, and still plans them', () => {
    // One 400 s download at a time; three phones due in 10 minutes: the third is ready at ~20 minutes.
    const phones = [1, 2, 3].map((i) => ({ imei: `35000000000000${i}`, neededBy: FROM + 10 * 60_000 }));
    const plan = planActivation({ phones, from: FROM, imageBytes: 1e9, link: { uplinkMbps: 100, share: 0.3 }, phoneMbps: 20, firstLoginsPerMinute: 5, seed: 'S1' });
    expect(plan.targets).toHaveLength(3);
    expect(plan.late.length).toBeGreaterThanOrEqual(1);
    for (const l of plan.late) expect(l.readyAt).toBeGreaterThan(l.neededBy);
  });

  it('the same input is the same plan (a retried activity or a replay agrees)', () => {
    const phones = Array.from({ length: 40 }, (_, i) => ({ imei: `35${String(i).padStart(13, '0')}`, neededBy: FROM + (i % 4) * HOUR + HOUR }));
    const input: ActivationPlanInput = { phones, from: FROM, imageBytes: 5e8, link: { uplinkMbps: 200, share: 0.3 }, phoneMbps: 20, firstLoginsPerMinute: 6, seed: 'S9' };
    expect(planActivation(input)).toEqual(planActivation(input));
  });
});
