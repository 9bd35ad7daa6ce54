// One fleet sync run: every source's pass, page by page, in the contract's order (HR's stores,
// HR's employees, the operator, each MDM), then the reconciliation. Where each pass stands is in
// its SyncRun row, so the workflow carries only which pass it is in; it continues as new every
// `pagesPerRun` pages (or when Temporal suggests it), so even a full operator pass of 31,000 SIMs
// keeps a short history.
import { continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { FleetSyncActivities } from '../activities/fleet-sync.ts';
import type { ReconciliationActivities } from '../activities/reconciliation.ts';
import type { ReconcileSummary } from './fleet-reconcile-contract.ts';
import { now } from './kit/clock.ts';
import { retryForever } from './kit/activity-options.ts';
import { proxyBulkActivities } from './kit/task-queues.ts';
import {
  FLEET_SYNC_STAGE,
  SYNC_SOURCES,
  progressQuery,
  type FleetSyncInput,
  type FleetSyncProgress,
  type FleetSyncResult,
  type ReconcileCounts,
  type SyncPageInput,
  type SyncSource,
} from './fleet-sync-contract.ts';

// On the bulk queue (two at a time, beside the hires), while the workflow runs on the lifecycle queue.
const { syncFleetPage } = proxyBulkActivities<FleetSyncActivities>({
  // An operator page is up to 50 details calls at 5 a second (10 s) plus the search; slower
  // systems or a shared rate budget stretch it. Heartbeats (every few seconds) tell a dead worker within 30 s.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: retryForever('5 minutes'),
});

// The reconciliation is one activity that heartbeats as it goes (as in fleet-reconcile.ts).
const { reconcileFleet } = proxyBulkActivities<ReconciliationActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: retryForever('5 minutes'),
});

const DEFAULT_PAGES_PER_RUN = 100;
const PAGE_SIZES = { hr: 200, operator: 50, mdm: 100 };

const pageSizeOf = (source: SyncSource, input: FleetSyncInput): number => {
  const kind = source.startsWith('hr-') ? 'hr' : source === 'operator' ? 'operator' : 'mdm';
  return input.pageSize?.[kind] ?? PAGE_SIZES[kind];
};

export async function fleetSync(input: FleetSyncInput): Promise<FleetSyncResult> {
  // The run's id is its workflow id: the same across continue-as-new, and the Schedule's carries its time.
  const syncRunId = workflowInfo().workflowId;
  const resume = input.resume ?? { sourceIndex: 0, pages: 0, startedAt: now() };
  const progress: FleetSyncProgress = {
    syncRunId,
    trigger: input.trigger,
    dryRun: input.dryRun,
    stage: FLEET_SYNC_STAGE.syncing,
    sourcesDone: [],
    pages: resume.pages,
    counts: {},
    startedAt: resume.startedAt,
  };
  setHandler(progressQuery, () => progress);

  const sources = SYNC_SOURCES.filter((source) => !input.sources || input.sources.includes(source));
  const pagesPerRun = input.pagesPerRun ?? DEFAULT_PAGES_PER_RUN;
  let pagesThisRun = 0;
  progress.sourcesDone.push(...sources.slice(0, resume.sourceIndex));
  for (let i = resume.sourceIndex; i < sources.length; i++) {
    const source = sources[i]!;
    progress.source = source;
    const page: SyncPageInput = {
      syncRunId,
      source,
      trigger: input.trigger,
      dryRun: input.dryRun,
      pageSize: pageSizeOf(source, input),
      ...(input.watermarkOverlapMs !== undefined ? { watermarkOverlapMs: input.watermarkOverlapMs } : {}),
    };
    for (;;) {
      if (pagesThisRun >= pagesPerRun || workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof fleetSync>({ ...input, resume: { sourceIndex: i, pages: progress.pages, startedAt: resume.startedAt } });
      }
      const written = await syncFleetPage(page);
      pagesThisRun++;
      progress.pages += written.pagesWritten ?? 1;
      progress.counts[source] = written.counts;
      if (written.done) break;
    }
    progress.sourcesDone.push(source);
  }
  delete progress.source;

  // What the fresh data shows: the directory brought up to date, anomalies recorded or resolved,
  // the safe fixes made (planned only in a dry run), the rest handed to support.
  let reconcile: ReconcileCounts | undefined;
  if (input.reconcile !== false) {
    progress.stage = FLEET_SYNC_STAGE.reconciling;
    reconcile = countsOf(await reconcileFleet({ runId: syncRunId, dryRun: input.dryRun, now: now() }));
  }

  progress.stage = FLEET_SYNC_STAGE.finished;
  progress.finishedAt = now();
  return { syncRunId, dryRun: input.dryRun, startedAt: resume.startedAt, finishedAt: progress.finishedAt, ...(reconcile ? { reconcile } : {}) };
}

/** The reconciliation's summary as flat counts (what the run's result and progress show). */
function countsOf(summary: ReconcileSummary): ReconcileCounts {
  return {
    directoryOpened: summary.directory.opened,
    directoryClosed: summary.directory.closed,
    anomaliesOpen: summary.anomalies.open,
    anomaliesOpened: summary.anomalies.opened,
    anomaliesResolved: summary.anomalies.resolved,
    remediationsPlanned: summary.remediations.planned,
    remediationsDone: summary.remediations.done,
    supportTasksOpened: summary.supportTasksOpened,
    remindersSent: summary.remindersSent,
  };
}
