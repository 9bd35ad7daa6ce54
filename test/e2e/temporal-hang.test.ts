// Issue 6 §7: while Temporal hangs (a server that accepts the connection and never answers, not
// a refused port), the API answers 503 + Retry-After within its request deadline and writes
// nothing it cannot finish: no receipt completed, no workflow started or signalled. Without
// the deadline the gRPC client would wait for its own (much longer) connect/retry budget.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { createApp } from '../../src/api/app.ts';
import { TEMPORAL_DEADLINE_MS } from '../../src/api/temporal-calls.ts';
import { sign } from '../../src/api/webhook-signature.ts';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle.ts';
import { joinerWorkflowId } from '../../workflows/joiner.ts';
import { FAST_POLICY, hireEvent, HR_SECRET, startHarness, type Harness } from '../support/harness.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';

/**
 * The upper bound is the API's own request deadline (TEMPORAL_DEADLINE_MS, the production
 * default, not shortened here) plus a generous margin for a shared, busy machine. It is the
 * contract "answers at once rather than after the client's retries", not a performance figure.
 */
const ANSWER_BOUND_MS = 15_000;

let h: Harness;
let hang: { address: string; close: () => Promise<void>; accepted: () => number };
let api: { url: string; close: () => Promise<void> };
const STORE = 'S001';

/** A TCP listener that accepts every connection and never sends a byte: a hung Temporal. */
async function hungTemporal(): Promise<typeof hang> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => sockets.length,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

beforeAll(async () => {
  h = await startHarness();
  hang = await hungTemporal();
  const app = createApp({
    db: h.db,
    temporal: new Client({ connection: Connection.lazy({ address: hang.address }) }),
    taskQueue: h.taskQueue,
    policy: FAST_POLICY,
    hrWebhookSecrets: [HR_SECRET],
    apiTokens: new Map([[h.token, 'test-operator']]),
    codec: new EncryptionCodec(TEST_PAYLOAD_KEYS.current),
    codecOrigins: [],
    // temporalDeadlineMs left out: the production deadline is what is under test.
    readiness: {},
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  api = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r(undefined))) };
}, 180_000);

afterAll(async () => {
  await api?.close();
  await hang?.close();
  await h?.close();
});

async function workflowExists(workflowId: string): Promise<boolean> {
  try {
    await h.client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Sends a request to the API whose Temporal hangs; the answer and how long it took. */
async function timed(call: () => Promise<Response>): Promise<{ res: Response; body: { error?: string }; ms: number }> {
  const started = Date.now();
  const res = await call();
  const body = (await res.json()) as { error?: string };
  return { res, body, ms: Date.now() - started };
}

function expectPromptUnavailable(answer: { res: Response; body: { error?: string }; ms: number }): void {
  expect(answer.res.status).toBe(503);
  expect(Number(answer.res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(answer.body.error).toMatch(/Temporal is unreachable/);
  // It waited for the deadline (the call did reach the hung server), and not much longer.
  expect(answer.ms).toBeGreaterThanOrEqual(TEMPORAL_DEADLINE_MS - 500);
  expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
}

describe('Temporal accepts connections and never answers', () => {
  it('POST /hr/events: 503 + Retry-After within the request deadline; the receipt stays pending and no lifecycle starts', async () => {
    const employeeId = h.newEmployeeId();
    const hire = hireEvent(employeeId, STORE, h.fleet.employees[0]!.position);
    const body = JSON.stringify(hire);
    const id = `msg_${Math.random().toString(36).slice(2)}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const answer = await timed(() =>
      fetch(`${api.url}/hr/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/cloudevents+json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(HR_SECRET, id, timestamp, body),
        },
        body,
      }),
    );
    expectPromptUnavailable(answer);
    expect(hang.accepted()).toBeGreaterThan(0); // a real hang, not a refused connection
    const receipt = await h.db.hrEvent.findUnique({ where: { id: hire.id } });
    expect(receipt?.state).not.toBe('completed');
    expect(await workflowExists(employeeWorkflowId(employeeId))).toBe(false);
    expect(await workflowExists(joinerWorkflowId(employeeId))).toBe(false);
  });

  it('curator: POST /devices/:imei/handover answers 503 + Retry-After within the deadline; the phone is not handed over', async () => {
    const holder = h.fleet.employees[0]!;
    const device = await h.db.device.findFirstOrThrow({ where: { storeId: STORE, state: 'IN_STOCK' } });
    // A phone prepared for someone and waiting for the hand-over, as the joiner leaves it.
    await h.db.device.update({ where: { imei: device.imei }, data: { state: 'ENROLLED', employeeId: holder.employeeId } });
    const before = await h.db.employee.findUniqueOrThrow({ where: { id: holder.employeeId } });
    const answer = await timed(() =>
      fetch(`${api.url}/devices/${device.imei}/handover`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ employeeId: holder.employeeId }),
      }),
    );
    expectPromptUnavailable(answer);
    expect(await h.db.device.findUniqueOrThrow({ where: { imei: device.imei } })).toMatchObject({ state: 'ENROLLED', employeeId: holder.employeeId });
    expect((await h.db.employee.findUniqueOrThrow({ where: { id: holder.employeeId } })).handedOverAt).toEqual(before.handedOverAt);
    expect(await workflowExists(joinerWorkflowId(holder.employeeId))).toBe(false);
  });

  it('support: POST /employees/:id/sim-owner-registration/retry answers 503 + Retry-After within the deadline; nothing is started', async () => {
    const employeeId = h.newEmployeeId();
    const answer = await timed(() => fetch(`${api.url}/employees/${employeeId}/sim-owner-registration/retry`, { method: 'POST', headers: { authorization: `Bearer ${h.token}` } }));
    expectPromptUnavailable(answer);
    expect(await workflowExists(joinerWorkflowId(employeeId))).toBe(false);
  });
});
