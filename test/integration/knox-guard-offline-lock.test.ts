// Knox Guard's offline lock as the simulator models it, through phonefleet's HTTP adapter: the
// policy reaches a phone only when it checks in; a phone away longer than `days` locks itself
// (warned `warningDays` before), and checking in releases it; long leave exempts it until the
// person is back. The simulator's clock is the test's, so a phone can stay away for weeks.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KnoxGuardHttpApi } from '../../src/systems/knox-guard/http.ts';
import { PermanentSystemError } from '../../src/systems/shared/errors.ts';
import { OFFLINE_LOCK } from '../../src/domain/offline-lock.ts';
import { offlineLockScreen } from '../../src/domain/phone-messages.ts';
import { KnoxGuardSimulator } from '../../src/systems/knox-guard/simulator.ts';

const DAY = 86_400_000;
let clock = Date.parse('2026-03-01T12:00:00Z');
const phone = { online: false, lastSeenAt: undefined as string | undefined };
let sim: KnoxGuardSimulator;
let api: KnoxGuardHttpApi;
let uid = 350000000000000;
let imei = '';
let tx = 0;

const screen = offlineLockScreen({ companyName: 'RetailCo', storeName: 'RetailCo Казань', supportPhone: '+7 800 000-00-01', language: 'ru' }, OFFLINE_LOCK.days);
const policy = { ...OFFLINE_LOCK, message: screen.message, tel: screen.phoneNumber };
const txId = () => `t-${++tx}`;

/** The phone checks in now, then leaves the network. */
async function checkIn() {
  phone.online = true;
  phone.lastSeenAt = new Date(clock).toISOString();
  await api.getDevice(imei); // Knox Guard sees it online: it takes what waits for it
  phone.online = false;
}
const actions = () => sim.device(imei)!.actions.map((a) => a.action);

beforeAll(async () => {
  sim = new KnoxGuardSimulator({ isOnline: () => phone.online, lastSeenAt: () => phone.lastSeenAt, now: () => clock });
  await sim.start();
  api = new KnoxGuardHttpApi({ baseUrl: sim.url, apiToken: sim.apiToken });
});
afterAll(async () => sim?.close());
beforeEach(() => {
  imei = String(++uid);
  sim.enrol(imei);
  Object.assign(phone, { online: true, lastSeenAt: new Date(clock).toISOString() });
});

describe('Knox Guard offline lock (simulator over HTTP)', () => {
  it('a phone holding the policy warns, then locks itself after N days offline, and checking in releases it', async () => {
    await api.setOfflineLock(imei, policy, txId()); // online: applied at once
    phone.online = false;
    clock += (OFFLINE_LOCK.days - OFFLINE_LOCK.warningDays - 1) * DAY;
    expect((await api.getDevice(imei))!.status).toBe('Active');
    expect(actions()).not.toContain('OFFLINE_WARNING');
    clock += 2 * DAY;
    expect((await api.getDevice(imei))!.status).toBe('Active');
    expect(actions()).toContain('OFFLINE_WARNING');
    clock += OFFLINE_LOCK.warningDays * DAY;
    const locked = (await api.getDevice(imei))!;
    expect(locked.status).toBe('Locked');
    expect(locked.message).toBe(screen.message);
    expect(locked.message!.length).toBeLessThanOrEqual(350);

    await checkIn();
    expect((await api.getDevice(imei))!.status).toBe('Active');
    expect(actions().slice(-1)).toEqual(['OFFLINE_UNLOCKED']);
  });

  it('the policy reaches only a phone that checks in: one already away never locks itself', async () => {
    phone.online = false;
    await api.setOfflineLock(imei, policy, txId());
    clock += 3 * OFFLINE_LOCK.days * DAY;
    expect((await api.getDevice(imei))!.status).toBe('Active');
    expect(sim.device(imei)!.offlineLockOnPhone).toBeUndefined();
    await checkIn(); // from now on it counts
    clock += (OFFLINE_LOCK.days + 1) * DAY;
    expect((await api.getDevice(imei))!.status).toBe('Locked');
  });

  it('long leave exempts the phone until the person is back; the count starts again from then', async () => {
    await api.setOfflineLock(imei, policy, txId());
    const until = new Date(clock + 120 * DAY).toISOString().slice(0, 10);
    await api.exemptFromOfflineLock(imei, until, txId());
    phone.online = false;
    clock += 100 * DAY; // parental leave, phone in a drawer
    expect((await api.getDevice(imei))!.status).toBe('Active');
    clock += 20 * DAY + (OFFLINE_LOCK.days - 1) * DAY; // back, but the phone still off: counted from the end of the leave
    expect((await api.getDevice(imei))!.status).toBe('Active');
    clock += 2 * DAY;
    expect((await api.getDevice(imei))!.status).toBe('Locked');
  });

  it('an open-ended leave spares the phone until it is lifted, and the lift reaches it at its next check-in', async () => {
    await api.setOfflineLock(imei, policy, txId());
    await api.exemptFromOfflineLock(imei, 'open', txId());
    phone.online = false;
    clock += 200 * DAY;
    expect((await api.getDevice(imei))!.status).toBe('Active');
    await api.exemptFromOfflineLock(imei, null, txId()); // leave ended, phone not online yet
    clock += 10 * DAY;
    expect((await api.getDevice(imei))!.status).toBe('Active');
    await checkIn();
    clock += (OFFLINE_LOCK.days + 1) * DAY;
    expect((await api.getDevice(imei))!.status).toBe('Locked');
  });

  it('refuses a lock text over 350 characters, nonsense days, and an exemption without a policy', async () => {
    await expect(api.setOfflineLock(imei, { ...policy, message: 'x'.repeat(351) }, txId())).rejects.toBeInstanceOf(PermanentSystemError);
    await expect(api.setOfflineLock(imei, { ...policy, days: 0 }, txId())).rejects.toBeInstanceOf(PermanentSystemError);
    await expect(api.exemptFromOfflineLock(imei, null, txId())).rejects.toBeInstanceOf(PermanentSystemError); // no policy to exempt from
    expect(sim.device(imei)!.offlineLockRequested).toBeUndefined();
    await api.setOfflineLock(imei, policy, txId());
    await expect(api.exemptFromOfflineLock(imei, '2026-13-01', txId())).rejects.toBeInstanceOf(PermanentSystemError);
    expect(sim.device(imei)!.offlineLockRequested?.exemptUntil).toBeUndefined();
  });
});

describe('fleet:offline-lock backfill (real database, simulators over HTTP)', () => {
  it('gives every phone in use the policy once; stock phones and a re-run change nothing; an unknown phone is skipped', async () => {
    const { createTestDatabase } = await import('../support/database.ts');
    const { startSimulators } = await import('../../src/systems/index.ts');
    const { generateFleet, seedSimulators } = await import('../../src/systems/fleet.ts');
    const { seedFleet, seedReferenceData } = await import('../../src/db/seed.ts');
    const { createExternalSystems, externalSystemsFromSimulators } = await import('../../src/systems/index.ts');
    const { enrolFleetInOfflineLock } = await import('../../activities/offline-lock.ts');
    const database = await createTestDatabase();
    const sims = await startSimulators();
    try {
      const fleet = generateFleet({ stores: 1, employeesPerStore: 4, stockPerStore: 2, seed: 3 });
      const { mdmDeviceIds } = await seedSimulators(sims, fleet);
      const db = database.db.prisma;
      await seedReferenceData(db);
      await seedFleet(db, fleet, { mdmDeviceIds });
      // As before phonefleet: no phone holds the policy yet; one was never uploaded to Knox Guard.
      for (const d of fleet.devices) Object.assign(sims.knoxGuard.device(d.imei)!, { offlineLockRequested: undefined, offlineLockOnPhone: undefined });
      const inUse = fleet.devices.filter((d) => d.state === 'IN_USE');
      const unknown = inUse[0];
      sims.knoxGuard.importState({ ...sims.knoxGuard.exportState(), devices: sims.knoxGuard.exportState().devices.filter((d) => d.deviceUid !== unknown.imei) });
      const { knoxGuard } = createExternalSystems(externalSystemsFromSimulators(sims));

      expect(await enrolFleetInOfflineLock({ db, knoxGuard, companyName: 'RetailCo' })).toEqual({ set: inUse.length - 1, skipped: 1 });
      for (const d of inUse.slice(1)) expect(sims.knoxGuard.device(d.imei)!.offlineLockRequested).toMatchObject({ days: OFFLINE_LOCK.days });
      for (const d of fleet.devices.filter((x) => x.state !== 'IN_USE')) expect(sims.knoxGuard.device(d.imei)!.offlineLockRequested).toBeUndefined();

      const requests = () => inUse.slice(1).flatMap((d) => sims.knoxGuard.device(d.imei)!.actions.filter((a) => a.action === 'OFFLINE_LOCK_REQUESTED')).length;
      expect(requests()).toBe(inUse.length - 1);
      await enrolFleetInOfflineLock({ db, knoxGuard, companyName: 'RetailCo' });
      expect(requests()).toBe(inUse.length - 1); // the same transactions: answered again, not repeated
    } finally {
      await sims.close();
      await database.drop();
    }
  });
});
