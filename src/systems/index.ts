// The external systems phonefleet talks to, in one list, and what is done for all of them:
// reading their configuration from the environment, building one adapter each (the real
// systems when the environment names them, the simulators otherwise), starting their
// simulators. To add a system, see ./shared/system-definition.ts.
import { system as crashReporter } from './crash-reporter/index.ts';
import { system as directory } from './directory/index.ts';
import { system as hr } from './hr/index.ts';
import { system as knoxGuard } from './knox-guard/index.ts';
import { system as knoxManage } from './knox-manage/index.ts';
import { system as leasePartner } from './lease-partner/index.ts';
import { system as operator } from './operator/index.ts';
import { system as secondMdm } from './second-mdm/index.ts';
import { system as smtp } from './smtp/index.ts';
import type { Mdm, MdmProviderName } from './shared/mdm-api.ts';
import type { AdapterContext, PacingConfig, SystemDefinition, SystemEnv } from './shared/system-definition.ts';
import { startSystemSimulators, type SimulatorControls, type StartSimulatorsOptions } from './simulators.ts';

/**
 * Every external system. The order is the simulators' port order (SIM_BASE_PORT + index) and
 * their fault-injection seeds: a new system goes at the end, so existing ports stay.
 */
export const SYSTEMS = [knoxManage, secondMdm, operator, hr, directory, knoxGuard, leasePartner, smtp, crashReporter] as const;

type Systems = (typeof SYSTEMS)[number];
export type SystemName = Systems['name'];
type Named<N extends SystemName> = Extract<Systems, { name: N }>;
/* eslint-disable @typescript-eslint/no-explicit-any -- only the inferred position matters */
type ConfigOf<S> = S extends SystemDefinition<any, infer C, any, any, any> ? C : never;
type AdapterOf<S> = S extends SystemDefinition<any, any, infer A, any, any> ? A : never;
type SimulatorOf<S> = S extends SystemDefinition<any, any, any, infer Sim, any> ? Sim : never;
type CredentialsOf<S> = S extends SystemDefinition<any, any, any, any, infer C> ? C : never;
/* eslint-enable @typescript-eslint/no-explicit-any */

export type { PacingConfig } from './shared/system-definition.ts';
export type { StartSimulatorsOptions } from './simulators.ts';

/** The simulators' names, in port order. */
export const SIMULATOR_NAMES: readonly SystemName[] = SYSTEMS.map((s) => s.name);
/** Kept for the callers from before the systems had one list: a simulator's name is its system's. */
export type SimulatorName = SystemName;

export type ExternalSystemsConfig = { [N in SystemName]: ConfigOf<Named<N>> };

/** One adapter per system, by name; the MDMs also by provider (`mdm.KNOX_MANAGE`), as stores name them. */
export type ExternalSystems = { [N in SystemName]: AdapterOf<Named<N>> } & { mdm: Record<MdmProviderName, Mdm> };

export type SimulatorCredentials = { [N in SystemName]: CredentialsOf<Named<N>> };

export type RunningSimulators = { [N in SystemName]: SimulatorOf<Named<N>> } & SimulatorControls & {
    urls: Record<SystemName, string>;
    credentials: SimulatorCredentials;
  };

const byName = <T>(make: (system: Systems) => T): Record<SystemName, T> => Object.fromEntries(SYSTEMS.map((s) => [s.name, make(s)])) as Record<SystemName, T>;

// A list of systems of different types: the generic code below sees each through this view.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const each = SYSTEMS as readonly SystemDefinition<SystemName, any, any, any, any>[];

export function createExternalSystems(config: ExternalSystemsConfig, pacing?: PacingConfig): ExternalSystems {
  const context: AdapterContext = pacing ? { pacing } : {};
  const adapters: Record<string, unknown> = {};
  const mdm = {} as Record<MdmProviderName, Mdm>;
  for (const system of each) {
    adapters[system.name] = system.createAdapter(config[system.name], context);
    if (system.mdmProvider) mdm[system.mdmProvider] = adapters[system.name] as Mdm;
  }
  return { ...adapters, mdm } as ExternalSystems;
}

export async function startSimulators(
  opts: Omit<StartSimulatorsOptions, 'ports' | 'credentials'> & { ports?: Partial<Record<SystemName, number>>; credentials?: Partial<SimulatorCredentials> } = {},
): Promise<RunningSimulators> {
  return (await startSystemSimulators(SYSTEMS, opts)) as unknown as RunningSimulators;
}

export function externalSystemsFromSimulators(running: RunningSimulators): ExternalSystemsConfig {
  return byName((system) => (system as (typeof each)[number]).configForSimulator(running[system.name])) as ExternalSystemsConfig;
}

/**
 * The fleet-wide budget of commands to phones, per second, of the configured MDMs: the
 * smallest, since the MDM task queue carries the commands of all of them.
 */
export function mdmDeviceCommandsPerSecond(config: Partial<ExternalSystemsConfig>): number | undefined {
  const perMinute = each.flatMap((s) => (s.deviceCommandsPerMinute && config[s.name] ? [s.deviceCommandsPerMinute(config[s.name])] : []));
  return perMinute.length ? Math.min(...perMinute) / 60 : undefined;
}

// --- the environment -------------------------------------------------------------------------

type Env = Record<string, string | undefined>;

/**
 * Each external system's variables: its URL and the credentials it cannot work without
 * (`required`), and the optional ones. Start-up decides from this table whether anything is
 * configured at all (the demo) and, for a real fleet, names every variable still missing at once.
 */
export const SYSTEM_VARIABLES: Readonly<Record<SystemName, { required: readonly string[]; optional: readonly string[] }>> = byName(({ variables: v }) => ({
  required: [v.url, ...v.credentials],
  optional: v.optional,
}));

/** Problems with the systems' numeric settings, by variable (checked at start-up). */
export function systemSettingProblems(env: Env): string[] {
  const problems: string[] = [];
  const numeric = SYSTEMS.flatMap(({ variables: v }) => [...(v.settings ?? []), ...v.optional.filter((n) => n.endsWith('_TIMEOUT_MS'))]);
  for (const name of numeric) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) problems.push(`${name} "${raw}" must be a positive whole number`);
  }
  return problems;
}

/** Empty counts as unset: docker-compose passes `KNOX_MANAGE_URL=` for a variable left out. */
const isSet = (env: Env, name: string): boolean => (env[name] ?? '') !== '';

/** The external-system variables that are set (any of them means "a real fleet is meant"). */
export function systemVariablesSet(env: Env): string[] {
  return Object.values(SYSTEM_VARIABLES).flatMap((v) => [...v.required, ...v.optional].filter((name) => isSet(env, name)));
}

/**
 * The required variables that are unset: of every system (`all`: a real fleet needs every one),
 * or only of the systems some variable of which is set (`partial`: the demo fills in the rest).
 */
export function missingSystemVariables(env: Env, of: 'all' | 'partial'): string[] {
  return Object.values(SYSTEM_VARIABLES)
    .filter((v) => of === 'all' || [...v.required, ...v.optional].some((name) => isSet(env, name)))
    .flatMap((v) => v.required.filter((name) => !isSet(env, name)));
}

function systemEnv(env: Env): SystemEnv {
  return {
    env,
    required(name) {
      const value = env[name];
      if (!value) throw new Error(`${name} must be set when its system's URL is set`);
      return value;
    },
    optional: (name) => env[name] || undefined,
    timeout(name) {
      const raw = env[name];
      if (!raw) return {};
      const ms = Number(raw);
      if (!Number.isFinite(ms) || ms <= 0) throw new Error(`${name} must be a positive number of milliseconds`);
      return { timeoutMs: ms };
    },
  };
}

/**
 * The systems the environment points at. A system whose URL is unset is left out, so the
 * caller fills it from the simulators: `{ ...externalSystemsFromSimulators(s), ...fromEnv }`.
 * A URL without its credentials is a configuration error, reported by variable name.
 */
export function externalSystemsConfigFromEnv(env: Env = process.env): Partial<ExternalSystemsConfig> {
  const reader = systemEnv(env);
  const config: Partial<Record<SystemName, unknown>> = {};
  for (const system of each) if (env[system.variables.url]) config[system.name] = system.configFromEnv(reader);
  return config as Partial<ExternalSystemsConfig>;
}

/** The variables that point phonefleet at these systems (what run-simulators prints). */
export function environmentOf(config: ExternalSystemsConfig): Record<string, string> {
  return Object.assign({}, ...each.map((system) => system.environmentOf(config[system.name]))) as Record<string, string>;
}

/** Credentials the environment fixes for the simulators, so a restart keeps phonefleet's configuration valid. */
export function simulatorCredentialsFromEnv(env: Env): Partial<SimulatorCredentials> {
  const given: Partial<Record<SystemName, unknown>> = {};
  for (const system of each) {
    const credentials = system.credentialsFromEnv(env);
    if (credentials !== undefined) given[system.name] = credentials;
  }
  return given as Partial<SimulatorCredentials>;
}
