// The HR system: the source of truth for people (and the only holder of identity data).
import { defineSystem } from '../shared/system-definition.ts';
import type { HrApi, HrRoster } from './api.ts';
import { HrHttpApi, type HrHttpConfig } from './http.ts';
import { HrSimulator } from './simulator.ts';

export const system = defineSystem({
  name: 'hr',
  inEveryStateFile: true,
  variables: { url: 'HR_URL', credentials: ['HR_TOKEN'], optional: ['HR_TIMEOUT_MS'] },
  configFromEnv: (env): HrHttpConfig => ({ baseUrl: env.required('HR_URL'), token: env.required('HR_TOKEN'), ...env.timeout('HR_TIMEOUT_MS') }),
  environmentOf: (c) => ({ HR_URL: c.baseUrl, HR_TOKEN: c.token }),
  createAdapter: (config): HrApi & HrRoster => new HrHttpApi(config),

  credentialsFromEnv: (env) => (env.HR_TOKEN ? { token: env.HR_TOKEN } : undefined),
  createSimulator: ({ listen, credentials }) => new HrSimulator({ ...listen, ...(credentials ? { token: credentials.token } : {}) }),
  simulatorCredentials: (sim) => ({ token: sim.token }),
  configForSimulator: (sim) => ({ baseUrl: sim.url, token: sim.token }),
});
