// The crash reporter's adapter (Sentry's sessions API) against its simulator over real HTTP: a
// release's crash-free sessions and ANRs per store, only the releases asked for, only since when
// asked; a bad token is a permanent error; its configuration from the environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseName } from '../../src/systems/crash-reporter/api.ts';
import { CrashReporterHttpApi } from '../../src/systems/crash-reporter/http.ts';
import {
  createExternalSystems,
  externalSystemsConfigFromEnv,
  externalSystemsFromSimulators,
  startSimulators,
  type ExternalSystems,
  type RunningSimulators,
} from '../../src/systems/index.ts';
import { PermanentSystemError } from '../../src/systems/shared/errors.ts';

let sims: RunningSimulators;
let systems: ExternalSystems;
const OLD = releaseName('com.retailco.stock', '4.3.0', 43);
const NEW = releaseName('com.retailco.stock', '4.4.0', 44);

beforeAll(async () => {
  sims = await startSimulators({ seed: 3 });
  systems = createExternalSystems(externalSystemsFromSimulators(sims));
});
afterAll(async () => sims?.close());

describe('the crash reporter', () => {
  it('names releases as the apps report them', () => {
    expect(NEW).toBe('com.retailco.stock@4.4.0+44');
  });

  it("reports each release's sessions per store at the rates the apps crash and freeze", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    sims.crashReporter.setReleaseRates(NEW, { crashRate: 0.04, anrRate: 0.01 });
    sims.crashReporter.useApp({ release: OLD, storeId: 'S001', sessions: 10_000 });
    sims.crashReporter.useApp({ release: NEW, storeId: 'S001', sessions: 500 });
    sims.crashReporter.useApp({ release: NEW, storeId: 'S001', sessions: 500 });
    sims.crashReporter.useApp({ release: NEW, storeId: 'S002', sessions: 200 });
    sims.crashReporter.useApp({ release: 'com.retailco.price@1.0.0+7', storeId: 'S001', sessions: 999 });
    // Before `since`: not counted.
    sims.crashReporter.recordSessions({ release: NEW, storeId: 'S001', sessions: 1_000, crashed: 1_000, anr: 0, at: new Date(Date.now() - 3_600_000).toISOString() });

    const health = await systems.crashReporter.releaseHealth({ releases: [OLD, NEW], since });
    const byKey = Object.fromEntries(health.map((h) => [`${h.release} ${h.storeId}`, h]));
    expect(Object.keys(byKey).sort()).toEqual([`${OLD} S001`, `${NEW} S001`, `${NEW} S002`]);
    expect(byKey[`${OLD} S001`]).toEqual({ release: OLD, storeId: 'S001', sessions: 10_000, crashFreeRate: 0.995, anrRate: 0.002 });
    expect(byKey[`${NEW} S001`]).toEqual({ release: NEW, storeId: 'S001', sessions: 1_000, crashFreeRate: 0.96, anrRate: 0.01 });
    expect(byKey[`${NEW} S002`]!.sessions).toBe(200);
    expect(await systems.crashReporter.releaseHealth({ releases: [], since })).toEqual([]);
  });

  it('a wrong token is a permanent error, not retried', async () => {
    const wrong = new CrashReporterHttpApi({ baseUrl: sims.urls.crashReporter, token: 'nope', organization: 'retailco' });
    await expect(wrong.releaseHealth({ releases: [NEW], since: new Date().toISOString() })).rejects.toBeInstanceOf(PermanentSystemError);
  });

  it('is configured from the environment, and refuses a partial configuration naming what is missing', () => {
    expect(externalSystemsConfigFromEnv({ CRASH_REPORTER_URL: 'https://sentry.example', CRASH_REPORTER_TOKEN: 't', CRASH_REPORTER_ORGANIZATION: 'retailco' })).toEqual({
      crashReporter: { baseUrl: 'https://sentry.example', token: 't', organization: 'retailco' },
    });
    expect(() => externalSystemsConfigFromEnv({ CRASH_REPORTER_URL: 'https://sentry.example', CRASH_REPORTER_TOKEN: 't' })).toThrow(/CRASH_REPORTER_ORGANIZATION/);
  });
});
