// The release process end to end (issue 9 §3-5): builds published over the API reach every phone
// whose role has the app, store by store through the MDM simulators' app distribution, on the
// real Temporal dev server. Four stores (the first three are the pilot ring), each on a modelled
// 1 Mbit/s link of which releases may use half; every holder is on shift for the next 30 s.
// Proven: no install during a holder's shift; traffic never above a store's share; a store
// frozen at the start gets the version only after the freeze, and a freeze declared mid-rollout
// holds the store's next batch; a ring that crashes more than the previous version halts by
// itself and tells the release team; an abort lists the phones that installed the bad build,
// and the rollback release reaches exactly those phones first.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { RETAILCO_RELEASE_KEY } from '../../src/domain/roles.ts';
import { releaseName } from '../../src/systems/crash-reporter/api.ts';
import type { MdmDeviceState } from '../../src/systems/shared/mdm-devices.ts';
import type { ReleaseProgress } from '../../workflows/release-contract.ts';
import { eventually, RELEASE_TEAM_MAILBOX, startHarness, type Harness } from '../support/harness.ts';
import { startNotificationDelivery } from '../../workflows/notification-delivery-contract.ts';
import { recording, saveHistories } from '../support/histories.ts';
import { runPhonefleet } from '../support/cli.ts';
import { releaseStoreWorkflowId } from '../../workflows/release-contract.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'apk');
const apk = (name: string) => fs.readFileSync(path.join(FIXTURES, `${name}.apk`));
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const PACKAGE = 'com.retailco.stock';
const SHIFT_MS = 30_000;
/** The store link the simulators model and the part releases may use. */
const LINK = { uplinkMbps: 1, sharePercent: 50, phoneMbps: 0.1 };

let h: Harness;
let shiftEnd = 0;
/** Jenkins' token: the release scope only. */
const JENKINS_TOKEN = 'tok-jenkins-release';

/** `phonefleet <args>` (the CLI a pipeline runs) against the harness's API; its exit code and output. */
const phonefleet = (args: string[]) => runPhonefleet(h, args, { timeoutMs: 150_000 });

beforeAll(async () => {
  h = await startHarness({
    fleet: { stores: 4, employeesPerStore: 12, stockPerStore: 1 },
    tokens: new Map([[JENKINS_TOKEN, { name: 'jenkins', scopes: ['release'] }]]),
  });
  // The deliverer that e-mails the release team when a release halts.
  await startNotificationDelivery(h.client, h.taskQueue, { pollIntervalMs: 2_000 });
  // The reference data registers the app with the roles that have it (most of them).
  expect(await h.db.app.findUnique({ where: { packageName: PACKAGE } })).toMatchObject({ signingCertSha256: RETAILCO_RELEASE_KEY, autoInstall: true });
  for (const store of h.fleet.stores) {
    expect((await h.call('PATCH', `/stores/${store.id}/settings`, { uplinkMbps: LINK.uplinkMbps, updateSharePercent: LINK.sharePercent })).status).toBe(200);
    h.sims.mdm[store.mdmProvider].apps.setStoreLink(store.id, { uplinkMbps: LINK.uplinkMbps, phoneMbps: LINK.phoneMbps });
  }
}, 120_000);
afterAll(async () => h?.close());

/** The phones a release of the app reaches: in use by someone whose role has the app. */
async function targetPhones() {
  return h.db.device.findMany({
    where: { state: 'IN_USE', employee: { role: { apps: { some: { packageName: PACKAGE } } } } },
    select: { imei: true, storeId: true, employeeId: true, mdmProvider: true },
  });
}

/** Every holder is on shift from now for SHIFT_MS: in HR's plan (phonefleet's copy) and in the store (the MDM simulators' presence). */
async function everyoneOnShift() {
  const now = Date.now();
  shiftEnd = now + SHIFT_MS;
  const phones = await targetPhones();
  await h.db.plannedShift.deleteMany({});
  await h.db.plannedShift.createMany({ data: phones.map((p) => ({ employeeId: p.employeeId!, startsAt: new Date(now - 3_600_000), endsAt: new Date(shiftEnd) })) });
  for (const p of phones) {
    const mdm = h.sims.mdm[p.mdmProvider];
    mdm.apps.setPresence(mdm.devices.enrolledByImei(p.imei)!.deviceId, [{ from: now - 3_600_000, until: shiftEnd }]);
  }
}

async function publish(name: string, token = h.token) {
  const bytes = apk(name);
  const res = await fetch(`${h.api}/releases?${new URLSearchParams({ commit: 'a1b2c3d', sha256: sha(bytes) })}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.android.package-archive' },
    body: bytes,
  });
  expect(res.status).toBeLessThan(300);
  return ((await res.json()) as { release: { id: string } }).release.id;
}

async function progressOf(releaseId: string): Promise<ReleaseProgress> {
  const res = await h.call('GET', `/releases/${releaseId}`);
  expect(res.status).toBe(200);
  const body = await res.json();
  return body.progress;
}

const untilStatus = (releaseId: string, status: string, timeoutMs = 90_000) =>
  eventually(async () => ((await progressOf(releaseId))?.status === status ? progressOf(releaseId) : undefined), `${releaseId} ${status}`, timeoutMs);

/** `at` on the store's wall clock, HH:MM. */
const wallClock = (at: number, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at));

/** Each MDM device that has the app's version `versionCode` installed, with its install event. */
function installsOf(versionCode: number): { device: MdmDeviceState; at: number }[] {
  const found: { device: MdmDeviceState; at: number }[] = [];
  for (const mdm of Object.values(h.sims.mdm)) {
    for (const device of mdm.devices.list()) {
      const event = device.events.find((e) => e.type === 'APP_INSTALLED' && e.value === `${PACKAGE}:${versionCode}`);
      if (event) found.push({ device, at: Date.parse(event.at) });
    }
  }
  return found;
}

/** The simulator's record of every download of the version, by IMEI. */
function downloadsOf(versionCode: number) {
  const out = new Map<string, { startedAt: number; installCommands: number }>();
  for (const mdm of Object.values(h.sims.mdm)) {
    const version = mdm.apps.listVersions().find((v) => v.packageName === PACKAGE && v.versionCode === versionCode);
    if (!version) continue;
    for (const t of mdm.apps.statuses(version.appVersionId)) {
      const imei = mdm.devices.byId(t.deviceId)!.imei;
      out.set(imei, { startedAt: t.downloadStartedAt ?? Infinity, installCommands: mdm.apps.installCommandsFor(version.appVersionId, t.deviceId) });
    }
  }
  return out;
}

describe('a release across the stores', () => {
  let frozenUntil = 0;
  let midFreezeUntil = 0;

  it('reaches every phone with the app, installs only after the holder’s shift (inside the window where a store has one), keeps each store link within its share, and tags nothing without a repository', async () => {
    await everyoneOnShift();
    const [s1, s2, s3] = h.fleet.stores.map((s) => s.id);
    // Store 1 installs only inside its install window: from a whole minute at least 20 s after the
    // shifts end (so an install at the end of the shift is outside it), for three minutes (store time).
    const windowFrom = Math.ceil((shiftEnd + 20_000) / 60_000) * 60_000;
    const windowUntil = windowFrom + 3 * 60_000;
    const installWindow = { from: wallClock(windowFrom, h.fleet.stores[0]!.timeZone), until: wallClock(windowUntil, h.fleet.stores[0]!.timeZone) };
    expect((await h.call('PATCH', `/stores/${s1}/settings`, { installWindow })).status).toBe(200);
    // Store 3 is counting its stock for the next 8 s: it gets nothing until then.
    frozenUntil = Date.now() + 8_000;
    expect(
      (await h.call('POST', `/stores/${s3}/freezes`, { startsAt: new Date(Date.now() + 500).toISOString(), endsAt: new Date(frozenUntil).toISOString(), reason: 'inventory' }))
        .status,
    ).toBe(201);
    const releaseId = await publish('stock-43');
    expect(releaseId).toBe(`release-${PACKAGE}-43`);

    // A freeze declared in store 2 once its first batch is under way holds its next batches.
    const store2Phones = new Set((await targetPhones()).filter((p) => p.storeId === s2).map((p) => p.imei));
    await eventually(async () => ([...downloadsOf(43)].some(([imei, d]) => store2Phones.has(imei) && d.startedAt <= Date.now()) ? true : undefined), 'store 2 downloading');
    const declaredAt = Date.now();
    midFreezeUntil = declaredAt + 10_000;
    expect(
      (await h.call('POST', `/stores/${s2}/freezes`, { startsAt: new Date(declaredAt + 200).toISOString(), endsAt: new Date(midFreezeUntil).toISOString(), reason: 'spot check' }))
        .status,
    ).toBe(201);

    const done = await untilStatus(releaseId, 'completed', 120_000);
    expect(done.rings.map((r) => r.stores.length)).toEqual([3, 1]);
    expect(done.rings.every((r) => r.state === 'healthy')).toBe(true);
    expect(done.tagged).toBe(false);
    // The Web UI's detail page says where it stands.
    const details = (await h.client.workflow.getHandle(releaseId).query(workflowMetadataQuery)).currentDetails ?? '';
    expect(details).toMatch(
      /^com\.retailco\.stock 4\.3\.0 \(43\): ring 2 of 2, 4 of 4 stores \(completed\)\n\nring 1 \(pilot\): healthy, 3 of 3 stores done\nring 2 \(early\): healthy, 1 of 1 stores done$/,
    );

    const phones = await targetPhones();
    const installs = installsOf(43);
    expect(installs.map((i) => i.device.imei).sort()).toEqual(phones.map((p) => p.imei).sort());
    // Nobody's phone installed during their shift; store 1's only inside its window.
    for (const i of installs) expect(i.at).toBeGreaterThanOrEqual(shiftEnd);
    const store1 = new Set(phones.filter((p) => p.storeId === s1).map((p) => p.imei));
    const inStore1 = installs.filter((i) => store1.has(i.device.imei));
    expect(inStore1).toHaveLength(store1.size);
    for (const i of inStore1) expect(i.at >= windowFrom && i.at < windowUntil, `${new Date(i.at).toISOString()} in ${installWindow.from}-${installWindow.until}`).toBe(true);
    // The other stores did not wait for it.
    expect(installs.filter((i) => !store1.has(i.device.imei)).some((i) => i.at < windowFrom)).toBe(true);
    expect((await h.call('PATCH', `/stores/${s1}/settings`, { installWindow: null })).status).toBe(200);

    const downloads = downloadsOf(43);
    // Store 3 downloaded nothing before its freeze ended.
    for (const p of phones.filter((x) => x.storeId === s3)) expect(downloads.get(p.imei)!.startedAt).toBeGreaterThanOrEqual(frozenUntil);
    // Store 2: some phones started before the freeze, the rest only after it.
    const store2 = phones.filter((x) => x.storeId === s2).map((p) => downloads.get(p.imei)!.startedAt);
    expect(store2.some((t) => t < declaredAt)).toBe(true);
    expect(store2.some((t) => t >= midFreezeUntil)).toBe(true);
    expect(store2.every((t) => t < declaredAt + 200 || t >= midFreezeUntil)).toBe(true);

    // Each store link carried at most the share releases may use. The pilot stores downloaded
    // during the shift, over the store's Wi-Fi; the last ring's phones had gone home by then, and
    // the small APK came over mobile data.
    for (const [i, store] of h.fleet.stores.entries()) {
      const link = h.sims.mdm[store.mdmProvider].apps.linkOf(store.id)!;
      if (i < 3) expect(link.peakMbps()).toBeGreaterThan(0);
      else expect(link.peakMbps()).toBe(0);
      expect(link.peakMbps()).toBeLessThanOrEqual((LINK.uplinkMbps * LINK.sharePercent) / 100 + 1e-9);
    }
    // One install command per phone.
    for (const d of downloads.values()) expect(d.installCommands).toBe(1);
    const release = await h.db.release.findUniqueOrThrow({ where: { id: releaseId } });
    expect(release.status).toBe('COMPLETED');
    if (recording) {
      await saveHistories(h.client, releaseId, 'release-completed-with-freezes');
      await saveHistories(h.client, releaseStoreWorkflowId(releaseId, s2!), 'release-store-freeze-mid-rollout');
    }
  }, 180_000);

  it('a build that crashes more than the last halts in the pilot ring by itself, tells the release team, and an abort lists the phones that have it', async () => {
    await everyoneOnShift();
    const pilot = h.fleet.stores.slice(0, 3).map((s) => s.id);
    // The apps' crash reports: 4.3.0 crash-free 99.8 %, the new build 90 % in the pilot stores.
    for (const storeId of pilot) {
      h.sims.crashReporter.recordSessions({ release: releaseName(PACKAGE, '4.3.0', 43), storeId, sessions: 1000, crashed: 2, anr: 0 });
      h.sims.crashReporter.recordSessions({ release: releaseName(PACKAGE, '4.4.0', 44), storeId, sessions: 1000, crashed: 100, anr: 0 });
    }
    const releaseId = await publish('stock-44');
    // The pipeline waits for the pilot ring: the CLI exits non-zero when the release halts.
    const waited = phonefleet(['release', 'wait', releaseId, '--ring', '1']);
    const halted = await untilStatus(releaseId, 'halted', 120_000);
    const run = await waited;
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/halted/);
    expect((await phonefleet(['release', 'status', releaseId])).stdout).toMatch(/ring 1 of 2.*\n.*\n.*halted in ring 1: crash-free sessions 90 %/s);
    expect(halted.ring).toBe(1);
    expect(halted.halt!.reasons.join(' ')).toMatch(/crash-free sessions 90 %/);
    const task = await h.db.supportTask.findFirst({ where: { kind: 'release-halted' } });
    expect(task?.summary).toContain(releaseId);
    // And the team's mailbox has it, once, saying what to do.
    const mail = await eventually(async () => {
      const messages = (await (await fetch(`${h.sims.urls.smtp}/_sim/messages`)).json()) as { to: string[]; subject: string; text: string; accepted: number }[];
      return messages.find((m) => m.to.includes(RELEASE_TEAM_MAILBOX) && m.text.includes(releaseId));
    }, 'the release team e-mailed');
    expect(mail.subject).toBe('RetailCo: A release halted');
    expect(mail.text).toContain(`phonefleet release abort ${releaseId}`);
    expect(mail.accepted).toBe(1);
    // Ring 2 got nothing.
    const ring2 = h.fleet.stores[3]!.id;
    const phones = await targetPhones();
    const downloads = downloadsOf(44);
    for (const p of phones.filter((x) => x.storeId === ring2)) expect(downloads.has(p.imei)).toBe(false);

    // Abort: without a reason refused (the validator), with one done.
    expect((await h.call('POST', `/releases/${releaseId}/abort`, {})).status).toBe(400);
    const aborted = await h.call('POST', `/releases/${releaseId}/abort`, { reason: 'crashes on barcode scan' });
    expect(aborted.status).toBe(200);
    const final = await untilStatus(releaseId, 'aborted');
    const affected = (await (await h.call('GET', `/releases/${releaseId}/affected-phones`)).json()).phones as { imei: string; storeId: string }[];
    expect(final.affectedPhones).toBe(affected.length);
    expect(affected.map((p) => p.imei).sort()).toEqual(
      phones
        .filter((p) => pilot.includes(p.storeId))
        .map((p) => p.imei)
        .sort(),
    );
    expect((await h.call('POST', `/releases/${releaseId}/resume`, {})).status).toBe(409);
    const audited = await h.db.auditLog.findMany({ where: { action: { in: ['release.halted', 'release.aborted'] } } });
    expect(audited.map((a) => a.action).sort()).toEqual(['release.aborted', 'release.halted']);
    if (recording) await saveHistories(h.client, releaseId, 'release-halted-aborted');
  }, 180_000);

  it('the rollback build reaches the phones that installed the aborted one first, without bake, then the rest', async () => {
    await everyoneOnShift();
    const affected = new Set((await h.db.releaseTarget.findMany({ where: { releaseId: `release-${PACKAGE}-44`, status: 'INSTALLED' } })).map((t) => t.imei));
    const releaseId = await publish('stock-45-rotated');
    const waited = await phonefleet(['release', 'wait', releaseId]);
    expect(waited.code, waited.stderr).toBe(0);
    const done = await untilStatus(releaseId, 'completed', 120_000);
    expect(done.rollbackOf).toBe(`release-${PACKAGE}-44`);
    expect(done.rings[0]!.name).toBe('rollback');
    const rows = await h.db.releaseTarget.findMany({ where: { releaseId } });
    expect(new Set(rows.filter((r) => r.ring === 1).map((r) => r.imei))).toEqual(affected);
    // Every phone has it once, the affected ones in the first ring only.
    expect(rows.length).toBe((await targetPhones()).length);
    expect(rows.every((r) => r.status === 'INSTALLED')).toBe(true);
  }, 180_000);

  it("an emergency lets a release through a store's freeze: operations only, with a reason, audited", async () => {
    await everyoneOnShift();
    const s1 = h.fleet.stores[0]!.id;
    const now = Date.now();
    expect(
      (await h.call('POST', `/stores/${s1}/freezes`, { startsAt: new Date(now + 300).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), reason: 'inventory' })).status,
    ).toBe(201);
    const releaseId = await publish('price-7', JENKINS_TOKEN);
    await eventually(async () => ((await progressOf(releaseId))?.stores[s1]?.state === 'waiting-for-freeze' ? true : undefined), 'store 1 held by its freeze');
    const asJenkins = (body: unknown) =>
      fetch(`${h.api}/releases/${releaseId}/override-freeze`, {
        method: 'POST',
        headers: { authorization: `Bearer ${JENKINS_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await asJenkins({ storeId: s1, reason: 'price error at the tills' })).status).toBe(403);
    expect((await h.call('POST', `/releases/${releaseId}/override-freeze`, { storeId: s1 })).status).toBe(400);
    expect((await h.call('POST', `/releases/${releaseId}/override-freeze`, { storeId: 'S999', reason: 'x' })).status).toBe(409);
    expect((await h.call('POST', `/releases/${releaseId}/override-freeze`, { storeId: s1, reason: 'price error at the tills' })).status).toBe(200);
    await untilStatus(releaseId, 'completed', 120_000);
    const store1 = await h.db.releaseTarget.findMany({ where: { releaseId, storeId: s1 } });
    expect(store1.length).toBeGreaterThan(0);
    expect(store1.every((t) => t.status === 'INSTALLED')).toBe(true);
    const audit = await h.db.auditLog.findFirst({ where: { action: 'release.freeze-overridden' } });
    expect(audit?.details).toMatchObject({ releaseId, by: 'api:test-operator', reason: 'price error at the tills' });
  }, 180_000);
});
