// GET /metrics after what happened, counted exactly: a hire (HR events, external calls per
// system, the process by phase), a refused event, a 429 from an external system; the token's
// scope; and the worker's own Prometheus endpoint with the Temporal SDK's metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/systems/shared/http-client.ts';
import { SIMULATOR_NAMES } from '../../src/systems/index.ts';
import { eventually, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { sample } from '../support/prometheus.ts';
import { freePort } from '../support/ports.ts';
import { simAdmin } from '../support/sim-admin.ts';

const METRICS_TOKEN = 'metrics-scraper-token-0123456789';
const SUPPORT_TOKEN = 'support-only-token-0123456789';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    tokens: new Map([
      [METRICS_TOKEN, { name: 'prometheus', scopes: ['metrics'] }],
      [SUPPORT_TOKEN, { name: 'support-desk', scopes: ['support'] }],
    ]),
  });
});
afterAll(async () => h?.close());

const scrape = async (token = METRICS_TOKEN) => {
  const res = await fetch(`${h.api}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  return res.text();
};

/** What the simulators counted, per system: every request phonefleet sent them. */
const simulatorCalls = async () =>
  Object.fromEntries(
    await Promise.all(
      SIMULATOR_NAMES.map(async (name) => {
        const calls = (await (await fetch(`${h.sims.urls[name]}/_sim/calls`)).json()) as Record<string, number>;
        return [name, Object.values(calls).reduce((a, b) => a + b, 0)] as const;
      }),
    ),
  );

describe('GET /metrics', () => {
  it('needs a token with scope metrics (or operations), and serves the process defaults', async () => {
    expect((await fetch(`${h.api}/metrics`)).status).toBe(401);
    const refused = await fetch(`${h.api}/metrics`, { headers: { authorization: `Bearer ${SUPPORT_TOKEN}` } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/needs scope metrics or operations/);
    const text = await scrape();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('counts a hire, its duplicate and a refused event by type and outcome, the calls per system, and the process by phase', async () => {
    const sim = simAdmin(h.sims);
    const storeId = 'S001';
    const position = h.fleet.employees[0]!.position;
    const employeeId = h.newEmployeeId();
    await sim.addHrEmployee({ employeeId, storeId, position, startDate: storeToday(h.fleet, storeId), documentNumber: `DOC-${employeeId}` });
    await sim.addDirectoryAccount(employeeId, 0);
    const before = await scrape();
    const callsBefore = await simulatorCalls();
    const count = (text: string, type: string, outcome: string) => sample(text, 'phonefleet_hr_events_total', { type, outcome });

    const hire = hireEvent(employeeId, storeId, position, { startDate: storeToday(h.fleet, storeId) });
    const deliveryId = `msg_metrics_${employeeId}`;
    expect((await h.sendHrEvent(hire, { id: deliveryId })).status).toBe(202);
    expect((await h.sendHrEvent(hire, { id: deliveryId })).status).toBe(202); // HR's redelivery
    const unknownStore = hireEvent(h.newEmployeeId(), 'S999', position);
    expect((await h.sendHrEvent(unknownStore)).status).toBe(422);
    expect((await h.sendHrEvent(hire, { secret: 'whsec_' + Buffer.from('not-hr').toString('base64') })).status).toBe(401);

    // The phase the joiner shows, as visibility lists it (within the listing's cache).
    await eventually(async () => {
      const e = await (await h.call('GET', `/employees/${employeeId}`)).json();
      return e?.onboarding?.stage === 'awaiting-handover';
    }, 'the hire to wait for the hand-over');
    const after = await eventually(async () => {
      const text = await scrape();
      return sample(text, 'phonefleet_processes', { process: 'joiner', phase: 'awaiting-handover' }) >= 1 && text;
    }, 'the joiner to be counted at awaiting-handover');
    expect(sample(after, 'phonefleet_process_phases_up')).toBe(1);

    expect(count(after, 'hired', 'accepted') - count(before, 'hired', 'accepted')).toBe(1);
    expect(count(after, 'hired', 'duplicate') - count(before, 'hired', 'duplicate')).toBe(1);
    expect(count(after, 'hired', 'refused') - count(before, 'hired', 'refused')).toBe(1);
    expect(count(after, 'unknown', 'unsigned') - count(before, 'unknown', 'unsigned')).toBe(1);

    // Every request the simulators saw, phonefleet counted for that system (and nothing more).
    const callsAfter = await simulatorCalls();
    const counted = (text: string, system: string) =>
      ['2xx', '3xx', '4xx', '5xx', 'network'].reduce((sum, status) => sum + sample(text, 'phonefleet_external_calls_total', { system, status }), 0);
    const text = await scrape();
    const seen = Object.fromEntries(SIMULATOR_NAMES.map((name) => [name, callsAfter[name]! - callsBefore[name]!]));
    // Adapters name their system in kebab case (knox-manage), the registry in camel case (knoxManage).
    const label = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const countedDelta = Object.fromEntries(SIMULATOR_NAMES.map((name) => [name, counted(text, label(name)) - counted(before, label(name))]));
    expect(countedDelta).toEqual(seen);
    expect(seen.hr).toBeGreaterThan(0);
    expect(seen.operator).toBeGreaterThan(0);
  });

  it('counts each 429 an external system answers', async () => {
    const sim = simAdmin(h.sims);
    const client = new HttpClient({ system: 'lease-partner', baseUrl: h.sims.urls.leasePartner });
    const call = () => client.lookup({ operation: 'probe', method: 'GET', path: '/api/v1/cases/none' }).catch((err: Error) => err);
    const before = await scrape();
    await sim.faults('leasePartner', { throttleRate: 1, retryAfterSeconds: 1 });
    try {
      await call();
      await call();
    } finally {
      await sim.faults('leasePartner', null);
    }
    await call();
    const after = await scrape();
    const throttled = (text: string) => sample(text, 'phonefleet_external_throttled_total', { system: 'lease-partner' });
    expect(throttled(after) - throttled(before)).toBe(2);
  });
});

describe('the worker process', () => {
  let w: Harness;
  let address: string;
  beforeAll(async () => {
    address = `127.0.0.1:${await freePort()}`;
    // The harness's worker process reads it (test/support/worker-process.ts), as `npm run worker` does.
    process.env.WORKER_METRICS_ADDRESS = address;
    try {
      w = await startHarness({ workerProcess: true });
    } finally {
      delete process.env.WORKER_METRICS_ADDRESS;
    }
  });
  afterAll(async () => w?.close());

  it("serves the Temporal SDK's metrics on its own Prometheus endpoint", async () => {
    const employeeId = w.newEmployeeId();
    const storeId = 'S001';
    const position = w.fleet.employees[0]!.position;
    await simAdmin(w.sims).addHrEmployee({ employeeId, storeId, position, startDate: storeToday(w.fleet, storeId), documentNumber: `DOC-${employeeId}` });
    await simAdmin(w.sims).addDirectoryAccount(employeeId, 0);
    expect((await w.sendHrEvent(hireEvent(employeeId, storeId, position))).status).toBe(202);
    const text = await eventually(async () => {
      const body = await (await fetch(`http://${address}/metrics`)).text();
      return /^temporal_workflow_task_execution_latency\w*\{/m.test(body) && /^temporal_activity_execution_latency\w*\{/m.test(body) && body;
    }, "the worker's SDK metrics to show workflow and activity tasks");
    expect(text).toMatch(/task_queue="e2e-/);
  });
});
