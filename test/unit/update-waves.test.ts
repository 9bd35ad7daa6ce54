// The store's download plan (src/domain/update-waves.ts) on random stores: the update traffic
// never exceeds the share of the uplink, every download sits inside one stay of its phone in the
// store, every phone is planned once or reported, and with every phone in the store all the time
// the plan is as short as the slots allow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetProblem, planWaves, trafficAt, type StorePhone, type WavePlanInput } from '../../src/domain/update-waves.ts';
import { StoreLink } from '../../src/systems/shared/store-link.ts';

const HOUR = 3_600_000;
const MB = 1_000_000;

const store = fc
  .record({
    phones: fc.array(fc.array(fc.record({ start: fc.integer({ min: 0, max: 72 }), hours: fc.integer({ min: 1, max: 12 }) }), { minLength: 0, maxLength: 4 }), {
      minLength: 1,
      maxLength: 80,
    }),
    apkMb: fc.integer({ min: 1, max: 1000 }),
    uplinkMbps: fc.integer({ min: 10, max: 1000 }),
    sharePercent: fc.integer({ min: 5, max: 100 }),
    phoneMbps: fc.integer({ min: 5, max: 100 }),
  })
  .filter((s) => (s.uplinkMbps * s.sharePercent) / 100 >= s.phoneMbps)
  .map((s): WavePlanInput => ({
    apkBytes: s.apkMb * MB,
    phones: s.phones.map((stays, i): StorePhone => ({ imei: `P${i}`, inStore: stays.map((st) => ({ from: st.start * HOUR, until: (st.start + st.hours) * HOUR })) })),
    link: { uplinkMbps: s.uplinkMbps, share: s.sharePercent / 100 },
    phoneMbps: s.phoneMbps,
    from: 0,
    until: 96 * HOUR,
  }));

describe('the store download plan', () => {
  it('never puts more update traffic on the link than its share, at any instant', () => {
    fc.assert(
      fc.property(store, (input) => {
        const plan = planWaves(input);
        const budget = input.link.uplinkMbps * input.link.share;
        for (const d of plan.downloads) {
          // Traffic is highest just after a download starts: check every start.
          expect(trafficAt(plan, d.startsAt, input.phoneMbps)).toBeLessThanOrEqual(budget);
        }
      }),
    );
  });

  it('counts the downloads already on the link: with them, still never above the share', () => {
    fc.assert(
      fc.property(store, fc.array(fc.integer({ min: 1, max: 48 * HOUR }), { maxLength: 12 }), (input, busyUntil) => {
        const plan = planWaves({ ...input, busyUntil });
        const budget = input.link.uplinkMbps * input.link.share;
        const running = (t: number) => busyUntil.filter((end) => t < end).length;
        const concurrency = Math.floor(budget / input.phoneMbps);
        for (const d of plan.downloads) {
          // Downloads already running beyond the slots are not this plan's to fix; below them, the plan fills only what is free.
          const already = Math.min(running(d.startsAt), concurrency);
          expect(trafficAt(plan, d.startsAt, input.phoneMbps) + already * input.phoneMbps).toBeLessThanOrEqual(budget + 1e-9);
        }
      }),
    );
  });

  it("played on the simulators' link model (the whole uplink, shared fairly), stays within the share and ends each download when planned", () => {
    fc.assert(
      fc.property(store, (input) => {
        const plan = planWaves(input);
        const link = new StoreLink(input.link.uplinkMbps);
        const ended = new Map<string, number>();
        for (const d of plan.downloads) for (const c of link.start(d.imei, input.apkBytes, input.phoneMbps, d.startsAt)) ended.set(c.id, c.endedAt);
        for (const c of link.drain()) ended.set(c.id, c.endedAt);
        expect(link.peakMbps()).toBeLessThanOrEqual(input.link.uplinkMbps * input.link.share * (1 + 1e-9));
        for (const d of plan.downloads) expect(Math.abs(ended.get(d.imei)! - d.endsAt)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('places each download inside one stay of its phone, between the plan start and end', () => {
    fc.assert(
      fc.property(store, (input) => {
        const plan = planWaves(input);
        for (const d of plan.downloads) {
          const phone = input.phones.find((p) => p.imei === d.imei)!;
          expect(phone.inStore.some((s) => s.from <= d.startsAt && d.endsAt <= s.until)).toBe(true);
          expect(d.startsAt).toBeGreaterThanOrEqual(input.from);
          expect(d.endsAt).toBeLessThanOrEqual(input.until);
          expect(d.endsAt - d.startsAt).toBe(plan.downloadMs);
        }
      }),
    );
  });

  it('plans every phone exactly once or says why not, and never leaves out a phone it could have fitted alone', () => {
    fc.assert(
      fc.property(store, (input) => {
        const plan = planWaves(input);
        const planned = plan.downloads.map((d) => d.imei);
        expect(new Set(planned).size).toBe(planned.length);
        expect([...planned, ...plan.unplaced.map((u) => u.imei)].sort()).toEqual(input.phones.map((p) => p.imei).sort());
        for (const u of plan.unplaced) {
          const fitsAlone = input.phones.find((p) => p.imei === u.imei)!.inStore.some((s) => Math.min(s.until, input.until) - Math.max(s.from, input.from) >= plan.downloadMs);
          // Left out while it fits on its own: only when its stays were all taken by others.
          if (fitsAlone) expect(u.why).toMatch(/taken by others/);
        }
      }),
    );
  });

  it('with every phone in the store all the time, finishes in ceil(phones / slots) downloads: the bound up to the slots rounding', () => {
    fc.assert(
      fc.property(store, (input) => {
        const always = { ...input, phones: input.phones.map((p) => ({ imei: p.imei, inStore: [{ from: 0, until: 10_000 * HOUR }] })), until: 10_000 * HOUR };
        const plan = planWaves(always);
        expect(plan.unplaced).toEqual([]);
        const rounds = Math.ceil(always.phones.length / plan.concurrency);
        expect(plan.makespanMs).toBe(rounds * plan.downloadMs);
        expect(plan.waves).toHaveLength(rounds);
        // Against bytes / (share x uplink): exactly the last round's empty slots and the budget the slots leave unused.
        const budget = always.link.uplinkMbps * always.link.share;
        const expected = (rounds / (always.phones.length / plan.concurrency)) * (budget / (plan.concurrency * always.phoneMbps));
        // (A download's time is rounded up to the millisecond.)
        expect(Math.abs(plan.makespanMs / plan.boundMs - expected)).toBeLessThanOrEqual(expected / (plan.downloadMs - 1));
      }),
    );
  });

  it('300 phones, a 1 GB image, 100 Mbit/s of which 30 % for updates, 10 Mbit/s a phone: 3 at once, 100 rounds, the bound exactly', () => {
    const phones = Array.from({ length: 300 }, (_, i) => ({ imei: `P${i}`, inStore: [{ from: 0, until: 1_000 * HOUR }] }));
    const plan = planWaves({ apkBytes: 1000 * MB, phones, link: { uplinkMbps: 100, share: 0.3 }, phoneMbps: 10, from: 0, until: 1_000 * HOUR });
    expect(plan.concurrency).toBe(3);
    expect(plan.downloadMs).toBe(800_000);
    expect(plan.waves).toHaveLength(100);
    expect(plan.makespanMs).toBe(80_000_000);
    expect(plan.makespanMs / plan.boundMs).toBeCloseTo(1, 9);
  });

  it('a phone in the store for less than one download is reported with the reason', () => {
    const plan = planWaves({
      apkBytes: 100 * MB,
      phones: [
        { imei: 'short', inStore: [{ from: 0, until: 60_000 }] },
        { imei: 'ok', inStore: [{ from: 0, until: HOUR }] },
      ],
      link: { uplinkMbps: 100, share: 0.5 },
      phoneMbps: 10,
      from: 0,
      until: HOUR,
    });
    expect(plan.downloads.map((d) => d.imei)).toEqual(['ok']);
    expect(plan.unplaced).toEqual([{ imei: 'short', why: expect.stringMatching(/less than the 2 min a download takes/) }]);
  });

  it('a share smaller than one phone’s rate cannot be honoured: said, not planned over the share', () => {
    expect(budgetProblem({ uplinkMbps: 20, share: 0.25 }, 10)).toMatch(/single download would exceed the share/);
    expect(() => planWaves({ apkBytes: MB, phones: [], link: { uplinkMbps: 20, share: 0.25 }, phoneMbps: 10, from: 0, until: HOUR })).toThrow(RangeError);
  });
});
