// The real entry points, run as an operator runs them: a partial configuration is refused with
// one line and exit code 78 before anything starts, and `npm run worker` never runs simulators,
// neither when it lacks systems (refused) nor when it has them all (it just works against them).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePorts } from '../support/ports.ts';
import { npmScript } from '../support/npm-scripts.ts';
import { SYSTEM_VARIABLES } from '../../src/systems/index.ts';
import { EXIT_CONFIGURATION } from '../../src/process.ts';
import { SIMULATOR_NAMES, startSimulators, type RunningSimulators } from '../../src/systems/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { everySystemEnv } from '../support/system-env.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The npm script that runs each entry point. */
const SCRIPT_OF: Record<string, string> = { 'src/main.ts': 'start', 'src/worker/main.ts': 'worker', 'src/api/main.ts': 'api' };

type Env = Record<string, string | undefined>;

/** The environment of the test run minus anything that configures phonefleet. */
const CONFIGURATION = /^(DATABASE_URL|TEMPORAL_|API_|PHONEFLEET_|POLICY_|HR_|PAYLOAD_|CODEC_|SIM_|(KNOX_MANAGE|KNOX_GUARD|SECOND_MDM|OPERATOR|DIRECTORY|LEASE_PARTNER|SMTP)_)/;
const cleanEnv = (): Env => Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIGURATION.test(name)));

/**
 * The TCP ports this process listens on (from /proc: its socket inodes matched with the
 * kernel's LISTEN table), so that a port some other test happens to hold is not counted.
 */
function listeningPortsOf(pid: number): Set<number> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })();
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    }
  } catch {
    return new Set(); // the process is gone
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === '0A' && inode && inodes.has(inode)) ports.add(parseInt(local!.split(':')[1]!, 16));
    }
  }
  return ports;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Simulator ports (SIM_BASE_PORT + 0..6) found listening while the process ran. */
  boundSimulatorPorts: number[];
}

/**
 * Runs an entry point until it exits, or until `until` appears in its output (then stops it),
 * checking all the while whether anything listens on the simulator ports.
 */
async function run(script: string, env: Env, opts: { until?: string; timeoutMs?: number } = {}): Promise<Run> {
  const simBase = Number(env.SIM_BASE_PORT);
  const command = npmScript(SCRIPT_OF[script]!);
  const child = spawn(command.file, command.args, { cwd: ROOT, env: { ...env, ...command.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => void (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => void (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const bound = new Set<number>();
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  while (!done && Date.now() < deadline) {
    const listening = listeningPortsOf(child.pid!);
    for (let i = 0; i < SIMULATOR_NAMES.length; i++) if (listening.has(simBase + i)) bound.add(simBase + i);
    if (opts.until && (stdout.includes(opts.until) || stderr.includes(opts.until))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!done) child.kill('SIGTERM');
  const code = await exited;
  return { code, stdout, stderr, boundSimulatorPorts: [...bound] };
}

const REQUIRED = Object.values(SYSTEM_VARIABLES).flatMap((v) => v.required);

describe('start-up configuration, through the real entry points', () => {
  it('npm start with one system configured refuses in one line naming every missing variable, exit 78, no simulator started', async () => {
    const simBase = await freePorts(SIMULATOR_NAMES.length);
    const result = await run('src/main.ts', {
      ...cleanEnv(),
      PHONEFLEET_DATA_DIR: path.join(ROOT, '.data-never-created'),
      SIM_BASE_PORT: String(simBase),
      KNOX_MANAGE_URL: 'https://eu01.manage.samsungknox.com',
      KNOX_MANAGE_CLIENT_ID: 'fleet',
      KNOX_MANAGE_CLIENT_SECRET: 'secret',
    });
    expect(result.code, result.stderr).toBe(EXIT_CONFIGURATION);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^phonefleet: refusing to start: missing SECOND_MDM_URL, /);
    for (const name of REQUIRED.filter((n) => !n.startsWith('KNOX_MANAGE_'))) expect(lines[0]).toContain(name);
    expect(result.stdout).toBe('');
    expect(result.boundSimulatorPorts).toEqual([]);
  });

  it('npm start refuses an unreadable policy duration at start-up, naming the variable', async () => {
    const simBase = await freePorts(SIMULATOR_NAMES.length);
    const result = await run('src/main.ts', {
      ...cleanEnv(),
      PHONEFLEET_DATA_DIR: path.join(ROOT, '.data-never-created'),
      SIM_BASE_PORT: String(simBase),
      POLICY_BRICK_GRACE_PERIOD: '3 dayz',
    });
    expect(result.code, result.stderr).toBe(EXIT_CONFIGURATION);
    expect(result.stderr.trim()).toBe('phonefleet: refusing to start: POLICY_BRICK_GRACE_PERIOD "3 dayz" is not a duration (e.g. "15 minutes", "3 days")');
    expect(result.boundSimulatorPorts).toEqual([]);
  });

  describe("npm run worker against the test run's Temporal and PostgreSQL", () => {
    let database: TestDatabase;
    let sims: RunningSimulators;
    beforeAll(async () => {
      database = await createTestDatabase();
      sims = await startSimulators();
    });
    afterAll(async () => {
      await sims?.close();
      await database?.drop();
    });

    const deployment = (simBase: number): Env => ({
      ...cleanEnv(),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: database.url,
      TEMPORAL_TASK_QUEUE: `startup-config-${process.pid}`,
      SIM_BASE_PORT: String(simBase),
      PHONEFLEET_DATA_DIR: path.join(ROOT, '.data-never-created'),
      PAYLOAD_KEY: Buffer.alloc(32, 7).toString('base64'),
      HR_WEBHOOK_SECRET: 'whsec_' + Buffer.from('startup-config-test').toString('base64'),
      API_TOKENS: 'test:startup-config-token',
    });

    it('without the external systems: refused, naming them, and no simulator port ever bound', async () => {
      const simBase = await freePorts(SIMULATOR_NAMES.length);
      const result = await run('src/worker/main.ts', deployment(simBase));
      expect(result.code, result.stderr).toBe(EXIT_CONFIGURATION);
      const line = result.stderr.trim();
      expect(line.split('\n')).toHaveLength(1);
      expect(line).toMatch(/^phonefleet: refusing to start: npm run worker needs a real deployment; missing KNOX_MANAGE_URL, /);
      for (const name of REQUIRED) expect(line).toContain(name);
      expect(result.boundSimulatorPorts).toEqual([]);
    });

    it('with every system configured: it polls Temporal, and no simulator port is bound', async () => {
      const simBase = await freePorts(SIMULATOR_NAMES.length);
      const result = await run('src/worker/main.ts', { ...deployment(simBase), ...everySystemEnv(sims) }, { until: 'phonefleet worker polling Temporal', timeoutMs: 120_000 });
      expect(result.stdout, result.stderr).toContain(`phonefleet worker polling Temporal at ${inject('temporalAddress')}`);
      expect(result.boundSimulatorPorts).toEqual([]);
    });
  });
});

describe('npm run api and PHONEFLEET_DEMO=1, through the real entry points', () => {
  let database: TestDatabase;
  let sims: RunningSimulators;
  const dataDirs: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    sims = await startSimulators();
  });
  afterAll(async () => {
    await sims?.close();
    await database?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  const freshDataDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'phonefleet-startup-'));
    dataDirs.push(dir);
    return dir;
  };

  /** Temporal, PostgreSQL and the secrets of a deployment; no external system. */
  const deployment = async (simBase: number): Promise<Env> => ({
    ...cleanEnv(),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    DATABASE_URL: database.url,
    TEMPORAL_TASK_QUEUE: `startup-config-api-${process.pid}-${simBase}`,
    SIM_BASE_PORT: String(simBase),
    API_PORT: String(await freePorts(1)),
    PHONEFLEET_DATA_DIR: freshDataDir(),
    PAYLOAD_KEY: Buffer.alloc(32, 7).toString('base64'),
    HR_WEBHOOK_SECRET: 'whsec_' + Buffer.from('startup-config-test').toString('base64'),
    API_TOKENS: 'test:startup-config-token',
  });

  it('npm run api with nothing configured: refused, naming TEMPORAL_ADDRESS and DATABASE_URL, exit 78, no simulator port bound', async () => {
    const simBase = await freePorts(SIMULATOR_NAMES.length);
    const result = await run('src/api/main.ts', { ...cleanEnv(), PHONEFLEET_DATA_DIR: freshDataDir(), SIM_BASE_PORT: String(simBase) });
    expect(result.code, result.stderr).toBe(EXIT_CONFIGURATION);
    expect(result.stderr.trim()).toBe('phonefleet: refusing to start: npm run api needs a real deployment; missing TEMPORAL_ADDRESS, DATABASE_URL');
    expect(result.stdout).toBe('');
    expect(result.boundSimulatorPorts).toEqual([]);
  });

  it('npm run api with Temporal and PostgreSQL but no external system: it serves, and no simulator port is bound', async () => {
    const simBase = await freePorts(SIMULATOR_NAMES.length);
    const env = await deployment(simBase);
    const result = await run('src/api/main.ts', env, { until: 'phonefleet API listening on', timeoutMs: 120_000 });
    expect(result.stdout, result.stderr).toContain(`phonefleet API listening on http://127.0.0.1:${env.API_PORT}`);
    expect(result.boundSimulatorPorts).toEqual([]);
  });

  it('npm run api refuses PHONEFLEET_DEMO=1: the demo is only for npm start', async () => {
    const simBase = await freePorts(SIMULATOR_NAMES.length);
    const result = await run('src/api/main.ts', { ...(await deployment(simBase)), PHONEFLEET_DEMO: '1' });
    expect(result.code, result.stderr).toBe(EXIT_CONFIGURATION);
    expect(result.stderr).toContain('PHONEFLEET_DEMO is for npm start: npm run api runs against real systems only');
    expect(result.boundSimulatorPorts).toEqual([]);
  });

  it('npm start with one system configured runs the demo only when PHONEFLEET_DEMO=1 asks: refused without it, the demo with simulators for the others with it', async () => {
    const knoxManage: Env = {
      KNOX_MANAGE_URL: sims.urls.knoxManage,
      KNOX_MANAGE_CLIENT_ID: sims.credentials.knoxManage.clientId,
      KNOX_MANAGE_CLIENT_SECRET: sims.credentials.knoxManage.clientSecret,
    };

    // Not asked: a real fleet with the other systems forgotten, refused before anything starts.
    const refusedBase = await freePorts(SIMULATOR_NAMES.length);
    const refused = await run('src/main.ts', { ...(await deployment(refusedBase)), ...knoxManage });
    expect(refused.code, refused.stderr).toBe(EXIT_CONFIGURATION);
    expect(refused.stderr).toMatch(/^phonefleet: refusing to start: missing SECOND_MDM_URL, /);
    expect(refused.boundSimulatorPorts).toEqual([]);

    // Asked: the demo, with simulators for the others on SIM_BASE_PORT + i.
    const simBase = await freePorts(SIMULATOR_NAMES.length);
    const demo = await run('src/main.ts', { ...(await deployment(simBase)), ...knoxManage, PHONEFLEET_DEMO: '1' }, { until: 'phonefleet is running', timeoutMs: 240_000 });
    // The banner is written to stderr (the logs own stdout).
    expect(demo.stderr, demo.stdout).toContain('phonefleet is running the demo');
    expect(demo.stderr).toContain(`simulators (${SIMULATOR_NAMES.filter((n) => n !== 'knoxManage').join(', ')})`);
    // The simulators the demo uses for the others listen on SIM_BASE_PORT + i.
    const simulated = SIMULATOR_NAMES.filter((n) => n !== 'knoxManage').map((n) => simBase + SIMULATOR_NAMES.indexOf(n));
    expect(demo.boundSimulatorPorts).toEqual(expect.arrayContaining(simulated));
  });
});
