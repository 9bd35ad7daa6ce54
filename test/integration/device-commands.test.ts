// Remote commands against the simulators over real HTTP: MDM commands (lock, unlock, wipe,
// uninstall) that wait for the phone to come online, in both MDMs behind one interface; the
// Knox Guard lock that also waits for the network and is idempotent by transaction id; the
// leasing partner's cases, idempotent by key; and all of it surviving a simulator restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExternalSystems, externalSystemsConfigFromEnv, externalSystemsFromSimulators, type ExternalSystems } from '../../src/systems/index.ts';
import { PermanentSystemError } from '../../src/systems/shared/errors.ts';
import { KnoxGuardHttpApi } from '../../src/systems/knox-guard/http.ts';
import { LeasePartnerHttpApi } from '../../src/systems/lease-partner/http.ts';
import type { MdmProviderName } from '../../src/systems/shared/mdm-api.ts';
import { makeImei } from '../../src/domain/identifiers.ts';
import { roleByCode } from '../../src/domain/roles.ts';
import { generateFleet, seedSimulators, type Fleet, type FleetDevice } from '../../src/systems/fleet.ts';
import { startSimulators, type RunningSimulators } from '../../src/systems/index.ts';
import type { MdmDeviceState } from '../../src/systems/shared/mdm-devices.ts';
import { admin, failure } from '../support/simulator-calls.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let sims: RunningSimulators;
let systems: ExternalSystems;
let fleet: Fleet;
let rig: SimAdmin;

beforeAll(async () => {
  sims = await startSimulators({ seed: 9 });
  fleet = generateFleet({ stores: 3, employeesPerStore: 4, stockPerStore: 8, seed: 13 });
  await seedSimulators(sims, fleet);
  systems = createExternalSystems(externalSystemsFromSimulators(sims));
  rig = simAdmin(sims);
});

afterEach(() => {
  sims.resetFaults();
});

afterAll(async () => {
  await sims?.close();
});

/** Hands out each fleet phone once, so that tests do not share devices. */
const taken = new Set<string>();
function phone(provider: MdmProviderName, state: FleetDevice['state']): FleetDevice {
  const device = fleet.devices.find((d) => d.mdmProvider === provider && d.state === state && !taken.has(d.imei));
  if (!device) throw new Error(`no more ${state} phones on ${provider}`);
  taken.add(device.imei);
  return device;
}

const LOCK_SCREEN = {
  message: 'This phone belongs to RetailCo. It is locked because it was not returned. Please bring it to the store support desk.',
  phoneNumber: '+7 800 000-00-01',
};

describe.each(['KNOX_MANAGE', 'SECOND_MDM'] as const)('MDM commands on %s', (provider) => {
  const mdm = () => systems.mdm[provider];
  const sim = () => sims.mdm[provider];
  const deviceIdOf = async (imei: string): Promise<string> => (await mdm().findDeviceByImei(imei))!.deviceId;
  const adminDevice = (imei: string) => admin<MdmDeviceState>(sim(), 'GET', `/devices/${imei}`);

  it('keeps a lock PENDING while the phone is offline and completes it when it comes online', async () => {
    const { imei } = phone(provider, 'IN_STOCK');
    const deviceId = await deviceIdOf(imei);

    const lock = await mdm().lockDevice(deviceId, LOCK_SCREEN);
    expect(lock).toMatchObject({ deviceId, type: 'LOCK', status: 'PENDING', lockScreen: LOCK_SCREEN });
    expect(lock.completedAt).toBeUndefined();
    const offline = await adminDevice(imei);
    expect(offline.locked).toBe(false);
    expect(offline.offlineSince).toBeTruthy();

    await admin(sim(), 'POST', `/devices/${imei}/online`);
    const online = await adminDevice(imei);
    expect(online).toMatchObject({ locked: true, lockScreen: LOCK_SCREEN, online: true });
    expect(online.offlineSince).toBeUndefined();
    const done = await mdm().getCommand(deviceId, lock.commandId);
    expect(done).toMatchObject({ commandId: lock.commandId, type: 'LOCK', status: 'COMPLETED' });
    expect(Date.parse(done.completedAt!)).toBeGreaterThanOrEqual(Date.parse(done.issuedAt));

    // Online now: an unlock completes at once and takes the lock screen away.
    const unlock = await mdm().unlockDevice(deviceId);
    expect(unlock).toMatchObject({ type: 'UNLOCK', status: 'COMPLETED' });
    const unlocked = await adminDevice(imei);
    expect(unlocked.locked).toBe(false);
    expect(unlocked.lockScreen).toBeUndefined();
  });

  it('delivers waiting commands in order: the backup notice before the wipe, which leaves a stock phone', async () => {
    const device = phone(provider, 'IN_USE');
    const deviceId = await deviceIdOf(device.imei);
    await rig.setOnline(device.imei, false);
    expect((await adminDevice(device.imei)).installedApps.length).toBeGreaterThan(0);

    await mdm().sendMessage(deviceId, { title: 'Back up your phone', body: 'Save your contacts before Friday' });
    const wipe = await mdm().wipeDevice(deviceId);
    expect(wipe).toMatchObject({ type: 'WIPE', status: 'PENDING' });
    const before = await adminDevice(device.imei);
    expect(before.userId).toBeTruthy();
    expect(before.wipedAt).toBeUndefined();

    await rig.setOnline(device.imei, true);
    const after = await adminDevice(device.imei);
    expect(after.userId).toBeUndefined();
    expect(after.profileId).toBeUndefined();
    expect(after.installedApps).toEqual([]);
    expect(after.wipedAt).toBeTruthy();
    expect(after.events.slice(-2).map((e) => e.type)).toEqual(['ONLINE', 'WIPED']);
    const commands = await rig.mdmCommands(device.imei);
    expect(commands.map((c) => [c.type, c.status])).toEqual([
      ['MESSAGE', 'COMPLETED'],
      ['WIPE', 'COMPLETED'],
    ]);
    expect((await mdm().findDeviceByImei(device.imei))!.userId).toBeUndefined();
  });

  it('lists commands newest first, pending ones included', async () => {
    const { imei } = phone(provider, 'IN_STOCK');
    const deviceId = await deviceIdOf(imei);
    const first = await mdm().lockDevice(deviceId, LOCK_SCREEN);
    const second = await mdm().uninstallApp(deviceId, 'com.retailco.pos');
    const third = await mdm().unlockDevice(deviceId);
    const listed = await mdm().listCommands(deviceId);
    expect(listed.map((c) => c.commandId)).toEqual([third.commandId, second.commandId, first.commandId]);
    expect(listed.map((c) => c.type)).toEqual(['UNLOCK', 'UNINSTALL_APP', 'LOCK']);
    expect(listed.every((c) => c.status === 'PENDING')).toBe(true);
    expect(listed[1]!.packageName).toBe('com.retailco.pos');
    expect(await mdm().listCommands(await deviceIdOf(phone(provider, 'IN_STOCK').imei))).toEqual([]);
  });

  it('uninstalls the apps a new role does not have (a mover); the command list shows which', async () => {
    const device = phone(provider, 'IN_USE');
    const deviceId = await deviceIdOf(device.imei);
    const holder = fleet.employees.find((e) => e.employeeId === device.employeeId)!;
    const oldApps = roleByCode(holder.roleCode)!.apps;
    const newRole = roleByCode(holder.roleCode === 'SECURITY_AGENT' ? 'CASHIER' : 'SECURITY_AGENT')!;
    expect((await adminDevice(device.imei)).installedApps).toEqual([...oldApps]);

    await mdm().applyProfile(deviceId, newRole.profileId);
    // Applying a profile installs its apps but leaves the old role's ones in place.
    const applied = await adminDevice(device.imei);
    expect(applied.installedApps).toEqual(expect.arrayContaining([...oldApps, ...newRole.apps]));

    const extra = oldApps.filter((p) => !newRole.apps.includes(p));
    expect(extra.length).toBeGreaterThan(0);
    for (const pkg of extra) expect(await mdm().uninstallApp(deviceId, pkg)).toMatchObject({ type: 'UNINSTALL_APP', status: 'COMPLETED', packageName: pkg });

    expect([...(await adminDevice(device.imei)).installedApps].sort()).toEqual([...newRole.apps].sort());
    const uninstalled = (await rig.mdmCommands(device.imei)).filter((c) => c.type === 'UNINSTALL_APP').map((c) => c.packageName);
    expect(uninstalled).toEqual(extra);
  });

  it('registers, groups and unenrols idempotently', async () => {
    const imei = makeImei('35900017', provider === 'KNOX_MANAGE' ? 800_001 : 800_002);
    const registration = { imei, serial: 'R58J0800001', model: 'Galaxy J5 (2017)', iccid: '89701990000000800011' };
    const registered = await mdm().register(registration);
    expect(registered).toMatchObject({ imei, serial: registration.serial, model: registration.model, online: false });
    expect(await mdm().register(registration)).toMatchObject({ deviceId: registered.deviceId });
    expect((await mdm().findDeviceByImei(imei))!.deviceId).toBe(registered.deviceId);
    // The reseller's upload: a phone known to an MDM is known to Knox Guard.
    expect(await systems.knoxGuard.getDevice(imei)).toMatchObject({ deviceUid: imei, status: 'Active' });

    await mdm().moveToGroup(registered.deviceId, 'store-S002');
    await mdm().moveToGroup(registered.deviceId, 'store-S002');
    expect((await mdm().findDeviceByImei(imei))!.groupId).toBe('store-S002');
    expect((await adminDevice(imei)).events.filter((e) => e.type === 'GROUP_CHANGED')).toHaveLength(1);

    await mdm().unenrol(registered.deviceId);
    await mdm().unenrol(registered.deviceId);
    expect(await mdm().findDeviceByImei(imei)).toBeNull();
    // The console keeps the record, unenrolled; the phone no longer reports to this MDM.
    expect(await adminDevice(imei)).toMatchObject({ enrolled: false, imei });
    expect((await adminDevice(imei)).events.filter((e) => e.type === 'UNENROLLED')).toHaveLength(1);
    await expect(rig.setOnline(imei, true)).rejects.toThrow(/no MDM manages/);

    // Registered again after unenrolment: a device id no other device has.
    const again = await mdm().register(registration);
    const ids = (await mdm().listDevices({ pageNumber: 1, pageSize: 500 })).devices.map((d) => d.deviceId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(again.deviceId);
  });

  it('refuses a command for an unknown device or command, permanently', async () => {
    const device = phone(provider, 'IN_STOCK');
    const deviceId = await deviceIdOf(device.imei);
    expect((await failure(mdm().getCommand(deviceId, '999999'), PermanentSystemError)).status).toBe(404);
    const unknown = provider === 'KNOX_MANAGE' ? 'KM99999999' : makeImei('35999999', 2);
    expect((await failure(mdm().lockDevice(unknown, LOCK_SCREEN), PermanentSystemError)).status).toBe(404);
  });
});

describe('Knox Guard adapter', () => {
  const guard = () => systems.knoxGuard;

  it('stays Locking while the phone is offline and is Locked once it comes online', async () => {
    const { imei } = phone('KNOX_MANAGE', 'IN_STOCK');
    expect(await guard().getDevice(imei)).toMatchObject({ deviceUid: imei, status: 'Active' });

    const locking = await guard().lock(imei, { message: LOCK_SCREEN.message, tel: LOCK_SCREEN.phoneNumber }, `leaver-E1:${imei}:brick`);
    expect(locking).toMatchObject({ deviceUid: imei, status: 'Locking', message: LOCK_SCREEN.message, tel: LOCK_SCREEN.phoneNumber });
    expect((await guard().getDevice(imei))!.status).toBe('Locking');

    // The phone reaches the network through its MDM: Knox Guard delivers the lock.
    await admin(sims.knoxManage, 'POST', `/devices/${imei}/online`);
    expect((await guard().getDevice(imei))!.status).toBe('Locked');
    expect(await admin(sims.knoxGuard, 'GET', `/devices/${imei}`)).toMatchObject({ status: 'Locked', message: LOCK_SCREEN.message, tel: LOCK_SCREEN.phoneNumber });
    expect((await rig.knoxGuardDevice(imei))!.actions.map((a) => a.action)).toEqual(['LOCK_REQUESTED', 'LOCK_APPLIED']);
  });

  it('answers a repeated transaction id with the first answer and locks once', async () => {
    const { imei } = phone('SECOND_MDM', 'IN_STOCK');
    const before = sims.knoxGuard.transactionCounts();
    const tx = `leaver-E2:${imei}:brick`;
    const first = await guard().lock(imei, { message: 'Bring the phone back', tel: '+7 800 000-00-03' }, tx);
    const again = await guard().lock(imei, { message: 'Bring the phone back', tel: '+7 800 000-00-03' }, tx);
    expect(again).toEqual(first);
    expect((await rig.knoxGuardDevice(imei))!.actions.filter((a) => a.action === 'LOCK_REQUESTED')).toHaveLength(1);
    expect(sims.knoxGuard.transactionCounts()).toEqual({ transactions: before.transactions + 1, replays: before.replays + 1 });
    expect(await rig.callCount('knoxGuard', '/kg/devices/lock')).toBe(2);
    // The same id for another request is a caller's bug, refused.
    expect((await failure(guard().unlock(imei, tx), PermanentSystemError)).status).toBe(409);
  });

  it('locks an online phone at once; unlocking goes through Unlocking while it is offline', async () => {
    const device = phone('KNOX_MANAGE', 'IN_USE');
    expect((await guard().lock(device.imei, { message: 'Locked by IT', tel: '+7 800 000-00-01' }, 'support-1:lock')).status).toBe('Locked');
    await rig.setOnline(device.imei, false);
    expect((await guard().unlock(device.imei, 'support-1:unlock')).status).toBe('Unlocking');
    expect((await rig.knoxGuardDevice(device.imei))!.status).toBe('Unlocking');
    await rig.setOnline(device.imei, true);
    expect((await guard().getDevice(device.imei))!.status).toBe('Active');
  });

  it('answers null for a phone it does not know, and refuses to lock it', async () => {
    const stranger = makeImei('35999999', 3);
    expect(await guard().getDevice(stranger)).toBeNull();
    expect((await failure(guard().lock(stranger, { message: 'm', tel: 't' }, 'tx-stranger'), PermanentSystemError)).status).toBe(404);
  });

  it('refuses a wrong API token permanently', async () => {
    const wrong = new KnoxGuardHttpApi({ baseUrl: sims.urls.knoxGuard, apiToken: 'wrong' });
    const err = await failure(wrong.getDevice(fleet.devices[0]!.imei), PermanentSystemError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('KG_UNAUTHORIZED');
  });
});

describe('lease partner adapter', () => {
  const lease = () => systems.leasePartner;

  it('opens one case per idempotency key', async () => {
    const device = phone('KNOX_MANAGE', 'IN_USE');
    const input = { imei: device.imei, leaseContract: device.leaseContract, reason: 'Not returned by a leaver; bricked' };
    const first = await lease().reportLoss(input, `leaver-E3:${device.imei}:write-off`);
    expect(first).toMatchObject({ imei: device.imei, kind: 'WRITE_OFF', status: 'OPEN' });
    expect(await lease().reportLoss(input, `leaver-E3:${device.imei}:write-off`)).toEqual(first);
    const cases = (await rig.leaseCases()).filter((c) => c.imei === device.imei);
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ caseId: first.caseId, leaseContract: device.leaseContract, idempotencyKey: `leaver-E3:${device.imei}:write-off` });

    const swap = await lease().requestSwap({ ...input, reason: 'Screen broken' }, `swap-1:${device.imei}`);
    expect(swap).toMatchObject({ kind: 'SWAP', status: 'OPEN' });
    expect(swap.caseId).not.toBe(first.caseId);
  });

  it('answers 201 for a new case and 200 for a repeat; a reused key for another phone is refused', async () => {
    const { imei, leaseContract } = phone('KNOX_MANAGE', 'IN_STOCK');
    const post = (key: string, body: unknown) =>
      fetch(`${sims.urls.leasePartner}/api/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sims.credentials.leasePartner.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
    const body = { kind: 'SWAP', imei, leaseContract, reason: 'Dropped in the warehouse' };
    expect((await post('k-201', body)).status).toBe(201);
    const repeat = await post('k-201', body);
    expect(repeat.status).toBe(200);
    const { caseId } = (await repeat.json()) as { caseId: string };
    const read = await fetch(`${sims.urls.leasePartner}/api/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${sims.credentials.leasePartner.token}` } });
    expect(await read.json()).toMatchObject({ caseId, imei, kind: 'SWAP', status: 'OPEN' });

    const other = fleet.devices.find((d) => d.imei !== imei)!;
    const reused = await failure(lease().requestSwap({ imei: other.imei, leaseContract, reason: 'x' }, 'k-201'), PermanentSystemError);
    expect(reused.status).toBe(422);
  });

  it('refuses a wrong token permanently', async () => {
    const wrong = new LeasePartnerHttpApi({ baseUrl: sims.urls.leasePartner, token: 'wrong' });
    const device = fleet.devices[0]!;
    const err = await failure(wrong.reportLoss({ imei: device.imei, leaseContract: device.leaseContract, reason: 'x' }, 'k-wrong'), PermanentSystemError);
    expect(err.status).toBe(401);
  });
});

describe('simulator state across a restart', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-commands-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps pending commands, Knox Guard locks and transactions, and lease cases', async () => {
    const stateFile = path.join(dir, 'simulators.json');
    const small = generateFleet({ stores: 1, employeesPerStore: 2, stockPerStore: 3, seed: 3 });
    const [a, b] = small.devices.filter((d) => d.state === 'IN_STOCK');

    const first = await startSimulators({ stateFile });
    let lockId: string;
    let caseId: string;
    let unenrolledId: string;
    try {
      await seedSimulators(first, small);
      const sys = createExternalSystems(externalSystemsFromSimulators(first));
      const deviceId = (await sys.mdm.KNOX_MANAGE.findDeviceByImei(a!.imei))!.deviceId;
      lockId = (await sys.mdm.KNOX_MANAGE.lockDevice(deviceId, LOCK_SCREEN)).commandId;
      unenrolledId = (await sys.mdm.KNOX_MANAGE.findDeviceByImei(b!.imei))!.deviceId;
      await sys.mdm.KNOX_MANAGE.unenrol(unenrolledId);
      expect((await sys.knoxGuard.lock(a!.imei, { message: 'm', tel: 't' }, 'tx-restart')).status).toBe('Locking');
      caseId = (await sys.leasePartner.reportLoss({ imei: a!.imei, leaseContract: a!.leaseContract, reason: 'lost' }, 'key-restart')).caseId;
    } finally {
      await first.close();
    }

    const second = await startSimulators({ stateFile, credentials: first.credentials });
    try {
      expect(second.restored).toBe(true);
      const sys = createExternalSystems(externalSystemsFromSimulators(second));
      const knox = sys.mdm.KNOX_MANAGE;
      const deviceId = (await knox.findDeviceByImei(a!.imei))!.deviceId;
      expect(await knox.getCommand(deviceId, lockId)).toMatchObject({ status: 'PENDING', type: 'LOCK' });
      expect((await sys.knoxGuard.getDevice(a!.imei))!.status).toBe('Locking');

      await simAdmin(second).setOnline(a!.imei, true);
      expect(await knox.getCommand(deviceId, lockId)).toMatchObject({ status: 'COMPLETED' });
      expect((await sys.knoxGuard.getDevice(a!.imei))!.status).toBe('Locked');

      // Idempotency outlives the restart: the same transaction and key change nothing more.
      await sys.knoxGuard.lock(a!.imei, { message: 'm', tel: 't' }, 'tx-restart');
      expect(second.knoxGuard.device(a!.imei)!.actions.filter((x) => x.action === 'LOCK_REQUESTED')).toHaveLength(1);
      expect((await sys.leasePartner.reportLoss({ imei: a!.imei, leaseContract: a!.leaseContract, reason: 'lost' }, 'key-restart')).caseId).toBe(caseId);
      expect(second.leasePartner.listCases()).toHaveLength(1);

      // The unenrolled phone stays gone, and a new registration does not reuse a device id.
      expect(await knox.findDeviceByImei(b!.imei)).toBeNull();
      const again = await knox.register({ imei: b!.imei, serial: b!.serial, model: b!.model });
      const ids = second.knoxManage.devices.list().map((d) => d.deviceId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(again.deviceId).not.toBe(unenrolledId);
    } finally {
      await second.close();
    }
  });

  it('opens a state file written before commands, Knox Guard and the leasing partner existed', async () => {
    const stateFile = path.join(dir, 'old.json');
    const imei = makeImei('35900016', 700_001);
    const oldDevice = {
      deviceId: 'KM00000001',
      imei,
      serial: 'R28H0700001',
      model: 'Galaxy J5 (2016)',
      profileId: roleByCode('CASHIER')!.profileId,
      userId: 'user-old',
      online: false,
      registeredAt: '2026-01-01T00:00:00.000Z',
      messages: [],
      events: [{ at: '2026-01-01T00:00:00.000Z', type: 'REGISTERED' }],
    };
    const simulators = {
      knoxManage: { devices: [oldDevice] },
      secondMdm: { devices: [], configurations: [] },
      operator: { sims: [], registrations: [], registrationSeq: 0 },
      hr: { employees: [] },
      directory: { accounts: [] },
    };
    fs.writeFileSync(stateFile, JSON.stringify({ version: 1, simulators }));

    const restored = await startSimulators({ stateFile });
    try {
      const sys = createExternalSystems(externalSystemsFromSimulators(restored));
      expect((await sys.knoxGuard.getDevice(imei))!.status).toBe('Active');
      const wipe = await sys.mdm.KNOX_MANAGE.wipeDevice('KM00000001');
      expect(wipe.status).toBe('PENDING');
      expect(restored.knoxManage.devices.byImei(imei)!.installedApps).toEqual([...roleByCode('CASHIER')!.apps]);
      const added = await sys.mdm.KNOX_MANAGE.register({ imei: makeImei('35900016', 700_002), serial: 's', model: 'm' });
      expect(added.deviceId).toBe('KM00000002');
    } finally {
      await restored.close();
    }
    const saved = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { simulators: Record<string, unknown> };
    expect(Object.keys(saved.simulators)).toEqual(expect.arrayContaining(['knoxGuard', 'leasePartner']));
  });
});

describe('configuration of the new systems', () => {
  it('reads Knox Guard and the leasing partner from the environment', () => {
    const config = externalSystemsConfigFromEnv({
      KNOX_GUARD_URL: 'https://eu-kcs-api.samsungknox.com',
      KNOX_GUARD_API_TOKEN: 'kg',
      LEASE_PARTNER_URL: 'https://lease.example',
      LEASE_PARTNER_TOKEN: 'lp',
    });
    expect(config).toEqual({
      knoxGuard: { baseUrl: 'https://eu-kcs-api.samsungknox.com', apiToken: 'kg' },
      leasePartner: { baseUrl: 'https://lease.example', token: 'lp' },
    });
    expect(() => externalSystemsConfigFromEnv({ KNOX_GUARD_URL: 'https://eu-kcs-api.samsungknox.com' })).toThrow(/KNOX_GUARD_API_TOKEN/);
    expect(() => externalSystemsConfigFromEnv({ LEASE_PARTNER_URL: 'https://lease.example' })).toThrow(/LEASE_PARTNER_TOKEN/);
  });
});
