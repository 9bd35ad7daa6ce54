// Determinism: the current workflow code must replay every committed history of a real run
// (test/replay/histories, recorded with RECORD_HISTORIES=1 from the end-to-end suite). A change
// that reorders commands, or drops a step an old run already took, fails here, before it can
// break running onboardings in production.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { dataConverter } from '../../src/temporal/connection.ts';
import { workflowBundle } from '../../src/worker/bundle.ts';
import { HISTORIES_DIR } from '../support/histories.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';

const files = fs
  .readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of committed histories', () => {
  it('has histories of every process to replay', () => {
    for (const process of ['lifecycle-', 'joiner-', 'leaver-', 'mover-', 'release-', 'release-store-']) expect(files.some((f) => f.startsWith(process))).toBe(true);
  });

  it.each(files)('replays %s without nondeterminism', async (file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
    expect(history.events?.length).toBeGreaterThan(3);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: dataConverter(TEST_PAYLOAD_KEYS) }, history, file);
  });
});
