// When a downloaded APK may install (src/domain/install-moments.ts), on random shifts: never
// during one of the holder's shifts, never before the download, inside the store's window when it
// has one free of work, as soon as the download ends for a critical app.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dailyStretches, installMoment } from '../../src/domain/install-moments.ts';

const HOUR = 3_600_000;
const BASE = Date.parse('2026-12-07T00:00:00Z');
const TZ = 'Europe/Moscow';

const shifts = fc
  .array(fc.record({ start: fc.integer({ min: 0, max: 96 }), hours: fc.integer({ min: 1, max: 12 }) }), { maxLength: 6 })
  .map((list) => list.map((s) => ({ from: BASE + s.start * HOUR, until: BASE + (s.start + s.hours) * HOUR })));
const downloadedAt = fc.integer({ min: 0, max: 100 * HOUR }).map((ms) => BASE + ms);
const inShift = (t: number, list: { from: number; until: number }[]) => list.some((s) => s.from <= t && t < s.until);

describe('install moments', () => {
  it('never installs during a shift of the holder, nor before the download', () => {
    fc.assert(
      fc.property(shifts, downloadedAt, (list, at) => {
        const t = installMoment(at, { shifts: list, timeZone: TZ, critical: false });
        expect(t).toBeGreaterThanOrEqual(at);
        expect(inShift(t, list)).toBe(false);
      }),
    );
  });

  it('installs at the end of the work under way, not later', () => {
    fc.assert(
      fc.property(shifts, downloadedAt, (list, at) => {
        const t = installMoment(at, { shifts: list, timeZone: TZ, critical: false });
        // Every moment between the download and the install is inside a shift.
        for (let probe = at; probe < t; probe += 15 * 60_000) expect(inShift(probe, list)).toBe(true);
      }),
    );
  });

  it("with a store window, installs inside it, outside the holder's shifts", () => {
    const window = { from: '02:00', until: '05:00' };
    fc.assert(
      fc.property(shifts, downloadedAt, (list, at) => {
        const t = installMoment(at, { shifts: list, window, timeZone: TZ, critical: false });
        expect(t).toBeGreaterThanOrEqual(at);
        expect(inShift(t, list)).toBe(false);
        const inWindow = dailyStretches(window, TZ, at, 20).some((w) => w.from <= t && t < w.until);
        // Shifts end within 108 h of BASE: a window free of work comes within two weeks.
        expect(inWindow).toBe(true);
      }),
    );
  });

  it('the window is on the store clock: 02:00 in Moscow is 23:00 UTC', () => {
    const at = Date.parse('2026-12-07T12:00:00Z');
    expect(new Date(installMoment(at, { shifts: [], window: { from: '02:00', until: '05:00' }, timeZone: TZ, critical: false })).toISOString()).toBe('2026-12-07T23:00:00.000Z');
  });

  it('a critical app installs as soon as it is downloaded, shift or not', () => {
    fc.assert(
      fc.property(shifts, downloadedAt, (list, at) => {
        expect(installMoment(at, { shifts: list, window: { from: '02:00', until: '05:00' }, timeZone: TZ, critical: true })).toBe(at);
      }),
    );
  });
});
