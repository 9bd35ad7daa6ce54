// The employee lifecycle's contract: its workflow id, the HR event signal, the query, its input
// and state, for the API and the CLI. Signal and query names are in recorded histories: never
// rename one.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { HrEvent } from './hr-events.ts';
import type { JoinerResult } from './joiner-contract.ts';
import type { FleetPolicy } from './policy.ts';

export const EMPLOYEE_LIFECYCLE_WORKFLOW_TYPE = 'employeeLifecycle';

export const employeeWorkflowId = (employeeId: string) => `employee-${employeeId}`;

export const EMPLOYMENT_STATUS = {
  new: 'new',
  onboarding: 'onboarding',
  onboardingFailed: 'onboarding-failed',
  active: 'active',
  leaving: 'leaving',
  rescinded: 'rescinded',
  left: 'left',
} as const;
export type EmploymentStatus = (typeof EMPLOYMENT_STATUS)[keyof typeof EMPLOYMENT_STATUS];

export interface EventOutcome {
  eventId: string;
  kind: HrEvent['kind'];
  at: string;
  outcome: string;
}

export interface LifecycleState {
  employeeId: string;
  status: EmploymentStatus;
  storeId?: string;
  /** The child workflow running the current phase, if any. */
  phaseWorkflowId?: string;
  pending: HrEvent[];
  seenEventIds: string[];
  outcomes: EventOutcome[];
  joined?: JoinerResult;
}

export interface LifecycleInput {
  employeeId: string;
  policy: FleetPolicy;
  /** An employee who already works here (hired before phonefleet): their store. */
  employedAt?: { storeId: string };
  /** Set by continue-as-new; absent on the first run. */
  state?: LifecycleState;
}

/** The workflow's signature, for starting it by type name (the API never imports the workflow). */
export type EmployeeLifecycleWorkflow = (input: LifecycleInput) => Promise<LifecycleState>;

export const hrEventSignal = defineSignal<[HrEvent]>('hrEvent');
export const lifecycleQuery = defineQuery<LifecycleState>('lifecycle');

/** The static summary it is started with, e.g. "Employee E000123, store S001" (ids only, never a name). */
export const lifecycleSummary = (employeeId: string, storeId: string) => `Employee ${employeeId}, store ${storeId}`;
