// A release of one app build to every phone whose role has the app (issue 9 §3): upload the APK to
// each MDM in use, then ring by ring (the pilot stores, a share of the rest, all) one child per
// store, a bake, and the health gate: healthy goes on, unhealthy halts by itself and tells the
// release team. Operators approve, pause, resume and abort (Updates). An abort withdraws what has
// not been installed and counts the phones that have it: the rollback release (the last good
// commit rebuilt with a higher versionCode) reaches exactly those first. A newer build of the
// app supersedes this one: it stops where it is, the newer one takes over its rings.
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { ReleaseActivities } from '../activities/release.ts';
import type { GateVerdict } from '../src/domain/health-gate.ts';
import { retryForever } from './kit/activity-options.ts';
import { now } from './kit/clock.ts';
import { showCurrentDetails } from './kit/details.ts';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import { historyShouldRoll, pollUntil } from './kit/wait.ts';
import { msToNumber } from '@temporalio/common/lib/time.js';
import {
  abortReleaseUpdate,
  approveRingUpdate,
  freezeOverriddenSignal,
  overrideFreezeUpdate,
  holdStoreSignal,
  NO_TARGETS,
  pauseReleaseUpdate,
  RELEASE_ROW_STATUS,
  RELEASE_STATUS,
  releaseProgressQuery,
  releaseStoreWorkflowId,
  releaseSummary,
  resumeReleaseUpdate,
  storeProgressSignal,
  supersedeSignal,
  type OperatorCommand,
  type ReleaseInput,
  type ReleaseProgress,
  type ReleaseResult,
  type ReleaseRing,
  type ReleaseStatus,
  type ReleaseStoreInput,
} from './release-contract.ts';
import { releaseStore } from './release-store.ts';
import { Package, ReleaseId, Ring, StoreId } from './search-attributes.ts';

const acts = proxyActivitiesByQueue<ReleaseActivities>({
  // Uploads carry the APK to each MDM (up to a few hundred MB): minutes, not seconds.
  startToCloseTimeout: '10 minutes',
  retry: retryForever('5 minutes'),
});

const FINISHED: ReadonlySet<ReleaseStatus> = new Set([RELEASE_STATUS.completed, RELEASE_STATUS.aborted, RELEASE_STATUS.superseded]);

export async function release(input: ReleaseInput): Promise<ReleaseResult> {
  const { releaseId, packageName, versionCode, policy } = input;
  const progress: ReleaseProgress = input.resume?.progress ?? {
    releaseId,
    packageName,
    versionCode,
    versionName: null,
    status: RELEASE_STATUS.preparing,
    ring: 0,
    rings: [],
    stores: {},
  };
  const approved = new Set(input.resume?.approvedRings ?? []);
  let abortBy: OperatorCommand | undefined;
  let supersededBy: string | undefined;
  let resumed = false;
  let paused = progress.status === RELEASE_STATUS.paused;
  const pending: { action: string; command: OperatorCommand }[] = [];

  setHandler(releaseProgressQuery, () => progress);
  setHandler(storeProgressSignal, (store) => void (progress.stores[store.storeId] = store));
  setHandler(supersedeSignal, ({ by }) => void (supersededBy = by));

  const command = (action: string, c: OperatorCommand) => {
    pending.push({ action, command: c });
    return progress;
  };
  const requireBy = (c: OperatorCommand) => {
    if (!c || typeof c.by !== 'string' || c.by.trim() === '') throw new Error('who asks (by) is required');
  };
  const requireOpen = () => {
    if (FINISHED.has(progress.status) || abortBy || supersededBy) throw new Error(`the release is ${progress.status}: nothing to change`);
  };
  setHandler(approveRingUpdate, (c) => (approved.add(c.ring), command('ring-approved', c)), {
    validator: (c) => {
      requireBy(c);
      requireOpen();
      const ring = progress.rings[c.ring - 1];
      if (!ring) throw new Error(`no ring ${c.ring}: the release has ${progress.rings.length}`);
      if (progress.status !== RELEASE_STATUS.awaitingApproval || progress.ring !== c.ring) throw new Error(`ring ${c.ring} is not waiting for approval`);
    },
  });
  setHandler(pauseReleaseUpdate, (c) => ((paused = true), command('paused', c)), {
    validator: (c) => {
      requireBy(c);
      requireOpen();
      if (paused || progress.status === RELEASE_STATUS.halted) throw new Error(`the release is already ${paused ? 'paused' : 'halted'}`);
    },
  });
  setHandler(resumeReleaseUpdate, (c) => ((paused = false), (resumed = true), command('resumed', c)), {
    validator: (c) => {
      requireBy(c);
      requireOpen();
      if (!paused && progress.status !== RELEASE_STATUS.halted) throw new Error('the release is neither paused nor halted');
    },
  });
  setHandler(
    overrideFreezeUpdate,
    async (c) => {
      command('freeze-overridden', c);
      await getExternalWorkflowHandle(releaseStoreWorkflowId(releaseId, c.storeId)).signal(freezeOverriddenSignal, { by: c.by, ...(c.reason ? { reason: c.reason } : {}) });
      return progress;
    },
    {
      validator: (c) => {
        requireBy(c);
        requireOpen();
        if (!c.reason || c.reason.trim() === '') throw new Error('a reason is required to override a freeze');
        const store = progress.stores[c.storeId];
        if (!store) throw new Error(`store ${c.storeId} does not get this release`);
        if (store.state === 'waiting' || store.state === 'done' || store.state === 'withdrawn')
          throw new Error(`store ${c.storeId} is ${store.state}: there is nothing to let through`);
      },
    },
  );
  setHandler(abortReleaseUpdate, (c) => ((abortBy = c), command('aborted', c)), {
    validator: (c) => {
      requireBy(c);
      requireOpen();
      if (!c.reason || c.reason.trim() === '') throw new Error('a reason is required to abort');
    },
  });

  // The Web UI's detail page: "com.retailco.stock 4.3.0 (43): ring 2 of 3, 31 of 90 stores", then
  // each ring; set at each change of status and each store done (no history event).
  const showDetails = () =>
    showCurrentDetails(
      releaseSummary(progress),
      progress.rings
        .map((r) => `ring ${r.number} (${r.name}): ${r.state}, ${r.stores.filter((s) => progress.stores[s]?.state === 'done').length} of ${r.stores.length} stores done`)
        .join('\n') + (progress.halt ? `\nhalted in ring ${progress.halt.ring}: ${progress.halt.reasons.join('; ')}` : ''),
    );
  const setStatus = async (status: ReleaseStatus) => {
    progress.status = status;
    showDetails();
    await acts.recordReleaseStatus({ releaseId, status: RELEASE_ROW_STATUS[status], ring: progress.ring });
  };
  /** Operators' commands, audited once each (their update id is the key). */
  const auditCommands = async () => {
    while (pending.length) {
      const { action, command: c } = pending.shift()!;
      await acts.auditReleaseCommand({
        releaseId,
        action,
        by: c.by,
        ...(c.reason ? { reason: c.reason } : {}),
        key: `${workflowInfo().runId}:${action}:${workflowInfo().historyLength}`,
      });
    }
  };
  const stopped = () => Boolean(abortBy || supersededBy);

  let rings: ReleaseRing[];
  let previousReleaseId: string | undefined;
  if (!input.resume) {
    const prepared = await acts.prepareRelease({ releaseId });
    progress.versionName = prepared.versionName;
    // Release notes go to the phones of an app people install themselves, and of a build with a feature they must know.
    if (!prepared.autoInstall || prepared.announce) progress.announce = true;
    previousReleaseId = prepared.previousReleaseId;
    let planned = (await acts.planReleaseRings({ stores: prepared.stores, policy })).map((r): ReleaseRing => ({ ...r, gated: true }));
    if (prepared.supersedes) {
      // The older build stops where it is; this one covers at once the rings it had reached.
      await getExternalWorkflowHandle(prepared.supersedes)
        .signal(supersedeSignal, { by: releaseId })
        .catch(() => undefined);
      const old = await pollUntil({
        check: async () => {
          const s = await acts.releaseStatus({ releaseId: prepared.supersedes! });
          return ['ROLLING_OUT', 'HALTED', 'PAUSED'].includes(s.status) ? undefined : s;
        },
        backoff: { first: '1 second', max: '1 minute' },
      });
      const reached = old.kind === 'ready' ? old.value.ringReached : 0;
      progress.tookOver = { releaseId: prepared.supersedes, ring: reached };
      if (reached > 1) planned = mergeFirst(planned, Math.min(reached, planned.length));
    }
    if (prepared.rollbackOf) {
      progress.rollbackOf = prepared.rollbackOf;
      const rollback: ReleaseRing = { number: 0, name: 'rollback', stores: prepared.stores, bakeMs: 0, needsApproval: false, gated: false, onlyAffectedBy: prepared.rollbackOf };
      planned = [rollback, ...planned];
    }
    rings = planned.map((r, i) => ({ ...r, number: i + 1 }));
    progress.rings = rings.map((r) => ({ number: r.number, name: r.name, stores: r.stores, state: 'waiting' }));
    for (const r of rings) for (const storeId of r.stores) progress.stores[storeId] ??= { storeId, ring: r.number, state: 'waiting', counts: NO_TARGETS };
  } else {
    rings = input.resume.rings;
    previousReleaseId = input.resume.previousReleaseId;
  }

  // The time-skipping test server has no custom search attributes: set them only where they are.
  const indexed = workflowInfo().typedSearchAttributes.get(Ring) !== undefined;
  const showRing = (n: number) => {
    if (indexed) upsertSearchAttributes([{ key: Ring, value: n }]);
  };

  for (let i = Math.max(0, progress.ring - 1); i < rings.length && !stopped(); i++) {
    const ring = rings[i]!;
    const view = progress.rings[i]!;
    if (view.state === 'healthy') continue;
    if (progress.ring !== ring.number) {
      progress.ring = ring.number;
      showRing(ring.number);
    }
    if (historyShouldRoll() && view.state === 'waiting') await rollOver();
    // A ring that needs an operator's approval waits for it (or an abort).
    if (policy.rings.approvalBefore.includes(ring.number) && !approved.has(ring.number)) {
      await setStatus(RELEASE_STATUS.awaitingApproval);
      await condition(() => approved.has(ring.number) || stopped());
      await auditCommands();
      if (stopped()) break;
    }
    await waitWhilePaused();
    if (stopped()) break;

    // The ring's stores, one child each; an abort or a newer build cancels them.
    await setStatus(RELEASE_STATUS.rollingOut);
    view.state = 'rolling-out';
    view.startedAt ??= now();
    const scope = new CancellationScope();
    const children: ChildWorkflowHandle<typeof releaseStore>[] = [];
    // A store's state: rolling out from its start, done with its result (its counts with it).
    for (const storeId of ring.stores) progress.stores[storeId] = { ...progress.stores[storeId]!, state: 'rolling-out' };
    const done = scope.run(async () => {
      for (const storeId of ring.stores) {
        const child: ReleaseStoreInput = {
          releaseId,
          storeId,
          ring: ring.number,
          policy,
          ...(ring.onlyAffectedBy ? { onlyAffectedBy: ring.onlyAffectedBy } : {}),
          ...(progress.announce ? { announce: true } : {}),
        };
        children.push(
          await startChild(releaseStore, {
            workflowId: releaseStoreWorkflowId(releaseId, storeId),
            args: [child],
            staticSummary: `${releaseId}: store ${storeId}, ring ${ring.number}`,
            // Found by store (a freeze declared there wakes it) where the server has the attributes.
            ...(indexed
              ? {
                  typedSearchAttributes: [
                    { key: StoreId, value: storeId },
                    { key: Package, value: packageName },
                    { key: ReleaseId, value: releaseId },
                  ],
                }
              : {}),
          }),
        );
      }
      return Promise.all(
        children.map((c) =>
          c.result().then((r) => {
            progress.stores[r.storeId] = { ...progress.stores[r.storeId]!, state: 'done', counts: r.counts };
            showDetails();
          }),
        ),
      );
    });
    let holding = false;
    const rolledOut = done.then(
      () => true,
      (err: unknown) => {
        if (isCancellation(err)) return false;
        throw err;
      },
    );
    let finished = false;
    void rolledOut.then((ok) => (finished = ok || finished));
    for (;;) {
      await condition(() => finished || stopped() || paused !== holding);
      await auditCommands();
      if (stopped()) {
        scope.cancel();
        await rolledOut.catch(() => false);
        break;
      }
      if (paused !== holding) {
        holding = paused;
        progress.status = paused ? RELEASE_STATUS.paused : RELEASE_STATUS.rollingOut;
        await setStatus(progress.status);
        for (const c of children) await getExternalWorkflowHandle(c.workflowId).signal(holdStoreSignal, holding);
        continue;
      }
      if (finished) break;
    }
    if (stopped()) break;
    await rolledOut;
    view.rolledOutAt = now();

    // Bake, then the gate: the new version in this ring against the previous one.
    if (!ring.gated) {
      view.state = 'healthy';
      continue;
    }
    await setStatus(RELEASE_STATUS.baking);
    view.state = 'baking';
    const verdict = await bakeAndJudge(ring, Date.parse(view.startedAt));
    if (!verdict) break; // stopped while baking
    view.verdict = verdict;
    if (verdict.verdict === 'unhealthy') {
      view.state = 'unhealthy';
      progress.halt = { ring: ring.number, reasons: verdict.reasons, at: now() };
      // The release team hears of it before anyone sees it halted.
      await acts.reportReleaseHalt({ releaseId, ring: ring.number, storeId: ring.stores[0]!, reasons: verdict.reasons });
      await setStatus(RELEASE_STATUS.halted);
      // Waits for an operator: resume (the gate overridden) or abort.
      resumed = false;
      while (!resumed && !stopped()) {
        await condition(() => resumed || stopped(), policy.operatorWait);
        if (!resumed && !stopped() && historyShouldRoll()) await rollOver();
      }
      await auditCommands();
      if (stopped()) break;
      view.state = 'healthy';
      delete progress.halt;
      continue;
    }
    view.state = 'healthy';
  }

  await auditCommands();
  if (abortBy) {
    await withdrawEverywhere();
    progress.affectedPhones = await acts.countInstalled({ releaseId });
    await setStatus(RELEASE_STATUS.aborted);
  } else if (supersededBy) {
    await withdrawEverywhere();
    progress.supersededBy = supersededBy;
    await setStatus(RELEASE_STATUS.superseded);
  } else {
    progress.tagged = await acts.tagRelease({ releaseId });
    await setStatus(RELEASE_STATUS.completed);
  }
  await condition(allHandlersFinished);
  const installed = await acts.countInstalled({ releaseId });
  return {
    releaseId,
    status: progress.status,
    ring: progress.ring,
    installed,
    ...(progress.affectedPhones !== undefined ? { affectedPhones: progress.affectedPhones } : {}),
  };

  async function waitWhilePaused(): Promise<void> {
    if (!paused) return;
    await setStatus(RELEASE_STATUS.paused);
    while (paused && !stopped()) {
      await condition(() => !paused || stopped(), policy.operatorWait);
      if (paused && !stopped() && historyShouldRoll()) await rollOver();
    }
    await auditCommands();
  }

  /** Bakes the ring, reading its health meanwhile (unhealthy halts at once); undefined if stopped. */
  async function bakeAndJudge(ring: ReleaseRing, since: number): Promise<GateVerdict | undefined> {
    const bakeEnd = Date.now() + ring.bakeMs;
    const pollMs = msToNumber(policy.healthPoll);
    for (;;) {
      // The ring's stores are done: a ring smaller than the gate's install count is judged on what it has.
      const verdict = await acts.judgeReleaseRing({ releaseId, stores: ring.stores, since, policy, ringSettled: true, ...(previousReleaseId ? { previousReleaseId } : {}) });
      if (verdict.verdict === 'unhealthy') return verdict;
      if (verdict.verdict === 'healthy' && Date.now() >= bakeEnd) return verdict;
      const wait = verdict.verdict === 'healthy' ? bakeEnd - Date.now() : pollMs;
      await condition(stopped, Math.max(1_000, Math.min(wait, pollMs)));
      await auditCommands();
      if (stopped()) return undefined;
      await waitWhilePaused();
    }
  }

  /** Every store the release reached: what has not started downloading is withdrawn at the MDM. */
  async function withdrawEverywhere(): Promise<void> {
    for (const store of Object.values(progress.stores)) {
      if (store.state === 'waiting') continue;
      store.counts = await acts.withdrawReleaseStore({ releaseId, storeId: store.storeId, replan: false });
      store.state = 'withdrawn';
    }
  }

  function rollOver(): Promise<never> {
    return continueAsNew<typeof release>({ ...input, resume: { progress, approvedRings: [...approved], rings, ...(previousReleaseId ? { previousReleaseId } : {}) } });
  }
}

/** The first `n` rings as one (a newer build taking over the rings its predecessor had reached). */
function mergeFirst(rings: ReleaseRing[], n: number): ReleaseRing[] {
  const first = rings.slice(0, n);
  const merged: ReleaseRing = { ...first[n - 1]!, stores: first.flatMap((r) => r.stores) };
  return [merged, ...rings.slice(n)];
}
