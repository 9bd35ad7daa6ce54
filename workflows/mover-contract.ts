// The mover's contract: its workflow id, stages, signals and queries, input and progress, for
// the API, the CLI and the lifecycle. Signal and query names are in recorded histories: never
// rename one.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MoveApplied } from '../activities/mover.ts';
import type { Move } from './hr-events.ts';
import type { MoverPolicy } from './policy.ts';

export const MOVER_WORKFLOW_TYPE = 'mover';

export const moverWorkflowId = (employeeId: string) => `mover-${employeeId}`;

/** The `Phase` of a mover sleeping until a freeze ends: operators' freeze changes wake these. */
export const WAITING_FOR_FREEZE = 'waiting-for-freeze';

export const MOVER_STAGE = {
  checkingFreezes: 'checking-freezes',
  waitingForFreeze: WAITING_FOR_FREEZE,
  applying: 'applying',
  done: 'done',
} as const;
export type MoverStage = (typeof MOVER_STAGE)[keyof typeof MOVER_STAGE];

export interface MoverStart {
  employeeId: string;
  move: Move;
  policy: MoverPolicy;
}

export interface MoverProgress {
  employeeId: string;
  move: Move;
  stage: MoverStage;
  since: string;
  freeze?: { storeId: string | null; endsAt: string; reason: string };
  applied?: MoveApplied;
}

export type { MoveApplied };

export const moverProgressQuery = defineQuery<MoverProgress>('progress');
/** Operators created or removed a freeze window: look again now. */
export const freezeChangedSignal = defineSignal('freezeChanged');

// What the Temporal Web UI shows of a move: ids and codes only, never a name.
/** The static summary it is started with, e.g. "Role change E000123 to cashier" or "Transfer E000123 to store S002". */
export const moverSummary = ({ employeeId, move }: Pick<MoverStart, 'employeeId' | 'move'>) =>
  `${move.kind === 'role' ? `Role change ${employeeId} to ${move.position}` : `Transfer ${employeeId} to store ${move.storeId}`}${move.urgent ? ' (urgent)' : ''}`;

/** What each stage waits for or does: the workflow's current details in the Web UI. */
export const MOVER_STAGE_DETAILS: Record<MoverStage, string> = {
  'checking-freezes': "Checking the stores' freeze windows",
  'waiting-for-freeze': 'Waiting for a freeze window to end (operators lifting it wake the move)',
  applying: 'Applying the change on the phone and in the stock records',
  done: 'Change applied',
};
