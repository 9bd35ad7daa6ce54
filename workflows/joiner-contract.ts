// The joiner's contract: what the API, the CLI and the lifecycle may know about an onboarding
// (its workflow id, its stages, the signals, queries and updates it answers, its input and
// result), without importing the workflow. The names given to defineSignal/defineQuery/
// defineUpdate are part of every recorded history: never rename one.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Hire } from './hr-events.ts';
import type { JoinerPolicy } from './policy.ts';

/** The workflow type, as the worker registers it (the exported function's name). */
export const JOINER_WORKFLOW_TYPE = 'joiner';

export const joinerWorkflowId = (employeeId: string) => `joiner-${employeeId}`;

/** Where an onboarding stands: its `progress.stage` and its `Phase` search attribute. */
export const JOINER_STAGE = {
  recordingHire: 'recording-hire',
  awaitingDirectoryAccount: 'awaiting-directory-account',
  awaitingStock: 'awaiting-stock',
  registeringSimOwner: 'registering-sim-owner',
  simOwnerRejected: 'sim-owner-rejected',
  activatingSim: 'activating-sim',
  enrollingDevice: 'enrolling-device',
  awaitingHandover: 'awaiting-handover',
  handedOver: 'handed-over',
  rescinding: 'rescinding',
  rescinded: 'rescinded',
  undoing: 'undoing',
  failed: 'failed',
} as const;
export type JoinerStage = (typeof JOINER_STAGE)[keyof typeof JOINER_STAGE];

/** What starts an onboarding (the lifecycle's child start). */
export interface JoinerStart {
  employeeId: string;
  hire: Hire;
  policy: JoinerPolicy;
}

export interface JoinerProgress {
  employeeId: string;
  storeId: string;
  stage: JoinerStage;
  since: string;
  roleCode?: string;
  directoryUserId?: string;
  imei?: string;
  iccid?: string;
  missingStock?: ('device' | 'sim')[];
  simOwnerRegistration?: { registrationId: string; status: string; reason?: string };
  escalations: string[];
  handover?: { at: string; day: number };
}

export interface JoinerResult {
  employeeId: string;
  imei: string;
  iccid: string;
  handedOverAt: string;
  /** 1 when the phone reached the employee on the start date (or before). */
  handoverDay: number;
  dayOne: boolean;
}

export interface Handover {
  at: string;
  /** Who confirmed it (operator token name), for the audit log. */
  by: string;
}

/** The hand-over as an operator asks for it: for that phone, which must be the one prepared. */
export interface HandoverRequest extends Handover {
  imei: string;
}

export const progressQuery = defineQuery<JoinerProgress>('progress');
/** The store received devices or SIMs: look at the stock again now rather than at the next retry. */
export const stockArrivedSignal = defineSignal('stockArrived');
/** Support corrected the identity data in HR: submit the SIM owner registration again (runs started before the update). */
export const retrySimOwnerRegistrationSignal = defineSignal('retrySimOwnerRegistration');
/** The curator put the phone in the employee's hands (runs started before the update). */
export const handedOverSignal = defineSignal<[Handover]>('handedOver');

/**
 * The curator put the phone in the employee's hands. Rejected unless the onboarding waits for
 * exactly this hand-over (stage, phone); a second confirmation is accepted and changes nothing.
 */
export const handOverUpdate = defineUpdate<{ alreadyConfirmed: boolean }, [HandoverRequest]>('handOver');
/** Support corrected the identity data in HR: rejected unless a rejected registration waits for it. */
export const retrySimOwnerRegistrationUpdate = defineUpdate<void, []>('retrySimOwnerRegistration');

// What the Temporal Web UI shows of an onboarding: ids, codes and stages only, never a name.
/** The static summary it is started with, e.g. "Onboarding E000123, store S001, cashier". */
export const joinerSummary = ({ employeeId, hire }: Pick<JoinerStart, 'employeeId' | 'hire'>) => `Onboarding ${employeeId}, store ${hire.storeId}, ${hire.position}`;

/** What each stage waits for or does: the workflow's current details in the Web UI. */
export const JOINER_STAGE_DETAILS: Record<JoinerStage, string> = {
  'recording-hire': 'Recording the hire and deriving the role from the position',
  'awaiting-directory-account': 'Waiting for the directory account (IT creates it; support is told if it is late)',
  'awaiting-stock': "Waiting for a phone and a SIM in the store's stock (the curator registers the delivery)",
  'registering-sim-owner': 'Waiting for the operator to accept the SIM owner registration',
  'sim-owner-rejected': 'SIM owner registration rejected: waiting for support to fix the identity data in HR and retry',
  'activating-sim': 'Activating the SIM at the operator',
  'enrolling-device': 'Enrolling the phone in the MDM (an outage is waited out)',
  'awaiting-handover': 'Phone ready: waiting for the curator to confirm the hand-over',
  'handed-over': 'Phone handed over',
  rescinding: 'Hire rescinded: undoing the onboarding',
  rescinded: 'Hire rescinded: the onboarding was undone',
  undoing: 'Onboarding failed: undoing it',
  failed: 'Onboarding failed: undone; HR re-sending the hire retries it',
};
