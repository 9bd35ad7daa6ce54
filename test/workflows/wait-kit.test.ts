// The shared wait kit (workflows/kit/wait.ts) in a real workflow on Temporal's time-skipping
// server: the backoff grows to its cap, survives continue-as-new, a run's history stays within
// the bound, the deadline ends the wait on time, a wake checks at once, an interrupt stops it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { timeSkippingServerOptions } from '../../src/temporal/server.ts';
import { backoffDelay } from '../../workflows/kit/wait.ts';
import { pollProbe, pokeSignal, stopSignal, type PollProbeInput } from '../support/kit-workflows.ts';
import { runChain } from '../support/run-chain.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BACKOFF = { first: '5 minutes', max: '6 hours' } as const;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping(timeSkippingServerOptions());
});
afterAll(async () => env?.teardown());

/** A worker whose probe arrives at the `readyAt`-th check (never if undefined), recording check times. */
async function withProbe<R>(readyAt: number | undefined, body: (checks: number[]) => Promise<R>): Promise<R> {
  const checks: number[] = [];
  const taskQueue = `wait-kit-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: new URL('../support/kit-workflows.ts', import.meta.url).pathname,
    activities: {
      async probe(at: number) {
        checks.push(at);
        return readyAt !== undefined && checks.length >= readyAt ? checks.length : undefined;
      },
    },
  });
  currentTaskQueue = taskQueue;
  return worker.runUntil(body(checks));
}
let currentTaskQueue = '';
const start = (input: PollProbeInput) =>
  env.client.workflow.start(pollProbe, { workflowId: `probe-${Math.random().toString(36).slice(2)}`, taskQueue: currentTaskQueue, args: [input] });
const gaps = (checks: number[]) => checks.slice(1).map((t, i) => Math.round((t - checks[i]) / MIN));

describe('backoffDelay', () => {
  it('doubles from the first delay and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20, 500].map((a) => backoffDelay(BACKOFF, a) / MIN)).toEqual([5, 10, 20, 40, 80, 160, 320, 360, 360, 360]);
    expect(backoffDelay({ first: 1000, max: 10_000, factor: 3 }, 2)).toBe(9000);
  });
});

describe('pollUntil in a workflow (time-skipping)', () => {
  it('polls 5 min, 10 min, ... up to 6 h between checks and returns the value', async () => {
    await withProbe(10, async (checks) => {
      const handle = await start({ backoff: BACKOFF });
      const result = await handle.result();
      expect(result).toMatchObject({ kind: 'ready', value: 10, runs: 1, stillWaitingCalls: 9 });
      expect(gaps(checks)).toEqual([5, 10, 20, 40, 80, 160, 320, 360, 360]);
    });
  });

  it('hands over to continue-as-new when the history passes the bound, and the backoff resumes where it was', async () => {
    await withProbe(30, async (checks) => {
      const handle = await start({ backoff: BACKOFF, historyBound: 60 });
      const result = await handle.result();
      expect(result.kind).toBe('ready');
      expect(result.runs).toBeGreaterThanOrEqual(3);
      expect(gaps(checks)).toEqual([5, 10, 20, 40, 80, 160, 320, ...Array(22).fill(360)]);
      const runs = await runChain(env.client.workflow, handle.workflowId, handle.firstExecutionRunId);
      expect(runs).toHaveLength(result.runs);
      // One round is ~8 events: a run stops within one round past the bound.
      for (const run of runs) expect(run.events).toBeLessThan(60 + 12);
    });
  });

  it('ends at the deadline, not a backoff step later', async () => {
    await withProbe(undefined, async (checks) => {
      const began = Number(await env.currentTimeMs());
      const handle = await start({ backoff: BACKOFF, deadline: began + 2 * HOUR });
      const result = await handle.result();
      expect(result.kind).toBe('deadline');
      expect(result.endedAt - began).toBeGreaterThanOrEqual(2 * HOUR);
      expect(result.endedAt - began).toBeLessThan(2 * HOUR + MIN);
      // 0, 5, 15, 35, 75 min, then the deadline cuts the 80-minute wait short: no check after it.
      expect(gaps(checks)).toEqual([5, 10, 20, 40]);
    });
  });

  it('checks again at once when woken, and stops when interrupted', async () => {
    await withProbe(undefined, async (checks) => {
      const handle = await start({ backoff: BACKOFF });
      // Time does not skip unless a client awaits a result: the workflow sits in its 5-minute wait.
      await until(() => checks.length === 1);
      await handle.signal(pokeSignal);
      await until(() => checks.length === 2);
      expect(checks[1] - checks[0]).toBeLessThan(MIN);
      await handle.signal(stopSignal);
      expect(await handle.result()).toMatchObject({ kind: 'interrupted', attempt: 1 });
      expect(checks).toHaveLength(2);
    });
  });
});

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
  expect(done()).toBe(true);
}
