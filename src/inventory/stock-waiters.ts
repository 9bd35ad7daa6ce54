// Hires of a store that wait for stock are woken when phones or SIMs arrive (a delivery, a
// rollout's shipment), rather than at their next retry.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { JOINER_STAGE, JOINER_WORKFLOW_TYPE, stockArrivedSignal } from '../../workflows/joiner-contract.ts';

/** Signals every onboarding of the store waiting for stock; how many were woken. */
export async function wakeStockWaiters(client: Client, storeId: string): Promise<number> {
  let woken = 0;
  const waiting = client.workflow.list({
    query: `WorkflowType = '${JOINER_WORKFLOW_TYPE}' AND StoreId = '${storeId}' AND Phase = '${JOINER_STAGE.awaitingStock}' AND ExecutionStatus = 'Running'`,
  });
  for await (const wf of waiting) {
    try {
      await client.workflow.getHandle(wf.workflowId).signal(stockArrivedSignal);
      woken++;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // it finished since the list was read
    }
  }
  return woken;
}
