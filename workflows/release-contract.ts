// The release process's contract (issue 9 §3-7): what the API, the CLI, the activities and the
// store workflows may know about a release without importing it. One release per package and
// versionCode (`release-<package>-<versionCode>`, the Release row's id): it uploads the APK to
// each MDM in use, then rolls out ring by ring (the pilot stores, a share of the rest, all), one
// child workflow per store (`<release id>@<store>`), judging each ring's health before the next.
// Where each phone stands lives in the database (ReleaseTarget rows), not in history: a store's
// plan is written once, assigned to the MDM in batches, refreshed from the MDM's status reports.
// The names given to defineQuery/defineUpdate/defineSignal are part of every recorded history:
// never rename one.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { GatePolicy, GateVerdict } from '../src/domain/health-gate.ts';
import type { RingPolicy } from '../src/domain/release-rings.ts';

export const RELEASE_WORKFLOW_TYPE = 'release';
export const RELEASE_STORE_WORKFLOW_TYPE = 'releaseStore';

/** The release's workflow id: its Release row's id. */
export const releaseWorkflowId = (packageName: string, versionCode: number): string => `release-${packageName}-${versionCode}`;
/** A store's part of a release. */
export const releaseStoreWorkflowId = (releaseId: string, storeId: string): string => `${releaseId}@${storeId}`;

export interface ReleasePolicy {
  rings: RingPolicy;
  gate: GatePolicy;
  /** One phone's download rate over a store's Wi-Fi (Mbit/s). */
  phoneMbps: number;
  /** A store's plan goes to the MDM in batches of this much of the plan (one assignment call each). */
  batchSpan: Duration;
  /** How far ahead a store's downloads are planned (phones not placed by then are reported). */
  planHorizon: Duration;
  /** How often a store asks the MDM how its phones stand, growing to statusPollMax. */
  statusPollFirst: Duration;
  statusPollMax: Duration;
  /** A store is done this long after its last planned install, stragglers (offline phones) reported as pending. */
  stragglerGrace: Duration;
  /** How often a baking ring's health is read. */
  healthPoll: Duration;
  /** Re-check of a freeze when no change is announced. */
  freezeRecheck: Duration;
  /** How long a halted or paused release waits for an operator between history checks. */
  operatorWait: Duration;
}

/**
 * How long before its first download a batch goes to the MDM (the MDM holds it until then), and
 * so how far from now a store's plan starts: a phone that hears of its download late starts
 * late, and overlaps the next wave on the link.
 */
export function assignmentLeadMs(batchSpanMs: number): number {
  return Math.min(60_000, batchSpanMs / 2);
}

/**
 * The lead store workflows use since `batch-lead-doubled`, and store plans start at: twice
 * assignmentLeadMs. Before the first batch goes out the workflow checks the store's freezes (an
 * activity of its own), and on a busy worker that round trip took longer than one lead: the first
 * wave started late and overlapped the second on the link.
 */
export function doubledAssignmentLeadMs(batchSpanMs: number): number {
  return 2 * assignmentLeadMs(batchSpanMs);
}

/** Where a release stands. */
export const RELEASE_STATUS = {
  preparing: 'preparing',
  rollingOut: 'rolling-out',
  baking: 'baking',
  awaitingApproval: 'awaiting-approval',
  halted: 'halted',
  paused: 'paused',
  completed: 'completed',
  aborted: 'aborted',
  superseded: 'superseded',
} as const;
export type ReleaseStatus = (typeof RELEASE_STATUS)[keyof typeof RELEASE_STATUS];

/** What the Release row says (the API's and a superseding release's view). */
export const RELEASE_ROW_STATUS: Record<ReleaseStatus, string> = {
  preparing: 'ROLLING_OUT',
  'rolling-out': 'ROLLING_OUT',
  baking: 'ROLLING_OUT',
  'awaiting-approval': 'ROLLING_OUT',
  halted: 'HALTED',
  paused: 'PAUSED',
  completed: 'COMPLETED',
  aborted: 'ABORTED',
  superseded: 'SUPERSEDED',
};

/** A store's phones by where they stand (ReleaseTarget statuses, counted). */
export interface TargetCounts {
  targeted: number;
  planned: number;
  assigned: number;
  downloading: number;
  downloaded: number;
  installed: number;
  failed: number;
  cancelled: number;
  /** Not in the store long enough before the plan's horizon (or not enrolled). */
  unplaced: number;
  /** Downloaded, waiting for the holder's shift to end or the store's window. */
  waitingForWindow: number;
}

export const NO_TARGETS: TargetCounts = {
  targeted: 0,
  planned: 0,
  assigned: 0,
  downloading: 0,
  downloaded: 0,
  installed: 0,
  failed: 0,
  cancelled: 0,
  unplaced: 0,
  waitingForWindow: 0,
};

export type StoreState = 'waiting' | 'planning' | 'waiting-for-freeze' | 'rolling-out' | 'paused' | 'done' | 'withdrawn';

export interface StoreProgress {
  storeId: string;
  ring: number;
  state: StoreState;
  counts: TargetCounts;
  freeze?: { storeId: string | null; endsAt: string; reason: string };
  /** An operator let the release through the store's freezes (who, why). */
  freezeOverride?: OperatorCommand;
  /** The plan's figures: downloads at once, its length and the bandwidth bound. */
  plan?: StorePlanSummary;
}

export interface RingProgress {
  number: number;
  name: string;
  stores: string[];
  state: 'waiting' | 'rolling-out' | 'baking' | 'healthy' | 'unhealthy';
  startedAt?: string;
  rolledOutAt?: string;
  verdict?: GateVerdict;
}

export interface ReleaseProgress {
  releaseId: string;
  packageName: string;
  versionCode: number;
  versionName: string | null;
  status: ReleaseStatus;
  /** The ring under way (1-based), 0 before the first. */
  ring: number;
  rings: RingProgress[];
  stores: Record<string, StoreProgress>;
  halt?: { ring: number; reasons: string[]; at: string };
  pause?: { by: string; reason: string; at: string };
  /** After an abort: phones that had installed this version (a rollback release reaches them first). */
  affectedPhones?: number;
  supersededBy?: string;
  /** The aborted release this one repairs, and the release it took over from. */
  rollbackOf?: string;
  tookOver?: { releaseId: string; ring: number };
  tagged?: boolean;
  /** The app is not auto-installed: phones are sent the release notes. */
  announce?: boolean;
}

/** "com.retailco.stock 4.3.0 (43): ring 2 of 3, 31 of 90 stores" (the Web UI's summary line). */
export function releaseSummary(p: Pick<ReleaseProgress, 'packageName' | 'versionName' | 'versionCode' | 'ring' | 'rings' | 'stores' | 'status'>): string {
  const stores = Object.values(p.stores);
  const done = stores.filter((s) => s.state === 'done').length;
  const ring = p.ring === 0 ? 'preparing' : `ring ${p.ring} of ${p.rings.length}`;
  const status = p.status === 'rolling-out' || p.status === 'preparing' ? '' : ` (${p.status})`;
  return `${p.packageName} ${p.versionName ?? p.versionCode} (${p.versionCode}): ${ring}, ${done} of ${stores.length} stores${status}`;
}

/** A ring as the release runs it (kept across continue-as-new). */
export interface ReleaseRing {
  number: number;
  name: 'pilot' | 'early' | 'all' | 'rollback';
  stores: string[];
  bakeMs: number;
  needsApproval: boolean;
  /** Judged by the gate (a rollback's first ring is not: it repairs). */
  gated: boolean;
  /** A rollback release's first ring: only the phones that installed the aborted version. */
  onlyAffectedBy?: string;
}

export interface ReleaseInput {
  releaseId: string;
  packageName: string;
  versionCode: number;
  policy: ReleasePolicy;
  /** Carried over continue-as-new. */
  resume?: { progress: ReleaseProgress; approvedRings: number[]; rings: ReleaseRing[]; previousReleaseId?: string };
}

export interface ReleaseResult {
  releaseId: string;
  status: ReleaseStatus;
  ring: number;
  installed: number;
  affectedPhones?: number;
}

/** What the activities tell the workflow about the release before it starts. */
export interface PreparedRelease {
  versionName: string | null;
  autoInstall: boolean;
  critical: boolean;
  /** The notes go to every phone (a feature people must know about); absent in releases prepared before it existed. */
  announce?: boolean;
  /** Stores with phones whose role has the app. */
  stores: string[];
  /** The last release of the app before this one (the health gate's baseline). */
  previousReleaseId?: string;
  /** The aborted release this one repairs. */
  rollbackOf?: string;
  /** An earlier release of the app still rolling out: this one takes over from its ring. */
  supersedes?: string;
}

// --- a store's part ----------------------------------------------------------------------------

export interface ReleaseStoreInput {
  releaseId: string;
  storeId: string;
  ring: number;
  policy: ReleasePolicy;
  /** A rollback release's first ring: only the phones that installed the aborted version. */
  onlyAffectedBy?: string;
  /** The app is not auto-installed: each phone is sent the release notes with its batch. */
  announce?: boolean;
  resume?: { progress: StoreProgress; nextBatch: number; pollAttempt: number };
}

export interface StorePlanSummary {
  targets: number;
  unplaced: number;
  /** Each batch's first download and last planned install (epoch ms). */
  batches: { batch: number; startsAt: number; endsAt: number }[];
  concurrency: number;
  makespanMs: number;
  boundMs: number;
}

export interface ReleaseStoreResult {
  storeId: string;
  counts: TargetCounts;
  withdrawn: boolean;
}

// --- operators ---------------------------------------------------------------------------------

export interface OperatorCommand {
  /** Who asks (the API's token name); in the audit log. */
  by: string;
  reason?: string;
}

export const releaseProgressQuery = defineQuery<ReleaseProgress>('releaseProgress');
export const storeProgressQuery = defineQuery<StoreProgress>('storeProgress');

/** Starts a ring that needs approval (its number). */
export const approveRingUpdate = defineUpdate<ReleaseProgress, [OperatorCommand & { ring: number }]>('approveRing');
/** Holds every store's next batch (what was assigned runs on). */
export const pauseReleaseUpdate = defineUpdate<ReleaseProgress, [OperatorCommand]>('pauseRelease');
/** Goes on after a pause, or after a halt (the operator overrides the gate). */
export const resumeReleaseUpdate = defineUpdate<ReleaseProgress, [OperatorCommand]>('resumeRelease');
/** Stops the release and withdraws what has not been installed; lists the phones that have it. */
export const abortReleaseUpdate = defineUpdate<ReleaseProgress, [OperatorCommand]>('abortRelease');

/** An emergency: the store gets the release despite its freeze (operations only, with a reason; audited). */
export const overrideFreezeUpdate = defineUpdate<ReleaseProgress, [OperatorCommand & { storeId: string }]>('overrideFreeze');
/** To a store's workflow: its freezes no longer hold this release. */
export const freezeOverriddenSignal = defineSignal<[OperatorCommand]>('freezeOverridden');

/** A newer build of the app was published: stop where it is (the newer one takes over). */
export const supersedeSignal = defineSignal<[{ by: string }]>('supersede');
/** To a store's workflow: hold (true) or go on (false) with the next batch. */
export const holdStoreSignal = defineSignal<[boolean]>('holdStore');
/** To a store's workflow: the store's progress changed (to its parent). */
export const storeProgressSignal = defineSignal<[StoreProgress]>('storeProgress');
