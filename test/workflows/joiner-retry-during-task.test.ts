// A rejected SIM owner registration: the stage shows 'sim-owner-rejected' (and the API accepts
// support's retry from then on) while the support task is still being opened. A retry that
// arrives in that moment must not be lost: the hire would wait for a retry support already sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowClient } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/config.ts';
import { handedOverSignal, joiner, progressQuery, retrySimOwnerRegistrationSignal } from '../../workflows/joiner.ts';
import { recording, saveHistoryChain } from '../support/histories.ts';
import { simAdmin } from '../support/sim-admin.ts';
import { startProductionWorker, startTimeSkippingRig, type TimeSkippingRig } from '../support/time-skipping.ts';

const taskQueue = 'joiner-retry-during-task';
const employeeId = 'TS-RETRY-1';

let rig: TimeSkippingRig;
let workflows: WorkflowClient;
let worker: Awaited<ReturnType<typeof startProductionWorker>>;
/** Sent by the support-task activity itself, before it returns: the retry lands mid-activity. */
let retryDuringTask: (() => Promise<void>) | undefined;

beforeAll(async () => {
  rig = await startTimeSkippingRig({ stores: 1, employeesPerStore: 2, stockPerStore: 2, seed: 11 });
  worker = await startProductionWorker(rig, taskQueue, DEFAULT_POLICY, {
    activities: (activities) => ({
      ...activities,
      openSupportTask: async (...args: Parameters<typeof activities.openSupportTask>) => {
        if (args[0].kind === 'sim-owner-registration-rejected' && retryDuringTask) {
          const send = retryDuringTask;
          retryDuringTask = undefined;
          await send();
        }
        return activities.openSupportTask(...args);
      },
    }),
  });
  workflows = worker.workflows;
});
afterAll(async () => {
  await worker?.stop();
  await rig?.close();
});

describe('joiner: support retries the SIM owner registration while its task is being opened', () => {
  it('the retry is kept: a second registration is submitted and the onboarding finishes', async () => {
    const { sims, fleet } = rig;
    const admin = simAdmin(sims);
    const storeId = fleet.stores[0].id;
    const position = fleet.employees[0].position;
    const documentNumber = 'DOC-TS-RETRY-1';
    await admin.addHrEmployee({ employeeId, storeId, position, startDate: '2026-12-01', documentNumber });
    await admin.addDirectoryAccount(employeeId, 0);
    await admin.rejectDocuments([documentNumber], 'document number does not match the holder');

    const handle = await workflows.start(joiner, {
      workflowId: `joiner-${employeeId}`,
      taskQueue,
      args: [{ employeeId, hire: { storeId, position, startDate: '2026-12-01' }, policy: DEFAULT_POLICY.joiner }],
    });
    let stageWhenRetried = '';
    retryDuringTask = async () => {
      stageWhenRetried = (await handle.query(progressQuery)).stage;
      await admin.rejectDocuments([], ''); // support fixed the data in HR
      await handle.signal(retrySimOwnerRegistrationSignal);
    };
    // The curator's confirmation now: the phone, once ready, is handed over at once.
    await handle.signal(handedOverSignal, { at: '2026-12-01T09:00:00.000Z', by: 'curator' });

    const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the onboarding did not finish: the retry was lost')), 90_000));
    const result = await Promise.race([handle.result(), bound]);
    expect(stageWhenRetried).toBe('sim-owner-rejected');
    expect(result).toMatchObject({ employeeId });
    const progress = await handle.query(progressQuery);
    expect(progress.simOwnerRegistration).toMatchObject({ status: 'ACCEPTED' });
    expect(progress.escalations.filter((e: string) => e.startsWith('sim-owner-rejected:'))).toHaveLength(1); // rejected once, retried once
    if (recording) await saveHistoryChain(workflows, handle.workflowId, handle.firstExecutionRunId, 'joiner-v2-retry-during-support-task');
  }, 150_000);
});
