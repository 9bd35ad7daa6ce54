// A store's release plan as the activity writes it (activities/release.ts planReleaseStore),
// against PostgreSQL: installs inside the store's install window and outside the holder's
// shifts, at once for a critical app; two releases at once share the store's budget (the
// downloads of the first hold their slots); a plan is written once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReleaseActivities } from '../../activities/release.ts';
import type { Db } from '../../src/db/client.ts';
import { seedReferenceData } from '../../src/db/seed.ts';
import { dailyStretches } from '../../src/domain/install-moments.ts';
import { DEFAULT_RELEASE_POLICY } from '../../src/release/policy.ts';
import type { ReleasePolicy } from '../../workflows/release-contract.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let test: TestDatabase;
let db: Db;
const N = 8;
/** A sales advisor's position: the role has Stock Lookup. */
const POSITION = 'POS-SALE-01';
const HOUR = 3_600_000;
const k = (i: number) => String(i).padStart(4, '0');
const POLICY: ReleasePolicy = { ...DEFAULT_RELEASE_POLICY, phoneMbps: 10, batchSpan: '1 hour', planHorizon: '3 days' };
// A plan's activities that never reach the MDM or the crash reporter.
const activities = () => createReleaseActivities({ db, mdm: {} as never, crashReporter: {} as never });
let shiftEnd = 0;
let shiftsOf: (now: number) => { from: number; until: number }[] = () => [];

beforeAll(async () => {
  test = await createTestDatabase();
  db = test.db.prisma;
  await seedReferenceData(db);
  // 20 Mbit/s, 50 % for updates: one 10 Mbit/s phone at a time.
  await db.store.create({ data: { id: 'S001', name: 'Store One', timeZone: 'Europe/Moscow', uplinkMbps: 20, updateSharePercent: 50, supportPhone: '+74950000001' } });
  const now = Date.now();
  shiftEnd = now + 10 * HOUR;
  shiftsOf = () => [
    { from: now - HOUR, until: shiftEnd },
    { from: now + 24 * HOUR, until: now + 32 * HOUR },
  ];
  for (let i = 1; i <= N; i++) {
    const id = `PLAN${k(i)}`;
    await db.employee.create({ data: { id, storeId: 'S001', roleCode: 'SALES_ADVISOR', position: POSITION, status: 'ACTIVE', startDate: new Date('2026-01-01') } });
    await db.device.create({
      data: {
        imei: `3599990200${k(i)}0`,
        serial: id,
        model: 'SM-A256',
        storeId: 'S001',
        state: 'IN_USE',
        employeeId: id,
        mdmDeviceId: `KM${k(i)}`,
        leaseContract: 'L',
        warrantyUntil: new Date('2028-01-01'),
      },
    });
    // Everyone on shift now for 10 hours, and again tomorrow.
    await db.plannedShift.createMany({
      data: [
        { employeeId: id, startsAt: new Date(now - HOUR), endsAt: new Date(shiftEnd) },
        { employeeId: id, startsAt: new Date(now + 24 * HOUR), endsAt: new Date(now + 32 * HOUR) },
      ],
    });
  }
  const release = (id: string, versionCode: number, sizeBytes: number) => ({
    id,
    packageName: 'com.retailco.stock',
    versionCode,
    sha256: 'a'.repeat(64),
    sizeBytes,
    commit: 'abc1234',
    scheme: 'v2',
    signerCertSha256: 'b'.repeat(64),
    minSdk: 26,
    targetSdk: 34,
    publishedBy: 'test',
  });
  // 100 MB (too big for mobile data): 80 s a phone at 10 Mbit/s.
  await db.release.createMany({ data: [release('rel-a', 100, 100_000_000), release('rel-b', 101, 100_000_000), release('rel-c', 102, 100_000_000)] });
});
afterAll(async () => test?.drop());

describe("a store's release plan", () => {
  it("installs inside the store's window, outside the holder's shift", async () => {
    await db.store.update({ where: { id: 'S001' }, data: { installWindowFrom: '02:00', installWindowUntil: '05:00' } });
    const plan = await activities().planReleaseStore({ releaseId: 'rel-a', storeId: 'S001', ring: 1, policy: POLICY });
    expect(plan.targets).toBe(N);
    expect(plan.unplaced).toBe(0);
    const rows = await db.releaseTarget.findMany({ where: { releaseId: 'rel-a' } });
    const windows = dailyStretches({ from: '02:00', until: '05:00' }, 'Europe/Moscow', Date.now(), 5);
    for (const r of rows) {
      const at = r.installAt.getTime();
      expect(windows.some((w) => w.from <= at && at < w.until)).toBe(true);
      expect(shiftsOf(Date.now()).some((s) => s.from <= at && at < s.until)).toBe(false);
      expect(at).toBeGreaterThan(r.downloadAt.getTime());
    }
    // A second call (a retry, or the workflow after continue-as-new) reads the plan back.
    expect((await activities().planReleaseStore({ releaseId: 'rel-a', storeId: 'S001', ring: 1, policy: POLICY })).targets).toBe(N);
    expect(await db.releaseTarget.count({ where: { releaseId: 'rel-a' } })).toBe(N);
  });

  it("shares the store's budget with a release already downloading there", async () => {
    // rel-a's downloads are with the MDM: they hold the one slot the link's share allows.
    await db.releaseTarget.updateMany({ where: { releaseId: 'rel-a' }, data: { status: 'ASSIGNED' } });
    await activities().planReleaseStore({ releaseId: 'rel-b', storeId: 'S001', ring: 1, policy: POLICY });
    const downloadMs = (100_000_000 * 8) / (POLICY.phoneMbps * 1_000);
    const all = await db.releaseTarget.findMany({ where: { releaseId: { in: ['rel-a', 'rel-b'] } } });
    for (const t of all) {
      const at = t.downloadAt.getTime();
      const running = all.filter((o) => o.downloadAt.getTime() <= at && at < o.downloadAt.getTime() + downloadMs);
      expect(running.length).toBeLessThanOrEqual(1);
    }
    await db.releaseTarget.updateMany({ where: { releaseId: { in: ['rel-a', 'rel-b'] } }, data: { status: 'INSTALLED' } });
  });

  it('for an app people install themselves, each phone of the batch is sent the release notes once, even when the activity runs again', async () => {
    const sent: { deviceId: string; title: string; body: string }[] = [];
    const mdm = { KNOX_MANAGE: { sendMessage: async (deviceId: string, m: { title: string; body: string }) => void sent.push({ deviceId, ...m }) } };
    const announcing = createReleaseActivities({ db, mdm: mdm as never, crashReporter: {} as never });
    await db.release.update({ where: { id: 'rel-b' }, data: { notes: '- Faster barcode lookup', versionName: '4.4.0' } });
    const batches = [...new Set((await db.releaseTarget.findMany({ where: { releaseId: 'rel-b' } })).map((t) => t.batch))];
    // Auto-installed: nothing to tell.
    expect(await announcing.announceReleaseBatch({ releaseId: 'rel-b', storeId: 'S001', batch: batches[0]! })).toBe(0);
    await db.app.update({ where: { packageName: 'com.retailco.stock' }, data: { autoInstall: false } });
    try {
      for (const batch of batches) await announcing.announceReleaseBatch({ releaseId: 'rel-b', storeId: 'S001', batch });
      for (const batch of batches) expect(await announcing.announceReleaseBatch({ releaseId: 'rel-b', storeId: 'S001', batch })).toBe(0);
    } finally {
      await db.app.update({ where: { packageName: 'com.retailco.stock' }, data: { autoInstall: true } });
    }
    expect(sent.map((m) => m.deviceId).sort()).toEqual(Array.from({ length: N }, (_, i) => `KM${k(i + 1)}`));
    expect(sent[0]).toMatchObject({ title: 'Stock Lookup 4.4.0 is ready to install', body: "What's new:\n- Faster barcode lookup" });
  });

  it('a build with a feature people must know about (announce) pushes its notes even for an auto-installed app, once per phone', async () => {
    const sent: { deviceId: string; title: string; body: string }[] = [];
    const mdm = { KNOX_MANAGE: { sendMessage: async (deviceId: string, m: { title: string; body: string }) => void sent.push({ deviceId, ...m }) } };
    const announcing = createReleaseActivities({ db, mdm: mdm as never, crashReporter: {} as never });
    await db.releaseTarget.updateMany({ where: { releaseId: 'rel-b' }, data: { notifiedAt: null } });
    await db.release.update({ where: { id: 'rel-b' }, data: { announce: true, notes: '- Scan prices from the shelf label' } });
    try {
      const batches = [...new Set((await db.releaseTarget.findMany({ where: { releaseId: 'rel-b' } })).map((t) => t.batch))];
      for (const batch of batches) await announcing.announceReleaseBatch({ releaseId: 'rel-b', storeId: 'S001', batch });
      for (const batch of batches) expect(await announcing.announceReleaseBatch({ releaseId: 'rel-b', storeId: 'S001', batch })).toBe(0);
    } finally {
      await db.release.update({ where: { id: 'rel-b' }, data: { announce: false } });
    }
    expect(sent).toHaveLength(N);
    expect(sent[0]).toMatchObject({ title: 'Stock Lookup 4.4.0 installs by itself', body: "What's new:\n- Scan prices from the shelf label" });
  });

  it('a critical app installs as soon as it is downloaded, shift or window', async () => {
    await db.app.update({ where: { packageName: 'com.retailco.stock' }, data: { critical: true } });
    try {
      await activities().planReleaseStore({ releaseId: 'rel-c', storeId: 'S001', ring: 1, policy: POLICY });
      const rows = await db.releaseTarget.findMany({ where: { releaseId: 'rel-c' } });
      const downloadMs = (100_000_000 * 8) / (POLICY.phoneMbps * 1_000);
      for (const r of rows) expect(r.installAt.getTime() - r.downloadAt.getTime()).toBe(downloadMs);
    } finally {
      await db.app.update({ where: { packageName: 'com.retailco.stock' }, data: { critical: false } });
    }
  });
});
