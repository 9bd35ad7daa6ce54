// The contract of a store's rollout (workflows/store-rollout.ts): its id, input, the signal its
// training sessions report with, and the progress query.
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PlannedSession, TrainingPlanInput } from '../src/domain/training-plan.ts';
import type { TrainingSessionOutcome } from './training-session-contract.ts';
import type { ManifestRow } from '../src/rollout/manifest.ts';
import type { ShipmentTerms } from '../src/rollout/shipment.ts';
import type { RolloutImaging } from '../activities/rollout.ts';

export const STORE_ROLLOUT_WORKFLOW = 'storeRollout';

/** `store-rollout-<storeId>`: one rollout of a store at a time. */
export const storeRolloutWorkflowId = (storeId: string) => `store-rollout-${storeId}`;

/** How often a rollout looks again (src/rollout/policy.ts has the defaults and the demo's). */
export interface RolloutPolicy {
  /** An activation round looks for phones prepared since. */
  activationRecheck: Duration;
  /** A session waits for its phones' images before handing over. */
  imagePoll: Duration;
}

export interface StoreRolloutInput {
  storeId: string;
  /** The constraints the plan was made under: no-shows are placed again under them. */
  planInput: TrainingPlanInput;
  /** The plan's sessions. */
  sessions: PlannedSession[];
  inviteAhead?: Duration;
  attendanceGrace?: Duration;
  /** The partner's shipment (checked whole before the start): registered first. */
  shipment?: { phones: ManifestRow[]; terms: ShipmentTerms };
  /** Images and first sign-ins paced by the rollout (absent: phones image on their own). */
  imaging?: RolloutImaging;
  /** How often an activation round looks for phones prepared since (default 15 minutes). */
  activationRecheck?: Duration;
  /** How often a session waits for its phones' images before handing over (default 5 minutes). */
  imagePoll?: Duration;
  /** Carried over by continue-as-new. */
  resume?: RolloutState;
}

/** What a run hands the next: every session known (planned or placed later), which have started, and their outcomes. */
export interface RolloutState {
  sessions: PlannedSession[];
  started: string[];
  outcomes: TrainingSessionOutcome[];
  rescheduled: number;
  unplaced: { employeeId: string; reason: string }[];
  registration?: ShipmentRegistration;
  activation?: ActivationState;
  /** The training days the curator has had their summary of. */
  summarized?: string[];
  /** The first run's id: what makes this rollout's notices once-only (the workflow id repeats per store). */
  rolloutKey?: string;
}

export interface ShipmentRegistration {
  registered: number;
  refused: { imei: string; reason: string }[];
}

/** What the activation rounds scheduled so far. */
export interface ActivationState {
  imeis: string[];
  /** The downloads' ends and first sign-ins (epoch ms) of the last round still relevant to pacing. */
  busyUntil: number[];
  recentLogins: number[];
  /** Phones that will be ready after their session starts (the link is slower than the sessions). */
  late: { imei: string; neededBy: string; readyAt: string }[];
  /** Signed in, as the MDM said at the last round. */
  activated: number;
  /** People of the sessions still to come with no phone prepared at the last round. */
  withoutPhone: number;
  rounds: number;
}

export interface RolloutProgress {
  storeId: string;
  employees: number;
  trained: number;
  handedOver: number;
  /** Present at a session without a phone ready for them: the curator hands it over later. */
  notHandedOver: number;
  /** No-shows placed into a later session so far (one person twice counts twice). */
  rescheduled: number;
  sessionsHeld: number;
  sessionsLeft: number;
  /** The last training day still planned. */
  lastDay?: string;
  /** The next sessions (at most 10), soonest first. */
  upcoming: { sessionId: string; startsAt: string; room: string; employees: string[] }[];
  /** People no later session could take, and why (support task). */
  unplaced: { employeeId: string; reason: string }[];
  /** The shipment: phones taken into stock, and those refused (with why). */
  shipment?: ShipmentRegistration;
  /** Images scheduled, signed in (as the MDM said at the last round), late for their session. */
  activation?: { scheduled: number; activated: number; late: number; withoutPhone: number };
  state: 'registering' | 'training' | 'done';
}

/** Each training session reports here when it is over (its workflow outlives this run's continue-as-new). */
export const sessionHeldSignal = defineSignal<[TrainingSessionOutcome]>('sessionHeld');
export const rolloutProgressQuery = defineQuery<RolloutProgress>('rolloutProgress');
