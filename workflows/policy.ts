// The waits of the business processes, as policy. Production defaults live in src/config.ts;
// end-to-end tests shorten them to seconds. Durations are Temporal duration strings ("15 minutes")
// or milliseconds.
import type { Duration } from '@temporalio/common';

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

export interface FleetPolicy {
  joiner: JoinerPolicy;
}
