// Starts the seven simulators phonefleet talks to when no real system is configured: Knox
// Manage, the second MDM (Headwind-style), the operator (Control Center style), HR, the
// directory (Microsoft Graph shaped), Knox Guard and the leasing partner. Each listens on its
// own port; credentials are generated per start unless given, and handed back so the adapters
// can be configured. Given a state file, their data outlives a restart, as the real systems'
// databases would.
import type { MdmProviderName } from '../adapters/mdm.ts';
import type { ClientCredentials } from './auth.ts';
import { DirectorySimulator } from './directory.ts';
import { HeadwindSimulator, type HeadwindCredentials } from './headwind.ts';
import { HrSimulator } from './hr.ts';
import { KnoxGuardSimulator } from './knox-guard.ts';
import { KnoxManageSimulator } from './knox-manage.ts';
import { LeasePartnerSimulator } from './lease-partner.ts';
import type { MdmSimulator } from './mdm-devices.ts';
import { OperatorSimulator } from './operator.ts';
import type { RateLimits } from './rate-limits.ts';
import type { Simulator } from './simulator.ts';
import { StateFileSaver, readStateFile } from './state-file.ts';

export type SimulatorName = 'knoxManage' | 'secondMdm' | 'operator' | 'hr' | 'directory' | 'knoxGuard' | 'leasePartner';

/** Port order (SIM_BASE_PORT + index): new simulators go at the end so existing ports stay. */
export const SIMULATOR_NAMES: readonly SimulatorName[] = ['knoxManage', 'secondMdm', 'operator', 'hr', 'directory', 'knoxGuard', 'leasePartner'];

export interface SimulatorCredentials {
  knoxManage: ClientCredentials;
  secondMdm: HeadwindCredentials;
  operator: { user: string; apiKey: string };
  hr: { token: string };
  directory: { tenant: string; clientId: string; clientSecret: string };
  knoxGuard: { apiToken: string };
  leasePartner: { token: string };
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
   * Knox Manage: the published rate limits to enforce (KNOX_MANAGE_PUBLISHED_LIMITS in
   * ./rate-limits.ts; the demo and `src/simulators/main.ts` use them). Default none: tests that
   * are not about pacing send faster than any real fleet would.
   */
  knoxManageRateLimits?: RateLimits | null;
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
  /** A simulator added since the file was written is missing: it starts empty. */
  simulators: Partial<Record<SimulatorName, unknown>>;
}

/** Simulators every state file has; the later ones may be missing from older files. */
const ORIGINAL_SIMULATORS: readonly SimulatorName[] = ['knoxManage', 'secondMdm', 'operator', 'hr', 'directory'];

function savedSimulatorsIn(file: string): SavedSimulators | undefined {
  const saved = readStateFile(file) as Partial<SavedSimulators> | undefined;
  if (saved === undefined) return undefined;
  if (saved.version !== 1 || typeof saved.simulators !== 'object' || ORIGINAL_SIMULATORS.some((n) => saved.simulators?.[n] === undefined)) {
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
  knoxGuard: KnoxGuardSimulator;
  leasePartner: LeasePartnerSimulator;
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
  const knoxManage = new KnoxManageSimulator({
    ...base('knoxManage'),
    ...(given.knoxManage ? { credentials: given.knoxManage } : {}),
    rateLimits: opts.knoxManageRateLimits ?? null,
  });
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
  const mdms: Record<MdmProviderName, MdmSimulator & Simulator> = { KNOX_MANAGE: knoxManage, SECOND_MDM: secondMdm };
  // Knox Guard and the MDMs see the same physical phones: a phone is online for Knox Guard when
  // an MDM sees it online, and coming online delivers the Knox Guard lock too.
  const knoxGuard = new KnoxGuardSimulator({
    ...base('knoxGuard'),
    ...(given.knoxGuard ? { apiToken: given.knoxGuard.apiToken } : {}),
    isOnline: (imei) => Object.values(mdms).some((m) => m.devices.enrolledByImei(imei)?.online === true),
    lastSeenAt: (imei) => Object.values(mdms).map((m) => m.devices.enrolledByImei(imei)?.lastSeenAt).find(Boolean),
  });
  for (const mdm of Object.values(mdms)) {
    mdm.devices.onDeviceEvent((device, event) => {
      // Every phone the partner registers in an MDM came from the reseller, who uploads each
      // one to Knox Guard: so an MDM registration implies a Knox Guard enrolment.
      if (event.type === 'REGISTERED') knoxGuard.enrol(device.imei);
      if (event.type === 'ONLINE') knoxGuard.phoneCameOnline(device.imei);
    });
  }
  const leasePartner = new LeasePartnerSimulator({ ...base('leasePartner'), ...(given.leasePartner ? { token: given.leasePartner.token } : {}) });
  const all: Record<SimulatorName, Simulator> = { knoxManage, secondMdm, operator, hr, directory, knoxGuard, leasePartner };

  const saved = opts.stateFile ? savedSimulatorsIn(opts.stateFile) : undefined;
  // Before listening: no request sees a simulator half restored.
  if (saved) {
    for (const name of SIMULATOR_NAMES) {
      const state = saved.simulators[name];
      if (state !== undefined) all[name].importState(state);
    }
    // A file from before Knox Guard existed: its phones are the ones the MDMs know.
    if (saved.simulators.knoxGuard === undefined) {
      for (const mdm of Object.values(mdms)) for (const device of mdm.devices.list()) knoxGuard.enrol(device.imei);
    }
  }
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
      knoxGuard: { apiToken: knoxGuard.apiToken },
      leasePartner: { token: leasePartner.token },
    },
    knoxManage,
    secondMdm,
    operator,
    hr,
    directory,
    knoxGuard,
    leasePartner,
    mdm: mdms,
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
      knoxManage.rateLimiter.reset();
    },
    async close() {
      await Promise.all(Object.values(all).map((s) => s.close()));
      // Last, so that it holds every change the closed servers accepted.
      await saver?.save();
    },
  };
}
