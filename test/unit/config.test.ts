// Start-up configuration: the demo only when nothing real is configured (or it is asked for), a
// partial configuration refused naming every missing variable, every POLICY_* value read the way
// Temporal will read it and checked against its range before any workflow sees it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM_VARIABLES, externalSystemsConfigFromEnv } from '../../src/systems/index.ts';
import { ConfigurationError, DEFAULT_POLICY, DEMO_POLICY_DEFAULTS, loadConfig, policyFromEnv, type Part } from '../../src/config.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-config-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

type Env = Record<string, string | undefined>;

/** Every external system configured, as a real fleet is. */
const ALL_SYSTEMS: Env = Object.fromEntries(
  Object.values(SYSTEM_VARIABLES).flatMap((v) =>
    v.required.map((name) => [name, name === 'SMTP_URL' ? 'smtp://mail.example.invalid:587' : name.endsWith('_URL') ? 'https://example.invalid' : 'secret']),
  ),
);
const REAL_DEPLOYMENT: Env = { TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgresql://db/phonefleet' };

function load(env: Env, parts?: readonly Part[]) {
  return loadConfig({ PHONEFLEET_DATA_DIR: dataDir, ...env }, parts);
}

function refusal(env: Env, parts?: readonly Part[]): ConfigurationError {
  try {
    load(env, parts);
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('demo or real fleet', () => {
  it('runs the demo, with demo timings, when no external system is configured at all', () => {
    const config = load({});
    expect(config.demo).toBe(true);
    expect(config.policy.leaver.brickGracePeriod).toBe(DEMO_POLICY_DEFAULTS.POLICY_BRICK_GRACE_PERIOD);
    expect(config.policy.leaver.returnGracePeriod).toBe(DEMO_POLICY_DEFAULTS.POLICY_RETURN_GRACE_PERIOD);
  });

  it('runs a real fleet, on production timings, when every external system is configured', () => {
    const config = load(ALL_SYSTEMS);
    expect(config.demo).toBe(false);
    expect(config.policy).toEqual(DEFAULT_POLICY);
  });

  it('refuses a partial configuration, naming every missing variable in one line', () => {
    const err = refusal({ KNOX_MANAGE_URL: 'https://eu01.manage.samsungknox.com', OPERATOR_USER: 'fleet' });
    expect(err.message).not.toContain('\n');
    const missing = Object.values(SYSTEM_VARIABLES)
      .flatMap((v) => v.required)
      .filter((n) => n !== 'KNOX_MANAGE_URL' && n !== 'OPERATOR_USER');
    for (const name of missing) expect(err.message).toContain(name);
    expect(err.message).not.toMatch(/\bKNOX_MANAGE_URL\b/);
  });

  it('treats empty variables (docker-compose `VAR=`) as unset', () => {
    const empty = Object.fromEntries(Object.keys(ALL_SYSTEMS).map((name) => [name, '']));
    expect(load(empty).demo).toBe(true);
    expect(refusal({ ...ALL_SYSTEMS, HR_TOKEN: '' }).message).toContain('HR_TOKEN');
  });

  it('one forgotten credential among seven systems is refused, not replaced by a simulator', () => {
    const { LEASE_PARTNER_TOKEN: _, ...rest } = ALL_SYSTEMS;
    const err = refusal(rest);
    expect(err.problems).toHaveLength(1);
    expect(err.message).toMatch(/^missing LEASE_PARTNER_TOKEN /);
  });

  it('PHONEFLEET_DEMO=1 asks for the demo next to some real systems; their own credentials are still required', () => {
    expect(load({ PHONEFLEET_DEMO: '1', HR_URL: 'https://hr.example.invalid', HR_TOKEN: 't' }).demo).toBe(true);
    expect(refusal({ PHONEFLEET_DEMO: '1', HR_URL: 'https://hr.example.invalid' }).message).toMatch(/^missing HR_TOKEN /);
    expect(refusal({ PHONEFLEET_DEMO: 'yes' }).message).toContain('PHONEFLEET_DEMO "yes"');
  });

  it('PHONEFLEET_DEMO=0 with nothing configured is a real fleet missing everything', () => {
    const err = refusal({ PHONEFLEET_DEMO: '0' });
    for (const name of Object.keys(ALL_SYSTEMS)) expect(err.message).toContain(name);
  });

  it('npm run worker needs Temporal, PostgreSQL and every system, and never the demo', () => {
    const bare = refusal({}, ['worker']);
    expect(bare.message).toMatch(/^npm run worker needs a real deployment; missing TEMPORAL_ADDRESS, DATABASE_URL, KNOX_MANAGE_URL/);
    expect(refusal({ ...REAL_DEPLOYMENT, ...ALL_SYSTEMS, PHONEFLEET_DEMO: '1' }, ['worker']).message).toContain('PHONEFLEET_DEMO is for npm start');
    expect(load({ ...REAL_DEPLOYMENT, ...ALL_SYSTEMS }, ['worker']).demo).toBe(false);
  });

  it('npm run api needs Temporal and PostgreSQL only (it calls no external system)', () => {
    expect(refusal({}, ['api']).message).toBe('npm run api needs a real deployment; missing TEMPORAL_ADDRESS, DATABASE_URL');
    const config = load(REAL_DEPLOYMENT, ['api']);
    expect(config.demo).toBe(false);
    expect(config.policy).toEqual(DEFAULT_POLICY);
  });
});

describe('external systems settings', () => {
  it('refuses a rate limit or a timeout that is not a positive whole number, naming it', () => {
    const err = refusal({ ...ALL_SYSTEMS, KNOX_MANAGE_DEVICE_COMMANDS_PER_MINUTE: '300/min', HR_TIMEOUT_MS: '-1' });
    expect(err.message).toContain('KNOX_MANAGE_DEVICE_COMMANDS_PER_MINUTE "300/min" must be a positive whole number');
    expect(err.message).toContain('HR_TIMEOUT_MS "-1"');
    expect(load({ ...ALL_SYSTEMS, KNOX_MANAGE_DEVICE_COMMANDS_PER_MINUTE: '250' }).demo).toBe(false);
  });

  it("paces Knox Manage to the published limits unless told the tenant's own limits", () => {
    expect(externalSystemsConfigFromEnv(ALL_SYSTEMS).knoxManage?.rateLimits).toBeUndefined();
    expect(externalSystemsConfigFromEnv({ ...ALL_SYSTEMS, KNOX_MANAGE_DEVICE_COMMANDS_PER_MINUTE: '250' }).knoxManage?.rateLimits).toEqual({
      requestsPerMinute: 1800,
      deviceCommandsPerMinute: 250,
    });
  });
});

describe('POLICY_* values', () => {
  it('accepts what Temporal reads, as given', () => {
    const policy = policyFromEnv({ POLICY_BRICK_GRACE_PERIOD: '21 days', POLICY_COMMAND_POLL_INTERVAL: '10m', POLICY_REMINDER_DAYS_BEFORE: '5, 1' });
    expect(policy.leaver.brickGracePeriod).toBe('21 days');
    expect(policy.leaver.commandPollInterval).toBe('10m');
    expect(policy.leaver.reminderDaysBefore).toEqual([5, 1]);
  });

  it('refuses an unreadable duration, naming the variable and the value', () => {
    expect(() => policyFromEnv({ POLICY_BRICK_GRACE_PERIOD: '3 dayz' })).toThrow(/^POLICY_BRICK_GRACE_PERIOD "3 dayz" is not a duration/);
    expect(() => policyFromEnv({ POLICY_RECOVERY_WATCH: 'forever' })).toThrow(/POLICY_RECOVERY_WATCH "forever"/);
  });

  it('refuses durations out of range: a bare number is milliseconds, negatives, years for a poll', () => {
    expect(() => policyFromEnv({ POLICY_DIRECTORY_POLL_INTERVAL: '15' })).toThrow(/POLICY_DIRECTORY_POLL_INTERVAL "15" must be between 1 second and 1 day/);
    expect(() => policyFromEnv({ POLICY_BRICK_GRACE_PERIOD: '-2 days' })).toThrow(/POLICY_BRICK_GRACE_PERIOD "-2 days" must be between/);
    expect(() => policyFromEnv({ POLICY_COMMAND_POLL_INTERVAL: '2 years' })).toThrow(/POLICY_COMMAND_POLL_INTERVAL "2 years" must be between/);
    expect(policyFromEnv({ POLICY_RETURN_GRACE_PERIOD: '0' }).leaver.returnGracePeriod).toBe('0');
  });

  it('refuses bad reminder days, an unknown SIM policy and a misspelt POLICY_ name, all in one refusal', () => {
    const err = refusal({
      ...ALL_SYSTEMS,
      POLICY_REMINDER_DAYS_BEFORE: '7,,1',
      POLICY_SIM_ON_RETURN: 'keep',
      POLICY_BRICK_GRACE_PERIODS: '14 days',
      POLICY_RECOVERY_WATCH: '1 yr x',
    });
    expect(err.problems).toHaveLength(4);
    expect(err.message).toContain('POLICY_REMINDER_DAYS_BEFORE "7,,1"');
    expect(err.message).toContain('POLICY_SIM_ON_RETURN "keep"');
    expect(err.message).toContain('POLICY_BRICK_GRACE_PERIODS is not a policy setting');
    expect(err.message).toContain('POLICY_RECOVERY_WATCH "1 yr x"');
  });

  it('checks the demo too, where a POLICY_* variable still wins over the demo timings', () => {
    expect(load({ POLICY_BRICK_GRACE_PERIOD: '5 minutes' }).policy.leaver.brickGracePeriod).toBe('5 minutes');
    expect(refusal({ POLICY_BRICK_GRACE_PERIOD: '3 dayz' }).message).toContain('POLICY_BRICK_GRACE_PERIOD "3 dayz"');
  });
});

describe('release settings', () => {
  it('keeps APKs in the data folder unless ARTIFACT_STORE names a bucket', () => {
    expect(load(ALL_SYSTEMS).release.artifacts).toEqual({ kind: 'local' });
    expect(load({ ...ALL_SYSTEMS, ARTIFACT_STORE: 'local' }).release.artifacts).toEqual({ kind: 'local' });
    expect(load({ ...ALL_SYSTEMS, ARTIFACT_STORE: 's3://fleet-apks/prod/', AWS_REGION: 'eu-central-1', S3_ENDPOINT: 'https://s3.internal:9000' }).release.artifacts).toEqual({
      kind: 's3',
      bucket: 'fleet-apks',
      prefix: 'prod',
      region: 'eu-central-1',
      endpoint: 'https://s3.internal:9000',
    });
  });

  it('refuses a bucket without a region, an unreadable store or endpoint, and a team mailbox that is no address, all at once', () => {
    expect(refusal({ ...ALL_SYSTEMS, ARTIFACT_STORE: 's3://fleet-apks' }).message).toContain('ARTIFACT_STORE is a bucket: AWS_REGION is missing');
    const err = refusal({ ...ALL_SYSTEMS, ARTIFACT_STORE: 'ftp://x', RELEASE_TEAM_EMAIL: 'release team' });
    expect(err.problems).toEqual(['ARTIFACT_STORE "ftp://x" must be "local" or s3://<bucket>/<prefix>', 'RELEASE_TEAM_EMAIL "release team" is not an e-mail address']);
    expect(refusal({ ...ALL_SYSTEMS, ARTIFACT_STORE: 's3://b-1', AWS_REGION: 'x', S3_ENDPOINT: 's3.internal' }).message).toContain(
      'S3_ENDPOINT "s3.internal" must be an http(s) URL',
    );
  });

  it('tells the configured release team; the demo has its own mailbox on the simulator, a real fleet none unless set', () => {
    expect(load({ ...ALL_SYSTEMS, RELEASE_TEAM_EMAIL: 'releases@retailco.example' }).release.teamMailbox).toBe('releases@retailco.example');
    expect(load(ALL_SYSTEMS).release.teamMailbox).toBeUndefined();
    expect(load({}).release.teamMailbox).toBe('release-team@retailco.example');
  });
});
