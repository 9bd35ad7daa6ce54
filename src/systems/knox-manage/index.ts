// Samsung Knox Manage, the primary MDM. Its adapter implements the MDM interface both MDMs share
// (../shared/mdm-api.ts, which is what the activities call), paced to the published limits.
import { PostgresRequestBudgets } from '../shared/pacing.ts';
import { defineSystem } from '../shared/system-definition.ts';
import { KNOX_MANAGE_RATE_LIMITS, KnoxManageMdm, type KnoxManageConfig } from './http.ts';
import { KnoxManageSimulator } from './simulator.ts';

const REQUESTS_PER_MINUTE = 'KNOX_MANAGE_REQUESTS_PER_MINUTE';
const DEVICE_COMMANDS_PER_MINUTE = 'KNOX_MANAGE_DEVICE_COMMANDS_PER_MINUTE';

export const system = defineSystem({
  name: 'knoxManage',
  mdmProvider: 'KNOX_MANAGE',
  inEveryStateFile: true,
  variables: {
    url: 'KNOX_MANAGE_URL',
    credentials: ['KNOX_MANAGE_CLIENT_ID', 'KNOX_MANAGE_CLIENT_SECRET'],
    optional: ['KNOX_MANAGE_TIMEOUT_MS'],
    // The tenant's limits, when they differ from the published ones.
    settings: [REQUESTS_PER_MINUTE, DEVICE_COMMANDS_PER_MINUTE],
  },
  configFromEnv(env): KnoxManageConfig {
    const [requests, commands] = [REQUESTS_PER_MINUTE, DEVICE_COMMANDS_PER_MINUTE].map((name) => env.optional(name)).map((v) => (v ? Number(v) : undefined));
    return {
      baseUrl: env.required('KNOX_MANAGE_URL'),
      clientId: env.required('KNOX_MANAGE_CLIENT_ID'),
      clientSecret: env.required('KNOX_MANAGE_CLIENT_SECRET'),
      ...env.timeout('KNOX_MANAGE_TIMEOUT_MS'),
      ...(requests === undefined && commands === undefined
        ? {}
        : {
            rateLimits: {
              requestsPerMinute: requests ?? KNOX_MANAGE_RATE_LIMITS.requestsPerMinute,
              deviceCommandsPerMinute: commands ?? KNOX_MANAGE_RATE_LIMITS.deviceCommandsPerMinute,
            },
          }),
    };
  },
  environmentOf: (c) => ({ KNOX_MANAGE_URL: c.baseUrl, KNOX_MANAGE_CLIENT_ID: c.clientId, KNOX_MANAGE_CLIENT_SECRET: c.clientSecret }),
  createAdapter(config, { pacing }) {
    const limits = config.rateLimits ?? KNOX_MANAGE_RATE_LIMITS;
    const pacer = pacing
      ? new PostgresRequestBudgets(
          pacing.db,
          'knox-manage',
          { requests: { perMinute: limits.requestsPerMinute }, 'device-commands': { perMinute: limits.deviceCommandsPerMinute } },
          pacing,
        )
      : undefined;
    const mdm = new KnoxManageMdm({ ...config, name: 'KNOX_MANAGE', ...(pacer ? { pacer } : {}) });
    // The budgets' figures (requests taken, time waited) are what the benchmarks report.
    return Object.assign(mdm, { budgets: pacer });
  },
  deviceCommandsPerMinute: (config) => (config.rateLimits ?? KNOX_MANAGE_RATE_LIMITS).deviceCommandsPerMinute,

  credentialsFromEnv: (env) =>
    env.KNOX_MANAGE_CLIENT_ID && env.KNOX_MANAGE_CLIENT_SECRET ? { clientId: env.KNOX_MANAGE_CLIENT_ID, clientSecret: env.KNOX_MANAGE_CLIENT_SECRET } : undefined,
  createSimulator: ({ listen, credentials, settings }) =>
    new KnoxManageSimulator({ ...listen, ...(credentials ? { credentials } : {}), rateLimits: settings.knoxManageRateLimits ?? null }),
  simulatorCredentials: (sim) => sim.credentials,
  configForSimulator: (sim) => ({
    baseUrl: sim.url,
    ...sim.credentials,
    // Paced to the limits the simulator enforces (none: as published, it never refuses then).
    ...(sim.rateLimiter.limits ? { rateLimits: sim.rateLimiter.limits } : {}),
  }),
  resetSimulator: (sim) => sim.rateLimiter.reset(),
});
