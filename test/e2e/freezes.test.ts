// Freeze windows through the HTTP API: operators declare and lift them, every change is audited,
// and the processes sleeping on a freeze are woken through the real Temporal dev server.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { createApp } from '../../src/api/app.ts';
import type { ApiContext } from '../../src/api/context.ts';
import { Phase as PHASE, StoreId as STORE_ID } from '../../workflows/search-attributes.ts';
import { eventually, startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
const STORE = 'S001';
const run = randomBytes(3).toString('hex');
const inHours = (n: number) => new Date(Date.now() + n * 3_600_000).toISOString();
const inventory = () => ({ startsAt: inHours(1), endsAt: inHours(30), reason: 'annual inventory' });

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await h.db.freeze.deleteMany();
});

const auditRows = (action: string) => h.db.auditLog.findMany({ where: { action }, orderBy: { id: 'asc' } });

describe('freeze windows', () => {
  it('an operator declares a store freeze: 201, audited, listed with the fleet-wide ones', async () => {
    const window = inventory();
    const res = await h.call('POST', `/stores/${STORE}/freezes`, window);
    expect(res.status).toBe(201);
    const { freeze, processesWoken } = await res.json();
    expect(freeze).toMatchObject({ storeId: STORE, startsAt: window.startsAt, endsAt: window.endsAt, reason: 'annual inventory', createdBy: 'api:test-operator' });
    expect(processesWoken).toBe(0);
    expect(await h.db.freeze.findUniqueOrThrow({ where: { id: freeze.id } })).toMatchObject({ storeId: STORE, endsAt: new Date(window.endsAt) });
    expect(await auditRows('freeze.created')).toEqual([
      expect.objectContaining({
        actor: 'api:test-operator',
        storeId: STORE,
        details: { freezeId: freeze.id, startsAt: window.startsAt, endsAt: window.endsAt, reason: 'annual inventory' },
      }),
    ]);

    const fleet = await (await h.call('POST', '/fleet/freezes', { startsAt: inHours(-1), endsAt: inHours(48), reason: 'peak sales' })).json();
    expect(fleet.freeze.storeId).toBeNull();
    expect((await auditRows('freeze.created')).at(-1)).toMatchObject({ storeId: null, details: { freezeId: fleet.freeze.id, reason: 'peak sales' } });
    const otherStore = await (await h.call('POST', '/stores/S002/freezes', inventory())).json();

    // Ordered by start: the fleet's (already running) first. Another store's is not S001's business.
    const list = await (await h.call('GET', `/stores/${STORE}/freezes`)).json();
    expect(list.storeId).toBe(STORE);
    expect(list.freezes.map((f: { id: number }) => f.id)).toEqual([fleet.freeze.id, freeze.id]);
    const fleetList = await (await h.call('GET', '/fleet/freezes')).json();
    expect(fleetList.freezes.map((f: { id: number }) => f.id)).toEqual([fleet.freeze.id]);
    expect((await (await h.call('GET', '/stores/S002/freezes')).json()).freezes.map((f: { id: number }) => f.id)).toEqual([fleet.freeze.id, otherStore.freeze.id]);
  });

  it('lists ended freezes only with ?all=1', async () => {
    const ended = await h.db.freeze.create({
      data: { storeId: STORE, startsAt: new Date(inHours(-30)), endsAt: new Date(inHours(-2)), reason: 'last inventory', createdBy: 'api:someone' },
    });
    const current = await (await h.call('POST', `/stores/${STORE}/freezes`, inventory())).json();
    expect((await (await h.call('GET', `/stores/${STORE}/freezes`)).json()).freezes.map((f: { id: number }) => f.id)).toEqual([current.freeze.id]);
    expect((await (await h.call('GET', `/stores/${STORE}/freezes?all=1`)).json()).freezes.map((f: { id: number }) => f.id)).toEqual([ended.id, current.freeze.id]);
  });

  it('an operator lifts a freeze: 204, audited, gone from the list', async () => {
    const { freeze } = await (await h.call('POST', `/stores/${STORE}/freezes`, inventory())).json();
    const res = await h.call('DELETE', `/stores/${STORE}/freezes/${freeze.id}`);
    expect(res.status).toBe(204);
    expect(res.headers.get('processes-woken')).toBe('0');
    expect(await h.db.freeze.count()).toBe(0);
    expect((await auditRows('freeze.deleted')).at(-1)).toMatchObject({
      actor: 'api:test-operator',
      storeId: STORE,
      details: { freezeId: freeze.id, startsAt: freeze.startsAt, endsAt: freeze.endsAt, reason: freeze.reason },
    });
    expect((await (await h.call('GET', `/stores/${STORE}/freezes`)).json()).freezes).toEqual([]);
    expect((await h.call('DELETE', `/stores/${STORE}/freezes/${freeze.id}`)).status).toBe(404); // already lifted

    const fleet = await (await h.call('POST', '/fleet/freezes', inventory())).json();
    expect((await h.call('DELETE', `/fleet/freezes/${fleet.freeze.id}`)).status).toBe(204);
    expect((await auditRows('freeze.deleted')).at(-1)).toMatchObject({ storeId: null, details: { freezeId: fleet.freeze.id } });
  });

  it('404 for an unknown store, and for a freeze that is not that store’s', async () => {
    const unknown = await h.call('POST', '/stores/S999/freezes', inventory());
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toContain('S999');
    expect((await h.call('GET', '/stores/S999/freezes')).status).toBe(404);

    const own = await (await h.call('POST', `/stores/${STORE}/freezes`, inventory())).json();
    const fleet = await (await h.call('POST', '/fleet/freezes', inventory())).json();
    const before = await h.db.auditLog.count();
    expect((await h.call('DELETE', `/stores/S002/freezes/${own.freeze.id}`)).status).toBe(404); // another store's
    expect((await h.call('DELETE', `/stores/${STORE}/freezes/${fleet.freeze.id}`)).status).toBe(404); // the fleet's: lifted only at /fleet
    expect((await h.call('DELETE', `/fleet/freezes/${own.freeze.id}`)).status).toBe(404);
    expect((await h.call('DELETE', `/stores/S999/freezes/${own.freeze.id}`)).status).toBe(404);
    expect((await h.call('DELETE', `/stores/${STORE}/freezes/not-a-number`)).status).toBe(404);
    expect((await h.call('DELETE', `/stores/${STORE}/freezes/999999999`)).status).toBe(404);
    expect(await h.db.freeze.count()).toBe(2);
    expect(await h.db.auditLog.count()).toBe(before);
  });

  it('bad input is refused with 400 naming each bad field, and nothing is written', async () => {
    const before = await h.db.auditLog.count();
    const res = await h.call('POST', `/stores/${STORE}/freezes`, { startsAt: '2026-03-02 06:00', endsAt: inHours(-1), reason: '' });
    expect(res.status).toBe(400);
    expect((await res.json()).problems.map((p: { field: string }) => p.field)).toEqual(['startsAt', 'endsAt', 'reason']);

    const tooLong = await h.call('POST', '/fleet/freezes', { startsAt: inHours(1), endsAt: inHours(1 + 24 * 91), reason: 'all summer' });
    expect(tooLong.status).toBe(400);
    expect((await tooLong.json()).problems).toEqual([{ field: 'endsAt', message: 'must be at most 90 days after startsAt' }]);
    const backwards = await h.call('POST', '/fleet/freezes', { ...inventory(), startsAt: inHours(5), endsAt: inHours(4) });
    expect((await backwards.json()).problems).toEqual([{ field: 'endsAt', message: 'must be after startsAt' }]);
    expect((await h.call('POST', '/fleet/freezes')).status).toBe(400); // no body at all

    expect(await h.db.freeze.count()).toBe(0);
    expect(await h.db.auditLog.count()).toBe(before);
  });

  it('every freeze endpoint wants the bearer token', async () => {
    const { freeze } = await (await h.call('POST', `/stores/${STORE}/freezes`, inventory())).json();
    const anonymous = (method: string, path: string, body?: unknown) =>
      fetch(`${h.api}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await anonymous('POST', `/stores/${STORE}/freezes`, inventory())).status).toBe(401);
    expect((await anonymous('POST', '/fleet/freezes', inventory())).status).toBe(401);
    expect((await anonymous('GET', `/stores/${STORE}/freezes`)).status).toBe(401);
    expect((await fetch(`${h.api}/fleet/freezes`)).status).toBe(401);
    expect((await anonymous('DELETE', `/stores/${STORE}/freezes/${freeze.id}`)).status).toBe(401);
    expect(await h.db.freeze.count()).toBe(1);
  });
});

describe('processes waiting on a freeze are woken', () => {
  // Stand-ins for the processes that sleep on a freeze: running workflows on a task queue no
  // worker polls, carrying the search attributes the real ones set. Signals sent to them stay
  // in their history, where the test reads them.
  const waiters: WorkflowHandle[] = [];
  const waiter = async (name: string, storeId: string, phase: string) => {
    const handle = await h.client.workflow.start('freezeWaiterStandIn', {
      taskQueue: `nobody-${run}`,
      workflowId: `freeze-waiter-${run}-${name}`,
      typedSearchAttributes: [
        { key: STORE_ID, value: storeId },
        { key: PHASE, value: phase },
      ],
    });
    waiters.push(handle);
    return handle;
  };
  const freezeSignals = async (handle: WorkflowHandle) => {
    const { events } = await handle.fetchHistory();
    return events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'freezeChanged').length;
  };
  afterAll(async () => {
    await Promise.all(waiters.map((w) => w.terminate('test over').catch(() => undefined)));
  });

  it('a store freeze wakes that store’s waiting processes, a fleet-wide one wakes all of them', async () => {
    // Stores of this run only: other suites share the dev server and use S001, S002.
    const [here, there] = [`FZ${run}A`, `FZ${run}B`];
    await h.db.store.createMany({ data: [here, there].map((id) => ({ id, name: id, timeZone: 'Europe/Paris', uplinkMbps: 100, supportPhone: '+33100000000' })) });
    const waiting = await waiter('waiting', here, 'waiting-for-freeze');
    const elsewhere = await waiter('elsewhere', there, 'waiting-for-freeze');
    const busy = await waiter('busy', here, 'awaiting-stock');
    const visible = (storeId: string) => `StoreId = '${storeId}' AND Phase = 'waiting-for-freeze' AND ExecutionStatus = 'Running'`;
    await eventually(async () => (await h.client.workflow.count(visible(here))).count === 1 && (await h.client.workflow.count(visible(there))).count === 1, 'waiters visible');

    const created = await h.call('POST', `/stores/${here}/freezes`, inventory());
    expect(created.status).toBe(201);
    const { freeze, processesWoken } = await created.json();
    expect(processesWoken).toBe(1);
    expect(await freezeSignals(waiting)).toBe(1);
    expect(await freezeSignals(elsewhere)).toBe(0);
    expect(await freezeSignals(busy)).toBe(0);

    const lifted = await h.call('DELETE', `/stores/${here}/freezes/${freeze.id}`);
    expect(lifted.headers.get('processes-woken')).toBe('1');
    expect(await freezeSignals(waiting)).toBe(2);

    const fleet = await (await h.call('POST', '/fleet/freezes', inventory())).json();
    expect(fleet.processesWoken).toBeGreaterThanOrEqual(2); // other suites' waiters count too
    expect([await freezeSignals(waiting), await freezeSignals(elsewhere), await freezeSignals(busy)]).toEqual([3, 1, 0]);
  });

  it('Temporal unreachable: the freeze still stands, and the answer says nobody could be woken', async () => {
    const unreachable = {
      workflow: {
        list: () => {
          throw new Error('connection refused');
        },
      },
    } as unknown as Client;
    const ctx = { db: h.db, temporal: unreachable, apiTokens: new Map([['tok', 'ops']]), readiness: {} } as unknown as ApiContext;
    const server = createApp(ctx).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stores/${STORE}/freezes`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
        body: JSON.stringify(inventory()),
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { freeze: { id: number }; processesWoken: number | null };
      expect(body.processesWoken).toBeNull();
      expect(await h.db.freeze.findUnique({ where: { id: body.freeze.id } })).not.toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
