// The hostile-input battery (issue 6 §8): every route of the API, driven with input a hostile or
// broken client sends: control characters in every field, path segment and query string,
// impossible dates, wrong types and media types, duplicate JSON keys, huge values, unknown
// stores. Each must get the 4xx it deserves (naming the field where there is one), never a
// 500; nothing may be written; no stack trace may reach the log; logged paths are cut.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { MAX_LOGGED_PATH } from '../../src/api/request-log.ts';
import { createLogger } from '../../src/observability/log.ts';
import { sign } from '../../src/api/webhook-signature.ts';
import { makeIccid, makeImei } from '../../src/domain/identifiers.ts';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { dismissEvent, FAST_POLICY, hireEvent, HR_SECRET, roleChangeEvent, startHarness, transferEvent, type Harness } from '../support/harness.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';

let h: Harness;
let api: string;
let server: Server;
const logLines: string[] = [];
const TOKEN = randomBytes(12).toString('hex');
/** A curator of another store: its scope check looks the path's device or employee up. */
const CURATOR_TOKEN = randomBytes(12).toString('hex');

beforeAll(async () => {
  h = await startHarness();
  // The harness's API, plus a request log to inspect.
  const app = createApp(
    {
      db: h.db,
      temporal: h.client,
      taskQueue: h.taskQueue,
      policy: FAST_POLICY,
      hrWebhookSecrets: [HR_SECRET],
      apiTokens: new Map<string, string | { name: string; scopes: string[] }>([
        [TOKEN, 'battery'],
        [CURATOR_TOKEN, { name: 'curator-elsewhere', scopes: ['curator:S002'] }],
      ]),
      codec: new EncryptionCodec(TEST_PAYLOAD_KEYS.current),
      codecOrigins: [],
      readiness: {},
    },
    { logger: createLogger({ level: 'info', destination: { write: (chunk: string) => void logLines.push(chunk) } }) },
  );
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await h?.close();
});

interface Case {
  name: string;
  send: () => Promise<Response>;
  /** The status wanted. */
  status: number;
  /** A field the answer's problem list must name. */
  field?: string;
}

const STORE = 'S001';
const EMPLOYEE = 'HOSTILE-1';
const NUL = '\u0000';
// What a hostile client puts in a text field, each named for the test title.
const HOSTILE_TEXT: [string, string][] = [
  ['NUL', `abc${NUL}def`],
  ['a lone NUL', NUL],
  ['bell', 'ring\u0007'],
  ['escape sequence', '\u001b[31mred'],
  ['newline (log forging)', 'x\napi: GET /forged 200'],
  ['DEL', 'x\u007f'],
  ['C1 control', 'x\u0085'],
  ['lone surrogate', 'x\ud800y'],
];
const NOT_TEXT: [string, unknown][] = [
  ['a number', 42],
  ['an object', { $ne: null }],
  ['an array', ['a']],
  ['null', null],
  ['10,000 characters', 'A'.repeat(10_000)],
];
const BAD_DATES = ['2026-02-30', '2026-13-45', '2026-00-10', '2025-02-29', '26-01-01', '2026-1-1', '2026-01-01T00:00:00Z', ''];
const BAD_TIMES = [
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T10:60:00Z',
  '2026-01-01T10:00:61Z',
  '2026-01-01T10:00:00+24:00',
  '2026-01-01 10:00:00Z',
  'yesterday',
];

const signedPost = (body: string, contentType = 'application/cloudevents+json') => {
  const id = `msg_${randomBytes(6).toString('hex')}`;
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`${api}/hr/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(HR_SECRET, id, ts, body) },
    body,
  });
};
const operator = (method: string, path: string, body?: string, contentType = 'application/json', token = TOKEN) =>
  fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) }, body });
const json = (v: unknown) => JSON.stringify(v);

/** Sets `path` (a.b.c) in a copy of `obj`. */
function withField(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(obj);
  const keys = path.split('.');
  let at = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[keys.at(-1)!] = value;
  return copy;
}

function hrCases(): Case[] {
  const cases: Case[] = [];
  const hire = hireEvent(EMPLOYEE, STORE, 'POS-CASH-01', { startDate: '2026-12-01' }) as unknown as Record<string, unknown>;
  const events: [string, Record<string, unknown>, string[]][] = [
    ['hire', hire, ['id', 'source', 'type', 'time', 'subject', 'specversion', 'data.employeeId', 'data.storeId', 'data.position', 'data.startDate', 'data.displayName']],
    ['dismissal', dismissEvent(EMPLOYEE, '2026-12-31') as Record<string, unknown>, ['id', 'data.employeeId', 'data.lastWorkingDay']],
    ['role change', roleChangeEvent(EMPLOYEE, 'POS-CASH-01') as Record<string, unknown>, ['data.position']],
    ['transfer', transferEvent(EMPLOYEE, 'S002') as Record<string, unknown>, ['data.storeId']],
    [
      'rescission',
      { specversion: '1.0', id: 'r-1', source: '/hr/core', type: 'com.retailco.hr.employee.hire-rescinded', data: { employeeId: EMPLOYEE, reason: 'ok' } },
      ['data.reason'],
    ],
  ];
  for (const [kind, event, fields] of events) {
    for (const field of fields) {
      for (const [what, value] of HOSTILE_TEXT)
        cases.push({ name: `HR ${kind}: ${what} in ${field}`, send: () => signedPost(json(withField(event, field, value))), status: 400, field });
      for (const [what, value] of NOT_TEXT) {
        if (field === 'data.displayName' && what === '10,000 characters') continue; // covered: 200 at most
        cases.push({ name: `HR ${kind}: ${what} as ${field}`, send: () => signedPost(json(withField(event, field, value))), status: 400, field });
      }
    }
  }
  for (const d of BAD_DATES)
    cases.push({ name: `HR hire: startDate ${JSON.stringify(d)}`, send: () => signedPost(json(withField(hire, 'data.startDate', d))), status: 400, field: 'data.startDate' });
  for (const d of BAD_DATES)
    cases.push({
      name: `HR dismissal: lastWorkingDay ${JSON.stringify(d)}`,
      send: () => signedPost(json(withField(dismissEvent(EMPLOYEE, '2026-12-31'), 'data.lastWorkingDay', d))),
      status: 400,
      field: 'data.lastWorkingDay',
    });
  for (const t of BAD_TIMES) cases.push({ name: `HR hire: time ${JSON.stringify(t)}`, send: () => signedPost(json(withField(hire, 'time', t))), status: 400, field: 'time' });
  for (const type of ['toString', 'constructor', '__proto__', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'com.retailco.hr.employee.promoted']) {
    cases.push({ name: `HR: type ${type}`, send: () => signedPost(json(withField(hire, 'type', type))), status: 400, field: 'type' });
  }
  cases.push(
    { name: 'HR: duplicate key in data', send: () => signedPost(json(hire).replace('"storeId":"S001"', '"storeId":"S001","storeId":"S002"')), status: 400, field: 'data.storeId' },
    {
      name: 'HR: duplicate top-level key',
      send: () => signedPost(json(hire).replace('"specversion":"1.0"', '"specversion":"1.0","specversion":"1.0"')),
      status: 400,
      field: 'specversion',
    },
    { name: 'HR: invalid JSON', send: () => signedPost('{"specversion":'), status: 400, field: 'body' },
    { name: 'HR: a JSON array', send: () => signedPost('[]'), status: 400, field: 'body' },
    { name: 'HR: a JSON string', send: () => signedPost('"hello"'), status: 400, field: 'body' },
    { name: 'HR: empty body', send: () => signedPost(''), status: 400, field: 'body' },
    { name: 'HR: __proto__ as data', send: () => signedPost(json(hire).replace('"data":{', '"data":{"__proto__":{"storeId":"S002"},')), status: 400 },
    { name: 'HR: text/plain', send: () => signedPost(json(hire), 'text/plain'), status: 415 },
    { name: 'HR: application/xml', send: () => signedPost('<event/>', 'application/xml'), status: 415 },
    { name: 'HR: no content type', send: () => signedPost(json(hire), ''), status: 415 },
    { name: 'HR: 100 KB body', send: () => signedPost(json(withField(hire, 'data.displayName', 'A'.repeat(100_000)))), status: 413 },
    {
      name: 'HR: deeply nested data',
      send: () => signedPost(json(withField(hire, 'data.displayName', JSON.parse('['.repeat(2000) + ']'.repeat(2000))))),
      status: 400,
      field: 'data.displayName',
    },
  );
  return cases;
}

function stockCases(): Case[] {
  const cases: Case[] = [];
  const imei = makeImei('35999999', '000001');
  const iccid = makeIccid('8970199', 999000001);
  const delivery = {
    devices: [{ imei, serial: 'SN-HOSTILE-1', model: 'Galaxy XCover 4', leaseContract: 'LC-1', warrantyUntil: '2029-12-31' }],
    sims: [{ iccid, msisdn: '79990009999', operator: 'retail-mobile' }],
  };
  const fields = [
    'devices.0.imei',
    'devices.0.serial',
    'devices.0.model',
    'devices.0.leaseContract',
    'devices.0.warrantyUntil',
    'sims.0.iccid',
    'sims.0.msisdn',
    'sims.0.operator',
  ];
  const named = (f: string) => f.replace(/\.(\d+)\./, '[$1].');
  const post = (body: unknown) => () => operator('POST', `/stores/${STORE}/stock`, json(body));
  for (const field of fields) {
    for (const [what, value] of HOSTILE_TEXT)
      cases.push({ name: `stock: ${what} in ${named(field)}`, send: post(withField(delivery, field, value)), status: 400, field: named(field) });
    for (const [what, value] of NOT_TEXT)
      cases.push({ name: `stock: ${what} as ${named(field)}`, send: post(withField(delivery, field, value)), status: 400, field: named(field) });
  }
  for (const d of BAD_DATES)
    cases.push({
      name: `stock: warrantyUntil ${JSON.stringify(d)}`,
      send: post(withField(delivery, 'devices.0.warrantyUntil', d)),
      status: 400,
      field: 'devices[0].warrantyUntil',
    });
  const twice = { devices: [delivery.devices[0], { ...delivery.devices[0], serial: 'SN-HOSTILE-2' }], sims: [delivery.sims[0], delivery.sims[0]] };
  cases.push(
    { name: 'stock: the same IMEI twice in one delivery', send: post(twice), status: 400, field: 'devices[1].imei' },
    { name: 'stock: the same ICCID twice in one delivery', send: post(twice), status: 400, field: 'sims[1].iccid' },
    {
      name: 'stock: a device already in the fleet (other store)',
      send: async () =>
        operator(
          'POST',
          `/stores/${STORE}/stock`,
          json({ devices: [{ ...delivery.devices[0], imei: (await h.db.device.findFirstOrThrow({ where: { storeId: 'S002' } })).imei }] }),
        ),
      status: 409,
      field: 'devices[0].imei',
    },
    {
      name: 'stock: a SIM already in the fleet',
      send: async () => operator('POST', `/stores/${STORE}/stock`, json({ sims: [{ ...delivery.sims[0], iccid: (await h.db.sim.findFirstOrThrow()).iccid }] })),
      status: 409,
      field: 'sims[0].iccid',
    },
    {
      name: 'stock: duplicate key',
      send: () => operator('POST', `/stores/${STORE}/stock`, json(delivery).replace('"model":', '"model":"x","model":')),
      status: 400,
      field: 'devices[0].model',
    },
    { name: 'stock: invalid JSON', send: () => operator('POST', `/stores/${STORE}/stock`, '{"devices": ['), status: 400, field: 'body' },
    { name: 'stock: a JSON array', send: () => operator('POST', `/stores/${STORE}/stock`, '[]'), status: 400, field: 'body' },
    { name: 'stock: null', send: () => operator('POST', `/stores/${STORE}/stock`, 'null'), status: 400, field: 'body' },
    { name: 'stock: no body', send: () => operator('POST', `/stores/${STORE}/stock`), status: 400, field: 'body' },
    { name: 'stock: devices not an array', send: post({ devices: 'all of them' }), status: 400, field: 'devices' },
    { name: 'stock: a device that is a string', send: post({ devices: ['x'] }), status: 400, field: 'devices[0]' },
    { name: 'stock: 2,001 devices', send: post({ devices: Array(2001).fill(delivery.devices[0]) }), status: 400, field: 'devices' },
    { name: 'stock: text/plain', send: () => operator('POST', `/stores/${STORE}/stock`, json(delivery), 'text/plain'), status: 415 },
    { name: 'stock: form-encoded', send: () => operator('POST', `/stores/${STORE}/stock`, 'devices=1', 'application/x-www-form-urlencoded'), status: 415 },
    { name: 'stock: control character in a key', send: () => operator('POST', `/stores/${STORE}/stock`, json({ ...delivery, 'x\u0000': 1 })), status: 400 },
    { name: 'stock: unknown store', send: () => operator('POST', '/stores/S999/stock', json(delivery)), status: 404 },
  );
  return cases;
}

/** Path segments a hostile client sends where an id belongs. */
const HOSTILE_SEGMENTS: [string, string][] = [
  ['NUL', 'S00%001'],
  ['a lone NUL', '%00'],
  ['newline', 'S001%0Aforged'],
  ['escape', '%1B%5B31m'],
  ['DEL', 'S%7F'],
  ['1,000 characters', 'S'.repeat(1000)],
  ['dots and spaces', '..%20..'],
  ['unicode', '%D0%9C%D0%B0%D0%B3'],
];

function pathCases(): Case[] {
  const cases: Case[] = [];
  const imei = makeImei('35999999', '000002');
  const routes: [string, (seg: string) => [string, string, string?], string][] = [
    ['GET notifications', (s) => ['GET', `/stores/${s}/notifications`], 'storeId'],
    ['POST stock', (s) => ['POST', `/stores/${s}/stock`, json({ devices: [] })], 'storeId'],
    ['GET store freezes', (s) => ['GET', `/stores/${s}/freezes`], 'storeId'],
    ['POST store freeze', (s) => ['POST', `/stores/${s}/freezes`, json({ startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-02T00:00:00Z', reason: 'x' })], 'storeId'],
    ['DELETE store freeze', (s) => ['DELETE', `/stores/${s}/freezes/1`], 'storeId'],
    ['GET employee', (s) => ['GET', `/employees/${s}`], 'id'],
    ['POST retry registration', (s) => ['POST', `/employees/${s}/sim-owner-registration/retry`], 'id'],
    ['POST handover', (s) => ['POST', `/devices/${s}/handover`, json({})], 'imei'],
    ['POST returned', (s) => ['POST', `/devices/${s}/returned`, json({ condition: 'ok', simReturned: true })], 'imei'],
  ];
  for (const [route, build, field] of routes) {
    for (const [what, seg] of HOSTILE_SEGMENTS) {
      const [method, path, body] = build(seg);
      cases.push({ name: `${route}: ${what} in ${field}`, send: () => operator(method, path, body), status: 400, field });
      if (field !== 'storeId' && what !== 'dots and spaces' && what !== 'unicode' && what !== '1,000 characters') {
        cases.push({
          name: `${route} (curator of another store): ${what} in ${field}`,
          send: () => operator(method, path, body, 'application/json', CURATOR_TOKEN),
          status: 400,
          field,
        });
      }
    }
  }
  cases.push(
    { name: 'DELETE store freeze: NUL in the freeze id', send: () => operator('DELETE', `/stores/${STORE}/freezes/1%00`), status: 400, field: 'id' },
    { name: 'DELETE fleet freeze: NUL in the freeze id', send: () => operator('DELETE', '/fleet/freezes/%00'), status: 400, field: 'id' },
    { name: 'DELETE fleet freeze: not a number', send: () => operator('DELETE', '/fleet/freezes/abc'), status: 404 },
    { name: 'GET notifications: unknown store', send: () => operator('GET', '/stores/S999/notifications'), status: 404 },
    { name: 'GET freezes: unknown store', send: () => operator('GET', '/stores/S999/freezes'), status: 404 },
    { name: 'GET employee: unknown', send: () => operator('GET', '/employees/NOBODY-1'), status: 404 },
    { name: 'POST handover: unknown phone', send: () => operator('POST', `/devices/${imei}/handover`), status: 404 },
    { name: 'POST handover: employeeId with NUL', send: () => operator('POST', `/devices/${imei}/handover`, json({ employeeId: `E${NUL}` })), status: 400, field: 'employeeId' },
    { name: 'POST handover: body an array', send: () => operator('POST', `/devices/${imei}/handover`, '[]'), status: 400, field: 'body' },
    { name: 'POST handover: text/plain', send: () => operator('POST', `/devices/${imei}/handover`, '{}', 'text/plain'), status: 415 },
    {
      name: 'POST returned: condition with NUL',
      send: () => operator('POST', `/devices/${imei}/returned`, json({ condition: `ok${NUL}`, simReturned: true })),
      status: 400,
      field: 'condition',
    },
    { name: 'POST returned: no body', send: () => operator('POST', `/devices/${imei}/returned`), status: 400, field: 'body' },
    {
      name: 'POST returned: duplicate key',
      send: () => operator('POST', `/devices/${imei}/returned`, '{"condition":"ok","condition":"damaged","simReturned":true}'),
      status: 400,
      field: 'condition',
    },
    { name: 'POST returned: text/plain', send: () => operator('POST', `/devices/${imei}/returned`, '{}', 'text/plain'), status: 415 },
    { name: 'a malformed percent-encoding', send: () => operator('GET', '/employees/%E0%A4%A'), status: 400 },
    { name: 'an 8,000-character path', send: () => operator('GET', `/${'x'.repeat(8000)}`), status: 404 },
  );
  return cases;
}

function freezeAndQueryCases(): Case[] {
  const cases: Case[] = [];
  const freeze = { startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-02T00:00:00Z', reason: 'inventory' };
  for (const field of ['startsAt', 'endsAt', 'reason']) {
    for (const [what, value] of HOSTILE_TEXT) {
      cases.push({ name: `store freeze: ${what} in ${field}`, send: () => operator('POST', `/stores/${STORE}/freezes`, json({ ...freeze, [field]: value })), status: 400, field });
      cases.push({ name: `fleet freeze: ${what} in ${field}`, send: () => operator('POST', '/fleet/freezes', json({ ...freeze, [field]: value })), status: 400, field });
    }
  }
  for (const t of BAD_TIMES)
    cases.push({
      name: `freeze: startsAt ${JSON.stringify(t)}`,
      send: () => operator('POST', `/stores/${STORE}/freezes`, json({ ...freeze, startsAt: t })),
      status: 400,
      field: 'startsAt',
    });
  cases.push(
    { name: 'freeze: text/plain', send: () => operator('POST', '/fleet/freezes', json(freeze), 'text/plain'), status: 415 },
    { name: 'freeze: duplicate key', send: () => operator('POST', '/fleet/freezes', json(freeze).replace('"reason":', '"reason":"a","reason":')), status: 400, field: 'reason' },
    { name: 'freeze: unknown store', send: () => operator('POST', '/stores/S999/freezes', json(freeze)), status: 404 },
  );
  const queries: [string, string, string][] = [
    ['/support-tasks?status=%00', 'query.status', 'NUL'],
    ['/support-tasks?status=OPEN%0A', 'query.status', 'newline'],
    ['/support-tasks?storeId=S00%001', 'query.storeId', 'NUL'],
    ['/support-tasks?status=MAYBE', 'query.status', 'unknown value'],
    ['/support-tasks?status=OPEN&status=DONE', 'query.status', 'given twice'],
    ['/support-tasks?storeId=%3Cscript%3E', 'query.storeId', 'not a store code'],
    ['/support-tasks?%00=1', 'query (a parameter name)', 'NUL in a name'],
    ['/stores/S001/freezes?all=%00', 'query.all', 'NUL'],
    ['/fleet/freezes?all=1&all=1', 'query.all', 'given twice'],
    ['/hr/deliveries?outcome=refused%00', 'query.outcome', 'NUL'],
    ['/hr/deliveries?outcome=accepted', 'query.outcome', 'unknown value'],
    ['/hr/deliveries?outcome=refused&limit=0', 'query.limit', 'zero'],
    ['/hr/deliveries?outcome=refused&limit=1e3', 'query.limit', 'not a whole number'],
    ['/hr/deliveries?outcome=refused&before=-1', 'query.before', 'negative cursor'],
    ['/employees/E1?x=%1B', 'query.x', 'escape in an unused parameter'],
  ];
  for (const [path, field, what] of queries) cases.push({ name: `GET ${path.split('?')[0]}: ${what} in ${field}`, send: () => operator('GET', path), status: 400, field });
  cases.push({ name: 'GET /support-tasks: unknown store', send: () => operator('GET', '/support-tasks?storeId=S999'), status: 404 });
  return cases;
}

const battery = [...hrCases(), ...stockCases(), ...pathCases(), ...freezeAndQueryCases()];

describe(`hostile-input battery: ${battery.length} requests`, () => {
  it(`every one of the ${battery.length} hostile requests gets its 4xx naming the field; no 500, nothing written, no stack trace, paths cut in the log`, async () => {
    const counts = async () => ({
      hrEvents: await h.db.hrEvent.count(),
      devices: await h.db.device.count(),
      sims: await h.db.sim.count(),
      freezes: await h.db.freeze.count(),
      audit: await h.db.auditLog.count(),
    });
    const before = await counts();
    const errors = vi.spyOn(console, 'error');
    const failures: string[] = [];
    try {
      for (const c of battery) {
        const res = await c.send();
        const body = (await res.json().catch(() => ({}))) as { problems?: { field: string }[] };
        const fields = (body.problems ?? []).map((p) => p.field);
        if (res.status !== c.status) failures.push(`${c.name}: ${res.status} (wanted ${c.status}) ${JSON.stringify(body).slice(0, 200)}`);
        else if (c.field && !fields.includes(c.field)) failures.push(`${c.name}: problems name ${JSON.stringify(fields)}, not ${c.field}`);
      }
      expect(failures, `${failures.length} of ${battery.length} failed`).toEqual([]);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
    expect(await counts()).toEqual(before);
    // The log: every request one JSON line (a newline in a path cannot forge a second one), paths
    // cut, and no error line or stack trace.
    expect(logLines.filter((l) => !/^\{[^\n]*\}\n$/.test(l))).toEqual([]);
    const entries = logLines.map((l) => JSON.parse(l) as { level: number; msg: string; path?: string; stack?: unknown; err?: unknown });
    const requests = entries.filter((e) => e.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(battery.length);
    expect(requests.filter((e) => typeof e.path !== 'string' || e.path.length > MAX_LOGGED_PATH + 20)).toEqual([]);
    expect(entries.filter((e) => e.level >= 50 || e.err !== undefined || /\bat .*\(.*:\d+:\d+\)/.test(JSON.stringify(e)))).toEqual([]);
  });
});
