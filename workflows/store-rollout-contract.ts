// The contract of a store's rollout (workflows/store-rollout.ts): its id, input, the signal its
// training sessions report with, the operators' changes mid-rollout (an Update) and the progress query.
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PlannedSession, RosterEntry, TrainingPlanInput } from '../src/domain/training-plan.ts';
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
  /** The constraints as changed mid-rollout (a room lost, the roster changed); absent: the input's. */
  constraints?: TrainingPlanInput;
  /** Sessions taken out of the plan (their workflows cancelled), and why. */
  cancelled?: { sessionId: string; reason: string }[];
  /** The changes applied, oldest first (each Update once: its id). */
  changes?: AppliedRolloutChange[];
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
  /** Prepared phones not switched on at the last round (still in their box): scheduled once they are. */
  switchedOff?: number;
  /** Scheduled phones not signed in yet, with their sign-in moments (moved when an image is late). */
  pending?: { imei: string; activateFrom: number }[];
  /** Sign-ins moved so far because an image was late. */
  movedSignIns?: number;
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
  /** People on the roster not trained yet. */
  remaining: number;
  /** Training days that still have a session. */
  daysLeft: number;
  /** The last training day still planned. */
  lastDay?: string;
  /** The next sessions (at most 10), soonest first. */
  upcoming: { sessionId: string; startsAt: string; room: string; employees: string[] }[];
  /** People no later session could take, and why (support task). */
  unplaced: { employeeId: string; reason: string }[];
  /** The shipment: phones taken into stock, and those refused (with why). */
  shipment?: ShipmentRegistration;
  /** Images scheduled, signed in (as the MDM said at the last round), late for their session. */
  activation?: { scheduled: number; activated: number; late: number; withoutPhone: number; switchedOff: number };
  /** The changes operators made mid-rollout: how many, and the last one. */
  changes: { applied: number; last?: AppliedRolloutChange };
  state: 'registering' | 'training' | 'done';
}

// --- changes mid-rollout ----------------------------------------------------------------------

/** What operations tell a running rollout: the remaining sessions are planned again around it. */
export type RolloutChange =
  /** The session will not take place (the trainer is ill): its people go to later sessions. */
  | { kind: 'session-cancelled'; sessionId: string; reason: string }
  /** The room cannot be used from `from` on (default: now), e.g. taken for inventory: every session not yet started in it moves. */
  | { kind: 'room-lost'; room: string; from?: string; reason: string }
  /** New hires to train (as the plan's roster entries), and people who left the company (their seats freed). */
  | { kind: 'roster-changed'; add?: RosterEntry[]; remove?: string[]; reason: string };

/** A change and who asks (the API's token name; in the audit log). */
export type RolloutChangeRequest = RolloutChange & { by: string };

/** A session as a change's answer shows it. */
export interface SessionBrief {
  sessionId: string;
  startsAt: string;
  room: string;
  trainer: string;
  employees: string[];
}

/** What a change moved. */
export interface RolloutChangeResult {
  /** Its number in this rollout (1 for the first): re-planned sessions carry it in their ids (`...-r<n>`). */
  change: number;
  kind: RolloutChange['kind'];
  /**
   * How the people who had to move were planned: `placed` around every other session (nobody
   * else moves), `replanned` with the sessions not yet started (they did not fit around them),
   * `none` when nobody had to move.
   */
  how: 'placed' | 'replanned' | 'none';
  /** Sessions taken out of the plan: their workflows are cancelled and anyone invited is told. */
  cancelled: string[];
  /** Sessions planned for the people who moved. */
  added: SessionBrief[];
  /** Moved out of a session that stays (a department's floor, after someone left), or removed from the roster. */
  withdrawn: { sessionId: string; employees: string[]; why: 'moved' | 'left' }[];
  /** People no session could take, and why (support task, as for no-shows). */
  unplaced: { employeeId: string; reason: string }[];
  /** Something worth saying that moved nothing (the session started meanwhile, ...). */
  note?: string;
}

export interface AppliedRolloutChange {
  /** The Update's id (or, for a session cancelled by hand in Temporal, one made of its id). */
  id: string;
  kind: RolloutChange['kind'];
  by: string;
  reason: string;
  /** Workflow time it was applied. */
  at: string;
  result: RolloutChangeResult;
}

/** Each training session reports here when it is over (its workflow outlives this run's continue-as-new). */
export const sessionHeldSignal = defineSignal<[TrainingSessionOutcome]>('sessionHeld');
export const rolloutProgressQuery = defineQuery<RolloutProgress>('rolloutProgress');
/**
 * Operations change a running rollout (a session cancelled, a room lost, the roster changed):
 * refused with the reason when it names an unknown or started session, an unknown room, nobody,
 * someone twice or someone not on the roster; answered with what moved once applied.
 */
export const changeRolloutUpdate = defineUpdate<RolloutChangeResult, [RolloutChangeRequest]>('changeRollout');
