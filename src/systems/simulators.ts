// Starts the simulators of a list of systems (SYSTEMS in ./index.ts): what phonefleet talks to
// when no real system is configured. Each listens on its own port; credentials are generated
// per start unless given, and handed back so the adapters can be configured. Given a state
// file, their data outlives a restart, as the real systems' databases would.
import type { MdmProviderName } from './shared/mdm-api.ts';
import type { MdmSimulator } from './shared/mdm-devices.ts';
import type { Simulator } from './shared/simulator.ts';
import type { SimulatorPeers, SimulatorSettings, SystemDefinition } from './shared/system-definition.ts';
import { StateFileSaver, readStateFile } from './shared/state-file.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list mixes systems of every config, adapter and simulator type
export type AnySystem = SystemDefinition<string, any, any, any, any>;

export interface StartSimulatorsOptions extends SimulatorSettings {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: ephemeral ports. */
  ports?: Partial<Record<string, number>>;
  /** Seeds the fault-injection PRNGs (each simulator gets seed + its index). Default 1. */
  seed?: number;
  /** Default: generated per start. */
  credentials?: Partial<Record<string, unknown>>;
  /**
   * Where the simulators keep their data across restarts: restored from it at start when it
   * exists, saved to it (mode 0600) shortly after each change and at close(). It holds HR's
   * identity data.
   */
  stateFile?: string;
}

/** The state file's content: every simulator's exportState(), by system name. */
interface SavedSimulators {
  version: 1;
  /** A simulator added since the file was written is missing: it starts empty. */
  simulators: Partial<Record<string, unknown>>;
}

function savedSimulatorsIn(file: string, systems: readonly AnySystem[]): SavedSimulators | undefined {
  const saved = readStateFile(file) as Partial<SavedSimulators> | undefined;
  if (saved === undefined) return undefined;
  const always = systems.filter((s) => s.inEveryStateFile).map((s) => s.name);
  if (saved.version !== 1 || typeof saved.simulators !== 'object' || always.some((n) => saved.simulators?.[n] === undefined)) {
    throw new Error(`${file} is not a state file of these simulators: delete it to start afresh`);
  }
  return saved as SavedSimulators;
}

/** What every list of simulators offers, whatever its systems. */
export interface SimulatorControls {
  urls: Record<string, string>;
  credentials: Record<string, unknown>;
  /** The MDM simulator behind each provider name (stores are seeded by their provider). */
  mdm: Record<MdmProviderName, MdmSimulator & Simulator>;
  /** Every simulator, by system name. */
  all: Record<string, Simulator>;
  /** The data came from the state file (a restart), not from an empty start. */
  restored: boolean;
  /** Writes the state file now (no-op without one): after in-process changes such as seeding. */
  saveState(): Promise<void>;
  /** Clears injected faults and call counts everywhere (between tests). */
  resetFaults(): void;
  close(): Promise<void>;
}

export async function startSystemSimulators(systems: readonly AnySystem[], opts: StartSimulatorsOptions = {}): Promise<SimulatorControls & Record<string, unknown>> {
  const seed = opts.seed ?? 1;
  const given = opts.credentials ?? {};
  const all: Record<string, Simulator> = {};
  const mdm = {} as Record<MdmProviderName, MdmSimulator & Simulator>;
  const peers: SimulatorPeers = { mdms: () => Object.values(mdm) };
  systems.forEach((system, index) => {
    const credentials = given[system.name];
    all[system.name] = system.createSimulator({
      listen: { host: opts.host ?? '127.0.0.1', port: opts.ports?.[system.name] ?? 0, seed: seed + index },
      ...(credentials !== undefined ? { credentials } : {}),
      settings: opts,
      peers,
    });
    if (system.mdmProvider) mdm[system.mdmProvider] = all[system.name] as MdmSimulator & Simulator;
  });
  for (const system of systems) system.connectSimulator?.(all[system.name], peers);

  const saved = opts.stateFile ? savedSimulatorsIn(opts.stateFile, systems) : undefined;
  // Before listening: no request sees a simulator half restored.
  if (saved) {
    for (const system of systems) {
      const state = saved.simulators[system.name];
      if (state !== undefined) all[system.name]!.importState(state);
    }
    // After every import: deriving state from the others needs theirs.
    for (const system of systems) if (saved.simulators[system.name] === undefined) system.restoreWithoutState?.(all[system.name], peers);
  }
  const saver = opts.stateFile
    ? new StateFileSaver(opts.stateFile, (): SavedSimulators => ({
        version: 1,
        simulators: Object.fromEntries(systems.map((s) => [s.name, all[s.name]!.exportState()])),
      }))
    : undefined;
  if (saver) for (const simulator of Object.values(all)) simulator.onChange(() => saver.changed());

  try {
    await Promise.all(Object.values(all).map((s) => s.start()));
  } catch (err) {
    await Promise.all(Object.values(all).map((s) => s.close()));
    throw err;
  }

  return {
    ...all,
    urls: Object.fromEntries(systems.map((s) => [s.name, all[s.name]!.url])),
    credentials: Object.fromEntries(systems.map((s) => [s.name, s.simulatorCredentials(all[s.name])])),
    mdm,
    all,
    restored: saved !== undefined,
    async saveState() {
      await saver?.save();
    },
    resetFaults() {
      for (const system of systems) {
        const simulator = all[system.name]!;
        simulator.faults.clear();
        simulator.calls.reset();
        system.resetSimulator?.(simulator);
      }
    },
    async close() {
      await Promise.all(Object.values(all).map((s) => s.close()));
      // Last, so that it holds every change the closed servers accepted.
      await saver?.save();
    },
  };
}
