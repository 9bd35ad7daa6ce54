// HR deliveries and their effect agree (issue 6 §7): receipts keyed by (source, id) with a
// digest of the event, written before the lifecycle is signalled and completed after; strict
// JSON and real dates; 503 at once while Temporal is unreachable; every refused delivery
// recorded for HR operations (API and CLI) without personal data.
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { createApp } from '../../src/api/app.ts';
import { sign } from '../../src/api/webhook-signature.ts';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle.ts';
import { dismissEvent, eventually, FAST_POLICY, hireEvent, HR_SECRET, startHarness, type ApiResponse, type Harness } from '../support/harness.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';

let h: Harness;
const STORE = 'S001';
const POSITION = () => h.fleet.employees[0]!.position;
const NAME = 'Zinaida Personal-Name';

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

/** Signs and posts raw bytes, as HR's sender does. */
function sendRaw(api: string, body: string, contentType = 'application/cloudevents+json', extraHeaders: Record<string, string> = {}): Promise<ApiResponse> {
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(`${api}/hr/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(HR_SECRET, id, timestamp, body), ...extraHeaders },
    body,
  });
}

async function lifecycleExists(employeeId: string): Promise<boolean> {
  try {
    await h.client.workflow.getHandle(employeeWorkflowId(employeeId)).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

const receipt = (id: string) => h.db.hrEvent.findUnique({ where: { id } });

/** The same phonefleet API on the same database, with a Temporal client that reaches nothing. */
async function apiWithoutTemporal(): Promise<{ api: string; close: () => Promise<void> }> {
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const app = createApp({
    db: h.db,
    temporal: new Client({ connection }),
    taskQueue: h.taskQueue,
    policy: FAST_POLICY,
    hrWebhookSecrets: [HR_SECRET],
    apiTokens: new Map([[h.token, 'test-operator']]),
    codec: new EncryptionCodec(TEST_PAYLOAD_KEYS.current),
    codecOrigins: [],
    temporalDeadlineMs: 1_000,
    readiness: {},
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { api: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r(undefined))) };
}

describe('HR receipts: one event id, one event', () => {
  it('the same event redelivered gets the first answer; another body or another source under the same id gets 409', async () => {
    const employeeId = h.newEmployeeId();
    const hire = hireEvent(employeeId, STORE, POSITION(), { displayName: NAME });
    const first = await h.sendHrEvent(hire);
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    expect(await receipt(hire.id)).toMatchObject({ source: '/hr/core', state: 'completed', digest: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // Redelivered, reformatted and with keys in another order: same event, same answer.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(hire).reverse()), null, 2);
    const again = await sendRaw(h.api, reordered);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(firstBody);

    const otherStore = await h.sendHrEvent({ ...hire, data: { ...hire.data, storeId: 'S002' } });
    expect(otherStore.status).toBe(409);
    expect((await otherStore.json()).problems).toEqual([{ field: 'id', message: expect.stringContaining('different content') }]);

    const otherSource = await h.sendHrEvent({ ...hire, source: '/hr/payroll' });
    expect(otherSource.status).toBe(409);
    expect((await otherSource.json()).problems).toEqual([{ field: 'id', message: expect.stringContaining('from source /hr/core') }]);

    // Neither reached the lifecycle: it holds the one hire.
    const state = await eventually(async () => (await h.call('GET', `/employees/${employeeId}`)).json(), 'the lifecycle state');
    expect(state.lifecycle.outcomes.length + state.lifecycle.pendingEvents).toBeLessThanOrEqual(1);
    expect(await receipt(hire.id)).toMatchObject({ source: '/hr/core', type: 'com.retailco.hr.employee.hired' });
  });

  it('a NUL byte in source is refused with 400 before anything starts (was: 500 with the onboarding already running)', async () => {
    const employeeId = h.newEmployeeId();
    const res = await h.sendHrEvent({ ...hireEvent(employeeId, STORE, POSITION()), source: '/hr/\u0000core' });
    expect(res.status).toBe(400);
    expect((await res.json()).problems).toEqual([{ field: 'source', message: 'must not contain control characters' }]);
    expect(await lifecycleExists(employeeId)).toBe(false);
  });

  it('a database error before the signal leaves no workflow behind; the redelivery goes through', async () => {
    const employeeId = h.newEmployeeId();
    // A real PostgreSQL failure for this one employee's receipt.
    await h.db.$executeRawUnsafe(
      `CREATE OR REPLACE FUNCTION fail_receipt() RETURNS trigger AS $$ BEGIN IF NEW."employeeId" = '${employeeId}' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    );
    await h.db.$executeRawUnsafe(`CREATE TRIGGER fail_receipt BEFORE INSERT ON "HrEvent" FOR EACH ROW EXECUTE FUNCTION fail_receipt()`);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const hire = hireEvent(employeeId, STORE, POSITION());
    try {
      expect((await h.sendHrEvent(hire)).status).toBe(500);
    } finally {
      errors.mockRestore();
      await h.db.$executeRawUnsafe(`DROP TRIGGER fail_receipt ON "HrEvent"`);
    }
    expect(await lifecycleExists(employeeId)).toBe(false);
    expect(await receipt(hire.id)).toBeNull();

    expect((await h.sendHrEvent(hire)).status).toBe(202);
    expect(await lifecycleExists(employeeId)).toBe(true);
    expect(await receipt(hire.id)).toMatchObject({ state: 'completed' });
  });

  it('a database error after the signal still answers 202 (the lifecycle has the event); the redelivery completes the receipt', async () => {
    const employeeId = h.newEmployeeId();
    await h.db.$executeRawUnsafe(
      `CREATE OR REPLACE FUNCTION fail_completion() RETURNS trigger AS $$ BEGIN IF NEW."employeeId" = '${employeeId}' AND NEW.state = 'completed' THEN RAISE EXCEPTION 'connection lost'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    );
    await h.db.$executeRawUnsafe(`CREATE TRIGGER fail_completion BEFORE UPDATE ON "HrEvent" FOR EACH ROW EXECUTE FUNCTION fail_completion()`);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const hire = hireEvent(employeeId, STORE, POSITION());
    try {
      expect((await h.sendHrEvent(hire)).status).toBe(202);
    } finally {
      errors.mockRestore();
      await h.db.$executeRawUnsafe(`DROP TRIGGER fail_completion ON "HrEvent"`);
    }
    expect(await lifecycleExists(employeeId)).toBe(true);
    expect(await receipt(hire.id)).toMatchObject({ state: 'accepted-pending' });

    expect((await h.sendHrEvent(hire)).status).toBe(202);
    expect(await receipt(hire.id)).toMatchObject({ state: 'completed' });
    const state = await (await h.call('GET', `/employees/${employeeId}`)).json();
    expect(state.lifecycle.outcomes.length + state.lifecycle.pendingEvents).toBeLessThanOrEqual(1); // one hire, not two
  });

  it('Temporal unreachable: 503 with Retry-After, the receipt pending; the redelivery once Temporal is back starts the lifecycle', async () => {
    const employeeId = h.newEmployeeId();
    const hire = hireEvent(employeeId, STORE, POSITION());
    const body = JSON.stringify(hire);
    const offline = await apiWithoutTemporal();
    try {
      const res = await sendRaw(offline.api, body);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await res.json()).error).toMatch(/Temporal is unreachable/);
    } finally {
      await offline.close();
    }
    expect(await receipt(hire.id)).toMatchObject({ state: 'accepted-pending' });
    expect(await lifecycleExists(employeeId)).toBe(false);

    const redelivered = await sendRaw(h.api, body);
    expect(redelivered.status).toBe(202);
    expect(await lifecycleExists(employeeId)).toBe(true);
    expect(await receipt(hire.id)).toMatchObject({ state: 'completed' });
  });
});

describe('HR events are read strictly', () => {
  it('duplicate JSON keys -> 400 naming the key (JSON.parse would keep the last one)', async () => {
    const employeeId = h.newEmployeeId();
    const hire = hireEvent(employeeId, STORE, POSITION());
    const body = JSON.stringify(hire).replace('"storeId":"S001"', '"storeId":"S001","storeId":"S002"');
    const res = await sendRaw(h.api, body);
    expect(res.status).toBe(400);
    expect((await res.json()).problems).toEqual([{ field: 'data.storeId', message: 'appears more than once in its object' }]);
    const top = await sendRaw(h.api, JSON.stringify(hire).replace('"specversion":"1.0"', '"specversion":"1.0","id":"other"'));
    expect((await top.json()).problems).toEqual([{ field: 'id', message: 'appears more than once in its object' }]);
    expect(await lifecycleExists(employeeId)).toBe(false);
  });

  it('every date is a real calendar date: time, startDate, lastWorkingDay', async () => {
    const employeeId = h.newEmployeeId();
    const cases: [object, string][] = [
      [{ ...hireEvent(employeeId, STORE, POSITION()), time: '2026-02-30T00:00:00Z' }, 'time'],
      [{ ...hireEvent(employeeId, STORE, POSITION()), time: '2026-01-01T24:00:00Z' }, 'time'],
      [{ ...hireEvent(employeeId, STORE, POSITION()), time: '2026-01-01T10:00:00+25:00' }, 'time'],
      [hireEvent(employeeId, STORE, POSITION(), { startDate: '2026-02-30' }), 'data.startDate'],
      [hireEvent(employeeId, STORE, POSITION(), { startDate: '2026-13-01' }), 'data.startDate'],
      [dismissEvent(employeeId, '2026-02-29'), 'data.lastWorkingDay'],
    ];
    for (const [event, field] of cases) {
      const res = await h.sendHrEvent(event);
      expect(res.status, field).toBe(400);
      expect((await res.json()).problems.map((p: { field: string }) => p.field)).toEqual([field]);
    }
    expect(await lifecycleExists(employeeId)).toBe(false);
  });

  it('type "toString" and other prototype names -> 400 naming the type', async () => {
    for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const res = await h.sendHrEvent({ ...hireEvent(h.newEmployeeId(), STORE, POSITION()), type });
      expect(res.status, type).toBe(400);
      expect((await res.json()).problems, type).toEqual([{ field: 'type', message: expect.stringContaining(`"${type}" is not an HR event type`) }]);
    }
  });

  it('a body that is not a CloudEvent media type -> 415', async () => {
    const res = await sendRaw(h.api, JSON.stringify(hireEvent(h.newEmployeeId(), STORE, POSITION())), 'text/plain');
    expect(res.status).toBe(415);
  });
});

describe('HR operations see what was refused', () => {
  it('refused deliveries are listed newest first, paginated, with reason and fields but no personal data; the CLI prints them', async () => {
    await h.db.hrRefusal.deleteMany();
    const employeeId = h.newEmployeeId();
    const badDate = hireEvent(employeeId, STORE, POSITION(), { startDate: '2026-02-30', displayName: NAME });
    const unknownStore = hireEvent(employeeId, 'S999', POSITION(), { displayName: NAME });
    const badName = { ...hireEvent(employeeId, STORE, POSITION()), data: { ...hireEvent(employeeId, STORE, POSITION()).data, displayName: `${NAME}\u0000` } };
    expect((await h.sendHrEvent(badDate)).status).toBe(400);
    expect((await h.sendHrEvent(unknownStore)).status).toBe(422);
    expect((await h.sendHrEvent(badName)).status).toBe(400);
    expect((await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()), { secret: 'whsec_' + Buffer.from('wrong').toString('base64') })).status).toBe(401);

    const page1 = await (await h.call('GET', '/hr/deliveries?outcome=refused&limit=2')).json();
    expect(page1.deliveries).toEqual([
      expect.objectContaining({
        status: 400,
        eventId: badName.id,
        employeeId,
        type: 'com.retailco.hr.employee.hired',
        source: '/hr/core',
        problems: [{ field: 'data.displayName', message: 'must not contain control characters' }],
      }),
      expect.objectContaining({ status: 422, eventId: unknownStore.id, reason: 'unprocessable event', problems: [{ field: 'data.storeId', message: 'unknown store S999' }] }),
    ]);
    expect(page1.next).toEqual(expect.any(String));
    const page2 = await (await h.call('GET', `/hr/deliveries?outcome=refused&limit=2&before=${page1.next}`)).json();
    expect(page2.deliveries).toEqual([
      expect.objectContaining({ status: 400, eventId: badDate.id, problems: [{ field: 'data.startDate', message: 'must be a date YYYY-MM-DD' }] }),
    ]);
    expect(page2.next).toBeNull(); // the unsigned delivery is not HR's and is not recorded

    const stored = JSON.stringify(await h.db.hrRefusal.findMany());
    expect(stored).not.toContain('Zinaida');
    expect(stored).not.toContain('Personal-Name');

    expect((await h.call('GET', '/hr/deliveries?outcome=everything')).status).toBe(400);
    expect((await fetch(`${h.api}/hr/deliveries?outcome=refused`)).status).toBe(401);

    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['bin/phonefleet.mjs', 'hr', 'refused', ...args], { env: { ...process.env, PHONEFLEET_API_URL: h.api, PHONEFLEET_TOKEN: h.token } });
    const json = JSON.parse((await cli('--json')).stdout);
    expect(json.map((d: { eventId: string }) => d.eventId)).toEqual([badName.id, unknownStore.id, badDate.id]);
    const text = (await cli()).stdout;
    expect(text).toContain(`422  hired, employee ${employeeId}, event ${unknownStore.id}: unprocessable event`);
    expect(text).toContain('data.startDate: must be a date YYYY-MM-DD');
    expect(text).not.toContain('Zinaida');
    await expect(
      promisify(execFile)(process.execPath, ['bin/phonefleet.mjs', 'hr', 'refused'], { env: { ...process.env, PHONEFLEET_API_URL: '', PHONEFLEET_TOKEN: '' } }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('set PHONEFLEET_API_URL and PHONEFLEET_TOKEN'),
    });
  });
});
