// Workflow time as the processes record it: Temporal's deterministic clock (the workflow task's
// start), as ISO 8601, so replays record the same instants.
export function now(): string {
  return new Date().toISOString();
}
