// The contract of one training session of a store rollout (workflows/training-session.ts):
// its id, input and outcome, the trainer's attendance Update, the rollout's changes to it
// (people withdrawn; the session cancelled through Temporal's cancellation) and the progress query.
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const TRAINING_SESSION_WORKFLOW = 'trainingSession';

/** `training-session-<storeId>-<sessionId>`: a session is held once. */
export const trainingSessionWorkflowId = (storeId: string, sessionId: string) => `training-session-${storeId}-${sessionId}`;

export interface TrainingSessionInput {
  storeId: string;
  session: {
    /** The plan's session id (`<day>T<start>-<room>`). */
    id: string;
    startsAt: string;
    endsAt: string;
    room: string;
    trainer: string;
    employees: string[];
  };
  /** The rollout this session belongs to: told the outcome by signal (it may have continued-as-new meanwhile). */
  rolloutWorkflowId?: string;
  /** Invitations go out this long before the start (a Temporal duration; default 1 day). */
  inviteAhead?: Duration;
  /** How long after its end the trainer may still record who came (default 2 hours). */
  attendanceGrace?: Duration;
  /** The rollout images the phones: hand over only phones signed in, waiting for the others until the session closes. */
  waitForImages?: boolean;
  /** How often to look at the phones' images meanwhile (default 5 minutes). */
  imagePoll?: Duration;
}

export interface Attendance {
  /** Who records it (the trainer's or curator's name as the API knows them). */
  by: string;
  /** The invited employees who came. */
  present: string[];
}

export interface TrainingSessionOutcome {
  sessionId: string;
  present: string[];
  /** Invited and did not come (or nobody recorded the session): the rollout plans them again. */
  noShows: string[];
  /** Present people whose prepared phone was handed over at the session. */
  handedOver: string[];
  /** Present people without a phone ready for them, with why: the curator hands it over later. */
  notHandedOver: { employeeId: string; reason: string }[];
  recordedBy?: string;
  /** Cancelled before its start (the rollout moved it): nobody trained, nobody a no-show; the rollout places its people. */
  cancelled?: true;
}

export type SessionState = 'scheduled' | 'invited' | 'open' | 'waiting-for-images' | 'handing-over' | 'closed' | 'cancelled';

export interface SessionProgress {
  state: SessionState;
  invited: number;
  outcome?: TrainingSessionOutcome;
}

/** The trainer records who came, once, from the session's start until its end plus the grace. */
export const recordAttendanceUpdate = defineUpdate<{ present: number; noShows: number }, [Attendance]>('recordAttendance');
export const sessionProgressQuery = defineQuery<SessionProgress>('sessionProgress');

/**
 * From the rollout, before the session starts: these people no longer come (`left`: they left the
 * company; `moved`: the rollout placed them elsewhere, and if invited they are told so).
 */
export interface Withdrawal {
  employees: string[];
  why: 'moved' | 'left';
}
export const withdrawFromSessionSignal = defineSignal<[Withdrawal]>('withdrawFromSession');
