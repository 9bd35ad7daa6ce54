// The waits of the business processes, as policy. Production defaults live in src/config.ts;
// end-to-end tests shorten them to seconds. Durations are Temporal duration strings ("15 minutes")
// or milliseconds.
import type { Duration } from '@temporalio/common';
import type { ReleasePolicy } from './release-contract.ts';
import type { RolloutPolicy } from './store-rollout-contract.ts';

export interface JoinerPolicy {
  /** How often to look for the directory account, which can appear a day or more late. */
  directoryPollInterval: Duration;
  /** After this long without a directory account, open a support task (and keep waiting). */
  directoryEscalateAfter: Duration;
  /** How often to look at the store's stock again when nobody announced a delivery. */
  stockRetryInterval: Duration;
  /** How often to ask the operator whether it accepted the SIM owner's identity data. */
  registrationPollInterval: Duration;
}

export interface LeaverPolicy {
  /** Reminders to hand in phone and SIM, in days before the last working day (0 = on it). */
  reminderDaysBefore: number[];
  /** After the last working day, how long to wait for the phone before locking it. */
  returnGracePeriod: Duration;
  /** After the lock, how long to wait before the permanent (Knox Guard) lock and write-off. */
  brickGracePeriod: Duration;
  /** How long a bricked, written-off phone may still come back and be recovered. */
  recoveryWatch: Duration;
  /** How often to ask the MDM whether a pending lock, wipe or brick reached the phone. */
  commandPollInterval: Duration;
  /**
   * The poll backs off from commandPollInterval, doubling, up to this (a phone kept off for months
   * costs a few polls a day). Absent in the policy of lifecycles started before it: 6 hours.
   */
  commandPollMaxInterval?: Duration;
  /** A returned corporate SIM is suspended, or kept active to be handed to the next hire. */
  simOnReturn: 'suspend' | 'reuse';
}

export interface MoverPolicy {
  /** Fallback re-check of a freeze window when no change to it is announced. */
  freezeRecheckInterval: Duration;
}

/** What the fleet's own data is held to (anomalies, owner-registration confirmations: see activities/reconciliation.ts). */
export interface FleetDataPolicy {
  /** An assigned SIM no phone has reported for this long is an anomaly ("not seen"). */
  simUnseenAfter: Duration;
  /** A phone in someone's hands without an MDM check-in for this long is an anomaly ("silent"). */
  phoneSilentAfter: Duration;
  /** The person confirms an accepted owner registration within this, when the operator gives no cut-off date. */
  ownerConfirmWithin: Duration;
  /** Reminders to confirm, in days before the cut-off (0 = on it). */
  ownerConfirmReminderDays: number[];
  /** Support is warned (a task) this long before the cut-off of an unconfirmed registration. */
  ownerConfirmWarnBefore: Duration;
}

/** Production defaults (src/config.ts reads the POLICY_* variables over them). */
export const DEFAULT_FLEET_DATA_POLICY: FleetDataPolicy = {
  simUnseenAfter: '30 days',
  phoneSilentAfter: '14 days',
  ownerConfirmWithin: '30 days',
  ownerConfirmReminderDays: [14, 7, 3, 1],
  ownerConfirmWarnBefore: '5 days',
};

export interface FleetPolicy {
  joiner: JoinerPolicy;
  leaver: LeaverPolicy;
  mover: MoverPolicy;
  /** Absent in the policy of lifecycles started before it (workflows do not read it). */
  fleet?: FleetDataPolicy;
  /** How releases roll out (each release is started with it); absent: src/release/policy.ts's defaults. */
  release?: ReleasePolicy;
  /** How often rollouts look again (each rollout is started with it); absent: src/rollout/policy.ts's defaults. */
  rollout?: RolloutPolicy;
}
