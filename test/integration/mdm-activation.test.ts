// Activation of a new store's phones through both MDM adapters against their simulators, over
// HTTP: the enrolment image (~1 GB) scheduled per device, downloaded over the store's modelled
// uplink (never above its capacity, shared with an app release downloading at the same time),
// the first sign-in never before activateFrom nor before the image is there, a repeated schedule
// never a second download, calls chunked by the per-call limit, unknown devices refused as app
// assignment refuses them, and the simulators' admin listing of every activation. The simulators'
// clock is the test's `clock` (each test starts a day after the last one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImei } from '../../src/domain/identifiers.ts';
import { createExternalSystems, externalSystemsFromSimulators, startSimulators, type ExternalSystems, type RunningSimulators } from '../../src/systems/index.ts';
import { KNOX_ACTIVATION_TARGETS_PER_CALL, KnoxManageSimulator } from '../../src/systems/knox-manage/simulator.ts';
import { HEADWIND_ACTIVATION_TARGETS_PER_CALL, HeadwindSimulator } from '../../src/systems/second-mdm/simulator.ts';
import { PermanentSystemError } from '../../src/systems/shared/errors.ts';
import type { Mdm, MdmActivation, MdmProviderName } from '../../src/systems/shared/mdm-api.ts';
import type { ActivationState } from '../../src/systems/shared/mdm-apps.ts';
import type { MdmSimulator } from '../../src/systems/shared/mdm-devices.ts';
import type { Simulator } from '../../src/systems/shared/simulator.ts';

const IMAGE_BYTES = 1_000_000_000; // the enrolment image, ~1 GB
const MINUTE = 60_000;
const HOUR = 3_600_000;
const START = Date.parse('2027-03-01T08:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

let sims: RunningSimulators;
let systems: ExternalSystems;
let clock = START;
const nextDay = (): number => (clock = Math.ceil((clock + 1) / 86_400_000) * 86_400_000 + 8 * HOUR);

beforeAll(async () => {
  sims = await startSimulators({ seed: 5 });
  for (const mdm of Object.values(sims.mdm)) mdm.apps.now = () => clock;
  systems = createExternalSystems(externalSystemsFromSimulators(sims));
});

afterAll(async () => {
  await sims?.close();
});

const PER_CALL: Record<MdmProviderName, { limit: number; schedule: string; status: string; simulator: () => MdmSimulator & Simulator }> = {
  KNOX_MANAGE: {
    limit: KNOX_ACTIVATION_TARGETS_PER_CALL,
    schedule: 'POST /emm/oapi/device/assignDeviceActivationSchedule',
    status: 'POST /emm/oapi/device/selectDeviceActivationStatus',
    simulator: () => new KnoxManageSimulator(),
  },
  SECOND_MDM: {
    limit: HEADWIND_ACTIVATION_TARGETS_PER_CALL,
    schedule: 'POST /rest/plugins/deployment/private/activation/schedule',
    status: 'POST /rest/plugins/deployment/private/activation/status',
    simulator: () => new HeadwindSimulator(),
  },
};

interface LinkReport {
  capacityMbps: number;
  peakMbps: number;
  use: { from: number; until: number; mbps: number; downloads: number }[];
}

type ListedActivation = ActivationState & { imei: string; groupId: string | null };

async function adminGet<T>(sim: Simulator, path: string): Promise<T> {
  const res = await fetch(`${sim.url}/_sim${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe.each(['KNOX_MANAGE', 'SECOND_MDM'] as MdmProviderName[])('%s device activation', (provider) => {
  let mdm: Mdm;
  let sim: MdmSimulator & Simulator;
  let serial = 0;
  const tac = provider === 'KNOX_MANAGE' ? '35990001' : '35990002';

  /** New phones of a new store, online, in its device group; their ids as the adapter knows them. */
  const newPhones = (groupId: string, count: number): string[] =>
    Array.from({ length: count }, () => {
      serial += 1;
      const device = sim.registerDevice({ imei: makeImei(tac, serial), serial: `R${tac}${serial}`, model: 'SM-A556B', groupId, online: true });
      return sim.apiDeviceId(device);
    });
  /** The simulator's record of a phone the adapter names (Knox: its deviceId; the second MDM: its number, the IMEI). */
  const deviceOf = (id: string) => sim.devices.enrolledById(id) ?? sim.devices.enrolledByImei(id)!;
  const byId = (list: MdmActivation[]) => new Map(list.map((a) => [a.deviceId, a]));

  beforeAll(() => {
    mdm = systems.mdm[provider];
    sim = sims.mdm[provider];
  });

  it('downloads the image over the store link, never above its capacity, sharing it with an app download; the first sign-in from activateFrom once the image is there', async () => {
    const T0 = nextDay();
    const store = `${provider}-N1`;
    sim.apps.setStoreLink(store, { uplinkMbps: 100, phoneMbps: 40 });
    const phones = newPhones(store, 4);
    const [appPhone] = newPhones(store, 1);
    const D = T0 + MINUTE; // every download may start then
    // A release downloading at the same time, on another phone of the store (200 MB).
    const app = sim.apps.upload({ packageName: 'com.retailco.stock', versionCode: 7043, sha256: 'e'.repeat(64), sizeBytes: 200 * 1024 * 1024 });
    await mdm.assignApp(app.appVersionId, [{ deviceId: appPhone!, downloadFrom: iso(D), installFrom: iso(T0 + 4 * HOUR) }]);
    // Two sign in as soon as the image is there (activateFrom long before), two at 10:00.
    const early = phones.slice(0, 2);
    const activateFrom = (id: string) => (early.includes(id) ? T0 : T0 + 2 * HOUR);
    await mdm.scheduleActivation(
      IMAGE_BYTES,
      phones.map((deviceId) => ({ deviceId, downloadFrom: iso(D), activateFrom: iso(activateFrom(deviceId)) })),
    );
    expect(new Set((await mdm.activationStatus(phones)).map((a) => a.status))).toEqual(new Set(['SCHEDULED']));

    clock = D + 30_000;
    expect(new Set((await mdm.activationStatus(phones)).map((a) => a.status))).toEqual(new Set(['DOWNLOADING']));

    clock = T0 + HOUR;
    const midway = byId(await mdm.activationStatus(phones));
    for (const id of early) expect(midway.get(id)!.status).toBe('ACTIVATED');
    for (const id of phones.filter((p) => !early.includes(p))) expect(midway.get(id)).toMatchObject({ status: 'DOWNLOADED' });

    clock = T0 + 3 * HOUR;
    const done = byId(await mdm.activationStatus(phones));
    expect(done.size).toBe(4);
    for (const id of phones) {
      const a = done.get(id)!;
      expect(a.status).toBe('ACTIVATED');
      const downloadedAt = Date.parse(a.downloadedAt!);
      const activatedAt = Date.parse(a.activatedAt!);
      expect(downloadedAt).toBeGreaterThan(D);
      expect(activatedAt).toBeGreaterThanOrEqual(downloadedAt);
      expect(activatedAt).toBeGreaterThanOrEqual(activateFrom(id));
      // Not later than it had to be: the later of the two moments.
      expect(activatedAt).toBe(Math.max(downloadedAt, activateFrom(id)));
    }

    // The link: never above 100 Mbit/s; the app and the four images at once for a while (each at
    // 20 Mbit/s: the app took longer than alone at its phone's 40 Mbit/s).
    const link = await adminGet<LinkReport>(sim, `/apps/links/${store}`);
    expect(link.capacityMbps).toBe(100);
    expect(link.peakMbps).toBeLessThanOrEqual(100 + 1e-9);
    for (const u of link.use) expect(u.mbps).toBeLessThanOrEqual(100 + 1e-9);
    const shared = link.use.filter((u) => u.downloads === 5);
    expect(shared.length).toBeGreaterThan(0);
    for (const u of shared) expect(u.mbps).toBeCloseTo(100, 6);
    const carriedBits = link.use.reduce((sum, u) => sum + u.mbps * (u.until - u.from) * 1_000, 0);
    expect(carriedBits / 8).toBeCloseTo(4 * IMAGE_BYTES + app.sizeBytes, -3);
    const [appTarget] = sim.apps.statuses(app.appVersionId, [deviceOf(appPhone!).deviceId]);
    const appMs = appTarget!.downloadedAt! - appTarget!.downloadStartedAt!;
    const aloneMs = (app.sizeBytes * 8) / (40 * 1_000);
    expect(appMs).toBeGreaterThan(aloneMs * 1.5);
    // Four 1 GB images sharing 100 Mbit/s with the app: about 5.6 minutes for all.
    const lastDownload = Math.max(...phones.map((id) => Date.parse(done.get(id)!.downloadedAt!)));
    expect(lastDownload - D).toBeCloseTo(((4 * IMAGE_BYTES + app.sizeBytes) * 8) / (100 * 1_000), -2);
  });

  it('waits for a phone away from the store: an image is too big for mobile data', async () => {
    const T0 = nextDay();
    const store = `${provider}-N2`;
    sim.apps.setStoreLink(store, null); // no link modelled: a download in the store is instant
    const [phone] = newPhones(store, 1);
    const device = deviceOf(phone!);
    sim.apps.setPresence(device.deviceId, [{ from: T0 + HOUR, until: T0 + 9 * HOUR }]);
    await mdm.scheduleActivation(IMAGE_BYTES, [{ deviceId: phone!, downloadFrom: iso(T0), activateFrom: iso(T0) }]);
    clock = T0 + 30 * MINUTE;
    expect((await mdm.activationStatus([phone!]))[0]!.status).toBe('SCHEDULED');
    clock = T0 + 2 * HOUR;
    expect((await mdm.activationStatus([phone!]))[0]).toEqual({ deviceId: phone, status: 'ACTIVATED', downloadedAt: iso(T0 + HOUR), activatedAt: iso(T0 + HOUR) });
    expect(sim.apps.mobileBytesOf(device.deviceId)).toBe(0);
    sim.apps.setPresence(device.deviceId, null);
  });

  it('keeps a device already scheduled to its one download (again, mid-download or with another image); only a sign-in not yet made moves', async () => {
    const T0 = nextDay();
    const store = `${provider}-N3`;
    sim.apps.setStoreLink(store, { uplinkMbps: 100, phoneMbps: 50 });
    const [phone] = newPhones(store, 1);
    const target = { deviceId: phone!, downloadFrom: iso(T0), activateFrom: iso(T0 + 10 * MINUTE) };
    await mdm.scheduleActivation(IMAGE_BYTES, [target]);
    await mdm.scheduleActivation(IMAGE_BYTES, [target, target]);
    clock = T0 + MINUTE;
    expect((await mdm.activationStatus([phone!]))[0]!.status).toBe('DOWNLOADING');
    // Mid-download, with another image and schedule: the download goes on as it was; the sign-in moves to 20 minutes.
    await mdm.scheduleActivation(2 * IMAGE_BYTES, [{ deviceId: phone!, downloadFrom: iso(T0 + MINUTE), activateFrom: iso(T0 + 20 * MINUTE) }]);
    clock = T0 + 30 * MINUTE;
    const [activated] = await mdm.activationStatus([phone!]);
    // 1 GB at 50 Mbit/s: 160 s from T0; signed in at the moved activateFrom.
    expect(activated).toEqual({ deviceId: phone, status: 'ACTIVATED', downloadedAt: iso(T0 + 160_000), activatedAt: iso(T0 + 20 * MINUTE) });
    // Signed in: nothing moves any more.
    await mdm.scheduleActivation(IMAGE_BYTES, [{ ...target, activateFrom: iso(T0 + HOUR) }]);
    clock = T0 + 2 * HOUR;
    expect((await mdm.activationStatus([phone!]))[0]).toEqual(activated);
    const link = await adminGet<LinkReport>(sim, `/apps/links/${store}`);
    expect(Math.max(...link.use.map((u) => u.downloads))).toBe(1);
    expect(link.use.reduce((sum, u) => sum + u.mbps * (u.until - u.from) * 125, 0)).toBeCloseTo(IMAGE_BYTES, -3);
    const listed = (await adminGet<ListedActivation[]>(sim, `/apps/activations?groupId=${store}`)).filter((a) => a.groupId === store);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ imageBytes: IMAGE_BYTES, downloadFrom: T0, activateFrom: T0 + 20 * MINUTE, scheduledAt: T0 });
  });

  it('chunks schedule and status calls by the per-call limit, the same limit as the simulator', async () => {
    const T0 = nextDay();
    const { limit, schedule, status } = PER_CALL[provider];
    expect(mdm.activationTargetsPerCall).toBe(limit);
    const phones = newPhones(`${provider}-N4`, limit + 1);
    sim.calls.reset();
    await mdm.scheduleActivation(
      IMAGE_BYTES,
      phones.map((deviceId) => ({ deviceId, downloadFrom: iso(T0), activateFrom: iso(T0 + MINUTE) })),
    );
    expect(sim.calls.count(schedule)).toBe(2);
    clock = T0 + 2 * MINUTE;
    const statuses = await mdm.activationStatus(phones);
    expect(sim.calls.count(status)).toBe(2);
    expect(statuses.map((a) => a.deviceId)).toEqual(phones);
    expect(statuses.every((a) => a.status === 'ACTIVATED' && a.activatedAt === iso(T0 + MINUTE))).toBe(true);
    await mdm.scheduleActivation(IMAGE_BYTES, []);
    expect(await mdm.activationStatus([])).toEqual([]);
    expect(sim.calls.count(schedule)).toBe(2);
  });

  it('refuses unknown devices the way app assignment refuses them, scheduling none of the call', async () => {
    const T0 = nextDay();
    const [known] = newPhones(`${provider}-N5`, 1);
    const unknown = provider === 'KNOX_MANAGE' ? 'KM99999999' : makeImei('35990009', 1);
    const app = sim.apps.upload({ packageName: 'com.retailco.stock', versionCode: 8043, sha256: 'd'.repeat(64), sizeBytes: 1_000_000 });
    const schedule = { downloadFrom: iso(T0), installFrom: iso(T0) };
    const appError = (await mdm.assignApp(app.appVersionId, [{ deviceId: unknown, ...schedule }]).catch((e: unknown) => e)) as PermanentSystemError;
    const activationError = (await mdm
      .scheduleActivation(IMAGE_BYTES, [
        { deviceId: known!, downloadFrom: iso(T0), activateFrom: iso(T0) },
        { deviceId: unknown, downloadFrom: iso(T0), activateFrom: iso(T0) },
      ])
      .catch((e: unknown) => e)) as PermanentSystemError;
    expect(appError).toBeInstanceOf(PermanentSystemError);
    expect(activationError).toBeInstanceOf(PermanentSystemError);
    expect(activationError.status).toBe(appError.status);
    expect(activationError.status).toBe(404);
    const outcome = (message: string) => message.replace(/^.*failed: /, '');
    expect(outcome(activationError.message)).toBe(outcome(appError.message));
    expect(await mdm.activationStatus([known!])).toEqual([]);
    // A status question naming an unknown device is answered as the app status question is.
    const settle = (p: Promise<unknown[]>) =>
      p.then(
        (list) => ({ list }),
        (e: PermanentSystemError) => ({ status: e.status, outcome: outcome(e.message) }),
      );
    expect(await settle(mdm.activationStatus([unknown]))).toEqual(await settle(mdm.appInstallStatus(app.appVersionId, [unknown])));
  });

  it('lists every activation on the admin API with downloadedAt and activatedAt, by device group: first sign-ins per 60 s', async () => {
    const T0 = nextDay();
    const store = `${provider}-N6`;
    const other = `${provider}-N7`;
    const phones = newPhones(store, 8);
    const [elsewhere] = newPhones(other, 1);
    // No link: the images are there at once; three first sign-ins in the first minute, then one every 45 s.
    const moments = [10_000, 20_000, 50_000, 100_000, 145_000, 190_000, 235_000, 280_000].map((ms) => T0 + ms);
    await mdm.scheduleActivation(
      IMAGE_BYTES,
      phones.map((deviceId, i) => ({ deviceId, downloadFrom: iso(T0), activateFrom: iso(moments[i]!) })),
    );
    await mdm.scheduleActivation(IMAGE_BYTES, [{ deviceId: elsewhere!, downloadFrom: iso(T0), activateFrom: iso(T0 + 30_000) }]);
    clock = T0 + 150_000;
    const partway = await adminGet<ListedActivation[]>(sim, `/apps/activations?groupId=${store}`);
    expect(partway.filter((a) => a.status === 'ACTIVATED')).toHaveLength(5);
    expect(partway.filter((a) => a.status === 'DOWNLOADED')).toHaveLength(3);

    clock = T0 + HOUR;
    const listed = await adminGet<ListedActivation[]>(sim, `/apps/activations?groupId=${store}`);
    expect(listed).toHaveLength(8);
    expect(listed.every((a) => a.groupId === store && a.status === 'ACTIVATED' && a.downloadedAt === T0)).toBe(true);
    const imeis = new Set(phones.map((id) => deviceOf(id).imei));
    expect(new Set(listed.map((a) => a.imei))).toEqual(imeis);
    const logins = listed.map((a) => a.activatedAt!).sort((a, b) => a - b);
    expect(logins).toEqual(moments);
    const mostIn60s = Math.max(...logins.map((t) => logins.filter((u) => u >= t && u < t + 60_000).length));
    expect(mostIn60s).toBe(3);

    const all = await adminGet<ListedActivation[]>(sim, '/apps/activations');
    expect(all.filter((a) => a.groupId === store)).toHaveLength(8);
    expect(all.filter((a) => a.groupId === other)).toEqual([expect.objectContaining({ activatedAt: T0 + 30_000 })]);
  });

  it('keeps activations in its saved state; a state saved before activations existed still loads', () => {
    const saved = JSON.parse(JSON.stringify(sim.exportState())) as { apps: { activations?: ActivationState[] } };
    expect(saved.apps.activations!.length).toBeGreaterThan(0);
    const restored = PER_CALL[provider].simulator();
    restored.importState(saved);
    restored.apps.now = () => clock;
    expect(restored.apps.activationsOf()).toEqual(sim.apps.activationsOf());
    delete saved.apps.activations;
    const older = PER_CALL[provider].simulator();
    older.importState(saved);
    expect(older.apps.activationsOf()).toEqual([]);
  });
});
