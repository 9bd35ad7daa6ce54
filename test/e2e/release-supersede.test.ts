// A release whose worker is killed mid-rollout, a retried Jenkins publish, an operator's approval,
// and a newer build superseding a running release (issue 9 §1, §3): on the dev server, the worker
// in a process of its own so it can be SIGKILLed. Ring 2 needs an operator's approval here.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseProgress } from '../../workflows/release-contract.ts';
import { recording, saveHistories } from '../support/histories.ts';
import { eventually, FAST_POLICY, FAST_RELEASE_POLICY, startHarness, type Harness } from '../support/harness.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'apk');
const PACKAGE = 'com.retailco.stock';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    fleet: { stores: 4, employeesPerStore: 10, stockPerStore: 1 },
    workerProcess: true,
    policy: { ...FAST_POLICY, release: { ...FAST_RELEASE_POLICY, rings: { ...FAST_RELEASE_POLICY.rings, approvalBefore: [2] } } },
  });
  for (const store of h.fleet.stores) {
    expect((await h.call('PATCH', `/stores/${store.id}/settings`, { uplinkMbps: 1, updateSharePercent: 50 })).status).toBe(200);
    h.sims.mdm[store.mdmProvider].apps.setStoreLink(store.id, { uplinkMbps: 1, phoneMbps: 0.1 });
  }
  // HR planned no shifts here: the stores' opening hours stand in (the fleet's are 08:00-22:00 or so); nobody is at work at night.
  await h.db.plannedShift.deleteMany({});
}, 120_000);
afterAll(async () => h?.close());

function publish(name: string) {
  const bytes = fs.readFileSync(path.join(FIXTURES, `${name}.apk`));
  return fetch(`${h.api}/releases?${new URLSearchParams({ commit: 'a1b2c3d', sha256: crypto.createHash('sha256').update(bytes).digest('hex') })}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/vnd.android.package-archive' },
    body: bytes,
  });
}

const progressOf = async (id: string): Promise<ReleaseProgress | undefined> => (await (await h.call('GET', `/releases/${id}`)).json()).progress;
const untilStatus = (id: string, status: string, timeoutMs = 120_000) =>
  eventually(
    async () => {
      const p = await progressOf(id);
      return p?.status === status ? p : undefined;
    },
    `${id} ${status}`,
    timeoutMs,
  );

/** Install commands the MDMs received per phone for the version. */
function installCommands(versionCode: number): number[] {
  const counts: number[] = [];
  for (const mdm of Object.values(h.sims.mdm)) {
    const version = mdm.apps.listVersions().find((v) => v.packageName === PACKAGE && v.versionCode === versionCode);
    if (version) for (const t of mdm.apps.statuses(version.appVersionId)) counts.push(mdm.apps.installCommandsFor(version.appVersionId, t.deviceId));
  }
  return counts;
}

describe('a release under a killed worker, a retried publish and a newer build', () => {
  it('survives a worker killed mid-rollout without any phone hearing twice; a retried publish starts nothing; ring 2 waits for approval', async () => {
    const first = await publish('stock-43');
    expect(first.status).toBe(201);
    const releaseId = `release-${PACKAGE}-43`;
    const { runId } = await h.client.workflow.getHandle(releaseId).describe();
    // Jenkins retries its stage: the same release back, the same run.
    const again = await publish('stock-43');
    expect(again.status).toBe(200);
    expect(((await again.json()) as { release: { id: string } }).release.id).toBe(releaseId);
    expect((await h.client.workflow.getHandle(releaseId).describe()).runId).toBe(runId);

    // Killed once the first batches are with the MDM.
    await eventually(async () => ((await h.db.releaseTarget.count({ where: { releaseId, status: { not: 'PLANNED' } } })) > 0 ? true : undefined), 'first batch assigned', 120_000);
    await h.killWorker();

    // An activity the killed worker had in flight is retried once its start-to-close timeout
    // (2 minutes for a store's MDM calls) has passed: the release may stand still that long.
    const waiting = await untilStatus(releaseId, 'awaiting-approval', 300_000);
    expect(waiting.ring).toBe(2);
    expect(waiting.rings[0]!.state).toBe('healthy');
    const commands = installCommands(43);
    expect(commands.length).toBe(await h.db.releaseTarget.count({ where: { releaseId, ring: 1, status: { not: 'UNPLACED' } } }));
    expect(commands.every((n) => n === 1)).toBe(true);

    // Approving a ring that is not waiting is refused by the workflow's validator.
    const wrong = await h.call('POST', `/releases/${releaseId}/approve`, { ring: 3 });
    expect(wrong.status).toBe(409);
    expect(JSON.stringify(await wrong.json())).toMatch(/no ring 3/);
  }, 420_000);

  it('a newer build published while the release waits supersedes it: the old one stops where it is, the new one covers the rings it had reached at once', async () => {
    const res = await publish('stock-44');
    expect(res.status).toBe(201);
    const old = await untilStatus(`release-${PACKAGE}-43`, 'superseded');
    expect(old.supersededBy).toBe(`release-${PACKAGE}-44`);
    const done = await untilStatus(`release-${PACKAGE}-44`, 'completed');
    expect(done.tookOver).toEqual({ releaseId: `release-${PACKAGE}-43`, ring: 2 });
    // Ring 1 of the new build is the two rings the old one had reached: every store.
    expect(done.rings[0]!.stores.length).toBe(4);
    // The last store never got 4.3; it got 4.4 like every other.
    const lastStore = h.fleet.stores[3]!.id;
    expect(await h.db.releaseTarget.count({ where: { releaseId: `release-${PACKAGE}-43`, storeId: lastStore } })).toBe(0);
    expect(await h.db.releaseTarget.count({ where: { releaseId: `release-${PACKAGE}-44`, storeId: lastStore, status: 'INSTALLED' } })).toBeGreaterThan(0);
    expect((await h.db.release.findUniqueOrThrow({ where: { id: `release-${PACKAGE}-43` } })).status).toBe('SUPERSEDED');
    if (recording) {
      await saveHistories(h.client, `release-${PACKAGE}-43`, 'release-worker-killed-superseded');
      await saveHistories(h.client, `release-${PACKAGE}-44`, 'release-took-over');
    }
  }, 240_000);
});
