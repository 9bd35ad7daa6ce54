// Workflows that exercise the shared wait kit (workflows/kit/wait.ts) on their own, bundled only
// by test/workflows/wait-kit.test.ts: a probe that "arrives" after a number of checks.
import {
  CancellationScope,
  condition,
  continueAsNew,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  workflowInfo,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import { ChildWorkflowFailure } from '@temporalio/common';
import { pollUntil, type Backoff } from '../../workflows/kit/wait.ts';

export interface ProbeActivities {
  /** Records the workflow time of the check; returns a value once the probe has "arrived". */
  probe(at: number): Promise<number | undefined>;
}

const { probe } = proxyActivities<ProbeActivities>({ startToCloseTimeout: '10 seconds' });

export const pokeSignal = defineSignal('poke');
export const stopSignal = defineSignal('stop');

export interface PollProbeInput {
  backoff: Backoff;
  historyBound?: number;
  deadline?: number;
  /** Resume state: rounds done so far and runs before this one. */
  attempt?: number;
  runs?: number;
  stillWaitingCalls?: number;
}

export interface PollProbeResult {
  kind: string;
  value?: number;
  attempt: number;
  runs: number;
  stillWaitingCalls: number;
  /** Workflow time when the wait ended. */
  endedAt: number;
}

export async function pollProbe(input: PollProbeInput): Promise<PollProbeResult> {
  let poked = false;
  let stopped = false;
  setHandler(pokeSignal, () => void (poked = true));
  setHandler(stopSignal, () => void (stopped = true));
  let stillWaitingCalls = input.stillWaitingCalls ?? 0;
  const end = await pollUntil({
    check: async () => {
      poked = false;
      return probe(Date.now());
    },
    backoff: input.backoff,
    wake: () => poked,
    interrupt: () => stopped,
    deadline: input.deadline,
    historyBound: input.historyBound,
    startAttempt: input.attempt,
    onStillWaiting: () => void stillWaitingCalls++,
  });
  const runs = (input.runs ?? 0) + 1;
  if (end.kind === 'continue-as-new') return continueAsNew<typeof pollProbe>({ ...input, attempt: end.attempt, runs, stillWaitingCalls });
  return { kind: end.kind, value: end.kind === 'ready' ? end.value : undefined, attempt: end.attempt, runs, stillWaitingCalls, endedAt: Date.now() };
}

/** A child that continues-as-new once, then waits to be cancelled: returns 'cancelled' if it was. */
export async function rollingChild(runs = 0): Promise<string> {
  if (runs === 0) return continueAsNew<typeof rollingChild>(1);
  try {
    await condition(() => false);
    return 'never';
  } catch (err) {
    if (isCancellation(err)) return 'cancelled';
    throw err;
  }
}

/** Starts rollingChild, waits until it continued-as-new, cancels it: what the lifecycle does on a revocation. */
export async function cancelsRollingChild(startRuns = 0): Promise<string> {
  const scope = new CancellationScope();
  const childId = `${workflowInfo().workflowId}-child`;
  const child = scope.run(() => executeChild(rollingChild, { workflowId: childId, args: [startRuns] }));
  await sleep('2 seconds');
  scope.cancel();
  // The scope's cancel names the child's first run; after continue-as-new only the current run can be cancelled.
  await getExternalWorkflowHandle(childId).cancel();
  try {
    return await child;
  } catch (err) {
    if (isCancellation(err) || (err instanceof ChildWorkflowFailure && isCancellation(err.cause))) return 'child cancelled';
    throw err;
  }
}
