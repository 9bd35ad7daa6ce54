// The current details a process shows in the Temporal Web UI's detail page: its summary, then
// what it waits for (or does) and since when. The static summary is set only when a workflow is
// started: a run started by continue-as-new has none (the command carries no user metadata), so
// every run repeats the summary here. Ids, codes and dates only: never a name.
import { setCurrentDetails } from '@temporalio/workflow';

export function showCurrentDetails(summary: string, detail: string): void {
  setCurrentDetails(`${summary}\n\n${detail}`);
}
