// Histories of real runs, committed under test/replay/histories so the replay test can prove
// that changed workflow code still replays what production already recorded. Record them by
// running the end-to-end suite with RECORD_HISTORIES=1 (payloads stay encrypted with the test key).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowClient } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../replay/histories');
export const recording = process.env.RECORD_HISTORIES === '1';

/** Saves every run of a workflow id (continue-as-new makes several) as `<name>.<n>.json`. */
export async function saveHistories(client: Client, workflowId: string, name: string): Promise<void> {
  const runs = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const [i, run] of runs.entries()) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.${i + 1}.json`), historyToJSON(history) + '\n');
  }
}

/**
 * Saves each run of one execution chain as `<name>.<n>.json`, following continue-as-new from the
 * first run: for the time-skipping server, which cannot list runs.
 */
export async function saveHistoryChain(workflows: WorkflowClient, workflowId: string, firstRunId: string, name: string): Promise<void> {
  const { runChain } = await import('./run-chain.ts');
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const [i, run] of (await runChain(workflows, workflowId, firstRunId)).entries()) {
    fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.${i + 1}.json`), historyToJSON(run.history) + '\n');
  }
}
