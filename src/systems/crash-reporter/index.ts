// The apps' crash reporter (Sentry-style release health): crashes and ANRs per release and store.
import { defineSystem } from '../shared/system-definition.ts';
import type { CrashReporterApi } from './api.ts';
import { CrashReporterHttpApi, type CrashReporterHttpConfig } from './http.ts';
import { CrashReporterSimulator } from './simulator.ts';

/** The organization the demo's simulator answers for (any name works there). */
const SIMULATED_ORGANIZATION = 'retailco';

export const system = defineSystem({
  name: 'crashReporter',
  variables: { url: 'CRASH_REPORTER_URL', credentials: ['CRASH_REPORTER_TOKEN', 'CRASH_REPORTER_ORGANIZATION'], optional: ['CRASH_REPORTER_TIMEOUT_MS'] },
  configFromEnv: (env): CrashReporterHttpConfig => ({
    baseUrl: env.required('CRASH_REPORTER_URL'),
    token: env.required('CRASH_REPORTER_TOKEN'),
    organization: env.required('CRASH_REPORTER_ORGANIZATION'),
    ...env.timeout('CRASH_REPORTER_TIMEOUT_MS'),
  }),
  environmentOf: (c) => ({ CRASH_REPORTER_URL: c.baseUrl, CRASH_REPORTER_TOKEN: c.token, CRASH_REPORTER_ORGANIZATION: c.organization }),
  createAdapter: (config): CrashReporterApi => new CrashReporterHttpApi(config),

  credentialsFromEnv: (env) => (env.CRASH_REPORTER_TOKEN ? { token: env.CRASH_REPORTER_TOKEN } : undefined),
  createSimulator: ({ listen, credentials }) => new CrashReporterSimulator({ ...listen, ...(credentials ? { token: credentials.token } : {}) }),
  simulatorCredentials: (sim) => ({ token: sim.token }),
  configForSimulator: (sim) => ({ baseUrl: sim.url, token: sim.token, organization: SIMULATED_ORGANIZATION }),
});
