// What phonefleet knows about one external system, in one place: its variables, how its adapter
// is built from them, and how its simulator starts and is pointed at. src/systems/index.ts reads
// a list of these (SYSTEMS) for everything done "for every system": reading the environment,
// refusing a partial configuration, building the adapters, starting the simulators, saving
// their state.
//
// Adding a system (say "jenkins"):
//   1. src/systems/jenkins/api.ts: the interface the activities call (small, in the domain's
//      words; test doubles implement it).
//   2. src/systems/jenkins/http.ts: the real adapter, on shared/http-client.ts (timeouts,
//      retries, the error classes of shared/errors.ts the activity boundary understands).
//   3. src/systems/jenkins/simulator.ts: a `Simulator` (shared/simulator.ts) speaking the same
//      HTTP, with its data as JSON (exportState/importState) so the demo survives a restart.
//   4. src/systems/jenkins/index.ts: `export const system = defineSystem({ name: 'jenkins', ... })`.
//   5. One line in SYSTEMS (src/systems/index.ts), at the end: a simulator's port is
//      SIM_BASE_PORT + its index there, and existing demo configurations rely on those ports.
// The activities then find the adapter as `deps.jenkins` (ActivityDeps derives from SYSTEMS),
// start-up knows JENKINS_URL and its credentials, and `npm start` runs the simulator.
import type { Simulator, SimulatorOptions } from './simulator.ts';
import type { MdmProviderName } from './mdm-api.ts';
import type { MdmSimulator } from './mdm-devices.ts';
import type { BudgetOptions, RawSql } from './pacing.ts';
import type { RateLimits } from './rate-limits.ts';
import type { ControlCenterLimits } from '../operator/limits.ts';

type Env = Record<string, string | undefined>;

/**
 * Fleet-wide pacing of the traffic to a rate-limited system: budgets kept in this database,
 * shared by every worker that uses it (see ./pacing.ts). Without it, requests go out as they
 * come (most tests).
 */
export interface PacingConfig extends BudgetOptions {
  db: RawSql;
}

/** What building an adapter may use besides the system's own configuration. */
export interface AdapterContext {
  pacing?: PacingConfig;
}

/** Settings some simulators take; each system reads the ones that are its own. */
export interface SimulatorSettings {
  /** Operator: delay before a SIM-owner registration is decided (default 200 ms). */
  decideAfterMs?: number;
  /** Directory: lag before a new account is visible (default 0). */
  directoryLagMs?: number;
  /**
   * Knox Manage: the published rate limits to enforce (KNOX_MANAGE_PUBLISHED_LIMITS in
   * ./rate-limits.ts; the demo and src/systems/run-simulators.ts use them). Default none: tests
   * that are not about pacing send faster than any real fleet would.
   */
  knoxManageRateLimits?: RateLimits | null;
  /**
   * Operator: Control Center's limits to enforce (CONTROL_CENTER_LIMITS in ../operator/limits.ts:
   * one call at a time, 5 a second, 40000029 over them; a bench scales them and sets a latency).
   * Default none, as for Knox Manage.
   */
  operatorLimits?: ControlCenterLimits | null;
}

/** The other simulators, for systems that see the same phones (Knox Guard and the MDMs). */
export interface SimulatorPeers {
  /** The MDM simulators; filled in before any simulator starts listening. */
  mdms(): (MdmSimulator & Simulator)[];
}

/** How a simulator is created: where it listens, the credentials it accepts (when given). */
export interface SimulatorStart<Credentials> {
  /** Host, port (0: ephemeral) and fault-injection seed. */
  listen: Required<SimulatorOptions>;
  credentials?: Credentials;
  settings: SimulatorSettings;
  peers: SimulatorPeers;
}

/** Reads a system's variables once its URL is set; every problem names its variable. */
export interface SystemEnv {
  readonly env: Env;
  /** The value, or throws "<NAME> must be set when its system's URL is set". */
  required(name: string): string;
  /** The value, or undefined when unset or empty. */
  optional(name: string): string | undefined;
  /** `{ timeoutMs }` from a *_TIMEOUT_MS variable, or nothing when unset. */
  timeout(name: string): { timeoutMs?: number };
}

export interface SystemDefinition<Name extends string = string, Config = unknown, Adapter = unknown, Sim extends Simulator = Simulator, Credentials = unknown> {
  /**
   * The system's key: in the configuration, in the activities' deps (`deps.<name>`), in the
   * running simulators and in the simulators' state file. Never rename one: saved state
   * files and configurations name it.
   */
  readonly name: Name;
  readonly variables: {
    /** Set: this system is configured (a real one); unset: the demo simulates it. */
    readonly url: string;
    /** What the adapter cannot work without once the URL is set. */
    readonly credentials: readonly string[];
    /** Optional ones; any *_TIMEOUT_MS among them is checked as a positive whole number. */
    readonly optional: readonly string[];
    /**
     * Tuning (positive whole numbers, checked at start-up) that counts as neither set nor
     * missing: setting one does not make a system "configured".
     */
    readonly settings?: readonly string[];
  };
  /** Its configuration from the environment (called only when `variables.url` is set). */
  configFromEnv(env: SystemEnv): Config;
  /** The variables that configure `config` (run-simulators prints them for the simulators). */
  environmentOf(config: Config): Record<string, string>;
  createAdapter(config: Config, context: AdapterContext): Adapter;

  /** Its simulator, not yet listening. */
  createSimulator(start: SimulatorStart<Credentials>): Sim;
  /** The credentials the simulator accepts (generated at its creation unless given). */
  simulatorCredentials(simulator: Sim): Credentials;
  /** Credentials fixed by the environment, so a restarted simulator accepts the same ones. */
  credentialsFromEnv(env: Env): Credentials | undefined;
  /** The configuration that points the adapter at the running simulator. */
  configForSimulator(simulator: Sim): Config;

  /** An MDM: its adapter serves `deps.mdm[mdmProvider]` (not `deps.<name>`), its simulator is an MdmSimulator. */
  readonly mdmProvider?: MdmProviderName;
  /**
   * Only for the five systems that state files have always held (a file without them is not one
   * of ours). A new system leaves it unset: older state files lack it, and it starts empty.
   */
  readonly inEveryStateFile?: true;
  /** After every simulator is created and before any listens: wiring to the others. */
  connectSimulator?(simulator: Sim, peers: SimulatorPeers): void;
  /** The state file was written before this system existed: derive what it can from the others. */
  restoreWithoutState?(simulator: Sim, peers: SimulatorPeers): void;
  /** Between tests, besides clearing faults and call counts. */
  resetSimulator?(simulator: Sim): void;
  /** Device commands the MDM accepts per minute, fleet-wide (the MDM task queue is paced to the smallest). */
  deviceCommandsPerMinute?(config: Config): number;
}

/** Identity, for type inference: `export const system = defineSystem({ ... })` keeps the exact types. */
export function defineSystem<Name extends string, Config, Adapter, Sim extends Simulator, Credentials>(
  definition: SystemDefinition<Name, Config, Adapter, Sim, Credentials>,
): SystemDefinition<Name, Config, Adapter, Sim, Credentials> {
  return definition;
}
