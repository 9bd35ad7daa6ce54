// In-house app distribution through both MDM adapters against their simulators, over HTTP:
// the APK uploaded once, assigned in batches with a deployment schedule, downloaded over the
// store's modelled uplink only while the phone is in the store (or, small enough, over mobile
// data), installed from its install time on, a repeated assignment never a second install
// command, pending assignments withdrawn, install failures reported per version.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalSystems, externalSystemsFromSimulators, startSimulators, type ExternalSystems, type RunningSimulators } from '../../src/systems/index.ts';
import { generateFleet, seedSimulators, type Fleet } from '../../src/systems/fleet.ts';
import type { Mdm, MdmProviderName } from '../../src/systems/shared/mdm-api.ts';

const APK = readFileSync(new URL('../fixtures/apk/stock-43.apk', import.meta.url));
const APK_SHA = createHash('sha256').update(APK).digest('hex');
const START = Date.parse('2026-12-07T08:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

let sims: RunningSimulators;
let systems: ExternalSystems;
let fleet: Fleet;
// The simulators' clock only goes forward: each test starts a day after the last one.
let clock = START;
const nextDay = (): number => (clock = Math.ceil((clock + 1) / 86_400_000) * 86_400_000 + 8 * 3_600_000);

beforeAll(async () => {
  sims = await startSimulators({ seed: 3 });
  fleet = generateFleet({ stores: 4, employeesPerStore: 6, stockPerStore: 1, seed: 21 });
  await seedSimulators(sims, fleet);
  for (const mdm of Object.values(sims.mdm)) mdm.apps.now = () => clock;
  systems = createExternalSystems(externalSystemsFromSimulators(sims));
});

afterAll(async () => {
  await sims?.close();
});

describe.each(['KNOX_MANAGE', 'SECOND_MDM'] as MdmProviderName[])('%s app distribution', (provider) => {
  let mdm: Mdm;
  let deviceIds: string[];
  const upload = { packageName: 'com.retailco.stock', versionCode: 43, versionName: '4.3.0', sha256: APK_SHA, apk: APK };

  beforeAll(async () => {
    mdm = systems.mdm[provider];
    const phones = fleet.devices.filter((d) => d.mdmProvider === provider && d.state === 'IN_USE');
    expect(phones.length).toBeGreaterThanOrEqual(3);
    deviceIds = [];
    for (const phone of phones) deviceIds.push((await mdm.findDeviceByImei(phone.imei))!.deviceId);
  });

  it('uploads a build once: the same build again answers the same app version', async () => {
    const first = await mdm.uploadApp(upload);
    const again = await mdm.uploadApp(upload);
    expect(again.appVersionId).toBe(first.appVersionId);
    expect(sims.mdm[provider].apps.version(first.appVersionId)).toMatchObject({ packageName: 'com.retailco.stock', versionCode: 43, sizeBytes: APK.length, sha256: APK_SHA });
  });

  it('downloads from the download time, over the store link, and installs from the install time; a repeated assignment is not a second command', async () => {
    const T0 = nextDay();
    const sim = sims.mdm[provider];
    const { appVersionId } = await mdm.uploadApp({ ...upload, versionCode: 1043 });
    const device = sim.devices.byId(deviceIds[0]!) ?? sim.devices.enrolledByImei(deviceIds[0]!)!;
    // 8 kbit/s for the phone: the APK (a few kB) takes seconds, so the link's timing shows.
    sim.apps.setStoreLink(device.groupId ?? 'none', { uplinkMbps: 1, phoneMbps: 0.008 });
    const targets = [{ deviceId: deviceIds[0]!, downloadFrom: iso(T0 + 60_000), installFrom: iso(T0 + 3_600_000) }];
    await mdm.assignApp(appVersionId, targets);
    await mdm.assignApp(appVersionId, targets);
    expect((await mdm.appInstallStatus(appVersionId, [deviceIds[0]!]))[0]!.status).toBe('ASSIGNED');
    clock = T0 + 60_000 + 1;
    expect((await mdm.appInstallStatus(appVersionId, [deviceIds[0]!]))[0]!.status).toBe(device.groupId ? 'DOWNLOADING' : 'DOWNLOADED');
    clock = T0 + 1_800_000;
    expect((await mdm.appInstallStatus(appVersionId, [deviceIds[0]!]))[0]!.status).toBe('DOWNLOADED');
    clock = T0 + 3_600_000;
    const [installed] = await mdm.appInstallStatus(appVersionId, [deviceIds[0]!]);
    expect(installed).toMatchObject({ status: 'INSTALLED', installedAt: iso(T0 + 3_600_000) });
    expect(sim.apps.installCommandsFor(appVersionId, device.deviceId)).toBe(1);
    expect(device.installedVersions?.['com.retailco.stock']).toBe(1043);
  });

  it('waits for a phone away from the store when the APK is too big for mobile data; a small one comes over mobile data', async () => {
    const T0 = nextDay();
    const sim = sims.mdm[provider];
    const device = sim.devices.byId(deviceIds[1]!) ?? sim.devices.enrolledByImei(deviceIds[1]!)!;
    sim.apps.setPresence(device.deviceId, [{ from: T0 + 2 * 3_600_000, until: T0 + 10 * 3_600_000 }]);
    sim.apps.setStoreLink(device.groupId ?? 'none', null); // no link modelled: a download in the store is instant
    const small = await mdm.uploadApp({ ...upload, versionCode: 2043 });
    await mdm.assignApp(small.appVersionId, [{ deviceId: deviceIds[1]!, downloadFrom: iso(T0), installFrom: iso(T0) }]);
    clock = T0 + 1;
    expect((await mdm.appInstallStatus(small.appVersionId, [deviceIds[1]!]))[0]!.status).toBe('INSTALLED');
    expect(sim.apps.mobileBytesOf(device.deviceId)).toBe(APK.length);
    // The same phone and a build the phones see as 200 MB: it waits for the shift.
    const big = sim.apps.upload({ packageName: 'com.retailco.stock', versionCode: 3043, sha256: 'f'.repeat(64), sizeBytes: 200 * 1024 * 1024 });
    await mdm.assignApp(big.appVersionId, [{ deviceId: deviceIds[1]!, downloadFrom: iso(T0), installFrom: iso(T0) }]);
    clock = T0 + 3_600_000;
    expect((await mdm.appInstallStatus(big.appVersionId, [deviceIds[1]!]))[0]!.status).toBe('ASSIGNED');
    clock = T0 + 3 * 3_600_000;
    expect((await mdm.appInstallStatus(big.appVersionId, [deviceIds[1]!]))[0]!.status).toBe('INSTALLED');
    expect(sim.apps.mobileBytesOf(device.deviceId)).toBe(APK.length);
    sim.apps.setPresence(device.deviceId, null);
  });

  it('withdraws assignments not yet downloading, and reports install failures per version', async () => {
    const T0 = nextDay();
    const sim = sims.mdm[provider];
    const { appVersionId } = await mdm.uploadApp({ ...upload, versionCode: 4043 });
    await mdm.assignApp(appVersionId, [
      { deviceId: deviceIds[0]!, downloadFrom: iso(T0 + 3_600_000), installFrom: iso(T0 + 3_600_000) },
      { deviceId: deviceIds[2]!, downloadFrom: iso(T0 + 3_600_000), installFrom: iso(T0 + 3_600_000) },
    ]);
    expect(await mdm.cancelAppAssignments(appVersionId, [deviceIds[2]!])).toBe(1);
    sim.apps.setInstallFailureRate('com.retailco.stock', 4043, 1);
    clock = T0 + 4 * 3_600_000;
    const statuses = await mdm.appInstallStatus(appVersionId, [deviceIds[0]!, deviceIds[2]!]);
    expect(statuses.find((s) => s.deviceId === deviceIds[2])!.status).toBe('CANCELLED');
    expect(statuses.find((s) => s.deviceId === deviceIds[0])).toMatchObject({ status: 'FAILED', failure: 'INSTALL_FAILED_INTERNAL_ERROR' });
  });
});
