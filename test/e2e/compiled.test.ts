// The production build, run as the Docker image runs it: `npm run build`, then the compiled API
// and worker started with plain `node` (no tsx), against the test run's Temporal and PostgreSQL
// and simulators over HTTP. The worker loads the prebuilt workflow bundle instead of bundling,
// and one hire goes through the API to the hand-over.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sign } from '../../src/api/webhook-signature.ts';
import { seedFleet, seedReferenceData } from '../../src/db/seed.ts';
import { generateFleet, seedSimulators, type Fleet } from '../../src/systems/fleet.ts';
import { startSimulators, type RunningSimulators } from '../../src/systems/index.ts';
import { build, DIST } from '../../scripts/build.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { eventually, hireEvent, storeToday } from '../support/harness.ts';
import { simAdmin } from '../support/sim-admin.ts';
import { everySystemEnv } from '../support/system-env.ts';
import { freePort } from '../support/ports.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
type Env = Record<string, string | undefined>;

/** The environment of the test run minus anything that configures phonefleet (as startup-config.test.ts). */
const CONFIGURATION = /^(DATABASE_URL|TEMPORAL_|API_|PHONEFLEET_|POLICY_|HR_|PAYLOAD_|CODEC_|SIM_|(KNOX_MANAGE|KNOX_GUARD|SECOND_MDM|OPERATOR|DIRECTORY|LEASE_PARTNER|SMTP)_)/;
const cleanEnv = (): Env => Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIGURATION.test(name)));

interface Running {
  child: ChildProcess;
  output(): string;
}

const children: ChildProcess[] = [];

/** `node dist/...js` until `ready` appears in its output. */
async function startCompiled(script: string, env: Env, ready: string): Promise<Running> {
  const child = spawn(process.execPath, [path.join(DIST, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  child.stdout!.on('data', (c: Buffer) => void (text += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => void (text += c.toString('utf8')));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  await eventually(
    async () => {
      if (exited !== undefined) throw new Error(`${script} exited (${exited}):\n${text.slice(-3000)}`);
      return text.includes(ready);
    },
    `${script} to say "${ready}"`,
    60_000,
  );
  return { child, output: () => text };
}

describe('the compiled build, run with node', () => {
  let database: TestDatabase;
  let sims: RunningSimulators;
  let fleet: Fleet;
  let api: Running;
  let worker: Running;
  let apiUrl: string;
  const token = randomBytes(12).toString('hex');
  const hrSecret = 'whsec_' + Buffer.from('compiled-build-test').toString('base64');

  beforeAll(async () => {
    await build();
    database = await createTestDatabase();
    sims = await startSimulators();
    const run = randomBytes(3).toString('hex');
    fleet = generateFleet({ stores: 1, employeesPerStore: 4, stockPerStore: 5, seed: 7, employeeIdPrefix: `C${run}-` });
    const { mdmDeviceIds } = await seedSimulators(sims, fleet);
    await seedReferenceData(database.db.prisma);
    await seedFleet(database.db.prisma, fleet, { mdmDeviceIds });

    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const env: Env = {
      ...cleanEnv(),
      NODE_ENV: 'production',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      DATABASE_URL: database.url,
      TEMPORAL_TASK_QUEUE: `compiled-${run}`,
      PHONEFLEET_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-compiled-')),
      API_PORT: String(apiPort),
      PAYLOAD_KEY: randomBytes(32).toString('base64'),
      HR_WEBHOOK_SECRET: hrSecret,
      API_TOKENS: `test:${token}`,
      POLICY_DIRECTORY_POLL_INTERVAL: '1 second',
      POLICY_REGISTRATION_POLL_INTERVAL: '1 second',
      ...everySystemEnv(sims),
    };
    [worker, api] = await Promise.all([
      startCompiled('src/worker/main.js', env, 'phonefleet worker polling Temporal'),
      startCompiled('src/api/main.js', env, 'phonefleet API listening on'),
    ]);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sims?.close();
    await database?.drop();
  });

  it('runs compiled JavaScript only, and the worker loads the prebuilt workflow bundle instead of bundling', () => {
    expect(fs.existsSync(path.join(DIST, 'workflow-bundle.js'))).toBe(true);
    for (const running of [api, worker]) expect(running.child.spawnargs.slice(1)).toEqual([expect.stringMatching(/^.*\/dist\/src\/.*\.js$/)]);
    expect(worker.output()).toContain(`phonefleet worker: workflow code from the prebuilt bundle ${path.join(DIST, 'workflow-bundle.js')}`);
  });

  it('takes a hire through the API to the hand-over', async () => {
    const storeId = fleet.stores[0]!.id;
    const position = fleet.employees[0]!.position;
    const employeeId = `C${randomBytes(3).toString('hex')}-hire`;
    const sim = simAdmin(sims);
    await sim.addHrEmployee({ employeeId, storeId, position, startDate: storeToday(fleet, storeId), documentNumber: `DOC-${employeeId}` });
    await sim.addDirectoryAccount(employeeId, 0);

    const body = JSON.stringify(hireEvent(employeeId, storeId, position, { startDate: storeToday(fleet, storeId) }));
    const id = `msg_${randomBytes(8).toString('hex')}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const hired = await fetch(`${apiUrl}/hr/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/cloudevents+json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(hrSecret, id, timestamp, body),
      },
      body,
    });
    expect(hired.status, await hired.clone().text()).toBe(202);

    const call = (method: string, route: string, json?: unknown) =>
      fetch(`${apiUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const employee = async (): Promise<any> => {
      const res = await call('GET', `/employees/${employeeId}`);
      return res.status === 200 ? res.json() : undefined;
    };
    const ready = await eventually(
      async () => {
        const e = await employee();
        return e?.onboarding?.stage === 'awaiting-handover' && e;
      },
      `${employeeId} to reach awaiting-handover (worker output:\n${worker.output().slice(-2000)})`,
    );
    const { imei } = ready.onboarding;
    expect(imei, JSON.stringify(ready)).toBeDefined();

    expect((await call('POST', `/devices/${imei}/handover`, { employeeId })).status).toBe(202);
    const done = await eventually(async () => {
      const e = await employee();
      return e?.employee?.status === 'ACTIVE' && e;
    }, `${employeeId} to be active`);
    expect(done.onboarding.stage).toBe('handed-over');
  });
});
