// The mobile operator (Cisco IoT Control Center style): SIMs and the SIM-owner registration.
import { defineSystem } from '../shared/system-definition.ts';
import type { OperatorApi } from './api.ts';
import { ControlCenterOperator, type ControlCenterConfig, type OperatorSimInventory } from './http.ts';
import { OperatorSimulator } from './simulator.ts';

const CALLS_PER_SECOND = 'OPERATOR_CALLS_PER_SECOND';

export const system = defineSystem({
  name: 'operator',
  inEveryStateFile: true,
  variables: {
    url: 'OPERATOR_URL',
    credentials: ['OPERATOR_USER', 'OPERATOR_API_KEY'],
    optional: ['OPERATOR_TIMEOUT_MS'],
    // The account's limit when the contract gives it more than Control Center's 5 a second.
    settings: [CALLS_PER_SECOND],
  },
  configFromEnv: (env): ControlCenterConfig => {
    const callsPerSecond = env.optional(CALLS_PER_SECOND);
    return {
      baseUrl: env.required('OPERATOR_URL'),
      user: env.required('OPERATOR_USER'),
      apiKey: env.required('OPERATOR_API_KEY'),
      ...env.timeout('OPERATOR_TIMEOUT_MS'),
      ...(callsPerSecond ? { callsPerSecond: Number(callsPerSecond) } : {}),
    };
  },
  environmentOf: (c) => ({ OPERATOR_URL: c.baseUrl, OPERATOR_USER: c.user, OPERATOR_API_KEY: c.apiKey }),
  createAdapter: (config): OperatorApi & OperatorSimInventory & Pick<ControlCenterOperator, 'pacer'> => new ControlCenterOperator(config),

  credentialsFromEnv: (env) => (env.OPERATOR_USER && env.OPERATOR_API_KEY ? { user: env.OPERATOR_USER, apiKey: env.OPERATOR_API_KEY } : undefined),
  createSimulator: ({ listen, credentials, settings }) =>
    new OperatorSimulator({
      ...listen,
      ...(credentials ? { credentials } : {}),
      ...(settings.decideAfterMs !== undefined ? { decideAfterMs: settings.decideAfterMs } : {}),
      // Default none: tests that are not about the operator's limits call it faster than 5 a second.
      limits: settings.operatorLimits ?? null,
    }),
  simulatorCredentials: (sim) => sim.credentials,
  // Paced to the limits the simulator enforces; not paced when it enforces none.
  configForSimulator: (sim) => ({ baseUrl: sim.url, ...sim.credentials, callsPerSecond: sim.callLimiter.limits?.callsPerSecond ?? null }),
  resetSimulator: (sim) => sim.callLimiter.reset(),
});
