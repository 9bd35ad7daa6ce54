// phonefleet's configuration, from the environment. Every part has an embedded default so that
// `npm start` runs with nothing set; setting a variable switches that part to the real one.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FleetPolicy } from '../workflows/policy.ts';
import { payloadKeyFromBase64, type PayloadKey } from './temporal/codec.ts';
import { loadOrCreateSecret } from './secrets.ts';

export interface Config {
  /** Embedded state: PGlite, Temporal dev-server file, generated secrets. */
  dataDir: string;
  /** PostgreSQL; unset = embedded PGlite in dataDir. */
  databaseUrl?: string;
  temporal: {
    /** host:port of a Temporal frontend; unset = start the local dev server. */
    address?: string;
    namespace: string;
    taskQueue: string;
    devServerPort: number;
    uiPort: number;
  };
  api: {
    host: string;
    port: number;
    /** Bearer tokens for operator endpoints, by token -> name (the name goes in the audit log). */
    tokens: Map<string, string>;
    /** Origins allowed to call the codec endpoint (the Temporal Web UI). */
    codecOrigins: string[];
    codecAccess: 'token' | 'ui-origin';
  };
  /** HR's Standard Webhooks secrets; two during a rotation. */
  hrWebhookSecrets: string[];
  payloadKeys: { current: PayloadKey; previous: PayloadKey[] };
  policy: FleetPolicy;
  /** The owner named on lock screens and messages to phones. */
  companyName: string;
}

export const DEFAULT_POLICY: FleetPolicy = {
  joiner: {
    directoryPollInterval: '15 minutes',
    directoryEscalateAfter: '1 day',
    stockRetryInterval: '1 hour',
    registrationPollInterval: '5 minutes',
  },
  leaver: {
    reminderDaysBefore: [7, 3, 1, 0],
    returnGracePeriod: '3 days',
    brickGracePeriod: '14 days',
    recoveryWatch: '365 days',
    commandPollInterval: '5 minutes',
    commandPollMaxInterval: '6 hours',
    simOnReturn: 'suspend',
  },
  mover: { freezeRecheckInterval: '1 hour' },
};

/**
 * Against the simulators (the embedded demo) nobody wants to wait five minutes for an operator
 * that answers in milliseconds; any POLICY_* variable still wins.
 */
export const DEMO_POLICY_DEFAULTS: Env = {
  POLICY_DIRECTORY_POLL_INTERVAL: '10 seconds',
  POLICY_DIRECTORY_ESCALATE_AFTER: '5 minutes',
  POLICY_STOCK_RETRY_INTERVAL: '10 minutes',
  POLICY_REGISTRATION_POLL_INTERVAL: '2 seconds',
  POLICY_COMMAND_POLL_INTERVAL: '5 seconds',
  POLICY_COMMAND_POLL_MAX_INTERVAL: '30 seconds',
  POLICY_RETURN_GRACE_PERIOD: '30 seconds',
  POLICY_BRICK_GRACE_PERIOD: '2 minutes',
  POLICY_RECOVERY_WATCH: '1 hour',
};

type Env = Record<string, string | undefined>;

export function policyFromEnv(env: Env): FleetPolicy {
  const d = DEFAULT_POLICY.joiner;
  const l = DEFAULT_POLICY.leaver;
  const simOnReturn = env.POLICY_SIM_ON_RETURN ?? l.simOnReturn;
  if (simOnReturn !== 'suspend' && simOnReturn !== 'reuse') throw new Error('POLICY_SIM_ON_RETURN must be "suspend" or "reuse"');
  const days = env.POLICY_REMINDER_DAYS_BEFORE?.split(',').map((d) => Number(d.trim())) ?? l.reminderDaysBefore;
  if (days.some((d) => !Number.isInteger(d) || d < 0)) throw new Error('POLICY_REMINDER_DAYS_BEFORE must be whole days, e.g. "7,3,1,0"');
  return {
    joiner: {
      directoryPollInterval: env.POLICY_DIRECTORY_POLL_INTERVAL ?? d.directoryPollInterval,
      directoryEscalateAfter: env.POLICY_DIRECTORY_ESCALATE_AFTER ?? d.directoryEscalateAfter,
      stockRetryInterval: env.POLICY_STOCK_RETRY_INTERVAL ?? d.stockRetryInterval,
      registrationPollInterval: env.POLICY_REGISTRATION_POLL_INTERVAL ?? d.registrationPollInterval,
    },
    leaver: {
      reminderDaysBefore: days,
      returnGracePeriod: env.POLICY_RETURN_GRACE_PERIOD ?? l.returnGracePeriod,
      brickGracePeriod: env.POLICY_BRICK_GRACE_PERIOD ?? l.brickGracePeriod,
      recoveryWatch: env.POLICY_RECOVERY_WATCH ?? l.recoveryWatch,
      commandPollInterval: env.POLICY_COMMAND_POLL_INTERVAL ?? l.commandPollInterval,
      commandPollMaxInterval: env.POLICY_COMMAND_POLL_MAX_INTERVAL ?? l.commandPollMaxInterval,
      simOnReturn,
    },
    mover: { freezeRecheckInterval: env.POLICY_FREEZE_RECHECK_INTERVAL ?? DEFAULT_POLICY.mover.freezeRecheckInterval },
  };
}

/** `name:token,name:token` or a bare token (named "operator"). */
function parseTokens(value: string): Map<string, string> {
  return new Map(
    value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => {
        const i = t.indexOf(':');
        return i > 0 ? [t.slice(i + 1), t.slice(0, i)] : [t, 'operator'];
      }),
  );
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.PHONEFLEET_DATA_DIR ?? '.data');
  const temporalPort = Number(env.TEMPORAL_DEV_PORT ?? 7233);
  const uiPort = Number(env.TEMPORAL_UI_PORT ?? 8233);
  const secret = (name: string, make?: () => string) => loadOrCreateSecret(dataDir, name, make);
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    temporal: {
      address: env.TEMPORAL_ADDRESS || undefined,
      namespace: env.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: env.TEMPORAL_TASK_QUEUE ?? 'phonefleet',
      devServerPort: temporalPort,
      uiPort,
    },
    api: {
      host: env.API_HOST ?? '127.0.0.1',
      port: Number(env.API_PORT ?? 8080),
      tokens: parseTokens(env.API_TOKENS ?? `operator:${secret('api-token', () => randomBytes(24).toString('base64url'))}`),
      // The embedded dev server's UI has no login, so it cannot pass a token.
      codecAccess: env.CODEC_ACCESS === 'ui-origin' || (!env.CODEC_ACCESS && !env.TEMPORAL_ADDRESS) ? 'ui-origin' : 'token',
      codecOrigins: (env.CODEC_ALLOWED_ORIGINS ?? `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`).split(',').map((o) => o.trim()),
    },
    hrWebhookSecrets: (env.HR_WEBHOOK_SECRET ?? secret('hr-webhook-secret', () => 'whsec_' + randomBytes(32).toString('base64'))).split(' ').filter(Boolean),
    payloadKeys: {
      current: payloadKeyFromBase64(env.PAYLOAD_KEY ?? secret('payload-key')),
      previous: (env.PAYLOAD_KEYS_PREVIOUS ?? '').split(',').filter(Boolean).map(payloadKeyFromBase64),
    },
    policy: policyFromEnv(env),
    companyName: env.COMPANY_NAME ?? 'RetailCo',
  };
}
