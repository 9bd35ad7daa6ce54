// phonefleet's configuration, from the environment. With nothing set, `npm start` is the demo:
// every part embedded (dev server, PostgreSQL, simulators, demo timings). A real fleet sets all its
// external systems; anything in between is refused at start-up, as is any unreadable policy.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { msOptionalToNumber, type Duration } from '@temporalio/common/lib/time.js';
import { DEMO_RELEASE_POLICY } from './release/policy.ts';
import { DEMO_ROLLOUT_POLICY } from './rollout/policy.ts';
import { DEFAULT_FLEET_DATA_POLICY, type FleetPolicy } from '../workflows/policy.ts';
import { missingSystemVariables, systemSettingProblems, systemVariablesSet } from './systems/index.ts';
import { payloadKeyFromBase64, type PayloadKey } from './temporal/codec.ts';
import { loadOrCreateSecret } from './secrets.ts';
import { EVERY_SCOPE, scopeProblem, type Operator } from './api/auth.ts';
import type { OidcConfig } from './api/oidc.ts';

export interface Config {
  /** The embedded demo: simulators, the demo fleet and demo timings (see demoModeProblems). */
  demo: boolean;
  /** Embedded state: PostgreSQL, Temporal dev-server file, generated secrets. */
  dataDir: string;
  /** PostgreSQL; unset = an embedded PostgreSQL server in dataDir. */
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
    /** Bearer tokens for operator endpoints: token -> holder (name for the audit log, scopes). */
    tokens: Map<string, Operator>;
    /** Origins allowed to call the codec endpoint (the Temporal Web UI). */
    codecOrigins: string[];
    /** The identity provider whose JWTs may decrypt through /codec (a Web UI with login). */
    codecOidc?: OidcConfig;
  };
  /** HR's Standard Webhooks secrets; two during a rotation. */
  hrWebhookSecrets: string[];
  payloadKeys: { current: PayloadKey; previous: PayloadKey[] };
  policy: FleetPolicy;
  /** The owner named on lock screens and messages to phones. */
  companyName: string;
  /** When the fleet sync runs (a cron expression, UTC; FLEET_SYNC_SCHEDULE, default daily at 03:00). */
  fleetSyncCron: string;
  release: ReleaseConfig;
}

export interface ReleaseConfig {
  /** Where accepted APKs are kept: the data folder, or a bucket (ARTIFACT_STORE=s3://bucket/prefix). */
  artifacts: { kind: 'local' } | { kind: 's3'; bucket: string; prefix: string; region: string; endpoint?: string };
  /** The release team's mailbox (RELEASE_TEAM_EMAIL): told when a release halts, besides the support task. */
  teamMailbox?: string;
}

/**
 * ARTIFACT_STORE (unset or "local": the data folder; "s3://bucket/prefix": a bucket, with AWS_REGION
 * and, for an S3-compatible server, S3_ENDPOINT; credentials from the AWS_* variables) and
 * RELEASE_TEAM_EMAIL.
 */
export function releaseConfigFromEnv(env: Env): { release: ReleaseConfig; problems: string[] } {
  const problems: string[] = [];
  const raw = (env.ARTIFACT_STORE ?? '').trim();
  let artifacts: ReleaseConfig['artifacts'] = { kind: 'local' };
  if (raw !== '' && raw !== 'local') {
    const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(raw);
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
    if (!s3) problems.push(`ARTIFACT_STORE "${raw}" must be "local" or s3://<bucket>/<prefix>`);
    else if (!region) problems.push('ARTIFACT_STORE is a bucket: AWS_REGION is missing');
    else if (env.S3_ENDPOINT && !/^https?:\/\/[^/]+/.test(env.S3_ENDPOINT)) problems.push(`S3_ENDPOINT "${env.S3_ENDPOINT}" must be an http(s) URL`);
    else artifacts = { kind: 's3', bucket: s3[1]!, prefix: (s3[2] ?? '').replace(/\/+$/, ''), region, ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}) };
  }
  const teamMailbox = env.RELEASE_TEAM_EMAIL?.trim() || undefined;
  if (teamMailbox && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(teamMailbox)) problems.push(`RELEASE_TEAM_EMAIL "${teamMailbox}" is not an e-mail address`);
  return { release: { artifacts, ...(teamMailbox ? { teamMailbox } : {}) }, problems };
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
  fleet: DEFAULT_FLEET_DATA_POLICY,
};

/** The demo's timings (see loadConfig): a dismissal plays out in minutes, not weeks. */
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

/**
 * Start-up refused: every problem found, so one attempt names all that must be fixed. Its
 * message is one line, printed as the process's last word.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

const SECOND = 1000;
const DAY = 86_400 * SECOND;

/**
 * Every POLICY_* variable and the range that makes sense for it. A value outside it is a typo
 * or a unit mix-up ("15" is 15 ms), refused at start-up: inside a workflow the same mistake
 * would be a failing workflow task on every phone. The lower bounds let the demo and tests
 * use seconds; the upper ones keep a typo from postponing a deadline for years.
 */
const POLICY_DURATIONS = {
  POLICY_DIRECTORY_POLL_INTERVAL: { min: SECOND, max: DAY },
  POLICY_DIRECTORY_ESCALATE_AFTER: { min: SECOND, max: 30 * DAY },
  POLICY_STOCK_RETRY_INTERVAL: { min: SECOND, max: DAY },
  POLICY_REGISTRATION_POLL_INTERVAL: { min: SECOND, max: DAY },
  POLICY_RETURN_GRACE_PERIOD: { min: 0, max: 90 * DAY },
  POLICY_BRICK_GRACE_PERIOD: { min: SECOND, max: 365 * DAY },
  POLICY_RECOVERY_WATCH: { min: SECOND, max: 3650 * DAY },
  POLICY_COMMAND_POLL_INTERVAL: { min: SECOND, max: DAY },
  POLICY_COMMAND_POLL_MAX_INTERVAL: { min: SECOND, max: 7 * DAY },
  POLICY_FREEZE_RECHECK_INTERVAL: { min: SECOND, max: DAY },
  POLICY_SIM_UNSEEN_AFTER: { min: SECOND, max: 365 * DAY },
  POLICY_PHONE_SILENT_AFTER: { min: SECOND, max: 365 * DAY },
  POLICY_OWNER_CONFIRM_WITHIN: { min: SECOND, max: 365 * DAY },
  POLICY_OWNER_CONFIRM_WARN_BEFORE: { min: 0, max: 90 * DAY },
} as const satisfies Record<string, { min: number; max: number }>;

const POLICY_OTHERS = ['POLICY_REMINDER_DAYS_BEFORE', 'POLICY_SIM_ON_RETURN', 'POLICY_OWNER_CONFIRM_REMINDER_DAYS'] as const;

/** The policy variables start-up knows; any other POLICY_* name is a typo, refused. */
export const POLICY_VARIABLES: readonly string[] = [...Object.keys(POLICY_DURATIONS), ...POLICY_OTHERS];

function describeMs(value: number): string {
  if (value === 0) return '0';
  if (value % DAY === 0) return `${value / DAY} day${value === DAY ? '' : 's'}`;
  return `${value / SECOND} second${value === SECOND ? '' : 's'}`;
}

/**
 * A policy duration as Temporal will read it (`msToNumber`, the `ms` package), checked here so
 * that Temporal never meets a value it cannot read.
 */
function durationProblem(name: keyof typeof POLICY_DURATIONS, value: string): string | undefined {
  let millis: number | undefined;
  try {
    millis = msOptionalToNumber(value as Duration);
  } catch {
    return `${name} "${value}" is not a duration (e.g. "15 minutes", "3 days")`;
  }
  const { min, max } = POLICY_DURATIONS[name];
  if (millis === undefined || !Number.isFinite(millis)) return `${name} "${value}" is not a duration (e.g. "15 minutes", "3 days")`;
  if (millis < min || millis > max) return `${name} "${value}" must be between ${describeMs(min)} and ${describeMs(max)}`;
  return undefined;
}

/** Empty counts as unset (docker-compose passes `VAR=` for a variable left out). */
const valueOf = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

/** The policy, with every POLICY_* variable checked; all problems at once. */
export function policyFromEnv(env: Env): FleetPolicy {
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (name.startsWith('POLICY_') && !POLICY_VARIABLES.includes(name)) problems.push(`${name} is not a policy setting (known: ${POLICY_VARIABLES.join(', ')})`);
  }
  const duration = (name: keyof typeof POLICY_DURATIONS, fallback: Duration): Duration => {
    const value = valueOf(env, name);
    if (value === undefined) return fallback;
    const problem = durationProblem(name, value);
    if (problem) problems.push(problem);
    return value as Duration;
  };
  const d = DEFAULT_POLICY.joiner;
  const l = DEFAULT_POLICY.leaver;
  const simOnReturn = valueOf(env, 'POLICY_SIM_ON_RETURN') ?? l.simOnReturn;
  if (simOnReturn !== 'suspend' && simOnReturn !== 'reuse') problems.push(`POLICY_SIM_ON_RETURN "${simOnReturn}" must be "suspend" or "reuse"`);
  const days = (name: string): number[] | undefined => {
    const text = valueOf(env, name);
    const list = text?.split(',').map((day) => day.trim());
    if (list && list.some((day) => !/^\d{1,3}$/.test(day) || Number(day) > 365)) problems.push(`${name} "${text}" must be whole days from 0 to 365, e.g. "7,3,1,0"`);
    return list?.map(Number);
  };
  const dayList = days('POLICY_REMINDER_DAYS_BEFORE');
  const f = DEFAULT_POLICY.fleet!;
  const policy: FleetPolicy = {
    joiner: {
      directoryPollInterval: duration('POLICY_DIRECTORY_POLL_INTERVAL', d.directoryPollInterval),
      directoryEscalateAfter: duration('POLICY_DIRECTORY_ESCALATE_AFTER', d.directoryEscalateAfter),
      stockRetryInterval: duration('POLICY_STOCK_RETRY_INTERVAL', d.stockRetryInterval),
      registrationPollInterval: duration('POLICY_REGISTRATION_POLL_INTERVAL', d.registrationPollInterval),
    },
    leaver: {
      reminderDaysBefore: dayList ?? l.reminderDaysBefore,
      returnGracePeriod: duration('POLICY_RETURN_GRACE_PERIOD', l.returnGracePeriod),
      brickGracePeriod: duration('POLICY_BRICK_GRACE_PERIOD', l.brickGracePeriod),
      recoveryWatch: duration('POLICY_RECOVERY_WATCH', l.recoveryWatch),
      commandPollInterval: duration('POLICY_COMMAND_POLL_INTERVAL', l.commandPollInterval),
      commandPollMaxInterval: duration('POLICY_COMMAND_POLL_MAX_INTERVAL', l.commandPollMaxInterval ?? '6 hours'),
      simOnReturn: simOnReturn as FleetPolicy['leaver']['simOnReturn'],
    },
    mover: { freezeRecheckInterval: duration('POLICY_FREEZE_RECHECK_INTERVAL', DEFAULT_POLICY.mover.freezeRecheckInterval) },
    fleet: {
      simUnseenAfter: duration('POLICY_SIM_UNSEEN_AFTER', f.simUnseenAfter),
      phoneSilentAfter: duration('POLICY_PHONE_SILENT_AFTER', f.phoneSilentAfter),
      ownerConfirmWithin: duration('POLICY_OWNER_CONFIRM_WITHIN', f.ownerConfirmWithin),
      ownerConfirmReminderDays: days('POLICY_OWNER_CONFIRM_REMINDER_DAYS') ?? f.ownerConfirmReminderDays,
      ownerConfirmWarnBefore: duration('POLICY_OWNER_CONFIRM_WARN_BEFORE', f.ownerConfirmWarnBefore),
    },
  };
  if (problems.length > 0) throw new ConfigurationError(problems);
  return policy;
}

/** What a process runs: `npm start` runs both; `npm run worker` / `npm run api` one each. */
export type Part = 'worker' | 'api';

const COMMAND_OF = (parts: readonly Part[]): string => (parts.length === 1 ? `npm run ${parts[0]}` : 'npm start');

/**
 * Whether this start is the demo (simulators, the demo fleet, demo timings): only for `npm start`
 * with no external system configured at all, or when PHONEFLEET_DEMO=1 asks for it. Anything in
 * between is a real fleet with something forgotten, and must not run on simulators: refused,
 * naming every variable still missing. `npm run worker` / `npm run api` are the parts of a real
 * deployment and never run the demo.
 */
export function demoModeProblems(env: Env, parts: readonly Part[]): { demo: boolean; problems: string[] } {
  const problems: string[] = systemSettingProblems(env);
  const flag = valueOf(env, 'PHONEFLEET_DEMO');
  if (flag !== undefined && !['0', '1', 'true', 'false'].includes(flag)) problems.push(`PHONEFLEET_DEMO "${flag}" must be 1 or 0`);
  const asked = flag === '1' || flag === 'true' ? true : flag === '0' || flag === 'false' ? false : undefined;
  const standalone = !(parts.includes('worker') && parts.includes('api'));
  if (standalone) {
    if (asked) problems.push(`PHONEFLEET_DEMO is for npm start: ${COMMAND_OF(parts)} runs against real systems only`);
    const missing = ['TEMPORAL_ADDRESS', 'DATABASE_URL'].filter((name) => valueOf(env, name) === undefined);
    // The API calls no external system; the worker needs every one of them.
    if (parts.includes('worker')) missing.push(...missingSystemVariables(env, 'all'));
    if (missing.length > 0) problems.push(`${COMMAND_OF(parts)} needs a real deployment; missing ${missing.join(', ')}`);
    return { demo: false, problems };
  }
  const demo = asked ?? systemVariablesSet(env).length === 0;
  const missing = missingSystemVariables(env, demo ? 'partial' : 'all');
  if (missing.length > 0) {
    problems.push(
      demo
        ? `missing ${missing.join(', ')} (a system whose variables are set needs all of them)`
        : `missing ${missing.join(', ')} (a real fleet needs all seven external systems; for the demo unset them all, or set PHONEFLEET_DEMO=1)`,
    );
  }
  return { demo, problems };
}

/**
 * API_TOKENS: `name:token:scope+scope,...` (e.g. `anna:s3cr3t:curator:S001`,
 * `ops:t0k3n:operations+support`). The forms from before scopes still work: `name:token` and a
 * bare `token` (named "operator") get every scope, as they had every permission then.
 */
export function parseTokens(value: string): Map<string, Operator> {
  const tokens = new Map<string, Operator>();
  for (const entry of value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const [first, second, ...rest] = entry.split(':');
    const [name, token] = second === undefined ? ['operator', first] : [first, second];
    if (!name || !token) throw new ConfigurationError([`API_TOKENS: an entry must be name:token:scope+scope (or name:token, or a bare token)`]);
    const scopes = rest.length
      ? rest
          .join(':')
          .split('+')
          .map((s) => s.trim())
      : [EVERY_SCOPE];
    for (const scope of scopes) {
      const problem = scopeProblem(scope);
      if (problem) throw new ConfigurationError([`API_TOKENS: token "${name}": ${problem}`]);
    }
    tokens.set(token, { name, scopes });
  }
  return tokens;
}

const CODEC_OIDC = ['CODEC_OIDC_ISSUER', 'CODEC_OIDC_AUDIENCE', 'CODEC_OIDC_GROUP', 'CODEC_OIDC_JWKS_URL'] as const;

/**
 * Who may decrypt through /codec besides `pii` API tokens: the identity provider's users in one
 * group (CODEC_OIDC_*, all four, plus CODEC_OIDC_GROUPS_CLAIM, default `groups`). The embedded UI
 * gets a secret URL at start instead. CODEC_ACCESS=ui-origin (any local process sending the UI's
 * Origin could decrypt) is gone and refused; `token` was the only other value and is what remains.
 */
export function codecAccessFromEnv(env: Env): { oidc?: OidcConfig; problems: string[] } {
  const problems: string[] = [];
  if (env.CODEC_ACCESS && env.CODEC_ACCESS !== 'token') {
    problems.push(
      `CODEC_ACCESS=${env.CODEC_ACCESS} is no longer supported: the embedded Web UI gets a secret codec URL at start, a UI with login passes OIDC tokens (CODEC_OIDC_*); unset CODEC_ACCESS`,
    );
  }
  const set = CODEC_OIDC.filter((name) => env[name]);
  if (set.length === 0) return { problems };
  const missing = CODEC_OIDC.filter((name) => !env[name]);
  if (missing.length) return { problems: [...problems, `codec login: ${set.join(', ')} set but ${missing.join(', ')} missing`] };
  for (const name of ['CODEC_OIDC_ISSUER', 'CODEC_OIDC_JWKS_URL'] as const) {
    if (!URL.canParse(env[name]!)) problems.push(`${name} must be a URL`);
  }
  return {
    problems,
    oidc: {
      issuer: env.CODEC_OIDC_ISSUER!,
      audience: env.CODEC_OIDC_AUDIENCE!,
      group: env.CODEC_OIDC_GROUP!,
      groupsClaim: env.CODEC_OIDC_GROUPS_CLAIM || 'groups',
      jwksUrl: env.CODEC_OIDC_JWKS_URL!,
    },
  };
}

const CRON_FIELD = /^(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?(,(\*|\d{1,2}(-\d{1,2})?)(\/\d{1,2})?)*$/;

/**
 * FLEET_SYNC_SCHEDULE: a time of day, "HH:MM" (UTC, every day), or a five-field cron expression
 * (UTC); unset: every day at 03:00 UTC.
 */
export function fleetSyncCronFromEnv(env: Env): { cron: string; problem?: string } {
  const raw = (env.FLEET_SYNC_SCHEDULE ?? '').trim();
  if (raw === '') return { cron: '0 3 * * *' };
  const time = /^(\d{1,2}):(\d{2})$/.exec(raw);
  if (time) {
    const [hour, minute] = [Number(time[1]), Number(time[2])];
    if (hour <= 23 && minute <= 59) return { cron: `${minute} ${hour} * * *` };
  } else {
    const fields = raw.split(/\s+/);
    if (fields.length === 5 && fields.every((f) => CRON_FIELD.test(f))) return { cron: fields.join(' ') };
  }
  return { cron: '0 3 * * *', problem: `FLEET_SYNC_SCHEDULE "${raw}" must be a time of day HH:MM (UTC) or a five-field cron expression, e.g. "30 2 * * *"` };
}

/**
 * The configuration for a process running `parts` (default: all of it, `npm start`). Throws a
 * ConfigurationError naming every problem: a partial set of external systems, an unreadable or
 * out-of-range POLICY_* value.
 */
export function loadConfig(env: Env = process.env, parts: readonly Part[] = ['worker', 'api']): Config {
  const { demo, problems } = demoModeProblems(env, parts);
  const codecAccess = codecAccessFromEnv(env);
  problems.push(...codecAccess.problems);
  const fleetSync = fleetSyncCronFromEnv(env);
  if (fleetSync.problem) problems.push(fleetSync.problem);
  const release = releaseConfigFromEnv(env);
  problems.push(...release.problems);
  let policy: FleetPolicy | undefined;
  try {
    // The demo's phones answer in milliseconds: nobody should wait minutes for them. Any
    // POLICY_* variable still wins.
    policy = policyFromEnv(demo ? { ...DEMO_POLICY_DEFAULTS, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v)) } : env);
    // Releases in the demo bake a minute per ring, not a day.
    if (demo) policy = { ...policy, release: DEMO_RELEASE_POLICY, rollout: DEMO_ROLLOUT_POLICY };
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    problems.push(...err.problems);
  }
  if (problems.length > 0 || !policy) throw new ConfigurationError(problems);
  const dataDir = path.resolve(env.PHONEFLEET_DATA_DIR ?? '.data');
  const temporalPort = Number(env.TEMPORAL_DEV_PORT ?? 7233);
  const uiPort = Number(env.TEMPORAL_UI_PORT ?? 8233);
  const secret = (name: string, make?: () => string) => loadOrCreateSecret(dataDir, name, make);
  return {
    demo,
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
      // The generated token is the embedded demo's only one: it may do everything.
      tokens: parseTokens(env.API_TOKENS ?? `operator:${secret('api-token', () => randomBytes(24).toString('base64url'))}:${EVERY_SCOPE}`),
      codecOidc: codecAccess.oidc,
      codecOrigins: (env.CODEC_ALLOWED_ORIGINS ?? `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`).split(',').map((o) => o.trim()),
    },
    hrWebhookSecrets: (env.HR_WEBHOOK_SECRET ?? secret('hr-webhook-secret', () => 'whsec_' + randomBytes(32).toString('base64'))).split(' ').filter(Boolean),
    payloadKeys: {
      current: payloadKeyFromBase64(env.PAYLOAD_KEY ?? secret('payload-key')),
      previous: (env.PAYLOAD_KEYS_PREVIOUS ?? '').split(',').filter(Boolean).map(payloadKeyFromBase64),
    },
    policy,
    companyName: env.COMPANY_NAME ?? 'RetailCo',
    fleetSyncCron: fleetSync.cron,
    // The demo's release team reads the demo mailbox (the SMTP simulator).
    release: demo && !release.release.teamMailbox ? { ...release.release, teamMailbox: 'release-team@retailco.example' } : release.release,
  };
}
