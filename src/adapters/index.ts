// Builds one adapter per external system from URLs and credentials: the real systems when the
// environment names them, the simulators otherwise (`externalSystemsFromSimulators`).
import type { RunningSimulators } from '../simulators/index.ts';
import type { DirectoryApi } from './directory.ts';
import { GraphDirectory, type GraphDirectoryConfig } from './graph-directory.ts';
import type { HrApi } from './hr.ts';
import { HrHttpApi, type HrHttpConfig } from './hr-http.ts';
import type { KnoxGuardApi } from './knox-guard.ts';
import { KnoxGuardHttpApi, type KnoxGuardHttpConfig } from './knox-guard-http.ts';
import { KNOX_MANAGE_RATE_LIMITS, KnoxManageMdm, type KnoxManageConfig } from './knox-manage.ts';
import type { LeasePartnerApi } from './lease-partner.ts';
import { LeasePartnerHttpApi, type LeasePartnerHttpConfig } from './lease-partner-http.ts';
import type { Mdm, MdmProviderName } from './mdm.ts';
import type { OperatorApi } from './operator.ts';
import { PostgresRequestBudgets, type BudgetOptions, type RawSql } from './pacing.ts';
import { ControlCenterOperator, type ControlCenterConfig, type OperatorSimInventory } from './operator-control-center.ts';
import { HeadwindMdm, type SecondMdmConfig } from './second-mdm.ts';

export interface ExternalSystemsConfig {
  knoxManage: KnoxManageConfig;
  secondMdm: SecondMdmConfig;
  operator: ControlCenterConfig;
  hr: HrHttpConfig;
  directory: GraphDirectoryConfig;
  knoxGuard: KnoxGuardHttpConfig;
  leasePartner: LeasePartnerHttpConfig;
}

export interface ExternalSystems {
  mdm: Record<MdmProviderName, Mdm>;
  operator: OperatorApi & OperatorSimInventory;
  hr: HrApi;
  directory: DirectoryApi;
  knoxGuard: KnoxGuardApi;
  leasePartner: LeasePartnerApi;
  /** The fleet-wide Knox Manage budgets, when paced (their figures, for benchmarks). */
  knoxManagePacing?: PostgresRequestBudgets;
}

/**
 * Fleet-wide pacing of the MDM traffic: budgets kept in this database, shared by every worker
 * that uses it (see ./pacing.ts). Without it, requests go out as they come (most tests).
 */
export interface PacingConfig extends BudgetOptions {
  db: RawSql;
}

export function createExternalSystems(config: ExternalSystemsConfig, pacing?: PacingConfig): ExternalSystems {
  const knoxLimits = config.knoxManage.rateLimits ?? KNOX_MANAGE_RATE_LIMITS;
  const knoxPacer = pacing
    ? new PostgresRequestBudgets(
        pacing.db,
        'knox-manage',
        { requests: { perMinute: knoxLimits.requestsPerMinute }, 'device-commands': { perMinute: knoxLimits.deviceCommandsPerMinute } },
        pacing,
      )
    : undefined;
  return {
    mdm: {
      KNOX_MANAGE: new KnoxManageMdm({ ...config.knoxManage, name: 'KNOX_MANAGE', ...(knoxPacer ? { pacer: knoxPacer } : {}) }),
      SECOND_MDM: new HeadwindMdm(config.secondMdm),
    },
    operator: new ControlCenterOperator(config.operator),
    hr: new HrHttpApi(config.hr),
    directory: new GraphDirectory(config.directory),
    knoxGuard: new KnoxGuardHttpApi(config.knoxGuard),
    leasePartner: new LeasePartnerHttpApi(config.leasePartner),
    ...(knoxPacer ? { knoxManagePacing: knoxPacer } : {}),
  };
}

export function externalSystemsFromSimulators(running: RunningSimulators): ExternalSystemsConfig {
  const { urls, credentials: c } = running;
  return {
    knoxManage: {
      baseUrl: urls.knoxManage,
      clientId: c.knoxManage.clientId,
      clientSecret: c.knoxManage.clientSecret,
      // Paced to the limits the simulator enforces (none: as published, it never refuses then).
      ...(running.knoxManage.rateLimiter.limits ? { rateLimits: running.knoxManage.rateLimiter.limits } : {}),
    },
    secondMdm: { baseUrl: urls.secondMdm, login: c.secondMdm.login, password: c.secondMdm.password },
    operator: { baseUrl: urls.operator, user: c.operator.user, apiKey: c.operator.apiKey },
    hr: { baseUrl: urls.hr, token: c.hr.token },
    directory: { baseUrl: urls.directory, tenant: c.directory.tenant, clientId: c.directory.clientId, clientSecret: c.directory.clientSecret },
    knoxGuard: { baseUrl: urls.knoxGuard, apiToken: c.knoxGuard.apiToken },
    leasePartner: { baseUrl: urls.leasePartner, token: c.leasePartner.token },
  };
}

type Env = Record<string, string | undefined>;

/** The pacing settings of Knox Manage (not a system of their own: they count as neither set nor missing). */
export const KNOX_MANAGE_LIMIT_VARIABLES = ['KNOX_MANAGE_REQUESTS_PER_MINUTE', 'KNOX_MANAGE_DEVICE_COMMANDS_PER_MINUTE'] as const;

/** Problems with the systems' numeric settings, by variable (checked at start-up). */
export function systemSettingProblems(env: Env): string[] {
  const problems: string[] = [];
  for (const name of [...KNOX_MANAGE_LIMIT_VARIABLES, ...Object.values(SYSTEM_VARIABLES).flatMap((v) => v.optional.filter((n) => n.endsWith('_TIMEOUT_MS')))]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) problems.push(`${name} "${raw}" must be a positive whole number`);
  }
  return problems;
}

function knoxRateLimitsFromEnv(env: Env): { rateLimits?: KnoxManageConfig['rateLimits'] } {
  const [requests, commands] = KNOX_MANAGE_LIMIT_VARIABLES.map((name) => (env[name] ? Number(env[name]) : undefined));
  if (requests === undefined && commands === undefined) return {};
  return {
    rateLimits: {
      requestsPerMinute: requests ?? KNOX_MANAGE_RATE_LIMITS.requestsPerMinute,
      deviceCommandsPerMinute: commands ?? KNOX_MANAGE_RATE_LIMITS.deviceCommandsPerMinute,
    },
  };
}

/**
 * Each external system's variables: its URL, the credentials it cannot work without, and the
 * optional ones. Start-up decides from this table whether anything is configured at all (the demo)
 * and, for a real fleet, names every variable still missing at once.
 */
export const SYSTEM_VARIABLES: Readonly<Record<keyof ExternalSystemsConfig, { required: readonly string[]; optional: readonly string[] }>> = {
  knoxManage: { required: ['KNOX_MANAGE_URL', 'KNOX_MANAGE_CLIENT_ID', 'KNOX_MANAGE_CLIENT_SECRET'], optional: ['KNOX_MANAGE_TIMEOUT_MS'] },
  secondMdm: { required: ['SECOND_MDM_URL', 'SECOND_MDM_LOGIN', 'SECOND_MDM_PASSWORD'], optional: ['SECOND_MDM_TIMEOUT_MS'] },
  operator: { required: ['OPERATOR_URL', 'OPERATOR_USER', 'OPERATOR_API_KEY'], optional: ['OPERATOR_TIMEOUT_MS'] },
  hr: { required: ['HR_URL', 'HR_TOKEN'], optional: ['HR_TIMEOUT_MS'] },
  directory: {
    required: ['DIRECTORY_URL', 'DIRECTORY_TENANT', 'DIRECTORY_CLIENT_ID', 'DIRECTORY_CLIENT_SECRET'],
    optional: ['DIRECTORY_AUTHORITY_URL', 'DIRECTORY_TIMEOUT_MS'],
  },
  knoxGuard: { required: ['KNOX_GUARD_URL', 'KNOX_GUARD_API_TOKEN'], optional: ['KNOX_GUARD_TIMEOUT_MS'] },
  leasePartner: { required: ['LEASE_PARTNER_URL', 'LEASE_PARTNER_TOKEN'], optional: ['LEASE_PARTNER_TIMEOUT_MS'] },
};

/** Empty counts as unset: docker-compose passes `KNOX_MANAGE_URL=` for a variable left out. */
const isSet = (env: Env, name: string): boolean => (env[name] ?? '') !== '';

/** The external-system variables that are set (any of them means "a real fleet is meant"). */
export function systemVariablesSet(env: Env): string[] {
  return Object.values(SYSTEM_VARIABLES).flatMap((v) => [...v.required, ...v.optional].filter((name) => isSet(env, name)));
}

/**
 * The required variables that are unset: of every system (`all`: a real fleet needs all seven),
 * or only of the systems some variable of which is set (`partial`: the demo fills in the rest).
 */
export function missingSystemVariables(env: Env, of: 'all' | 'partial'): string[] {
  return Object.values(SYSTEM_VARIABLES)
    .filter((v) => of === 'all' || [...v.required, ...v.optional].some((name) => isSet(env, name)))
    .flatMap((v) => v.required.filter((name) => !isSet(env, name)));
}

/**
 * The systems the environment points at. A system whose URL is unset is left out, so the
 * caller fills it from the simulators: `{ ...externalSystemsFromSimulators(s), ...fromEnv }`.
 * A URL without its credentials is a configuration error, reported by variable name.
 */
export function externalSystemsConfigFromEnv(env: Env = process.env): Partial<ExternalSystemsConfig> {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} must be set when its system's URL is set`);
    return value;
  };
  const timeout = (name: string): { timeoutMs?: number } => {
    const raw = env[name];
    if (!raw) return {};
    const ms = Number(raw);
    if (!Number.isFinite(ms) || ms <= 0) throw new Error(`${name} must be a positive number of milliseconds`);
    return { timeoutMs: ms };
  };
  const config: Partial<ExternalSystemsConfig> = {};
  if (env.KNOX_MANAGE_URL) {
    config.knoxManage = {
      baseUrl: env.KNOX_MANAGE_URL,
      clientId: required('KNOX_MANAGE_CLIENT_ID'),
      clientSecret: required('KNOX_MANAGE_CLIENT_SECRET'),
      ...timeout('KNOX_MANAGE_TIMEOUT_MS'),
      ...knoxRateLimitsFromEnv(env),
    };
  }
  if (env.SECOND_MDM_URL) {
    config.secondMdm = {
      baseUrl: env.SECOND_MDM_URL,
      login: required('SECOND_MDM_LOGIN'),
      password: required('SECOND_MDM_PASSWORD'),
      ...timeout('SECOND_MDM_TIMEOUT_MS'),
    };
  }
  if (env.OPERATOR_URL) {
    config.operator = {
      baseUrl: env.OPERATOR_URL,
      user: required('OPERATOR_USER'),
      apiKey: required('OPERATOR_API_KEY'),
      ...timeout('OPERATOR_TIMEOUT_MS'),
    };
  }
  if (env.HR_URL) {
    config.hr = { baseUrl: env.HR_URL, token: required('HR_TOKEN'), ...timeout('HR_TIMEOUT_MS') };
  }
  if (env.DIRECTORY_URL) {
    config.directory = {
      baseUrl: env.DIRECTORY_URL,
      ...(env.DIRECTORY_AUTHORITY_URL ? { authorityUrl: env.DIRECTORY_AUTHORITY_URL } : {}),
      tenant: required('DIRECTORY_TENANT'),
      clientId: required('DIRECTORY_CLIENT_ID'),
      clientSecret: required('DIRECTORY_CLIENT_SECRET'),
      ...timeout('DIRECTORY_TIMEOUT_MS'),
    };
  }
  if (env.KNOX_GUARD_URL) {
    config.knoxGuard = { baseUrl: env.KNOX_GUARD_URL, apiToken: required('KNOX_GUARD_API_TOKEN'), ...timeout('KNOX_GUARD_TIMEOUT_MS') };
  }
  if (env.LEASE_PARTNER_URL) {
    config.leasePartner = { baseUrl: env.LEASE_PARTNER_URL, token: required('LEASE_PARTNER_TOKEN'), ...timeout('LEASE_PARTNER_TIMEOUT_MS') };
  }
  return config;
}
