// The `phonefleet` commands: a thin client of the HTTP API for the people who run the fleet from
// a terminal or a Jenkins stage. Each command makes the API calls a person would make with curl,
// prints a table (or, with --json, the API's answer as is) and exits with a code from EXIT.
import type { ReleaseProgress, TargetCounts } from '../../workflows/release-contract.ts';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { TrainingPlan } from '../domain/training-plan.ts';
import Table from 'cli-table3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { apiSettingsFromEnv, CliError, EXIT, EXIT_CODES_HELP, PhonefleetApi, RawBody, segment, type ApiSettings, type Problem } from './api-client.ts';

// --- what the API answers (the parts the tables show) ---------------------------------------

interface EmployeeView {
  employee: {
    id: string;
    storeId: string | null;
    roleCode: string | null;
    position: string | null;
    status: string;
    startDate: string | null;
    lastWorkingDay: string | null;
    handedOverAt: string | null;
    devices: { imei: string; model: string; state: string }[];
    sims: { iccid: string; msisdn: string | null; state: string; ownerRegistration: string | null }[];
  } | null;
  lifecycle: { status: string; pendingEvents: number; phaseWorkflowId: string | null } | null;
  onboarding: { stage: string; imei?: string; iccid?: string } | null;
  clearance: { stage: string; returned?: unknown } | null;
  move: { stage: string } | null;
}

interface StoreSettings {
  storeId: string;
  supportPhone: string;
  uplinkMbps: number;
  updateSharePercent: number;
  installWindow: { from: string; until: string } | null;
  mdmProvider: string;
}

interface FreezeRow {
  id: number;
  storeId: string | null;
  startsAt: string;
  endsAt: string;
  reason: string;
  createdBy: string;
}

interface SupportTaskRow {
  id: number;
  storeId: string;
  employeeId: string | null;
  kind: string;
  summary: string;
  status: string;
  createdAt: string;
  closedAt: string | null;
  closedBy: string | null;
  resolution: string | null;
}

interface AnomalyRow {
  id: number;
  kind: string;
  subject: string;
  storeId: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  supportTaskId: number | null;
}

interface ReconcileSummaryView {
  runId: string;
  dryRun: boolean;
  directory: { opened: number; closed: number };
  anomalies: { open: number; opened: number; resolved: number };
  remediations: { planned: number; done: number };
  supportTasksOpened: number;
  remindersSent: number;
  actions: { action: string; subject: string; kind?: string; storeId: string | null }[];
  actionsLeftOut: number;
}

interface SyncView {
  id: string;
  status: string;
  dryRun: boolean;
  startedAt: string;
  closedAt?: string;
  passes: { source: string; startedAt: string; finishedAt: string | null; pages: number; counts: Record<string, number> }[];
  reconcile?: Record<string, number>;
}

interface DirectoryLinkRow {
  employeeId: string;
  iccid: string;
  msisdn: string | null;
  imei: string | null;
  since: string;
  until: string | null;
}

interface RefusedDelivery {
  id: number;
  receivedAt: string;
  status: number;
  reason: string;
  problems: Problem[];
  eventId: string | null;
  source: string | null;
  type: string | null;
  employeeId: string | null;
}

interface RolloutChangeView {
  change: number;
  kind: string;
  cancelled: string[];
  added: { sessionId: string; startsAt: string; room: string; trainer: string; employees: string[] }[];
  withdrawn: { sessionId: string; employees: string[]; why: 'moved' | 'left' }[];
  unplaced: { employeeId: string; reason: string }[];
  note?: string;
}

// --- output -----------------------------------------------------------------------------------

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

const processOutput: Output = { out: (line) => void process.stdout.write(`${line}\n`), err: (line) => void process.stderr.write(`${line}\n`) };

function table(head: string[], rows: (string | number | null | undefined)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  t.push(...rows.map((r) => r.map((cell) => (cell === null || cell === undefined ? '-' : String(cell)))));
  return t.toString();
}

const lower = (s: string) => s.toLowerCase().replace(/_/g, ' ');

// --- argument formats -------------------------------------------------------------------------

const IMEI = /^\d{15}$/;

const positiveInt = (v: string) => {
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a whole number above 0');
  return Number(v);
};

const wholeNumber = (v: string) => {
  if (!/^\d{1,9}$/.test(v)) throw new InvalidArgumentError('must be a whole number, 0 or more');
  return Number(v);
};
const decimal = (v: string) => {
  if (!/^\d{1,6}(\.\d{1,6})?$/.test(v)) throw new InvalidArgumentError('must be a number such as 1 or 0.5');
  return Number(v);
};

// The API wants the offset spelled out (a freeze is declared for stores in several time zones);
// the CLI checks the same, so a typo is a usage error before any request.
const OFFSET_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const dateTimeWithOffset = (v: string) => {
  if (!OFFSET_DATE_TIME.test(v) || Number.isNaN(Date.parse(v))) throw new InvalidArgumentError('must be an ISO 8601 date-time with an offset, e.g. 2026-03-02T06:00:00+01:00');
  return v;
};

/** `--install-window 02:00-05:00` or `none` (commander keeps no null: "none" stays a word). */
function installWindowOf(value: string): { from: string; until: string } | 'none' {
  if (value === 'none') return 'none';
  const m = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(value);
  if (!m) throw new InvalidArgumentError('must be HH:MM-HH:MM (store time) or none');
  return { from: m[1]!, until: m[2]! };
}

/** A roster file as the API takes it: CSV text, or JSON entries by its extension. */
function rosterFileOf(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
  }
  if (!file.toLowerCase().endsWith('.json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${(err as Error).message}`, EXIT.usage);
  }
}

/** A plan request from files: the constraints (JSON) and, when given, the roster (CSV text, or JSON by its extension). */
/** A file's text, or a usage error naming it. */
function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
  }
}

function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not JSON: ${(err as Error).message}`, EXIT.usage);
  }
}

function planRequestOf(constraintsFile: string, rosterFile?: string): Record<string, unknown> {
  const constraints = parseJsonFile(constraintsFile, readText(constraintsFile)) as Record<string, unknown>;
  if (rosterFile) {
    const text = readText(rosterFile);
    constraints.roster = rosterFile.toLowerCase().endsWith('.json') ? parseJsonFile(rosterFile, text) : text;
  }
  return constraints;
}

interface AppRegisterOptions {
  json?: boolean;
  package: string;
  name: string;
  certSha256: string;
  autoInstall: boolean;
  critical?: boolean;
  repository?: string;
  role?: string[];
  gateMinInstalls?: number;
  gateMinExposure?: number;
  gateMaxCrashFreeDrop?: number;
  gateMaxAnrRise?: number;
  gateMaxInstallFailureRatio?: number;
}

// --- the program ------------------------------------------------------------------------------

/**
 * The command tree. `settings` replaces the environment (the demo scripts pass the running
 * phonefleet's address and generated token); `output` replaces stdout/stderr.
 */
export function buildProgram(opts: { settings?: () => ApiSettings; output?: Output } = {}): Command {
  const output = opts.output ?? processOutput;
  const api = () => new PhonefleetApi((opts.settings ?? apiSettingsFromEnv)());
  /** Prints the API's answer with --json, else the human text. */
  const show = (json: boolean | undefined, body: unknown, human: () => string) => output.out(json ? JSON.stringify(body, null, 2) : human());

  const program = new Command('phonefleet')
    .description('phonefleet operations from the command line: a client of its HTTP API')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => output.out(s.replace(/\n$/, '')), writeErr: (s) => output.err(s.replace(/\n$/, '')) })
    .addHelpText('after', EXIT_CODES_HELP)
    // Usage errors exit 2, not commander's default 1 (which means "refused" here).
    .exitOverride();
  // Subcommands copy the settings above when created, so create them after.
  const command = (parent: Command, name: string) => parent.command(name).option('--json', "print the API's answer as JSON instead of text");

  // employee ----------------------------------------------------------------------------------
  const employee = program.command('employee').description('employees as phonefleet knows them');
  command(employee, 'show')
    .description('an employee: store, role, status, phone and SIM, and each running process with its stage')
    .argument('<id>', 'HR employee id, e.g. E000123')
    .action(async (id: string, o: { json?: boolean }) => {
      const view = await api().get<EmployeeView>(`/employees/${segment(id)}`);
      show(o.json, view, () => employeeText(id, view));
    });

  // device ------------------------------------------------------------------------------------
  const device = program.command('device').description('phones at the counter: hand-over and return');
  command(device, 'handover')
    .description("confirm the prepared phone is in the employee's hands (by the phone's IMEI, or by the employee: their prepared phone)")
    .argument('<imei|employee>', "the phone's IMEI (15 digits) or the HR employee id")
    .action(async (target: string, o: { json?: boolean }) => {
      const client = api();
      let imei = target;
      let employeeId: string | undefined;
      if (!IMEI.test(target)) {
        employeeId = target;
        const view = await client.get<EmployeeView>(`/employees/${segment(target)}`);
        if (!view.onboarding?.imei)
          throw new CliError(`no phone prepared for ${target} yet (onboarding stage: ${view.onboarding?.stage ?? 'none'})`, EXIT.refused, {
            status: 409,
            error: 'no phone prepared',
          });
        imei = view.onboarding.imei;
      }
      const { status, body } = await client.request<{ employeeId: string; imei: string; alreadyHandedOver?: boolean; workflowId?: string }>(
        'POST',
        `/devices/${segment(imei)}/handover`,
        employeeId ? { employeeId } : {},
      );
      show(o.json, body, () =>
        status === 200
          ? `Phone ${body.imei} was already handed over to ${body.employeeId}.`
          : `Phone ${body.imei} handed over to ${body.employeeId} (onboarding ${body.workflowId} carries on).`,
      );
    });
  command(device, 'returned')
    .description("record a leaver's phone (and whether its SIM came with it) as handed in")
    .argument('<imei>', "the phone's IMEI")
    .addOption(new Option('--condition <condition>', 'the state the phone came back in').choices(['ok', 'damaged']).makeOptionMandatory())
    // No default: a SIM assumed returned would be restocked while it is still out there.
    .option('--sim-returned', 'the SIM came back in the phone (one of the two is required)')
    .option('--no-sim-returned', 'the SIM did not come back')
    .action(async (imei: string, o: { json?: boolean; condition: 'ok' | 'damaged'; simReturned?: boolean }, cmd: Command) => {
      if (o.simReturned === undefined) cmd.error('error: say whether the SIM came back: --sim-returned or --no-sim-returned', { exitCode: EXIT.usage, code: 'phonefleet.sim' });
      const { status, body } = await api().request<{ employeeId: string; imei: string; alreadyReturned?: boolean; workflowId?: string }>(
        'POST',
        `/devices/${segment(imei)}/returned`,
        { condition: o.condition, simReturned: o.simReturned },
      );
      show(o.json, body, () =>
        status === 200
          ? `Phone ${body.imei} of ${body.employeeId} was already recorded as returned.`
          : `Phone ${body.imei} of ${body.employeeId} recorded as returned (${o.condition}, SIM ${o.simReturned ? 'returned' : 'not returned'}); clearance ${body.workflowId} carries on.`,
      );
    });

  // app, release ------------------------------------------------------------------------------
  const app = program.command('app').description('the apps phonefleet installs: their package, pinned signer and roles');
  command(app, 'register')
    .description('register an app, so its builds can be published (the same registration again changes nothing)')
    .requiredOption('--package <name>', 'Android package name, e.g. com.retailco.stock')
    .requiredOption('--name <text>', 'what people call it, e.g. "Stock Lookup"')
    .requiredOption('--cert-sha256 <hex>', 'SHA-256 of its signing certificate, as `apksigner verify --print-certs` prints it')
    .option('--no-auto-install', 'announce new versions with a push message; the holder installs')
    .option('--critical', "installed even during the holder's shift")
    .option('--repository <url>', 'the git repository its builds come from (release notes)')
    .option('--role <code...>', 'the roles that have it, e.g. CASHIER STOCKER')
    // Its own health gate (each figure unset: the fleet's default gate).
    .option('--gate-min-installs <n>', 'installs a ring needs before it is judged (default 200)', wholeNumber)
    .option('--gate-min-exposure <minutes>', 'exposure a ring needs before it is judged (default 60)', wholeNumber)
    .option('--gate-max-crash-free-drop <points>', 'unhealthy when crash-free sessions fall this many points below the previous version (default 1)', decimal)
    .option('--gate-max-anr-rise <points>', 'unhealthy when ANRs rise this many points above the previous version', decimal)
    .option('--gate-max-install-failure-ratio <ratio>', "unhealthy when install failures reach this multiple of the previous version's (default 2)", decimal)
    .action(async (o: AppRegisterOptions) => {
      const gate = Object.fromEntries(
        (
          [
            ['minInstalls', o.gateMinInstalls],
            ['minExposureMinutes', o.gateMinExposure],
            ['maxCrashFreeDropPoints', o.gateMaxCrashFreeDrop],
            ['maxAnrRisePoints', o.gateMaxAnrRise],
            ['maxInstallFailureRatio', o.gateMaxInstallFailureRatio],
          ] as const
        ).filter(([, v]) => v !== undefined),
      );
      const { status, body } = await api().request<{ app: { packageName: string; roles: string[] } }>('POST', '/apps', {
        packageName: o.package,
        name: o.name,
        signingCertSha256: o.certSha256,
        autoInstall: o.autoInstall,
        ...(o.critical ? { critical: true } : {}),
        ...(o.repository ? { gitRepository: o.repository } : {}),
        ...(o.role ? { roles: o.role } : {}),
        ...(Object.keys(gate).length ? { gate } : {}),
      });
      show(
        o.json,
        body,
        () => `${body.app.packageName} ${status === 201 ? 'registered' : 'was already registered so'}${body.app.roles.length ? ` (roles ${body.app.roles.join(', ')})` : ''}.`,
      );
    });
  command(app, 'list')
    .description('the registered apps and their last released versionCode')
    .action(async (o: { json?: boolean }) => {
      const body = await api().get<{ apps: { packageName: string; name: string; autoInstall: boolean; critical: boolean; roles: string[]; lastVersionCode: number | null }[] }>(
        '/apps',
      );
      show(o.json, body, () =>
        table(
          ['package', 'name', 'install', 'roles', 'last versionCode'],
          body.apps.map((a) => [
            a.packageName,
            a.name,
            `${a.autoInstall ? 'auto' : 'by the holder'}${a.critical ? ', critical' : ''}`,
            a.roles.join(' '),
            a.lastVersionCode ?? '-',
          ]),
        ),
      );
    });

  const release = program.command('release').description('builds from Jenkins on their way to the phones');
  command(release, 'publish')
    .description(
      'publish a build: the APK is verified (manifest, APK Signature Scheme v2/v3, the pinned signer) before anything is kept; publishing the same build again returns its release',
    )
    .argument('<apk>', 'the signed APK file')
    .requiredOption('--commit <sha>', 'the git commit it was built from')
    .option('--notes <text>', 'release notes (default: the git log since the last release)')
    .option('--announce', 'a feature people must know about: push the notes to every phone, even for an auto-installed app')
    .action(async (file: string, o: { json?: boolean; commit: string; notes?: string; announce?: boolean }) => {
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
      }
      // The digest travels with the upload: bytes damaged on the way are refused, not released.
      const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
      const query = new URLSearchParams({ commit: o.commit, sha256, ...(o.notes ? { notes: o.notes } : {}), ...(o.announce ? { announce: 'true' } : {}) });
      const { status, body } = await api().request<{ release: { id: string; versionName: string | null; versionCode: number; sha256: string } }>(
        'POST',
        `/releases?${query}`,
        new RawBody(bytes, 'application/vnd.android.package-archive'),
      );
      const r = body.release;
      show(
        o.json,
        body,
        () => `${r.id} ${status === 201 ? 'accepted' : 'was already published (this very build)'}: ${r.versionName ?? ''} (${r.versionCode}), SHA-256 ${r.sha256}.`,
      );
    });

  type ReleaseView = { release: { id: string; status: string }; progress?: ReleaseProgress; summary?: string };
  const releaseText = (v: ReleaseView): string => {
    const p = v.progress;
    if (!p) return `${v.release.id}: ${lower(v.release.status)} (its process does not answer now)`;
    const lines = [v.summary ?? v.release.id];
    for (const ring of p.rings) {
      const stores = ring.stores.map((id) => p.stores[id]).filter((x) => x !== undefined);
      const sum = (k: keyof TargetCounts) => stores.reduce((n, st) => n + st.counts[k], 0);
      lines.push(
        `  ring ${ring.number} (${ring.name}, ${ring.stores.length} stores): ${ring.state}; installed ${sum('installed')} of ${sum('targeted')}, failed ${sum('failed')}, downloading ${sum('downloading')}, waiting for the window ${sum('waitingForWindow')}, waiting for a freeze ${stores.filter((st) => st.state === 'waiting-for-freeze').length} stores`,
      );
    }
    if (p.halt) lines.push(`  halted in ring ${p.halt.ring}: ${p.halt.reasons.join('; ')}`);
    if (p.affectedPhones !== undefined) lines.push(`  phones that installed it: ${p.affectedPhones} (release affected-phones ${p.releaseId})`);
    return lines.join('\n');
  };
  command(release, 'status')
    .description('where a release stands: per ring, installed, failed, downloading, waiting for a freeze or the window')
    .argument('<id>', 'release-<package>-<versionCode>')
    .action(async (id: string, o: { json?: boolean }) => {
      const view = await api().get<ReleaseView>(`/releases/${segment(id)}`);
      show(o.json, view, () => releaseText(view));
    });
  command(release, 'wait')
    .description('wait until the release has passed a ring (or finished); exits non-zero if it halts or is aborted, so a pipeline shows it')
    .argument('<id>', 'release-<package>-<versionCode>')
    .option('--ring <n>', 'the ring to wait for (default: the whole release)', (v) => Number(v))
    .option('--timeout <seconds>', 'give up after this long (exit 5)', (v) => Number(v))
    .action(async (id: string, o: { json?: boolean; ring?: number; timeout?: number }) => {
      const client = api();
      const deadline = o.timeout ? Date.now() + o.timeout * 1000 : Infinity;
      for (;;) {
        const view = await client.get<ReleaseView>(`/releases/${segment(id)}`);
        const p = view.progress;
        const bad = p ? ['halted', 'aborted', 'superseded'].includes(p.status) : ['HALTED', 'ABORTED', 'SUPERSEDED'].includes(view.release.status);
        if (bad) {
          show(o.json, view, () => releaseText(view));
          throw new CliError(`${id} is ${p?.status ?? lower(view.release.status)}`, EXIT.refused, view);
        }
        const passed = p && (p.status === 'completed' || (o.ring !== undefined && p.rings[o.ring - 1]?.state === 'healthy'));
        if (passed || (!p && view.release.status === 'COMPLETED')) return show(o.json, view, () => releaseText(view));
        if (Date.now() > deadline) throw new CliError(`${id} did not get there in ${o.timeout} s`, EXIT.unavailable, view);
        await new Promise((r) => setTimeout(r, 2_000));
      }
    });
  const releaseCommand = (name: string, what: string, body: (o: { reason?: string; ring?: number }) => object, reasonRequired = false) =>
    (reasonRequired ? command(release, name).requiredOption('--reason <text>', 'why (audited)') : command(release, name).option('--reason <text>', 'why (audited)'))
      .description(what)
      .argument('<id>', 'release-<package>-<versionCode>')
      .action(async (id: string, o: { json?: boolean; reason?: string; ring?: number }) => {
        const { body: view } = await api().request<ReleaseView>('POST', `/releases/${segment(id)}/${name}`, body(o));
        show(o.json, view, () => releaseText(view));
      });
  releaseCommand('approve', 'approve the ring that waits for approval', (o) => ({ ring: o.ring, ...(o.reason ? { reason: o.reason } : {}) })).requiredOption(
    '--ring <n>',
    'the ring to approve',
    (v) => Number(v),
  );
  releaseCommand('pause', "pause: every store's next batch waits", (o) => (o.reason ? { reason: o.reason } : {}));
  releaseCommand('resume', 'resume after a pause or a halt (overriding the health gate)', (o) => (o.reason ? { reason: o.reason } : {}));
  releaseCommand('abort', 'abort: withdraw what has not been installed; the phones that have it are listed', (o) => ({ reason: o.reason }), true);
  command(release, 'affected-phones')
    .description('the phones that installed the release (after an abort, the rollback release reaches them first)')
    .argument('<id>', 'release-<package>-<versionCode>')
    .action(async (id: string, o: { json?: boolean }) => {
      const view = await api().get<{ phones: { imei: string; storeId: string }[] }>(`/releases/${segment(id)}/affected-phones`);
      show(o.json, view, () => view.phones.map((p) => `${p.storeId} ${p.imei}`).join('\n') || 'none');
    });

  // store settings ----------------------------------------------------------------------------
  const store = program.command('store').description("a store's settings HR does not know");
  command(store, 'settings')
    .description("show a store's support line, uplink and update share, or set those given")
    .argument('<store>', 'the store, e.g. S001')
    .option('--support-phone <number>', 'the line its lock screens show, e.g. "+7 495 123-45-67"')
    .option('--uplink <mbps>', "the store's uplink in Mbit/s", positiveInt)
    .option('--update-share <percent>', 'the part of the uplink app updates may use, 1-100', positiveInt)
    .option('--install-window <HH:MM-HH:MM|none>', 'when releases may install whoever is at work, on the store clock (e.g. 02:00-05:00), or none', installWindowOf)
    .action(
      async (storeId: string, o: { json?: boolean; supportPhone?: string; uplink?: number; updateShare?: number; installWindow?: { from: string; until: string } | 'none' }) => {
        const changes = {
          ...(o.supportPhone ? { supportPhone: o.supportPhone } : {}),
          ...(o.uplink ? { uplinkMbps: o.uplink } : {}),
          ...(o.updateShare ? { updateSharePercent: o.updateShare } : {}),
          ...(o.installWindow !== undefined ? { installWindow: o.installWindow === 'none' ? null : o.installWindow } : {}),
        };
        const path = `/stores/${segment(storeId)}/settings`;
        const settings = Object.keys(changes).length ? (await api().request<StoreSettings>('PATCH', path, changes)).body : await api().get<StoreSettings>(path);
        show(
          o.json,
          settings,
          () =>
            `Store ${settings.storeId}: support line ${settings.supportPhone || '(none)'}, uplink ${settings.uplinkMbps} Mbit/s, updates may use ${settings.updateSharePercent} % of it, install window ${settings.installWindow ? `${settings.installWindow.from}-${settings.installWindow.until}` : '(none: after each holder’s shift)'}, MDM ${settings.mdmProvider}.`,
        );
      },
    );

  // rollout -----------------------------------------------------------------------------------
  const rollout = program.command('rollout').description('rolling out a store: training its staff in groups and handing over their phones');
  command(rollout, 'plan')
    .description("plan a store's training (changes nothing): sessions of at most 16 in the fewest days, no department below its floor minimum; with the lower bound")
    .argument('<store>', 'the store, e.g. S007')
    .requiredOption('--constraints <file>', 'JSON: firstDay, rooms, trainers, departments (floor minimums), sessionMinutes, ... (see POST /stores/{id}/rollouts/plan)')
    .option('--roster <file>', "the roster, CSV (employeeId,department,shiftFrom,shiftUntil,daysOff,unavailable) or JSON; default: the store's employees from HR")
    .action(async (storeId: string, o: { json?: boolean; constraints: string; roster?: string }) => {
      const constraints = planRequestOf(o.constraints, o.roster);
      const { body } = await api().request<{ employees: number; plan: TrainingPlan }>('POST', `/stores/${segment(storeId)}/rollouts/plan`, constraints);
      show(o.json, body, () => {
        const p = body.plan;
        const byDay = new Map<string, { sessions: number; people: number }>();
        for (const s of p.sessions) {
          const d = byDay.get(s.day) ?? { sessions: 0, people: 0 };
          byDay.set(s.day, { sessions: d.sessions + 1, people: d.people + s.employees.length });
        }
        const lines = [
          `${body.employees} people in ${p.sessions.length} sessions over ${p.days} training days (lower bound ${p.lowerBound.days}: ${p.lowerBound.setBy.kind}, ${p.lowerBound.setBy.detail}).`,
          table(
            ['day', 'sessions', 'people'],
            [...byDay].map(([day, d]) => [day, d.sessions, d.people]),
          ),
        ];
        if (p.activation) {
          lines.push(`Phones imaged at ${p.activation.phonesPerHour} an hour, the last at ${p.activation.lastImagedAt}.`);
          for (const m of p.activation.movedByLink) lines.push(`  moved by the link: ${m.people} from ${m.day} ${m.start}: ${m.reason}`);
        }
        return lines.join('\n');
      });
    });

  command(rollout, 'start')
    .description(
      "start a store's rollout with the plan made from the constraints: sessions invite their people a day ahead, the trainer records attendance, no-shows go to a later session",
    )
    .argument('<store>', 'the store, e.g. S007')
    .requiredOption('--constraints <file>', 'JSON, as for rollout plan (and inviteAheadHours, attendanceGraceMinutes)')
    .option('--roster <file>', "the roster, CSV or JSON; default: the store's employees from HR")
    .option('--manifest <file>', "the partner's shipment, CSV or JSON (imei, iccid, msisdn, serial, model per phone): registered first")
    .option('--lease-contract <id>', "the shipment's leasing contract (with --manifest)")
    .option('--warranty-until <date>', "the shipment's warranty end, YYYY-MM-DD (with --manifest)")
    .option('--operator <name>', "the SIMs' operator (with --manifest; default CorpMobile)")
    .option('--curator <employee>', "the store's ambassador: invited to every session, told each day how it goes")
    .action(
      async (
        storeId: string,
        o: { json?: boolean; constraints: string; roster?: string; manifest?: string; leaseContract?: string; warrantyUntil?: string; operator?: string; curator?: string },
      ) => {
        const request = planRequestOf(o.constraints, o.roster);
        if (o.manifest) {
          if (!o.leaseContract || !o.warrantyUntil) throw new CliError('--manifest needs --lease-contract and --warranty-until', EXIT.usage);
          const manifest = readText(o.manifest);
          request.shipment = {
            manifest: o.manifest.toLowerCase().endsWith('.json') ? parseJsonFile(o.manifest, manifest) : manifest,
            leaseContract: o.leaseContract,
            warrantyUntil: o.warrantyUntil,
            ...(o.operator ? { operator: o.operator } : {}),
          };
        } else if (o.leaseContract || o.warrantyUntil || o.operator) throw new CliError('--lease-contract, --warranty-until and --operator go with --manifest', EXIT.usage);
        if (o.curator) request.curator = o.curator;
        const { status, body } = await api().request<{ rolloutId: string; sessions?: number; days?: number; lastDay?: string; alreadyStarted?: boolean }>(
          'POST',
          `/stores/${segment(storeId)}/rollouts`,
          request,
        );
        show(o.json, body, () =>
          status === 200
            ? `${body.rolloutId} was already started by this request.`
            : `${body.rolloutId} started: ${body.sessions} sessions over ${body.days} training days, the last on ${body.lastDay}.`,
        );
      },
    );
  command(rollout, 'status')
    .description("a store's rollout: trained, handed over, no-shows placed again, the next sessions")
    .argument('<store>', 'the store, e.g. S007')
    .action(async (storeId: string, o: { json?: boolean }) => {
      const p = await api().get<{
        employees: number;
        trained: number;
        handedOver: number;
        rescheduled: number;
        sessionsHeld: number;
        sessionsLeft: number;
        lastDay?: string;
        state: string;
        upcoming: { sessionId: string; startsAt: string; room: string; employees: string[] }[];
        changes?: { applied: number; last?: { kind: string; reason: string; by: string; at: string } };
        shipment?: { registered: number; refused: { imei: string; reason: string }[] };
        activation?: { scheduled: number; activated: number; late: number; withoutPhone: number; switchedOff: number };
      }>(`/stores/${segment(storeId)}/rollouts/current`);
      const last = p.changes?.last;
      show(o.json, p, () =>
        [
          `${storeId}: ${p.trained} of ${p.employees} trained, ${p.handedOver} phones handed over, ${p.rescheduled} no-shows placed again; ${p.sessionsHeld} sessions held, ${p.sessionsLeft} left${p.lastDay ? ` (the last on ${p.lastDay})` : ''}; ${p.state}.`,
          ...(p.shipment
            ? [
                `Shipment: ${p.shipment.registered} phones into stock${p.shipment.refused.length ? `, ${p.shipment.refused.length} refused (${p.shipment.refused.map((r) => `${r.imei}: ${r.reason}`).join('; ')})` : ''}.`,
              ]
            : []),
          ...(p.activation
            ? [
                `Images: ${p.activation.activated} of ${p.activation.scheduled} phones signed in, ${p.activation.late} late for their session, ${p.activation.switchedOff} prepared but switched off, ${p.activation.withoutPhone} people without a phone yet.`,
              ]
            : []),
          ...(last ? [`${p.changes!.applied} changes mid-rollout, the last ${last.at} by ${last.by}: ${last.kind} (${last.reason}).`] : []),
          table(
            ['next session', 'starts', 'room', 'people'],
            p.upcoming.map((u) => [u.sessionId, u.startsAt, u.room, u.employees.length]),
          ),
        ].join('\n'),
      );
    });
  command(rollout, 'attend')
    .description('record who came to a training session (once, from its start): their phones are handed over there')
    .argument('<store>', 'the store, e.g. S007')
    .argument('<session>', 'the session id, e.g. 2027-03-01T08:00-R1')
    .requiredOption('--present <employee...>', 'the employees who came')
    .action(async (storeId: string, sessionId: string, o: { json?: boolean; present: string[] }) => {
      const { body } = await api().request<{ present: number; noShows: number }>('POST', `/stores/${segment(storeId)}/rollouts/sessions/${segment(sessionId)}/attendance`, {
        present: o.present,
      });
      show(o.json, body, () => `Session ${sessionId}: ${body.present} came, ${body.noShows} did not (they are placed into a later session).`);
    });

  command(rollout, 'change')
    .description('change a running rollout: a session cancelled, a room lost, the roster changed; whoever must move is planned again, never a session already held or under way')
    .argument('<store>', 'the store, e.g. S007')
    .option('--cancel-session <id>', 'a session that will not take place (e.g. the trainer is ill): its people go to later sessions')
    .option('--room-lost <room>', 'a room that cannot be used from --from on (e.g. taken for inventory): its sessions not yet started move')
    .option('--from <date-time>', 'with --room-lost: from when, ISO 8601 with an offset (default: now)', dateTimeWithOffset)
    .option('--roster-add <file>', 'new hires to train: CSV (employeeId,department,shiftFrom,shiftUntil,daysOff,unavailable) or JSON roster entries (by the extension)')
    .option('--roster-remove <ids>', 'people who left the company, comma-separated: their seats are freed', (v: string) =>
      v
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .requiredOption('--reason <text>', 'why, e.g. "trainer ill"')
    .action(
      async (
        storeId: string,
        o: { json?: boolean; cancelSession?: string; roomLost?: string; from?: string; rosterAdd?: string; rosterRemove?: string[]; reason: string },
        cmd: Command,
      ) => {
        const roster = o.rosterAdd !== undefined || o.rosterRemove !== undefined;
        if ([o.cancelSession !== undefined, o.roomLost !== undefined, roster].filter(Boolean).length !== 1)
          cmd.error('error: give one change: --cancel-session <id>, --room-lost <room> [--from], or --roster-add <file> and/or --roster-remove <ids>', {
            exitCode: EXIT.usage,
            code: 'phonefleet.change',
          });
        if (o.from && o.roomLost === undefined) cmd.error('error: --from goes with --room-lost', { exitCode: EXIT.usage, code: 'phonefleet.change' });
        const change = o.cancelSession
          ? { kind: 'session-cancelled', sessionId: o.cancelSession, reason: o.reason }
          : o.roomLost
            ? { kind: 'room-lost', room: o.roomLost, ...(o.from ? { from: o.from } : {}), reason: o.reason }
            : {
                kind: 'roster-changed',
                ...(o.rosterAdd ? { add: rosterFileOf(o.rosterAdd) } : {}),
                ...(o.rosterRemove ? { remove: o.rosterRemove } : {}),
                reason: o.reason,
              };
        const { body } = await api().request<RolloutChangeView>('POST', `/stores/${segment(storeId)}/rollouts/changes`, change);
        show(o.json, body, () => {
          const moved = body.withdrawn.reduce((n, w) => n + (w.why === 'moved' ? w.employees.length : 0), 0);
          const lines = [
            `Change ${body.change} to ${storeId}'s rollout (${body.kind}): ${body.cancelled.length} sessions cancelled${body.cancelled.length ? ` (${body.cancelled.join(', ')})` : ''}, ${body.added.length} added${moved ? `, ${moved} people moved out of their sessions` : ''}, ${body.unplaced.length} people placed nowhere.${body.note ? ` ${body.note}.` : ''}`,
          ];
          if (body.added.length)
            lines.push(
              table(
                ['new session', 'starts', 'room', 'trainer', 'people'],
                body.added.map((a) => [a.sessionId, a.startsAt, a.room, a.trainer, a.employees.length]),
              ),
            );
          for (const u of body.unplaced) lines.push(`  placed nowhere: ${u.employeeId}: ${u.reason}`);
          return lines.join('\n');
        });
      },
    );

  // freeze ------------------------------------------------------------------------------------
  const freeze = program.command('freeze').description('freeze windows: no role changes or releases on the phones meanwhile');
  const freezesPath = (store: string | undefined) => (store ? `/stores/${segment(store)}/freezes` : '/fleet/freezes');
  command(freeze, 'add')
    .description('declare a freeze window for one store (--store) or the whole fleet (--fleet)')
    .option('--store <id>', 'the store, e.g. S001')
    .option('--fleet', 'every store')
    .requiredOption('--from <date-time>', 'start, ISO 8601 with an offset, e.g. 2026-03-02T06:00:00+01:00', dateTimeWithOffset)
    .requiredOption('--until <date-time>', 'end (excluded), ISO 8601 with an offset', dateTimeWithOffset)
    .requiredOption('--reason <text>', 'why, e.g. "stock-taking"')
    .action(async (o: { json?: boolean; store?: string; fleet?: boolean; from: string; until: string; reason: string }, cmd: Command) => {
      if (!o.store === !o.fleet) cmd.error('error: give exactly one of --store <id> and --fleet', { exitCode: EXIT.usage, code: 'phonefleet.scope' });
      const { body } = await api().request<{ freeze: FreezeRow; processesWoken: number | null }>('POST', freezesPath(o.store), {
        startsAt: o.from,
        endsAt: o.until,
        reason: o.reason,
      });
      show(o.json, body, () => `Freeze ${body.freeze.id} declared ${o.store ? `for store ${o.store}` : 'for the fleet'}: ${body.freeze.startsAt} to ${body.freeze.endsAt}.`);
    });
  command(freeze, 'list')
    .description("the freeze windows not yet over: a store's (--store, with the fleet's) or the fleet's")
    .option('--store <id>', 'the store, e.g. S001 (default: fleet-wide windows)')
    .option('--all', 'include windows already over')
    .action(async (o: { json?: boolean; store?: string; all?: boolean }) => {
      const body = await api().get<{ storeId: string | null; freezes: FreezeRow[] }>(`${freezesPath(o.store)}${o.all ? '?all=1' : ''}`);
      show(o.json, body, () =>
        body.freezes.length
          ? table(
              ['id', 'scope', 'from', 'until', 'reason', 'by'],
              body.freezes.map((f) => [f.id, f.storeId ?? 'fleet', f.startsAt, f.endsAt, f.reason, f.createdBy]),
            )
          : `No freeze windows${o.store ? ` for store ${o.store}` : ' for the fleet'}.`,
      );
    });
  command(freeze, 'remove')
    .description('lift a freeze window (processes waiting on it carry on now)')
    .argument('<id>', 'the freeze id (see freeze list)', positiveInt)
    .option('--store <id>', 'the store the window belongs to (default: a fleet-wide window)')
    .action(async (id: number, o: { json?: boolean; store?: string }) => {
      await api().request('DELETE', `${freezesPath(o.store)}/${id}`);
      show(o.json, { removed: id, storeId: o.store ?? null }, () => `Freeze ${id} lifted.`);
    });

  // support-task ------------------------------------------------------------------------------
  const supportTask = program.command('support-task').description("support's tasks: what the processes could not finish alone");
  command(supportTask, 'list')
    .description('support tasks, newest first (at most 500)')
    .addOption(new Option('--status <status>', 'open or closed tasks').choices(['open', 'done']).default('open'))
    .option('--store <id>', 'of this store')
    .option('--kind <kind>', 'of this kind, e.g. onboarding-failed')
    .option('--employee <id>', 'about this employee')
    .action(async (o: { json?: boolean; status: string; store?: string; kind?: string; employee?: string }) => {
      const query = new URLSearchParams({
        status: o.status.toUpperCase(),
        ...(o.store && { store: o.store }),
        ...(o.kind && { kind: o.kind }),
        ...(o.employee && { employee: o.employee }),
      });
      const body = await api().get<{ tasks: SupportTaskRow[] }>(`/support-tasks?${query}`);
      show(o.json, body, () =>
        body.tasks.length
          ? table(
              o.status === 'done' ? ['id', 'store', 'employee', 'kind', 'closed', 'by', 'resolution'] : ['id', 'store', 'employee', 'kind', 'opened', 'summary'],
              body.tasks.map((t) =>
                o.status === 'done'
                  ? [t.id, t.storeId, t.employeeId, t.kind, t.closedAt, t.closedBy, t.resolution]
                  : [t.id, t.storeId, t.employeeId, t.kind, t.createdAt, t.summary],
              ),
            )
          : `No ${o.status === 'done' ? 'closed' : 'open'} support tasks.`,
      );
    });
  command(supportTask, 'close')
    .description('close a task with what was done (again with the same resolution: no change)')
    .argument('<id>', 'the task id (see support-task list)', positiveInt)
    .requiredOption('--resolution <text>', 'what was done, e.g. "phone collected at the store"')
    .action(async (id: number, o: { json?: boolean; resolution: string }) => {
      const { body } = await api().request<{ task: SupportTaskRow; alreadyClosed: boolean }>('POST', `/support-tasks/${id}/close`, { resolution: o.resolution });
      show(o.json, body, () => (body.alreadyClosed ? `Support task ${id} was already closed with this resolution.` : `Support task ${id} closed.`));
    });

  // sync --------------------------------------------------------------------------------------
  const sync = program.command('sync').description('the fleet sync: HR, the operator and the MDMs into phonefleet, then the reconciliation');
  command(sync, 'run')
    .description('start a sync run now (prints its id; again with the same --key: the same run)')
    .option('--dry-run', 'sync the data, but only plan the remediations')
    .option('--key <key>', 'idempotency key naming the run (default: one made for this call)')
    .option('--wait', 'wait until the run has finished, then print its passes')
    .action(async (o: { json?: boolean; dryRun?: boolean; key?: string; wait?: boolean }) => {
      const client = api();
      const key =
        o.key ??
        `cli-${new Date()
          .toISOString()
          .replace(/[^0-9]/g, '')
          .slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
      const { body } = await client.request<{ id: string; dryRun: boolean; status: string }>('POST', '/fleet-syncs', { idempotencyKey: key, dryRun: o.dryRun === true });
      if (!o.wait) return show(o.json, body, () => `Sync ${body.id} started${body.dryRun ? ' (dry run)' : ''}.`);
      let view = await client.get<SyncView>(`/fleet-syncs/${segment(body.id)}`);
      while (view.status === 'RUNNING') {
        await new Promise((r) => setTimeout(r, 1_000));
        view = await client.get<SyncView>(`/fleet-syncs/${segment(body.id)}`);
      }
      show(o.json, view, () => syncText(view));
      if (view.status !== 'COMPLETED') throw new CliError(`sync ${view.id} ended ${lower(view.status)}`, EXIT.refused, view);
    });
  command(sync, 'status')
    .description("a sync run's status and each pass's counts")
    .argument('<id>', 'the run id (from sync run)')
    .action(async (id: string, o: { json?: boolean }) => {
      const view = await api().get<SyncView>(`/fleet-syncs/${segment(id)}`);
      show(o.json, view, () => syncText(view));
    });

  // directory ---------------------------------------------------------------------------------
  const directory = program.command('directory').description('the phone directory: who has which corporate number, SIM and phone, since when');
  command(directory, 'find')
    .description('who has (and had) a number, SIM or phone, or what a person has (give exactly one)')
    .option('--number <msisdn>', 'a corporate number, e.g. +79001234567')
    .option('--employee <id>', 'an HR employee id')
    .option('--iccid <iccid>', "a SIM's ICCID")
    .option('--imei <imei>', "a phone's IMEI")
    .action(async (o: { json?: boolean; number?: string; employee?: string; iccid?: string; imei?: string }) => {
      const given = (['number', 'employee', 'iccid', 'imei'] as const).filter((k) => o[k] !== undefined);
      if (given.length !== 1) throw new CliError('give exactly one of --number, --employee, --iccid, --imei', EXIT.usage);
      const [key] = given as [(typeof given)[number]];
      const body = await api().get<{ current: DirectoryLinkRow[]; history: DirectoryLinkRow[] }>(`/directory?${new URLSearchParams({ [key]: o[key]! })}`);
      show(o.json, body, () => directoryText(body));
    });

  // anomalies ---------------------------------------------------------------------------------
  const anomaly = program.command('anomalies').description("what is wrong in the fleet's data (found after each sync)");
  command(anomaly, 'list')
    .description('anomalies, newest first (at most 500): open ones by default')
    .option('--kind <kind>', 'of this kind, e.g. phone-silent')
    .option('--store <id>', 'of this store')
    .addOption(new Option('--status <status>', 'open or resolved ones, or all').choices(['open', 'resolved', 'all']).default('open'))
    .action(async (o: { json?: boolean; kind?: string; store?: string; status: string }) => {
      const query = new URLSearchParams({
        ...(o.kind && { kind: o.kind }),
        ...(o.store && { store: o.store }),
        ...(o.status !== 'all' && { open: String(o.status === 'open') }),
      });
      const body = await api().get<{ anomalies: AnomalyRow[] }>(`/anomalies?${query}`);
      show(o.json, body, () =>
        body.anomalies.length
          ? table(
              ['id', 'kind', 'subject', 'store', 'first seen', 'last seen', 'resolved', 'by', 'task'],
              body.anomalies.map((a) => [a.id, a.kind, a.subject, a.storeId, a.firstSeenAt, a.lastSeenAt, a.resolvedAt, a.resolvedBy, a.supportTaskId]),
            )
          : `No ${o.status === 'all' ? '' : `${o.status} `}anomalies.`,
      );
    });
  command(anomaly, 'resolve')
    .description('mark an anomaly dealt with (again: no change)')
    .argument('<id>', 'the anomaly id (see anomalies list)', positiveInt)
    .action(async (id: number, o: { json?: boolean }) => {
      const { body } = await api().request<{ anomaly: AnomalyRow; alreadyResolved: boolean }>('POST', `/anomalies/${id}/resolve`);
      show(o.json, body, () => (body.alreadyResolved ? `Anomaly ${id} was already resolved (${body.anomaly.resolvedBy}).` : `Anomaly ${id} resolved.`));
    });
  command(program, 'reconcile')
    .description("reconcile the fleet's data now: directory, anomalies, safe fixes, support tasks")
    .option('--dry-run', 'only say what would be done')
    .action(async (o: { json?: boolean; dryRun?: boolean }) => {
      const { status, body } = await api().request<{ workflowId: string; runId?: string; summary?: ReconcileSummaryView }>('POST', '/fleet/reconcile', {
        dryRun: Boolean(o.dryRun),
      });
      show(o.json, body, () => (status === 202 || !body.summary ? `Reconciliation ${body.runId} still running (workflow ${body.workflowId}).` : reconcileText(body.summary)));
    });

  command(program, 'compliance')
    .description('owner registrations of the SIMs in use, per store and operator')
    .action(async (o: { json?: boolean }) => {
      type Counts = { registered: number; pending: number; rejected: number; missing: number; unconfirmed: number };
      const body = await api().get<{ rows: (Counts & { storeId: string; operator: string })[]; total: Counts }>('/compliance/sim-registrations');
      const cells = (c: Counts) => [c.registered, c.pending, c.rejected, c.missing, c.unconfirmed];
      show(o.json, body, () =>
        table(
          ['store', 'operator', 'registered', 'pending', 'rejected', 'missing', 'unconfirmed'],
          [...body.rows.map((r) => [r.storeId, r.operator, ...cells(r)]), ['all', '', ...cells(body.total)]],
        ),
      );
    });

  // hr ----------------------------------------------------------------------------------------
  const hr = program.command('hr').description('HR events and their deliveries');
  command(hr, 'refused')
    .description('HR deliveries refused with a 4xx answer, newest first: reason and fields named, no personal data')
    .option('--limit <n>', 'at most this many', positiveInt, 50)
    .action(async (o: { json?: boolean; limit: number }) => {
      const deliveries = await refusedDeliveries(api(), o.limit);
      show(o.json, deliveries, () => refusedText(deliveries));
    });

  return program;
}

function reconcileText(s: ReconcileSummaryView): string {
  const lines = [
    `Reconciliation ${s.runId}${s.dryRun ? ' (dry run: nothing changed)' : ''}`,
    `directory: ${s.directory.opened} links opened, ${s.directory.closed} closed`,
    `anomalies: ${s.anomalies.open} open (${s.anomalies.opened} new), ${s.anomalies.resolved} resolved`,
    `${s.dryRun ? 'would do' : 'done'}: ${s.dryRun ? s.remediations.planned : s.remediations.done}; support tasks opened: ${s.supportTasksOpened}; reminders sent: ${s.remindersSent}`,
  ];
  if (s.actions.length)
    lines.push(
      table(
        ['action', 'subject', 'kind', 'store'],
        s.actions.map((a) => [a.action, a.subject, a.kind, a.storeId]),
      ),
    );
  if (s.actionsLeftOut) lines.push(`... and ${s.actionsLeftOut} more`);
  return lines.join('\n');
}

function syncText(v: SyncView): string {
  const counts = (c: Record<string, number>) =>
    Object.entries(c)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const lines = [`Sync ${v.id}: ${lower(v.status)}${v.dryRun ? ' (dry run)' : ''}, started ${v.startedAt}${v.closedAt ? `, ended ${v.closedAt}` : ''}`];
  if (v.passes.length)
    lines.push(
      table(
        ['pass', 'pages', 'finished', 'counts'],
        v.passes.map((p) => [p.source, p.pages, p.finishedAt, counts(p.counts)]),
      ),
    );
  if (v.reconcile) lines.push(`Reconciliation: ${counts(v.reconcile) || 'nothing to do'}`);
  return lines.join('\n');
}

function directoryText(body: { current: DirectoryLinkRow[]; history: DirectoryLinkRow[] }): string {
  if (!body.current.length && !body.history.length) return 'Not in the directory.';
  const head = ['employee', 'number', 'iccid', 'imei', 'since', 'until'];
  const rows = (links: DirectoryLinkRow[]) => links.map((l) => [l.employeeId, l.msisdn, l.iccid, l.imei, l.since, l.until ?? 'now']);
  const parts = [body.current.length ? `Now:\n${table(head, rows(body.current))}` : 'Now: nobody.'];
  if (body.history.length) parts.push(`Before:\n${table(head, rows(body.history))}`);
  return parts.join('\n');
}

function employeeText(id: string, v: EmployeeView): string {
  const e = v.employee;
  const lines = [
    e
      ? `Employee ${e.id}: store ${e.storeId ?? '-'}, ${e.position ?? e.roleCode ?? 'no position'}, ${lower(e.status)}` +
        `${e.startDate ? `, starts ${e.startDate}` : ''}${e.lastWorkingDay ? `, last working day ${e.lastWorkingDay}` : ''}`
      : `Employee ${id}: not in phonefleet's records yet`,
  ];
  const processes: [string, string | null | undefined][] = [
    ['lifecycle', v.lifecycle && `${lower(v.lifecycle.status)}${v.lifecycle.pendingEvents ? ` (${v.lifecycle.pendingEvents} HR events pending)` : ''}`],
    ['onboarding', v.onboarding?.stage],
    ['clearance', v.clearance?.stage],
    ['move', v.move?.stage],
  ];
  const running = processes.filter(([, stage]) => stage);
  if (running.length) lines.push(table(['process', 'stage'], running));
  if (e?.devices.length)
    lines.push(
      table(
        ['phone (IMEI)', 'model', 'state'],
        e.devices.map((d) => [d.imei, d.model, lower(d.state)]),
      ),
    );
  if (e?.sims.length)
    lines.push(
      table(
        ['SIM (ICCID)', 'number', 'state', 'owner registration'],
        e.sims.map((s) => [s.iccid, s.msisdn, lower(s.state), s.ownerRegistration && lower(s.ownerRegistration)]),
      ),
    );
  return lines.join('\n');
}

/** Follows `next` until `limit` deliveries are read or none are left. */
async function refusedDeliveries(api: PhonefleetApi, limit: number): Promise<RefusedDelivery[]> {
  const found: RefusedDelivery[] = [];
  let before: string | null = null;
  do {
    const pageSize = Math.min(200, limit - found.length);
    const page: { deliveries: RefusedDelivery[]; next: string | null } = await api.get(`/hr/deliveries?outcome=refused&limit=${pageSize}${before ? `&before=${before}` : ''}`);
    found.push(...page.deliveries);
    before = page.next;
  } while (before && found.length < limit);
  return found;
}

function refusedText(deliveries: RefusedDelivery[]): string {
  if (!deliveries.length) return 'No refused HR deliveries.';
  return deliveries
    .flatMap((d) => {
      const what = [d.type?.replace('com.retailco.hr.employee.', '') ?? '(type unreadable)', d.employeeId && `employee ${d.employeeId}`, d.eventId && `event ${d.eventId}`]
        .filter(Boolean)
        .join(', ');
      return [`${d.receivedAt}  ${d.status}  ${what}: ${d.reason}`, ...d.problems.map((p) => `    ${p.field}: ${p.message}`)];
    })
    .join('\n');
}

/**
 * Runs one command line (`argv` without node and the script) and answers its exit code. Errors
 * are one line on stderr; with --json the API's error answer also goes to stdout, for scripts.
 */
export async function runPhonefleet(argv: string[], opts: { settings?: () => ApiSettings; output?: Output } = {}): Promise<number> {
  const output = opts.output ?? processOutput;
  const program = buildProgram(opts);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are answers, not errors; commander printed the usage problem already.
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(err.code) ? EXIT.ok : EXIT.usage;
    }
    if (!(err instanceof CliError)) throw err;
    output.err(`phonefleet: ${err.message}`);
    if (argv.includes('--json') && err.body !== undefined) output.out(JSON.stringify(err.body, null, 2));
    return err.exitCode;
  }
}
