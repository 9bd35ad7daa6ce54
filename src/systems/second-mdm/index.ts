// The second MDM (Headwind-style). Its adapter implements the MDM interface both MDMs share
// (../shared/mdm-api.ts, which is what the activities call).
import { defineSystem } from '../shared/system-definition.ts';
import { HeadwindMdm, type SecondMdmConfig } from './http.ts';
import { HeadwindSimulator } from './simulator.ts';

export const system = defineSystem({
  name: 'secondMdm',
  mdmProvider: 'SECOND_MDM',
  inEveryStateFile: true,
  variables: { url: 'SECOND_MDM_URL', credentials: ['SECOND_MDM_LOGIN', 'SECOND_MDM_PASSWORD'], optional: ['SECOND_MDM_TIMEOUT_MS'] },
  configFromEnv: (env): SecondMdmConfig => ({
    baseUrl: env.required('SECOND_MDM_URL'),
    login: env.required('SECOND_MDM_LOGIN'),
    password: env.required('SECOND_MDM_PASSWORD'),
    ...env.timeout('SECOND_MDM_TIMEOUT_MS'),
  }),
  environmentOf: (c) => ({ SECOND_MDM_URL: c.baseUrl, SECOND_MDM_LOGIN: c.login, SECOND_MDM_PASSWORD: c.password }),
  createAdapter: (config) => new HeadwindMdm(config),

  credentialsFromEnv: (env) => (env.SECOND_MDM_LOGIN && env.SECOND_MDM_PASSWORD ? { login: env.SECOND_MDM_LOGIN, password: env.SECOND_MDM_PASSWORD } : undefined),
  createSimulator: ({ listen, credentials }) => new HeadwindSimulator({ ...listen, ...(credentials ? { credentials } : {}) }),
  simulatorCredentials: (sim) => sim.credentials,
  configForSimulator: (sim) => ({ baseUrl: sim.url, ...sim.credentials }),
});
