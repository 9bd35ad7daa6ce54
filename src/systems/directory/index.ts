// The corporate directory (Microsoft Graph shaped): accounts appear some time after a hire.
import { defineSystem } from '../shared/system-definition.ts';
import type { DirectoryApi } from './api.ts';
import { GraphDirectory, type GraphDirectoryConfig } from './http.ts';
import { DirectorySimulator } from './simulator.ts';

export const system = defineSystem({
  name: 'directory',
  inEveryStateFile: true,
  variables: {
    url: 'DIRECTORY_URL',
    credentials: ['DIRECTORY_TENANT', 'DIRECTORY_CLIENT_ID', 'DIRECTORY_CLIENT_SECRET'],
    optional: ['DIRECTORY_AUTHORITY_URL', 'DIRECTORY_TIMEOUT_MS'],
  },
  configFromEnv(env): GraphDirectoryConfig {
    const authorityUrl = env.optional('DIRECTORY_AUTHORITY_URL');
    return {
      baseUrl: env.required('DIRECTORY_URL'),
      ...(authorityUrl ? { authorityUrl } : {}),
      tenant: env.required('DIRECTORY_TENANT'),
      clientId: env.required('DIRECTORY_CLIENT_ID'),
      clientSecret: env.required('DIRECTORY_CLIENT_SECRET'),
      ...env.timeout('DIRECTORY_TIMEOUT_MS'),
    };
  },
  environmentOf: (c) => ({
    DIRECTORY_URL: c.baseUrl,
    ...(c.authorityUrl ? { DIRECTORY_AUTHORITY_URL: c.authorityUrl } : {}),
    DIRECTORY_TENANT: c.tenant,
    DIRECTORY_CLIENT_ID: c.clientId,
    DIRECTORY_CLIENT_SECRET: c.clientSecret,
  }),
  createAdapter: (config): DirectoryApi => new GraphDirectory(config),

  credentialsFromEnv: (env) =>
    env.DIRECTORY_TENANT && env.DIRECTORY_CLIENT_ID && env.DIRECTORY_CLIENT_SECRET
      ? { tenant: env.DIRECTORY_TENANT, clientId: env.DIRECTORY_CLIENT_ID, clientSecret: env.DIRECTORY_CLIENT_SECRET }
      : undefined,
  createSimulator: ({ listen, credentials, settings }) =>
    new DirectorySimulator({
      ...listen,
      ...(credentials ? { tenant: credentials.tenant, credentials: { clientId: credentials.clientId, clientSecret: credentials.clientSecret } } : {}),
      ...(settings.directoryLagMs !== undefined ? { defaultLagMs: settings.directoryLagMs } : {}),
    }),
  simulatorCredentials: (sim) => ({ tenant: sim.tenant, ...sim.credentials }),
  configForSimulator: (sim) => ({ baseUrl: sim.url, tenant: sim.tenant, ...sim.credentials }),
});
