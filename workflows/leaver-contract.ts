// The leaver's contract (the clearance of a dismissed employee): its workflow id, stages,
// signals, queries and updates, input and progress, for the API, the CLI and the lifecycle.
// Signal, query and update names are in recorded histories: never rename one.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LeaverPolicy } from './policy.ts';

export const LEAVER_WORKFLOW_TYPE = 'leaver';

export const leaverWorkflowId = (employeeId: string) => `leaver-${employeeId}`;

export const LEAVER_STAGE = {
  planning: 'planning',
  awaitingReturn: 'awaiting-return',
  locking: 'locking',
  locked: 'locked',
  bricking: 'bricking',
  bricked: 'bricked',
  returned: 'returned',
  wiping: 'wiping',
  done: 'done',
  revoking: 'revoking',
  revoked: 'revoked',
} as const;
export type LeaverStage = (typeof LEAVER_STAGE)[keyof typeof LEAVER_STAGE];

/** Stages in which nothing can be handed in any more: the clearance ended or is being undone. */
export const LEAVER_CLOSED_STAGES: readonly LeaverStage[] = [LEAVER_STAGE.done, LEAVER_STAGE.revoking, LEAVER_STAGE.revoked];

export interface LeaverStart {
  employeeId: string;
  lastWorkingDay: string;
  policy: LeaverPolicy;
}

export interface Return {
  condition: 'ok' | 'damaged';
  simReturned: boolean;
  at: string;
  by: string;
}

export type LeaverOutcome = 'returned' | 'nothing-to-return' | 'written-off' | 'revoked';

export interface LeaverProgress {
  employeeId: string;
  stage: LeaverStage;
  since: string;
  lastWorkingDay: string;
  /** When the phone is locked if it has not come back. */
  lockAt?: string;
  /** When the lock was requested, and when the permanent lock and write-off follow if the phone is not back. */
  lockRequestedAt?: string;
  brickAt?: string;
  imei?: string;
  iccid?: string;
  remindersSent: number[];
  locked: boolean;
  bricked: boolean;
  simSuspended: boolean;
  /** A command waiting for the phone to reach the network, e.g. "lock pending: device offline since ...". */
  pending?: string;
  returned?: Return;
  outcome?: LeaverOutcome;
  /** What could not be undone on revocation (a support task lists it too). */
  undoFailed?: string[];
  /** Runs so far (continue-as-new starts a new one when the history grows). */
  run?: number;
}

/** HR moved the last working day of someone already leaving. */
export interface LastWorkingDayChange {
  eventId: string;
  lastWorkingDay: string;
}

export const leaverProgressQuery = defineQuery<LeaverProgress>('progress');
/** Store support received the phone (and maybe the SIM) (runs started before the update). */
export const returnedSignal = defineSignal<[Return]>('returned');
/** HR moved the last working day: reminders and deadlines move with it. */
export const lastWorkingDayChangedSignal = defineSignal<[LastWorkingDayChange]>('lastWorkingDayChanged');

/**
 * Store support received the phone (and maybe the SIM). Rejected once the clearance ended or is
 * being undone; a second report is accepted and changes nothing (the first one counts).
 */
export const recordReturnUpdate = defineUpdate<{ alreadyRecorded: boolean }, [Return]>('recordReturn');

// What the Temporal Web UI shows of a clearance: ids and dates only, never a name.
/** The static summary it is started with, e.g. "Clearance E000123, last working day 2026-12-01". */
export const leaverSummary = ({ employeeId, lastWorkingDay }: Pick<LeaverStart, 'employeeId' | 'lastWorkingDay'>) => `Clearance ${employeeId}, last working day ${lastWorkingDay}`;

/** What each stage waits for or does: the workflow's current details in the Web UI. */
export const LEAVER_STAGE_DETAILS: Record<LeaverStage, string> = {
  planning: 'Planning reminders and deadlines for the last working day',
  'awaiting-return': 'Waiting for the phone and SIM to be handed in (reminders on the phone)',
  locking: 'Not returned in time: locking the phone and suspending the SIM',
  locked: 'Phone locked: waiting for it to be handed in before the permanent lock',
  bricking: 'Still not returned: permanent lock (Knox Guard) and write-off',
  bricked: 'Written off: watching for the phone to come back',
  returned: 'Handed in: removing any lock',
  wiping: 'Wiping the returned phone',
  done: 'Clearance done',
  revoking: 'Dismissal revoked: giving the phone and SIM back',
  revoked: 'Dismissal revoked: phone and SIM given back',
};
