// The fleet's reconciliation as the API and the CLI see it: one short workflow per run (the
// directory refreshed, anomalies found and recorded, safe fixes done, the rest to support), whose
// result is the run's summary. The fleet sync calls the same activity at the end of its runs;
// this workflow is for a run on demand, and for a dry run (what would be done).
import type { ReconcileInput, ReconcileSummary } from '../activities/reconciliation.ts';

export type { ReconcileInput, ReconcileSummary };

export const FLEET_RECONCILE_WORKFLOW = 'fleetReconcile';

/** One id per run: starting the same run twice is the same workflow (its key for the registrations it submits). */
export const fleetReconcileWorkflowId = (runId: string) => `fleet-reconcile-${runId}`;

/** The Web UI's summary: ids and flags only. */
export const fleetReconcileSummary = (input: ReconcileInput) => `Fleet reconciliation ${input.runId}${input.dryRun ? ' (dry run)' : ''}`;
