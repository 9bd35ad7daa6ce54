// One store's part of a release (a child of workflows/release.ts): plan the store's downloads
// within its uplink's share and its people's shifts, then hand the plan to the MDM batch by
// batch, each batch only when no freeze (inventory) reaches into it. A freeze declared while the
// store rolls out withdraws what has not started downloading and plans it again after the freeze.
// Then it follows the phones until they have installed (or the stragglers' grace is over).
import { CancellationScope, condition, continueAsNew, getExternalWorkflowHandle, isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ReleaseActivities } from '../activities/release.ts';
import { retryForever, systemCall, undoable } from './kit/activity-options.ts';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import { backoffDelay, historyShouldRoll } from './kit/wait.ts';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { freezeChangedSignal } from './mover-contract.ts';
import {
  assignmentLeadMs,
  doubledAssignmentLeadMs,
  freezeOverriddenSignal,
  holdStoreSignal,
  NO_TARGETS,
  storeProgressQuery,
  storeProgressSignal,
  type ReleaseStoreInput,
  type ReleaseStoreResult,
  type StorePlanSummary,
  type StoreProgress,
} from './release-contract.ts';

const { planReleaseStore, refreshReleaseStore, freezeAhead, withdrawReleaseStore } = proxyActivitiesByQueue<ReleaseActivities>({
  // A store's plan and its status reads: a few MDM calls of up to 500 phones each.
  startToCloseTimeout: '2 minutes',
  retry: retryForever('5 minutes'),
});
// Assigning a batch tells phones to download: a cancellation (abort) waits for it to finish, so
// the withdrawal that follows finds what it assigned.
const { assignReleaseBatch } = proxyActivitiesByQueue<ReleaseActivities>(undoable({ ...systemCall, startToCloseTimeout: '2 minutes', retry: retryForever('5 minutes') }));
// The release notes to each phone of a batch, for apps people install themselves: a message per
// phone, paced to the MDM's device-command budget (300 a minute on Knox Manage), so minutes.
const { announceReleaseBatch } = proxyActivitiesByQueue<ReleaseActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry: retryForever('5 minutes') });

export async function releaseStore(input: ReleaseStoreInput): Promise<ReleaseStoreResult> {
  const { releaseId, storeId, ring, policy } = input;
  const progress: StoreProgress = input.resume?.progress ?? { storeId, ring, state: 'planning', counts: NO_TARGETS };
  let nextBatch = input.resume?.nextBatch ?? 0;
  let pollAttempt = input.resume?.pollAttempt ?? 0;
  let held = false;
  let freezeChanged = false;
  setHandler(storeProgressQuery, () => progress);
  setHandler(holdStoreSignal, (hold) => void (held = hold));
  setHandler(freezeChangedSignal, () => void (freezeChanged = true));
  // An emergency override: this release goes through the store's freezes from now on.
  setHandler(freezeOverriddenSignal, (by) => {
    progress.freezeOverride = by;
    freezeChanged = true;
  });
  const freezeHolding = (until: number) => (progress.freezeOverride ? Promise.resolve(null) : freezeAhead({ storeIds: [storeId], until }));

  // The parent's view follows the store's state changes (a signal each: not one per poll).
  const parent = workflowInfo().parent;
  let reported = '';
  const report = async () => {
    const shown = JSON.stringify([progress.state, progress.counts, progress.freeze]);
    if (!parent || shown === reported) return;
    reported = shown;
    await getExternalWorkflowHandle(parent.workflowId).signal(storeProgressSignal, progress);
  };
  const rollOver = (): Promise<never> => continueAsNew<typeof releaseStore>({ ...input, resume: { progress, nextBatch, pollAttempt } });

  let plan: StorePlanSummary =
    progress.plan ?? (await planReleaseStore({ releaseId, storeId, ring, policy, ...(input.onlyAffectedBy ? { onlyAffectedBy: input.onlyAffectedBy } : {}) }));
  progress.plan = plan;

  try {
    while (nextBatch < plan.batches.length) {
      const batch = plan.batches[nextBatch]!;
      if (historyShouldRoll()) await rollOver();
      if (held) {
        progress.state = 'paused';
        await report();
        await condition(() => !held);
      }
      // The batch goes to the MDM a little before its first download is due (the MDM holds it
      // until then): a phone that hears late starts late and overlaps the next wave on the link.
      const lead = patched('batch-lead-doubled') ? doubledAssignmentLeadMs(msToNumber(policy.batchSpan)) : assignmentLeadMs(msToNumber(policy.batchSpan));
      await condition(() => held, Math.max(0, batch.startsAt - lead - Date.now()));
      if (held) continue;
      // Nothing may reach the store during a freeze: not this batch, nor its installs.
      const freeze = await freezeHolding(batch.endsAt);
      freezeChanged = false;
      if (freeze) {
        plan = await waitOutFreeze(freeze);
        nextBatch = 0;
        continue;
      }
      await assignReleaseBatch({ releaseId, storeId, batch: batch.batch });
      // Only for an app people install themselves: each phone is told what is new.
      if (input.announce) await announceReleaseBatch({ releaseId, storeId, batch: batch.batch });
      nextBatch++;
      // The parent shows the store rolling out from its start: only a return from a pause is news.
      const resumed = progress.state === 'paused';
      progress.state = 'rolling-out';
      if (resumed) await report();
    }

    // Follow the phones: one timer until the last planned install, then polls with backoff
    // until every phone is settled, or the stragglers' grace is over. A freeze declared meanwhile
    // withdraws what has not started (and plans it again after the freeze). The counts are in the
    // database (the API reads them there): the parent hears only of state changes.
    const lastInstall = Math.max(0, ...plan.batches.map((b) => b.endsAt));
    const giveUpAt = lastInstall + msToNumber(policy.stragglerGrace);
    for (;;) {
      const wait = pollAttempt === 0 ? lastInstall - Date.now() : backoffDelay({ first: policy.statusPollFirst, max: policy.statusPollMax }, pollAttempt - 1);
      if (wait > 0) await condition(() => freezeChanged, wait);
      if (freezeChanged) {
        freezeChanged = false;
        const freeze = await freezeHolding(lastInstall);
        if (freeze && progress.counts.assigned + progress.counts.planned > 0) {
          plan = await waitOutFreeze(freeze);
          // A re-planned store starts its batches over in a fresh run (the plan is in the database).
          nextBatch = 0;
          pollAttempt = 0;
          return await rollOver();
        }
        continue;
      }
      progress.counts = await refreshReleaseStore({ releaseId, storeId });
      pollAttempt++;
      const c = progress.counts;
      if (c.assigned + c.downloading + c.downloaded + c.planned === 0 || Date.now() >= giveUpAt) break;
      if (historyShouldRoll()) await rollOver();
    }
    progress.state = 'done';
    return { storeId, counts: progress.counts, withdrawn: false };
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Aborted or superseded: the parent withdraws what has not been installed.
    progress.state = 'withdrawn';
    await CancellationScope.nonCancellable(() => report());
    throw err;
  }

  /** Withdraws the assigned downloads that have not started, waits for the freeze to end, plans the rest again. */
  async function waitOutFreeze(freeze: { storeId: string | null; startsAt: string; endsAt: string; reason: string }): Promise<StorePlanSummary> {
    progress.state = 'waiting-for-freeze';
    progress.freeze = { storeId: freeze.storeId, endsAt: freeze.endsAt, reason: freeze.reason };
    progress.counts = await withdrawReleaseStore({ releaseId, storeId, replan: true });
    await report();
    let current: typeof freeze | null = freeze;
    while (current) {
      // Until it ends, looking again when operators announce a change (or every recheck).
      const wait = Math.min(Math.max(0, Date.parse(current.endsAt) - Date.now()), msToNumber(policy.freezeRecheck));
      await condition(() => freezeChanged, wait);
      freezeChanged = false;
      current = await freezeHolding(Date.now() + 1);
      if (historyShouldRoll()) await rollOver();
    }
    delete progress.freeze;
    progress.state = 'rolling-out';
    const replanned = await planReleaseStore({ releaseId, storeId, ring, policy, replan: true });
    progress.plan = replanned;
    await report();
    return replanned;
  }
}
