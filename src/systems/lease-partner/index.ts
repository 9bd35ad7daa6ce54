// The leasing partner: write-off and swap cases for leased phones.
import { defineSystem } from '../shared/system-definition.ts';
import type { LeasePartnerApi } from './api.ts';
import { LeasePartnerHttpApi, type LeasePartnerHttpConfig } from './http.ts';
import { LeasePartnerSimulator } from './simulator.ts';

export const system = defineSystem({
  name: 'leasePartner',
  variables: { url: 'LEASE_PARTNER_URL', credentials: ['LEASE_PARTNER_TOKEN'], optional: ['LEASE_PARTNER_TIMEOUT_MS'] },
  configFromEnv: (env): LeasePartnerHttpConfig => ({
    baseUrl: env.required('LEASE_PARTNER_URL'),
    token: env.required('LEASE_PARTNER_TOKEN'),
    ...env.timeout('LEASE_PARTNER_TIMEOUT_MS'),
  }),
  environmentOf: (c) => ({ LEASE_PARTNER_URL: c.baseUrl, LEASE_PARTNER_TOKEN: c.token }),
  createAdapter: (config): LeasePartnerApi => new LeasePartnerHttpApi(config),

  credentialsFromEnv: (env) => (env.LEASE_PARTNER_TOKEN ? { token: env.LEASE_PARTNER_TOKEN } : undefined),
  createSimulator: ({ listen, credentials }) => new LeasePartnerSimulator({ ...listen, ...(credentials ? { token: credentials.token } : {}) }),
  simulatorCredentials: (sim) => ({ token: sim.token }),
  configForSimulator: (sim) => ({ baseUrl: sim.url, token: sim.token }),
});
