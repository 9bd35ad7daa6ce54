// The ring's health gate (src/domain/health-gate.ts): it waits for enough installs and exposure,
// then compares the new version with the previous one; a build that fails to install is judged
// at once.
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE, gateFor, judgeRing, type VersionHealth } from '../../src/domain/health-gate.ts';

const HOUR = 3_600_000;
const previous: VersionHealth = { installs: 5_000, installFailures: 25, sessions: 100_000, crashFreeRate: 0.995, anrRate: 0.002 };
const healthy: VersionHealth = { installs: 300, installFailures: 1, sessions: 4_000, crashFreeRate: 0.996, anrRate: 0.002 };

describe('the health gate of a ring', () => {
  it('waits until the ring has the installs and the hour of exposure the default gate needs, saying what is missing', () => {
    expect(judgeRing({ ...healthy, installs: 150 }, previous, 2 * HOUR)).toEqual({ verdict: 'waiting', reasons: ['150 installs of the 200 the gate needs'] });
    expect(judgeRing(healthy, previous, 30 * 60_000)).toEqual({ verdict: 'waiting', reasons: ['30 min of exposure of the 60 the gate needs'] });
    expect(judgeRing(healthy, previous, HOUR).verdict).toBe('healthy');
  });

  it('is unhealthy when crash-free sessions fall 1 point or more below the previous version, healthy just above', () => {
    expect(judgeRing({ ...healthy, crashFreeRate: 0.985 }, previous, HOUR)).toEqual({
      verdict: 'unhealthy',
      reasons: ["crash-free sessions 98.5 %, 1 points below the previous version's 99.5 %"],
    });
    expect(judgeRing({ ...healthy, crashFreeRate: 0.9851 }, previous, HOUR).verdict).toBe('healthy');
  });

  it('is unhealthy when ANRs rise 1 point or more', () => {
    expect(judgeRing({ ...healthy, anrRate: 0.012 }, previous, HOUR)).toMatchObject({ verdict: 'unhealthy', reasons: [expect.stringMatching(/^ANRs in 1.2 % of sessions/)] });
  });

  it('is unhealthy when install failures reach twice the previous rate, even before the exposure is enough', () => {
    // The previous version failed 0.5 % of installs; 1 % is twice that.
    const failing = { ...healthy, installs: 99, installFailures: 1 };
    expect(judgeRing(failing, previous, 10 * 60_000)).toMatchObject({ verdict: 'unhealthy', reasons: [expect.stringMatching(/^install failures 1 % reach 2x/)] });
    expect(judgeRing({ ...healthy, installs: 300, installFailures: 2 }, previous, HOUR).verdict).toBe('healthy');
  });

  it("a previous version that never failed to install counts as the floor's 0.5 %, so one failure is not fatal", () => {
    const flawless = { ...previous, installFailures: 0 };
    expect(judgeRing({ ...healthy, installs: 300, installFailures: 1 }, flawless, HOUR).verdict).toBe('healthy');
    expect(judgeRing({ ...healthy, installs: 300, installFailures: 4 }, flawless, HOUR).verdict).toBe('unhealthy'); // 1.3 %
  });

  it('names every rule broken; a first release is judged on the exposure and its own install failures alone', () => {
    const bad = { ...healthy, crashFreeRate: 0.95, anrRate: 0.05, installFailures: 30 };
    expect(judgeRing(bad, previous, HOUR).reasons).toHaveLength(3);
    expect(judgeRing({ ...healthy, crashFreeRate: 0.9 }, undefined, HOUR).verdict).toBe('healthy');
    expect(judgeRing({ ...healthy, crashFreeRate: 0.9 }, undefined, HOUR / 2).verdict).toBe('waiting');
  });

  it('the gate is configurable per app', () => {
    const strict = { ...DEFAULT_GATE, minInstalls: 1_000, maxCrashFreeDropPoints: 0.5 };
    expect(judgeRing(healthy, previous, HOUR, strict).verdict).toBe('waiting');
    expect(judgeRing({ ...healthy, installs: 1_000, crashFreeRate: 0.99 }, previous, HOUR, strict).verdict).toBe('unhealthy');
  });
});

describe("an app's own gate", () => {
  it("takes the app's figures over the policy's, its exposure in minutes", () => {
    expect(gateFor(DEFAULT_GATE, { minInstalls: 50, minExposureMinutes: 30, maxCrashFreeDropPoints: 0.5 })).toEqual({
      ...DEFAULT_GATE,
      minInstalls: 50,
      minExposureMs: 30 * 60_000,
      maxCrashFreeDropPoints: 0.5,
    });
    expect(gateFor(DEFAULT_GATE, null)).toEqual(DEFAULT_GATE);
  });
});
