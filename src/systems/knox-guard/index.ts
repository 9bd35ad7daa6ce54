// Samsung Knox Guard: the lock that holds even after a factory reset (leased phones).
import { defineSystem } from '../shared/system-definition.ts';
import type { KnoxGuardApi } from './api.ts';
import { KnoxGuardHttpApi, type KnoxGuardHttpConfig } from './http.ts';
import { KnoxGuardSimulator } from './simulator.ts';

export const system = defineSystem({
  name: 'knoxGuard',
  variables: { url: 'KNOX_GUARD_URL', credentials: ['KNOX_GUARD_API_TOKEN'], optional: ['KNOX_GUARD_TIMEOUT_MS'] },
  configFromEnv: (env): KnoxGuardHttpConfig => ({
    baseUrl: env.required('KNOX_GUARD_URL'),
    apiToken: env.required('KNOX_GUARD_API_TOKEN'),
    ...env.timeout('KNOX_GUARD_TIMEOUT_MS'),
  }),
  environmentOf: (c) => ({ KNOX_GUARD_URL: c.baseUrl, KNOX_GUARD_API_TOKEN: c.apiToken }),
  createAdapter: (config): KnoxGuardApi => new KnoxGuardHttpApi(config),

  // Knox Guard and the MDMs see the same physical phones: a phone is online for Knox Guard when
  // an MDM sees it online, and coming online delivers the Knox Guard lock too.
  credentialsFromEnv: (env) => (env.KNOX_GUARD_API_TOKEN ? { apiToken: env.KNOX_GUARD_API_TOKEN } : undefined),
  createSimulator: ({ listen, credentials, peers }) =>
    new KnoxGuardSimulator({
      ...listen,
      ...(credentials ? { apiToken: credentials.apiToken } : {}),
      isOnline: (imei) => peers.mdms().some((m) => m.devices.enrolledByImei(imei)?.online === true),
      lastSeenAt: (imei) =>
        peers
          .mdms()
          .map((m) => m.devices.enrolledByImei(imei)?.lastSeenAt)
          .find(Boolean),
    }),
  connectSimulator(knoxGuard, peers) {
    for (const mdm of peers.mdms()) {
      mdm.devices.onDeviceEvent((device, event) => {
        // Every phone the partner registers in an MDM came from the reseller, who uploads each
        // one to Knox Guard: so an MDM registration implies a Knox Guard enrolment.
        if (event.type === 'REGISTERED') knoxGuard.enrol(device.imei);
        if (event.type === 'ONLINE') knoxGuard.phoneCameOnline(device.imei);
      });
    }
  },
  // A file from before Knox Guard existed: its phones are the ones the MDMs know.
  restoreWithoutState(knoxGuard, peers) {
    for (const mdm of peers.mdms()) for (const device of mdm.devices.list()) knoxGuard.enrol(device.imei);
  },
  simulatorCredentials: (sim) => ({ apiToken: sim.apiToken }),
  configForSimulator: (sim) => ({ baseUrl: sim.url, apiToken: sim.apiToken }),
});
