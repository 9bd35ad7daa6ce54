// The contract of a store's rollout (workflows/store-rollout.ts): its id, input, the signal its
// training sessions report with, and the progress query.
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PlannedSession, TrainingPlanInput } from '../src/domain/training-plan.ts';
import type { TrainingSessionOutcome } from './training-session-contract.ts';

export const STORE_ROLLOUT_WORKFLOW = 'storeRollout';

/** `store-rollout-<storeId>`: one rollout of a store at a time. */
export const storeRolloutWorkflowId = (storeId: string) => `store-rollout-${storeId}`;

export interface StoreRolloutInput {
  storeId: string;
  /** The constraints the plan was made under: no-shows are placed again under them. */
  planInput: TrainingPlanInput;
  /** The plan's sessions. */
  sessions: PlannedSession[];
  inviteAhead?: Duration;
  attendanceGrace?: Duration;
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
  state: 'training' | 'done';
}

/** Each training session reports here when it is over (its workflow outlives this run's continue-as-new). */
export const sessionHeldSignal = defineSignal<[TrainingSessionOutcome]>('sessionHeld');
export const rolloutProgressQuery = defineQuery<RolloutProgress>('rolloutProgress');
