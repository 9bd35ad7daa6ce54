// Workflows people can read in the Temporal Web UI (issue 7): each is started with a static
// summary (ids, store and role code, never a name) and keeps current details saying what it
// waits for and since when. Both travel through phonefleet's payload codec: encrypted on the
// server and in history, decoded by the client (and by the UI, through the codec endpoint).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle-contract.ts';
import { JOINER_STAGE, joinerWorkflowId } from '../../workflows/joiner-contract.ts';
import { LEAVER_STAGE, leaverWorkflowId } from '../../workflows/leaver-contract.ts';
import { dayFromToday, dismissEvent, eventually, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
const STORE = 'S001';
const NAME = 'Anna Example';

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
}, 180_000);
afterAll(async () => h?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function employee(employeeId: string): Promise<any> {
  const res = await h.call('GET', `/employees/${employeeId}`);
  return res.status === 200 ? await res.json() : undefined;
}

const encoding = (p: Payload | null | undefined) => Buffer.from(p?.metadata?.[METADATA_ENCODING_KEY] ?? []).toString();
const currentDetails = async (workflowId: string) => (await h.client.workflow.getHandle(workflowId).query(workflowMetadataQuery)).currentDetails ?? '';

/** The summary as the server keeps it (describe and the first history event): encrypted, not readable. */
async function expectSummaryEncrypted(workflowId: string, summary: string) {
  const handle = h.client.workflow.getHandle(workflowId);
  const stored = (await handle.describe()).raw.executionConfig?.userMetadata?.summary;
  expect(encoding(stored)).toBe('binary/encrypted');
  expect(Buffer.from(stored!.data!).toString('latin1')).not.toContain(summary.slice(0, 12));
  const [started] = (await handle.fetchHistory()).events ?? [];
  expect(encoding(started?.userMetadata?.summary)).toBe('binary/encrypted');
}

describe('static summaries and current details', () => {
  it('lifecycle, joiner and leaver: summary and details read back through the client, encrypted on the server, no names', async () => {
    const employeeId = h.newEmployeeId();
    const position = h.fleet.employees[0]!.position;
    await sim.addHrEmployee({ employeeId, storeId: STORE, position, startDate: storeToday(h.fleet, STORE), documentNumber: `DOC-${employeeId}` });
    await sim.addDirectoryAccount(employeeId, 0);
    expect((await h.sendHrEvent(hireEvent(employeeId, STORE, position, { displayName: NAME }))).status).toBe(202);
    const ready = await eventually(async () => {
      const e = await employee(employeeId);
      return e?.onboarding?.stage === JOINER_STAGE.awaitingHandover ? e.onboarding : undefined;
    }, 'phone ready');

    const lifecycle = h.client.workflow.getHandle(employeeWorkflowId(employeeId));
    const joiner = h.client.workflow.getHandle(joinerWorkflowId(employeeId));
    expect(await (await lifecycle.describe()).staticSummary()).toBe(`Employee ${employeeId}, store ${STORE}`);
    expect(await (await joiner.describe()).staticSummary()).toBe(`Onboarding ${employeeId}, store ${STORE}, ${position}`);
    expect(await currentDetails(joiner.workflowId)).toBe(
      `Onboarding ${employeeId}, store ${STORE}, ${position}\n\nPhone ready: waiting for the curator to confirm the hand-over (since ${ready.since})`,
    );
    expect(await currentDetails(lifecycle.workflowId)).toMatch(
      new RegExp(`^Employee ${employeeId}, store ${STORE}\n\nEmployment onboarding: running ${joiner.workflowId} since \\d{4}-`),
    );
    await expectSummaryEncrypted(lifecycle.workflowId, `Employee ${employeeId}`);
    await expectSummaryEncrypted(joiner.workflowId, `Onboarding ${employeeId}`);
    // The current details answer a query: its result, as the server relays it, is encrypted too.
    const raw = await h.client.workflowService.queryWorkflow({
      namespace: h.namespace,
      execution: { workflowId: joiner.workflowId },
      query: { queryType: workflowMetadataQuery.name },
    });
    expect(encoding(raw.queryResult?.payloads?.[0])).toBe('binary/encrypted');

    expect((await h.call('POST', `/devices/${ready.imei}/handover`, { employeeId })).status).toBe(202);
    await eventually(async () => (await employee(employeeId))?.lifecycle?.status === 'active', 'employee active');
    const lastDay = dayFromToday(7);
    expect((await h.sendHrEvent(dismissEvent(employeeId, lastDay))).status).toBe(202);
    const clearance = await eventually(async () => {
      const e = await employee(employeeId);
      return e?.clearance?.stage === LEAVER_STAGE.awaitingReturn ? e.clearance : undefined;
    }, 'clearance awaiting the return');
    const leaver = h.client.workflow.getHandle(leaverWorkflowId(employeeId));
    expect(await (await leaver.describe()).staticSummary()).toBe(`Clearance ${employeeId}, last working day ${lastDay}`);
    expect(await currentDetails(leaver.workflowId)).toBe(
      `Clearance ${employeeId}, last working day ${lastDay}\n\nWaiting for the phone and SIM to be handed in (reminders on the phone) (since ${clearance.since})`,
    );
    await expectSummaryEncrypted(leaver.workflowId, `Clearance ${employeeId}`);
    // The lifecycle continued-as-new after the hire: that run has no static summary (continue-as-new
    // carries none), so its current details repeat it.
    expect((await lifecycle.describe()).runId).not.toBe((await h.client.workflow.getHandle(lifecycle.workflowId).describe()).raw.workflowExecutionInfo?.firstRunId);
    expect(await currentDetails(lifecycle.workflowId)).toMatch(new RegExp(`^Employee ${employeeId}, store ${STORE}\n\nEmployment leaving: running ${leaver.workflowId} since `));

    for (const workflowId of [lifecycle.workflowId, joiner.workflowId, leaver.workflowId]) {
      const shown = `${await (await h.client.workflow.getHandle(workflowId).describe()).staticSummary()} ${await currentDetails(workflowId)}`;
      expect(shown).not.toContain('Anna');
    }
  });
});
