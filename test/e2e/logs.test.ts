// The logs of a real hire, read back as a collector reads them: `npm start` (API, worker and
// start-up in one process, stdout not a terminal) takes a hire of a person with a name and a
// passport; every stdout line is JSON, none holds the name, the passport number, the operator
// token, HR's secret, a webhook signature or the Web UI's codec secret; each request's id is the
// one echoed to its caller; the Temporal SDK's worker lines come through the same logger; and the
// banner (stderr, not a terminal either) does not show the generated token.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../support/ports.ts';
import { sign } from '../../src/api/webhook-signature.ts';
import { loadConfig } from '../../src/config.ts';
import { ROLES } from '../../src/domain/roles.ts';
import { SIMULATOR_NAMES } from '../../src/systems/index.ts';
import { eventually } from '../support/harness.ts';
import { npmScript } from '../support/npm-scripts.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Variables that would point phonefleet at real systems or fix its settings (as in start.test.ts). */
const CONFIGURATION =
  /^(DATABASE_URL|TEMPORAL_(ADDRESS|NAMESPACE|TASK_QUEUE)|API_|PHONEFLEET_|POLICY_|HR_|PAYLOAD_|CODEC_|LOG_|WORKER_METRICS_|(KNOX_MANAGE|SECOND_MDM|OPERATOR|DIRECTORY|SIM)_)/;

let child: ChildProcess | undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-logs-'));
fs.chmodSync(dataDir, 0o755); // as root the embedded PostgreSQL runs as `postgres`, who must enter it
afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Line = Record<string, any>;

describe('logs', () => {
  it('a hire through npm start leaves JSON lines with request ids and no name, passport data or secret', async () => {
    const [apiPort, temporalPort, uiPort, simBase] = [await freePorts(1), await freePorts(1), await freePorts(1), await freePorts(SIMULATOR_NAMES.length)];
    const env: Record<string, string | undefined> = {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIGURATION.test(name))),
      PHONEFLEET_DATA_DIR: dataDir,
      API_PORT: String(apiPort),
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      SIM_BASE_PORT: String(simBase),
      LOG_LEVEL: 'info',
    };
    const api = `http://127.0.0.1:${apiPort}`;
    const sim = (name: string) => `http://127.0.0.1:${simBase + SIMULATOR_NAMES.indexOf(name as never)}/_sim`;

    const start = npmScript('start');
    child = spawn(start.file, start.args, { cwd: ROOT, env: { ...env, ...start.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => void (stdout += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => void (stderr += b.toString('utf8')));
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    await eventually(async () => (await fetch(`${api}/readyz`).catch(() => undefined))?.status === 200, 'npm start to be ready', 180_000);
    await eventually(async () => stderr.includes('phonefleet is running'), 'the banner');

    const config = loadConfig(env);
    const [token] = config.api.tokens.keys();
    const hrSecret = config.hrWebhookSecrets[0]!;

    // A person with a name and a passport nobody else has.
    const employeeId = `L${Date.now().toString().slice(-7)}`;
    const [firstName, lastName, documentNumber] = ['Zebulon', 'Quarringtonova', `77 QX ${randomBytes(3).toString('hex')}`];
    const startDate = new Date().toISOString().slice(0, 10);
    const position = ROLES[0].positions[0]!;
    const hr = await fetch(`${sim('hr')}/employees`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        employeeId,
        storeId: 'S001',
        position,
        startDate,
        status: 'HIRED',
        identity: { firstName, lastName, birthDate: '1994-04-04', nationality: 'RU', documentType: 'PASSPORT', documentNumber },
      }),
    });
    expect(hr.ok).toBe(true);
    await fetch(`${sim('directory')}/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ employeeId, availableAfterMs: 0 }) });

    const body = JSON.stringify({
      specversion: '1.0',
      id: `hire-${employeeId}`,
      source: '/hr/core',
      type: 'com.retailco.hr.employee.hired',
      time: new Date().toISOString(),
      subject: employeeId,
      datacontenttype: 'application/json',
      data: { employeeId, storeId: 'S001', position, startDate, displayName: `${firstName} ${lastName}` },
    });
    const webhookId = `msg_${randomBytes(8).toString('hex')}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = sign(hrSecret, webhookId, timestamp, body);
    const hireRequestId = `jenkins-${randomBytes(4).toString('hex')}`;
    const hire = await fetch(`${api}/hr/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/cloudevents+json',
        'webhook-id': webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
        'x-request-id': hireRequestId,
      },
      body,
    });
    expect(hire.status).toBe(202);
    expect(hire.headers.get('x-request-id')).toBe(hireRequestId);

    // An id no log should take as it is (too long): replaced, and the replacement echoed.
    const view = await fetch(`${api}/employees/${employeeId}`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'x'.repeat(300) } });
    expect(view.status).toBe(200);
    const madeId = view.headers.get('x-request-id')!;
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);

    // The Web UI's codec URL holds a secret in its path.
    const settings = JSON.stringify(await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json());
    const codecSecret = /\/codec\/([A-Za-z0-9_-]{20,})/.exec(settings)?.[1];
    expect(codecSecret).toBeDefined();
    const decode = await fetch(`${api}/codec/${codecSecret}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payloads":[]}' });
    expect(decode.status).toBe(200);

    await eventually(async () => {
      const e = (await (await fetch(`${api}/employees/${employeeId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Line;
      return e?.onboarding?.stage === 'awaiting-handover';
    }, 'the hire to reach awaiting-handover (HR identity fetched, SIM owner registered)');

    process.kill(-child.pid!, 'SIGINT');
    await exited;

    // Every stdout line is one JSON object.
    const raw = stdout.split('\n').filter((l) => l !== '');
    const notJson = raw.filter((l) => {
      try {
        return typeof JSON.parse(l) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    const lines = raw.map((l) => JSON.parse(l) as Line);

    // Nothing personal, no credential.
    for (const secret of [firstName, lastName, documentNumber, token!, hrSecret, hrSecret.replace(/^whsec_/, ''), signature, codecSecret!]) {
      expect(
        raw.filter((l) => l.includes(secret)),
        `a line holds ${secret.slice(0, 3)}...`,
      ).toEqual([]);
    }

    // Request ids: the caller's, or one made and echoed; each request's line carries it.
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.find((l) => l.method === 'POST' && l.path === '/hr/events')).toMatchObject({ reqId: hireRequestId, status: 202, component: 'api' });
    expect(requests.find((l) => l.reqId === madeId)).toMatchObject({ method: 'GET', path: `/employees/${employeeId}`, status: 200 });
    expect(requests.find((l) => l.path?.startsWith('/codec/'))?.path).toBe('/codec/[redacted]/decode');
    expect(requests.every((l) => typeof l.reqId === 'string' && l.reqId.length > 0)).toBe(true);
    expect(new Set(requests.map((l) => l.reqId)).size).toBe(requests.length);

    // Start-up, the worker's SDK and the stop, in the same format.
    expect(lines.find((l) => l.msg === 'phonefleet is running')).toMatchObject({ component: 'start', apiUrl: api });
    expect(lines.some((l) => l.component === 'temporal' && typeof l.msg === 'string')).toBe(true);
    expect(lines.some((l) => l.msg?.startsWith('stopping'))).toBe(true);

    // The banner: for a terminal only; here it says where the token is.
    expect(stderr).toContain(`API             ${api}`);
    expect(stderr).toContain(`generated, not shown here (not a terminal): see ${path.join(dataDir, 'secrets', 'api-token')}`);
    expect(stderr).not.toContain(token);
  });
});
