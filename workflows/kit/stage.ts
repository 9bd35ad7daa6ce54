// Entering a stage of a process, in one call: the progress the query returns, the Phase search
// attribute operators filter on, and the Web UI's current details. Phase is upserted only when
// its value changes (an upsert is a history event), so re-entering a stage, or re-showing it on
// every poll of a wait, costs nothing.
import { now } from './clock.ts';
import { showCurrentDetails } from './details.ts';
import { searchAttributeShower } from './wait.ts';
import { Phase } from '../search-attributes.ts';

export interface Staged<S extends string> {
  stage: S;
  /** When the stage was entered (workflow time, ISO 8601). */
  since: string;
}

export interface StageDisplay {
  /** The process's summary: repeated in the current details, since continue-as-new runs have none of their own. */
  summary: () => string;
  /** What the current stage waits for (or does), from the progress; "since ..." included. */
  detail: () => string;
  /** Whether the Phase attribute is shown (default: if the run was started with one). */
  indexed?: boolean;
}

export interface Stages<S extends string> {
  /**
   * Enters `stage` (since now), shows it as Phase and in the current details. Entering the stage
   * it is in does nothing, unless `restart` (a new round of the same stage: `since` is reset).
   * Returns whether it entered.
   */
  enter: (stage: S, options?: { restart?: boolean }) => boolean;
  /** Shows a Phase value other than the stage itself (e.g. `locking-pending-offline`), if it changed. */
  showPhase: (phase: string) => void;
  /** Shows the current details again (what the progress says changed within the stage). */
  showDetails: () => void;
}

/** The stages of `progress`; shows the current details at once (each run sets its own). */
export function stagesOf<S extends string>(progress: Staged<S>, display: StageDisplay): Stages<S> {
  const showPhase = searchAttributeShower<string>(Phase, display.indexed);
  const showDetails = () => showCurrentDetails(display.summary(), display.detail());
  showDetails();
  return {
    enter(stage, options) {
      if (progress.stage === stage && !options?.restart) return false;
      progress.stage = stage;
      progress.since = now();
      showPhase(stage);
      showDetails();
      return true;
    },
    showPhase,
    showDetails,
  };
}
