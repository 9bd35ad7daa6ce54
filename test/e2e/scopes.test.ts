// Token scopes on the real API: each class of route answers 403 naming the scope it needs to a
// token without it, and lets the right one through to the route itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operator } from '../../src/api/auth.ts';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
const TOKENS: Record<string, Operator> = {
  'curator-1': { name: 'curator of S001', scopes: ['curator:S001'] },
  'curator-2': { name: 'curator of S002', scopes: ['curator:S002'] },
  support: { name: 'support desk', scopes: ['support'] },
  operations: { name: 'fleet operations', scopes: ['operations'] },
  hr: { name: 'hr', scopes: ['hr'] },
  pii: { name: 'data protection', scopes: ['pii'] },
  release: { name: 'release manager', scopes: ['release'] },
};

beforeAll(async () => {
  h = await startHarness({ tokens: new Map(Object.entries(TOKENS).map(([token, holder]) => [`tok-${token}`, holder])) });
});
afterAll(async () => h?.close());

async function as(who: keyof typeof TOKENS, method: string, path: string, body?: unknown) {
  const res = await fetch(`${h.api}${path}`, {
    method,
    headers: { authorization: `Bearer tok-${who}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as { error?: string } | null };
}

/** The holder got past the scope check: whatever the route answers, it is not 401/403. */
const passed = (r: { status: number }) => expect([401, 403]).not.toContain(r.status);

describe('scopes per route class', () => {
  it('a store curator: only their own store inbox, stock and freezes', async () => {
    const own = await as('curator-1', 'GET', '/stores/S001/notifications');
    expect(own.status).toBe(200);
    const other = await as('curator-2', 'GET', '/stores/S001/notifications');
    expect(other.status).toBe(403);
    expect(other.body?.error).toBe('GET /stores/S001/notifications needs scope curator:S001 or support or operations');
    expect((await as('curator-1', 'GET', '/stores/S001/freezes')).status).toBe(200);
    expect((await as('curator-2', 'GET', '/stores/S001/freezes')).status).toBe(403);
    passed(await as('curator-1', 'POST', '/stores/S001/stock', {})); // past the gate: 400 for the empty delivery
    expect((await as('curator-1', 'POST', '/stores/S001/stock', {})).status).toBe(400);
    expect((await as('curator-2', 'POST', '/stores/S001/stock', {})).status).toBe(403);
    expect((await as('hr', 'GET', '/stores/S001/notifications')).status).toBe(403);
  });

  it("a curator confirms hand-overs and returns of their store's phones only (the store is the device's)", async () => {
    const device = h.fleet.devices.find((d) => d.storeId === 'S001' && d.state === 'IN_STOCK')!;
    const own = await as('curator-1', 'POST', `/devices/${device.imei}/handover`, {});
    expect(own.status).toBe(409); // the route's own answer: the phone is not prepared for anyone
    const other = await as('curator-2', 'POST', `/devices/${device.imei}/handover`, {});
    expect(other.status).toBe(403);
    expect(other.body?.error).toContain(`needs scope curator:<store of device ${device.imei}> or support`);
    expect((await as('curator-2', 'POST', `/devices/${device.imei}/returned`, { condition: 'ok', simReturned: true })).status).toBe(403);
    expect((await as('support', 'POST', `/devices/${device.imei}/returned`, { condition: 'ok', simReturned: true })).status).toBe(409);
    expect((await as('operations', 'POST', `/devices/${device.imei}/handover`, {})).status).toBe(403);
  });

  it('support: support tasks and retries; others not', async () => {
    expect((await as('support', 'GET', '/support-tasks')).status).toBe(200);
    const curator = await as('curator-1', 'GET', '/support-tasks');
    expect(curator.status).toBe(403);
    expect(curator.body?.error).toBe('GET /support-tasks needs scope support or operations');
    expect((await as('support', 'POST', '/employees/E404/sim-owner-registration/retry')).status).toBe(409);
    expect((await as('hr', 'POST', '/employees/E404/sim-owner-registration/retry')).status).toBe(403);
  });

  it('operations: freeze windows; a curator may read its store freezes but not declare or lift one', async () => {
    passed(await as('operations', 'POST', '/fleet/freezes', {}));
    expect((await as('operations', 'POST', '/fleet/freezes', {})).status).toBe(400);
    expect((await as('operations', 'GET', '/fleet/freezes')).status).toBe(200);
    expect((await as('operations', 'DELETE', '/stores/S001/freezes/999999')).status).toBe(404);
    const curator = await as('curator-1', 'POST', '/stores/S001/freezes', {});
    expect(curator.status).toBe(403);
    expect(curator.body?.error).toBe('POST /stores/S001/freezes needs scope operations');
    expect((await as('curator-1', 'DELETE', '/stores/S001/freezes/1')).status).toBe(403);
    expect((await as('support', 'GET', '/fleet/freezes')).status).toBe(403);
  });

  it('hr and the curator of the store read an employee; another store curator does not', async () => {
    const employee = h.fleet.employees.find((e) => e.storeId === 'S001')!;
    expect((await as('hr', 'GET', `/employees/${employee.employeeId}`)).status).toBe(200);
    expect((await as('curator-1', 'GET', `/employees/${employee.employeeId}`)).status).toBe(200);
    const other = await as('curator-2', 'GET', `/employees/${employee.employeeId}`);
    expect(other.status).toBe(403);
    expect(other.body?.error).toContain(`curator:<store of employee ${employee.employeeId}>`);
    expect((await as('release', 'GET', `/employees/${employee.employeeId}`)).status).toBe(403);
  });

  it('pii: only it decrypts through the codec', async () => {
    const payloads = { payloads: [] };
    expect((await as('pii', 'POST', '/codec/decode', payloads)).status).toBe(200);
    const ops = await as('operations', 'POST', '/codec/decode', payloads);
    expect(ops.status).toBe(403);
    expect(ops.body?.error).toBe('POST /codec/decode needs scope pii');
    expect((await as('support', 'POST', '/codec/encode', payloads)).status).toBe(403);
  });

  it('a token with every scope (the generated one) passes everywhere; an unknown token is 401', async () => {
    expect((await h.call('GET', '/support-tasks')).status).toBe(200);
    expect((await h.call('POST', '/codec/decode', { payloads: [] })).status).toBe(200);
    expect((await fetch(`${h.api}/support-tasks`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });
});
