// The runs of one workflow execution chain (continue-as-new makes several), followed from the
// first run through each run's "continued as new" event: works on the time-skipping server too,
// which has no visibility store to list runs.
import type { WorkflowClient } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

export interface RunHistory {
  runId: string;
  events: number;
  history: temporal.api.history.v1.IHistory;
}

export async function runChain(workflows: WorkflowClient, workflowId: string, firstRunId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  for (let runId: string | undefined = firstRunId; runId;) {
    const history: temporal.api.history.v1.IHistory = await workflows.getHandle(workflowId, runId).fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    runs.push({ runId, events: events.length, history });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}
