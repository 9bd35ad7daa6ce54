// The fleet sync's contract: what the API, the CLI, the start-up (its Schedule) and the
// activities may know about a sync run without importing the workflow. One run reads HR (stores,
// then employees), the operator (device search, then a details call per SIM changed since the
// last finished operator pass) and each MDM's device inventory, page by page, then reconciles.
// The operator comes before the MDMs: an MDM page keeps only ICCIDs the company knows (its own
// SIMs or the operator's), so the operator's records must be there first.
//
// Where a run stands lives in the database (SyncRun rows, id `<sync run id>:<source>`, with the
// cursor of each pass), not in workflow history: a page is one activity that reads the cursor,
// writes the page and the advanced cursor in one transaction, and returns counts only (never a
// name, a number or a personal SIM: activity results are history). A worker killed mid-page
// redoes that page from the stored cursor; what it changed is recorded once (SyncChange is unique
// per run, entity, key and field). The names given to defineQuery are part of every recorded
// history: never rename one.
import { defineQuery } from '@temporalio/workflow';
import type { Client } from '@temporalio/client';

/** The workflow type, as the worker registers it (the exported function's name). */
export const FLEET_SYNC_WORKFLOW_TYPE = 'fleetSync';

/** The sources of one run, in the order they are read. */
export const SYNC_SOURCES = ['hr-stores', 'hr-employees', 'operator', 'mdm-KNOX_MANAGE', 'mdm-SECOND_MDM'] as const;
export type SyncSource = (typeof SYNC_SOURCES)[number];

export type SyncTrigger = 'schedule' | 'api' | 'demo';

/** A run's id is its workflow id: `sync-<idempotency key>` (API, CLI, demo), `sync-scheduled-<task queue>-<time>` (the Schedule's). */
export const SYNC_RUN_ID_PREFIX = 'sync-';
export const fleetSyncWorkflowId = (key: string) => `${SYNC_RUN_ID_PREFIX}${key}`;
/** The workflow id of a deployment's scheduled runs; Temporal appends the scheduled time to it for each run. */
export const scheduledSyncWorkflowId = (taskQueue: string) => `${SYNC_RUN_ID_PREFIX}scheduled-${taskQueue}`;
/** The pass's SyncRun row. */
export const syncRunRowId = (syncRunId: string, source: SyncSource) => `${syncRunId}:${source}`;

/** The Schedule of a deployment (its lifecycle task queue). */
export const fleetSyncScheduleId = (taskQueue: string) => `fleet-sync-${taskQueue}`;

export const FLEET_SYNC_STAGE = {
  syncing: 'syncing',
  reconciling: 'reconciling',
  finished: 'finished',
} as const;
export type FleetSyncStage = (typeof FLEET_SYNC_STAGE)[keyof typeof FLEET_SYNC_STAGE];

/** What a pass did so far: counts only. */
export type SyncCounts = Record<string, number>;

export interface FleetSyncInput {
  trigger: SyncTrigger;
  /** Data is synced all the same; the reconciliation only plans its remediations. */
  dryRun: boolean;
  /** Only these passes, in the usual order (default: all); the demo's first run reads HR alone. */
  sources?: SyncSource[];
  /** Reconcile at the end (default true; a run of some passes only may leave it to the next). */
  reconcile?: boolean;
  /** Pages per workflow run before continuing as new (default 100). */
  pagesPerRun?: number;
  /** Page sizes (defaults: HR 200, operator 50 (its maximum), MDM 100). */
  pageSize?: Partial<Record<'hr' | 'operator' | 'mdm', number>>;
  /** The operator delta's overlap before the last pass's start (default 1 minute). */
  watermarkOverlapMs?: number;
  /** Carried over continue-as-new. */
  resume?: { sourceIndex: number; pages: number; startedAt: string };
}

/** One page of one pass: the activity's input. */
export interface SyncPageInput {
  syncRunId: string;
  source: SyncSource;
  trigger: SyncTrigger;
  dryRun: boolean;
  pageSize: number;
  watermarkOverlapMs?: number;
}

/** What a call left behind: whether the pass is finished, its pages and counts so far. */
export interface SyncPageResult {
  done: boolean;
  pages: number;
  /** Pages this call wrote (the operator's calls write several; absent in histories from before). */
  pagesWritten?: number;
  counts: SyncCounts;
}

export interface FleetSyncProgress {
  syncRunId: string;
  trigger: SyncTrigger;
  dryRun: boolean;
  stage: FleetSyncStage;
  /** The pass being read (while syncing). */
  source?: SyncSource;
  sourcesDone: SyncSource[];
  /** Pages read in this run of the workflow's chain. */
  pages: number;
  /** Per pass, as its last page left it (passes finished before a continue-as-new: see the SyncRun rows). */
  counts: Partial<Record<SyncSource, SyncCounts>>;
  startedAt: string;
  finishedAt?: string;
}

/** The reconciliation's summary (activity `reconcileFleet`, activities/reconciliation.ts): counts only. */
export type ReconcileCounts = Record<string, number>;

export interface FleetSyncResult {
  syncRunId: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  reconcile?: ReconcileCounts;
}

export const progressQuery = defineQuery<FleetSyncProgress>('progress');

/** The Schedule's default: every day at 03:00 UTC (before the stores open, after HR's nightly export). */
export const DEFAULT_FLEET_SYNC_CRON = '0 3 * * *';

/**
 * Creates the deployment's daily sync Schedule, or brings an existing one to `cron` (at every
 * start: a second worker or a restart changes nothing else). The runs go to the lifecycle queue
 * (their activities to the bulk one).
 */
export async function ensureFleetSyncSchedule(client: Client, taskQueue: string, cron: string = DEFAULT_FLEET_SYNC_CRON): Promise<void> {
  const scheduleId = fleetSyncScheduleId(taskQueue);
  const input: FleetSyncInput = { trigger: 'schedule', dryRun: false };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: FLEET_SYNC_WORKFLOW_TYPE,
    workflowId: scheduledSyncWorkflowId(taskQueue),
    taskQueue,
    args: [input],
    staticSummary: 'Fleet sync (scheduled): HR, the operator, the MDMs',
  };
  const spec = { cronExpressions: [cron] };
  try {
    // One sync at a time: a run still going when the next is due makes the next one skip.
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: 'SKIP', catchupWindow: '1 hour' } });
  } catch (err) {
    if ((err as Error).name !== 'ScheduleAlreadyRunning') throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}
