// `npm start` end to end, as a person runs it: with no configuration, in a data folder of its
// own, it comes up (dev server + Web UI, PostgreSQL, simulators), takes the demo hire, stops on
// Ctrl-C, and after a restart the same onboarding carries on to the hand-over.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/ports.ts';
import { SIMULATOR_NAMES } from '../../src/systems/index.ts';
import { eventually } from '../support/harness.ts';
import { npmScript } from '../support/npm-scripts.ts';
import type { RolloutProgress } from '../../workflows/store-rollout-contract.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** What `npm start` and the demo scripts run (npm itself would only add a process around it). */
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

// --- ports ----------------------------------------------------------------------------------

/** `count` consecutive free ports (the simulators listen on SIM_BASE_PORT + 0..6). */

// --- processes ------------------------------------------------------------------------------

interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  cmdline: string;
}

function processInfo(pid: number): ProcessInfo | undefined {
  try {
    // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { pid, ppid: Number(ppid), state: state!, cmdline };
  } catch {
    return undefined; // gone meanwhile
  }
}

function allProcesses(): ProcessInfo[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => processInfo(Number(name)))
    .filter((p): p is ProcessInfo => p !== undefined && p.state !== 'Z');
}

function descendantsOf(pid: number): ProcessInfo[] {
  const all = allProcesses();
  const found: ProcessInfo[] = [];
  for (let parents = new Set([pid]); parents.size > 0;) {
    const children = all.filter((p) => parents.has(p.ppid));
    found.push(...children);
    parents = new Set(children.map((c) => c.pid));
  }
  return found;
}

function residentMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/**
 * Proportional set size: resident memory with each shared page divided among the processes
 * sharing it. PostgreSQL's backends all map the same shared buffers: summing their RSS would
 * count those pages once per backend.
 */
function proportionalMb(pid: number): number {
  const kb = /^Pss:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** The Temporal dev servers keeping their workflows in this data folder. */
function devServersOf(dataDir: string): ProcessInfo[] {
  return allProcesses().filter((p) => p.cmdline.includes('start-dev') && p.cmdline.includes(path.join(dataDir, 'temporal.sqlite')));
}

type Env = Record<string, string | undefined>;

/** Runs a demo script the way `npm run demo:...` does; its output is kept, never printed. */
function runDemo(script: string, args: string[], env: Env, timeout = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [script, ...args], { cwd: ROOT, env, timeout }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

interface Started {
  child: ChildProcess;
  exited: Promise<number | NodeJS.Signals | null>;
  output(): string;
  readyAfterMs: number;
}

const started: ChildProcess[] = [];

/** `npm start` in its own process group, so that a Ctrl-C can reach all of it as in a terminal. */
async function npmStart(env: Env, apiUrl: string): Promise<Started> {
  const spawnedAt = performance.now();
  const start = npmScript('start');
  const child = spawn(start.file, start.args, { cwd: ROOT, env: { ...env, ...start.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let text = '';
  const collect = (chunk: Buffer) => void (text += chunk.toString('utf8'));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let exitedEarly: number | NodeJS.Signals | null | undefined;
  void exited.then((code) => (exitedEarly = code));
  const output = () => text;
  // The database's first initdb and the dev server's start take a while on a small machine.
  await eventually(
    async () => {
      if (exitedEarly !== undefined) throw new Error(`npm start exited (${exitedEarly}):\n${output().slice(-3000)}`);
      return (await fetch(`${apiUrl}/readyz`)).status === 200;
    },
    'npm start to be ready',
    180_000,
  ).catch((err: Error) => {
    throw exitedEarly !== undefined ? err : new Error(`${err.message}\n${output().slice(-3000)}`);
  });
  return { child, exited, output, readyAfterMs: performance.now() - spawnedAt };
}

/** Ctrl-C in the terminal: SIGINT to the whole process group (the dev server gets it too). */
async function ctrlC(running: Started): Promise<number | NodeJS.Signals | null> {
  process.kill(-running.child.pid!, 'SIGINT');
  const timeout = new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), 60_000).unref());
  const result = await Promise.race([running.exited, timeout]);
  if (result === 'timed out') throw new Error(`npm start did not stop within 60 s:\n${running.output().slice(-3000)}`);
  return result;
}

afterAll(() => {
  // Only after a failure is anything left: take the whole group down.
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

// --- the test ---------------------------------------------------------------------------------

/** Environment variables that would point phonefleet at real systems or fix its settings. */
const CONFIGURATION = /^(DATABASE_URL|TEMPORAL_(ADDRESS|NAMESPACE|TASK_QUEUE)|API_|PHONEFLEET_|POLICY_|HR_|PAYLOAD_|CODEC_|(KNOX_MANAGE|SECOND_MDM|OPERATOR|DIRECTORY|SIM)_)/;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EmployeeView = any;

describe('npm start', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-start-'));
  fs.chmodSync(dataDir, 0o755); // as root the embedded PostgreSQL runs as `postgres`, who must enter it
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('runs the demo hire, and after Ctrl-C and a restart the same onboarding continues to the hand-over', async () => {
    const [apiPort, temporalPort, uiPort, simBasePort] = [await freePorts(1), await freePorts(1), await freePorts(1), await freePorts(SIMULATOR_NAMES.length)];
    const env: Env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIGURATION.test(name))),
      PHONEFLEET_DATA_DIR: dataDir,
      API_PORT: String(apiPort),
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      SIM_BASE_PORT: String(simBasePort),
      // Long enough that Ctrl-C lands while the workflow waits for the operator's decision; the
      // policy goes into the workflow at the hire, so it holds across the restart.
      POLICY_REGISTRATION_POLL_INTERVAL: '20 seconds',
    };
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    const hrAdmin = `http://127.0.0.1:${simBasePort + 3}/_sim`; // SIMULATOR_NAMES order: hr is 4th
    const operatorAdmin = `http://127.0.0.1:${simBasePort + 2}/_sim`;

    // First start: everything embedded.
    const first = await npmStart(env, apiUrl);
    const banner = await eventually(async () => first.output().includes('npm run demo:hire') && first.output(), 'the banner');
    expect(banner).toContain(`API             ${apiUrl}`);
    expect(banner).toContain(`Temporal Web UI ${uiUrl}`);
    expect(banner).toMatch(/embedded: temporal dev server, PostgreSQL, simulators/);
    // Not a terminal here: the banner says where the generated token is, and does not show it.
    const token = fs.readFileSync(path.join(dataDir, 'secrets', 'api-token'), 'utf8').trim();
    expect(banner).toContain(`operator token: generated, not shown here (not a terminal): see ${path.join(dataDir, 'secrets', 'api-token')}`);
    expect(banner).not.toContain(token);
    await eventually(async () => (await fetch(uiUrl)).ok, 'the Temporal Web UI to answer');
    // The UI (no login) was given a codec URL holding a secret made at this start; it decrypts, and
    // the plain codec URL without a token does not.
    const settings = JSON.stringify(await (await fetch(`${uiUrl}/api/v1/settings`)).json());
    const uiCodec = new RegExp(`${apiUrl.replace(/[.:/]/g, '\\$&')}/codec/([A-Za-z0-9_-]{20,})`).exec(settings);
    expect(uiCodec, settings).not.toBeNull();
    const decodeAt = (url: string) => fetch(`${url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payloads":[]}' });
    expect((await decodeAt(uiCodec![0])).status).toBe(200);
    expect((await decodeAt(`${apiUrl}/codec`)).status).toBe(401);

    const devServer = descendantsOf(first.child.pid!).find((p) => p.cmdline.includes('start-dev'));
    expect(devServer).toBeDefined();
    // phonefleet's process tree: its node process and the PostgreSQL server it started (the
    // postmaster and its backends); the Temporal dev server is counted apart.
    const postgres = descendantsOf(devServer!.ppid).filter((p) => p.cmdline.includes(path.join(dataDir, 'postgres')) || /^postgres: /.test(p.cmdline));
    expect(postgres.length).toBeGreaterThan(0);
    const figures = {
      firstReadyS: first.readyAfterMs / 1000,
      secondReadyS: 0,
      demoRolloutS: 0,
      nodeRssMb: residentMb(devServer!.ppid),
      nodePssMb: proportionalMb(devServer!.ppid),
      postgresPssMb: postgres.reduce((sum, p) => sum + proportionalMb(p.pid), 0),
      postgresProcesses: postgres.length,
      temporalRssMb: residentMb(devServer!.pid),
    };

    const hire = await runDemo('src/cli/demo-hire.ts', [], env);
    expect(hire.code, hire.stderr).toBe(0);
    const employeeId = /Employee (\S+) hired/.exec(hire.stdout)?.[1];
    expect(employeeId).toBeDefined();

    const employee = async (): Promise<EmployeeView> => {
      const res = await fetch(`${apiUrl}/employees/${employeeId}`, { headers: { authorization: `Bearer ${token}` } });
      return res.status === 200 ? res.json() : undefined;
    };
    // Submitted to the operator and waiting for its decision: the next step needs the operator
    // simulator to still know this registration.
    const pending = await eventually(async () => {
      const e = await employee();
      return e?.onboarding?.stage === 'registering-sim-owner' && e.onboarding.simOwnerRegistration?.status === 'PENDING' && e;
    }, 'the onboarding to wait for the SIM owner registration');
    const { registrationId } = pending.onboarding.simOwnerRegistration;

    expect(await ctrlC(first)).toBe(0);
    expect(processInfo(devServer!.pid)).toBeUndefined();
    expect(devServersOf(dataDir)).toEqual([]);
    // The simulated HR system's storage holds identity data: for its owner's eyes only.
    expect(fs.statSync(path.join(dataDir, 'simulators.json')).mode & 0o777).toBe(0o600);

    // Second start: same folder, same settings.
    const second = await npmStart(env, apiUrl);
    figures.secondReadyS = second.readyAfterMs / 1000;
    // The simulators came back with what happened before the stop.
    expect((await fetch(`${hrAdmin}/employees/${employeeId}`)).status).toBe(200);
    const registrations = (await (await fetch(`${operatorAdmin}/registrations`)).json()) as { registrationId: string; status: string }[];
    expect(registrations.find((r) => r.registrationId === registrationId)?.status).toBe('ACCEPTED');

    const ready = await eventually(
      async () => {
        const e = await employee();
        return e?.onboarding?.stage === 'awaiting-handover' && e;
      },
      'the onboarding to reach awaiting-handover after the restart',
      120_000,
    );
    // The same process carried on: the registration submitted before the stop was accepted.
    expect(ready.onboarding.simOwnerRegistration).toMatchObject({ registrationId, status: 'ACCEPTED' });
    expect(ready.onboarding.escalations).toEqual([]);

    const handover = await runDemo('src/cli/demo-handover.ts', [employeeId!], env);
    expect(handover.code, handover.stderr).toBe(0);
    const done = await eventually(async () => {
      const e = await employee();
      // The employee row turns ACTIVE inside the hand-over's activity; the onboarding's stage
      // moves on when the workflow has that activity's result, a moment later.
      return e?.employee?.status === 'ACTIVE' && e.onboarding?.stage === 'handed-over' && e;
    }, 'the employee to be active and the onboarding handed over');
    expect(done.employee).toMatchObject({ status: 'ACTIVE', handoverDay: 1 });

    // A newcomer watches a release: the sample build published to the demo fleet, its process running.
    const demoRelease = await runDemo('src/cli/demo-release.ts', [], env);
    expect(demoRelease.code, demoRelease.stderr).toBe(0);
    expect(demoRelease.stdout).toContain('Published release-com.retailco.stock-43');
    const rolling = await eventually(async () => {
      const res = await fetch(`${apiUrl}/releases/release-com.retailco.stock-43`, { headers: { authorization: `Bearer ${token}` } });
      const view = res.status === 200 ? ((await res.json()) as { summary?: string; progress?: { ring: number; stores: Record<string, { state: string }> } }) : undefined;
      return view?.progress && view.progress.ring >= 1 && view;
    }, 'the demo release to roll out');
    expect(rolling.summary).toMatch(/^com\.retailco\.stock 4\.3\.0 \(43\): ring 1 of \d, \d+ of \d+ stores/);

    // And a store rollout: a new store's staff hired, the partner's shipment registered, the plan's
    // sessions minutes from now. Not waited for: the first session is minutes away.
    const rolloutStartedAt = performance.now();
    const demoRollout = await runDemo('src/cli/demo-rollout.ts', [], env, 150_000);
    expect(demoRollout.code, demoRollout.stderr + demoRollout.stdout).toBe(0);
    expect(demoRollout.stdout).toMatch(/The plan \(POST \/stores\/S004\/rollouts\/plan\): 3 sessions over 2 training days .*lower bound: 2 days, set by floor/);
    expect(demoRollout.stdout).toContain('Started store-rollout-S004');
    expect(demoRollout.stdout).toContain(`${uiUrl}/namespaces/default/workflows/store-rollout-S004`);
    const rollout = (await (await fetch(`${apiUrl}/stores/S004/rollouts/current`, { headers: { authorization: `Bearer ${token}` } })).json()) as RolloutProgress;
    expect(rollout).toMatchObject({ storeId: 'S004', employees: 24, sessionsHeld: 0, sessionsLeft: 3, state: 'training', shipment: { registered: 26, refused: [] } });
    expect(rollout.upcoming).toHaveLength(3);
    // Sessions of minutes, the first a few minutes from now.
    expect(Date.parse(rollout.upcoming[0]!.startsAt) - Date.now()).toBeLessThan(4 * 60_000);
    // No session open yet: the trainer is told when the next one opens.
    const attend = await runDemo('src/cli/demo-attend.ts', [], env);
    expect(attend.code, attend.stderr).toBe(0);
    expect(attend.stdout).toContain(`The next, ${rollout.upcoming[0]!.sessionId} (room R1, 8 people), opens at`);
    // A second run shows the running rollout and starts nothing.
    const again = await runDemo('src/cli/demo-rollout.ts', [], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('The rollout of S004 is already running');
    figures.demoRolloutS = (performance.now() - rolloutStartedAt) / 1000;

    const secondDevServer = descendantsOf(second.child.pid!).find((p) => p.cmdline.includes('start-dev'));
    expect(await ctrlC(second)).toBe(0);
    expect(secondDevServer && processInfo(secondDevServer.pid)).toBeUndefined();
    expect(devServersOf(dataDir)).toEqual([]);

    // For whoever sizes the machine: start times and resident memory after the first start.
    console.log(
      `npm start: ready in ${figures.firstReadyS.toFixed(1)} s (first start), ${figures.secondReadyS.toFixed(1)} s (restart); ` +
        `resident after the first start (PSS): phonefleet ${figures.nodePssMb + figures.postgresPssMb} MB (node ${figures.nodePssMb} MB, RSS ${figures.nodeRssMb} MB; PostgreSQL ${figures.postgresPssMb} MB in ${figures.postgresProcesses} processes), ` +
        `temporal dev server ${figures.temporalRssMb} MB apart; demo:rollout (twice) and demo:attend ${figures.demoRolloutS.toFixed(1)} s`,
    );
    // Two starts (each bounded at 180 s above), a hire and two stops: more than the default bound.
  }, 600_000);
});
