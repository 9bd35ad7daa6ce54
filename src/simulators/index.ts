// Starts the five simulators phonefleet talks to when no real system is configured: Knox
// Manage, the second MDM (Headwind-style), the operator (Control Center style), HR and the
// directory (Microsoft Graph shaped). Each listens on its own port; credentials are generated
// per start unless given, and handed back so the adapters can be configured. Given a state
// file, their data outlives a restart, as the real systems' databases would.
import type { MdmProviderName } from '../adapters/mdm.ts';
import type { ClientCredentials } from './auth.ts';
import { DirectorySimulator } from './directory.ts';
import { HeadwindSimulator, type HeadwindCredentials } from './headwind.ts';
import { HrSimulator } from './hr.ts';
import { KnoxManageSimulator } from './knox-manage.ts';
import type { MdmSimulator } from './mdm-devices.ts';
import { OperatorSimulator } from './operator.ts';
import type { Simulator } from './simulator.ts';
import { StateFileSaver, readStateFile } from './state-file.ts';

export type SimulatorName = 'knoxManage' | 'secondMdm' | 'operator' | 'hr' | 'directory';

export const SIMULATOR_NAMES: readonly SimulatorName[] = ['knoxManage', 'secondMdm', 'operator', 'hr', 'directory'];

export interface SimulatorCredentials {
  knoxManage: ClientCredentials;
  secondMdm: HeadwindCredentials;
  operator: { user: string; apiKey: string };
  hr: { token: string };
  directory: { tenant: string; clientId: string; clientSecret: string };
}

export interface StartSimulatorsOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: ephemeral ports. */
  ports?: Partial<Record<SimulatorName, number>>;
  /** Seeds the fault-injection PRNGs (each simulator gets seed + its index). Default 1. */
  seed?: number;
  /** Default: generated per start. */
  credentials?: Partial<SimulatorCredentials>;
  /** Operator: delay before a SIM-owner registration is decided (default 200 ms). */
  decideAfterMs?: number;
  /** Directory: lag before a new account is visible (default 0). */
  directoryLagMs?: number;
  /**
   * Where the simulators keep their data across restarts: restored from it at start when it
   * exists, saved to it (mode 0600) shortly after each change and at close(). It holds HR's
   * identity data.
   */
  stateFile?: string;
}

/** The state file's content: every simulator's exportState(), by name. */
interface SavedSimulators {
  version: 1;
  simulators: Record<SimulatorName, unknown>;
}

function savedSimulatorsIn(file: string): SavedSimulators | undefined {
  const saved = readStateFile(file) as Partial<SavedSimulators> | undefined;
  if (saved === undefined) return undefined;
  if (saved.version !== 1 || typeof saved.simulators !== 'object' || SIMULATOR_NAMES.some((n) => saved.simulators?.[n] === undefined)) {
    throw new Error(`${file} is not a state file of these simulators: delete it to start afresh`);
  }
  return saved as SavedSimulators;
}

export interface RunningSimulators {
  urls: Record<SimulatorName, string>;
  credentials: SimulatorCredentials;
  knoxManage: KnoxManageSimulator;
  secondMdm: HeadwindSimulator;
  operator: OperatorSimulator;
  hr: HrSimulator;
  directory: DirectorySimulator;
  /** The MDM simulator behind each provider name (stores are seeded by their provider). */
  mdm: Record<MdmProviderName, MdmSimulator & Simulator>;
  /** Every simulator, by name. */
  all: Record<SimulatorName, Simulator>;
  /** The data came from the state file (a restart), not from an empty start. */
  restored: boolean;
  /** Writes the state file now (no-op without one): after in-process changes such as seeding. */
  saveState(): Promise<void>;
  /** Clears injected faults and call counts everywhere (between tests). */
  resetFaults(): void;
  close(): Promise<void>;
}

export async function startSimulators(opts: StartSimulatorsOptions = {}): Promise<RunningSimulators> {
  const seed = opts.seed ?? 1;
  const base = (name: SimulatorName) => ({
    host: opts.host ?? '127.0.0.1',
    port: opts.ports?.[name] ?? 0,
    seed: seed + SIMULATOR_NAMES.indexOf(name),
  });
  const given = opts.credentials ?? {};
  const knoxManage = new KnoxManageSimulator({ ...base('knoxManage'), ...(given.knoxManage ? { credentials: given.knoxManage } : {}) });
  const secondMdm = new HeadwindSimulator({ ...base('secondMdm'), ...(given.secondMdm ? { credentials: given.secondMdm } : {}) });
  const operator = new OperatorSimulator({
    ...base('operator'),
    ...(given.operator ? { credentials: given.operator } : {}),
    ...(opts.decideAfterMs !== undefined ? { decideAfterMs: opts.decideAfterMs } : {}),
  });
  const hr = new HrSimulator({ ...base('hr'), ...(given.hr ? { token: given.hr.token } : {}) });
  const directory = new DirectorySimulator({
    ...base('directory'),
    ...(given.directory
      ? { tenant: given.directory.tenant, credentials: { clientId: given.directory.clientId, clientSecret: given.directory.clientSecret } }
      : {}),
    ...(opts.directoryLagMs !== undefined ? { defaultLagMs: opts.directoryLagMs } : {}),
  });
  const all: Record<SimulatorName, Simulator> = { knoxManage, secondMdm, operator, hr, directory };

  const saved = opts.stateFile ? savedSimulatorsIn(opts.stateFile) : undefined;
  // Before listening: no request sees a simulator half restored.
  if (saved) for (const name of SIMULATOR_NAMES) all[name].importState(saved.simulators[name]);
  const saver = opts.stateFile
    ? new StateFileSaver(opts.stateFile, (): SavedSimulators => ({
        version: 1,
        simulators: Object.fromEntries(SIMULATOR_NAMES.map((n) => [n, all[n].exportState()])) as Record<SimulatorName, unknown>,
      }))
    : undefined;
  if (saver) for (const simulator of Object.values(all)) simulator.onChange(() => saver.changed());

  try {
    await Promise.all(Object.values(all).map((s) => s.start()));
  } catch (err) {
    await Promise.all(Object.values(all).map((s) => s.close()));
    throw err;
  }

  const urls = Object.fromEntries(SIMULATOR_NAMES.map((n) => [n, all[n].url])) as Record<SimulatorName, string>;
  return {
    urls,
    credentials: {
      knoxManage: knoxManage.credentials,
      secondMdm: secondMdm.credentials,
      operator: operator.credentials,
      hr: { token: hr.token },
      directory: { tenant: directory.tenant, ...directory.credentials },
    },
    knoxManage,
    secondMdm,
    operator,
    hr,
    directory,
    mdm: { KNOX_MANAGE: knoxManage, SECOND_MDM: secondMdm },
    all,
    restored: saved !== undefined,
    async saveState() {
      await saver?.save();
    },
    resetFaults() {
      for (const s of Object.values(all)) {
        s.faults.clear();
        s.calls.reset();
      }
    },
    async close() {
      await Promise.all(Object.values(all).map((s) => s.close()));
      // Last, so that it holds every change the closed servers accepted.
      await saver?.save();
    },
  };
}
