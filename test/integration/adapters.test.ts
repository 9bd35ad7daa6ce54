// The adapters against the simulators over real HTTP: happy paths, and the failures the story
// lived through (throttling, outages, expired tokens, late directory accounts, a rejected SIM
// owner registration), each classified the way Temporal's retry policies expect.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExternalSystems, externalSystemsFromSimulators, externalSystemsConfigFromEnv, type ExternalSystems } from '../../src/systems/index.ts';
import { PermanentSystemError, RetryableSystemError } from '../../src/systems/shared/errors.ts';
import { GraphDirectory } from '../../src/systems/directory/http.ts';
import { HrHttpApi } from '../../src/systems/hr/http.ts';
import { parseRetryAfter } from '../../src/systems/shared/http-client.ts';
import { KnoxManageMdm } from '../../src/systems/knox-manage/http.ts';
import { ControlCenterOperator } from '../../src/systems/operator/http.ts';
import type { SimOwnerIdentity } from '../../src/systems/operator/api.ts';
import { HeadwindMdm } from '../../src/systems/second-mdm/http.ts';
import { makeIccid, makeImei } from '../../src/domain/identifiers.ts';
import { roleByCode } from '../../src/domain/roles.ts';
import { generateFleet, seedSimulators, type Fleet, type FleetDevice, type FleetSim, type SeedResult } from '../../src/systems/fleet.ts';
import { startSimulators, type RunningSimulators } from '../../src/systems/index.ts';
import { admin, failure } from '../support/simulator-calls.ts';

let sims: RunningSimulators;
let systems: ExternalSystems;
let fleet: Fleet;
let seeded: SeedResult;

beforeAll(async () => {
  sims = await startSimulators({ seed: 5 });
  fleet = generateFleet({ stores: 3, employeesPerStore: 3, stockPerStore: 6, seed: 11 });
  seeded = await seedSimulators(sims, fleet);
  systems = createExternalSystems(externalSystemsFromSimulators(sims));
});

afterEach(() => {
  sims.resetFaults();
  sims.operator.setRegistrationPolicy({ decideAfterMs: 200, rejectAll: false, rejectDocumentNumbers: [], reason: 'Identity document could not be verified' });
});

afterAll(async () => {
  await sims?.close();
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function storeDevices(provider: 'KNOX_MANAGE' | 'SECOND_MDM', state: FleetDevice['state']): FleetDevice[] {
  return fleet.devices.filter((d) => d.mdmProvider === provider && d.state === state);
}

interface AdminDevice {
  deviceId: string;
  userId?: string;
  profileId?: string;
  online: boolean;
  messages: { title: string; body: string; sentAt: string; deliveredAt?: string }[];
  events: { type: string; value?: string }[];
}

describe('Knox Manage adapter', () => {
  const knox = () => systems.mdm.KNOX_MANAGE;

  it('finds a registered phone by IMEI with its user, profile and SIM; an unknown IMEI is null', async () => {
    const device = storeDevices('KNOX_MANAGE', 'IN_USE')[0]!;
    const holder = fleet.employees.find((e) => e.employeeId === device.employeeId)!;
    const found = await knox().findDeviceByImei(device.imei);
    expect(found).toMatchObject({
      deviceId: seeded.mdmDeviceIds[device.imei],
      imei: device.imei,
      serial: device.serial,
      model: device.model,
      iccid: device.iccid,
      userId: holder.directoryUserId,
      profileId: roleByCode(holder.roleCode)!.profileId,
      online: true,
    });
    expect(found!.lastSeenAt).toBeTruthy();
    expect(await knox().findDeviceByImei(makeImei('35999999', 1))).toBeNull();
  });

  it('assigns a stock phone, applies a profile and pushes messages; repeats are no-ops', async () => {
    const device = storeDevices('KNOX_MANAGE', 'IN_STOCK')[0]!;
    const { deviceId, online } = (await knox().findDeviceByImei(device.imei))!;
    expect(online).toBe(false);

    await knox().assignUser(deviceId, 'user-1');
    await knox().assignUser(deviceId, 'user-1');
    await knox().applyProfile(deviceId, 'profile-cashier');
    await knox().applyProfile(deviceId, 'profile-cashier');
    await knox().sendMessage(deviceId, { title: 'Welcome', body: 'Your phone is ready' });
    await knox().sendMessage(deviceId, { title: 'Training', body: 'Tuesday 10:00, room 2' });

    const state = await admin<AdminDevice>(sims.knoxManage, 'GET', `/devices/${device.imei}`);
    expect(state).toMatchObject({ deviceId, userId: 'user-1', profileId: 'profile-cashier' });
    expect(state.events.map((e) => e.type)).toEqual(['REGISTERED', 'USER_ASSIGNED', 'PROFILE_APPLIED']);
    expect(state.messages.map((m) => [m.title, m.body])).toEqual([
      ['Welcome', 'Your phone is ready'],
      ['Training', 'Tuesday 10:00, room 2'],
    ]);
    // The phone is offline: messages wait for it, and reach it when it comes online.
    expect(state.messages.every((m) => m.deliveredAt === undefined)).toBe(true);
    await admin(sims.knoxManage, 'POST', `/devices/${device.imei}/online`);
    const online2 = await admin<AdminDevice>(sims.knoxManage, 'GET', `/devices/${device.imei}`);
    expect(online2.messages.every((m) => m.deliveredAt !== undefined)).toBe(true);
    expect((await knox().findDeviceByImei(device.imei))!.online).toBe(true);

    const calls = await admin<Record<string, number>>(sims.knoxManage, 'GET', '/calls');
    expect(calls['POST /emm/oapi/mdm/commonOTCServiceWrapper/sendDeviceControlForNotification']).toBe(2);
    expect(calls['POST /emm/oapi/device/updateDeviceUser']).toBe(2);
  });

  it('unassigns a phone back to stock, twice without harm', async () => {
    const device = storeDevices('KNOX_MANAGE', 'IN_STOCK')[1]!;
    const { deviceId } = (await knox().findDeviceByImei(device.imei))!;
    await knox().assignUser(deviceId, 'user-2');
    await knox().unassignUser(deviceId);
    await knox().unassignUser(deviceId);
    const found = await knox().findDeviceByImei(device.imei);
    expect(found!.userId).toBeUndefined();
    const state = await admin<AdminDevice>(sims.knoxManage, 'GET', `/devices/${device.imei}`);
    expect(state.events.map((e) => e.type)).toEqual(['REGISTERED', 'USER_ASSIGNED', 'USER_UNASSIGNED']);
  });

  it('lists the inventory page by page', async () => {
    const expected = fleet.devices.filter((d) => d.mdmProvider === 'KNOX_MANAGE').map((d) => d.imei);
    const first = await knox().listDevices({ pageNumber: 1, pageSize: 5 });
    expect(first.total).toBe(expected.length);
    const imeis = [...first.devices.map((d) => d.imei)];
    for (let page = 2; imeis.length < first.total; page++) {
      imeis.push(...(await knox().listDevices({ pageNumber: page, pageSize: 5 })).devices.map((d) => d.imei));
    }
    expect(imeis.sort()).toEqual([...expected].sort());
  });

  it('refuses a command on a device the MDM does not know, permanently', async () => {
    const err = await failure(knox().assignUser('KM99999999', 'user-x'), PermanentSystemError);
    expect(err.status).toBe(404);
    expect(err.message).toContain('2101');
  });

  it('turns 429 + Retry-After into a RetryableSystemError carrying the delay', async () => {
    const imei = storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei;
    await knox().findDeviceByImei(imei); // token cached: the API call itself is throttled
    await admin(sims.knoxManage, 'PUT', '/faults', { throttleRate: 1, retryAfterSeconds: 7 });
    const err = await failure(knox().findDeviceByImei(imei), RetryableSystemError);
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(7_000);
    await admin(sims.knoxManage, 'DELETE', '/faults');
    expect(await knox().findDeviceByImei(imei)).not.toBeNull();
  });

  it('treats an outage and random 503s as retryable; the admin API stays up', async () => {
    const imei = storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei;
    await admin(sims.knoxManage, 'PUT', '/faults', { outage: { down: true } });
    const down = await failure(knox().findDeviceByImei(imei), RetryableSystemError);
    expect(down.status).toBe(503);
    expect(down.retryAfterMs).toBeUndefined();
    // Admin routes are never faulted.
    expect(await admin(sims.knoxManage, 'GET', `/devices/${imei}`)).toMatchObject({ imei });

    const until = new Date(Date.now() + 30_000).toISOString();
    await admin(sims.knoxManage, 'PUT', '/faults', { outage: { until } });
    const timed = await failure(knox().findDeviceByImei(imei), RetryableSystemError);
    expect(timed.retryAfterMs).toBeGreaterThan(25_000);
    expect(timed.retryAfterMs).toBeLessThanOrEqual(30_000);

    await admin(sims.knoxManage, 'PUT', '/faults', { outage: { until: new Date(Date.now() - 1000).toISOString() } });
    expect(await knox().findDeviceByImei(imei)).not.toBeNull();

    await admin(sims.knoxManage, 'PUT', '/faults', { errorRate: 1 });
    const flaky = await failure(knox().findDeviceByImei(imei), RetryableSystemError);
    expect(flaky.status).toBe(503);
  });

  it('draws fault rates from a seeded PRNG: the same seed fails the same calls', async () => {
    const imei = storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei;
    await knox().findDeviceByImei(imei);
    const pattern = async (): Promise<boolean[]> => {
      await admin(sims.knoxManage, 'PUT', '/faults', { errorRate: 0.5, seed: 99 });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 12; i++)
        outcomes.push(
          await knox()
            .findDeviceByImei(imei)
            .then(
              () => true,
              () => false,
            ),
        );
      return outcomes;
    };
    const first = await pattern();
    expect(first).toContain(true);
    expect(first).toContain(false);
    expect(await pattern()).toEqual(first);
  });

  it('times out a slow answer as retryable, and a closed port as a network error', async () => {
    const impatient = new KnoxManageMdm({ baseUrl: sims.urls.knoxManage, ...sims.credentials.knoxManage, timeoutMs: 100 });
    await admin(sims.knoxManage, 'PUT', '/faults', { latencyMs: 400 });
    const slow = await failure(impatient.findDeviceByImei(storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei), RetryableSystemError);
    expect(slow.message).toContain('no answer within 100 ms');

    const nowhere = new KnoxManageMdm({ baseUrl: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'y', timeoutMs: 2_000 });
    const unreachable = await failure(nowhere.findDeviceByImei(storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei), RetryableSystemError);
    expect(unreachable.message).toContain('network error');
  });

  it('refuses bad client credentials permanently, without calling the API', async () => {
    const wrong = new KnoxManageMdm({ baseUrl: sims.urls.knoxManage, clientId: sims.credentials.knoxManage.clientId, clientSecret: 'wrong' });
    const err = await failure(wrong.findDeviceByImei(storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei), PermanentSystemError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('invalid_client');
    expect(err.message).not.toContain('wrong');
    const calls = await admin<Record<string, number>>(sims.knoxManage, 'GET', '/calls');
    expect(calls['POST /emm/oapi/device/selectDeviceInfoByImei']).toBeUndefined();
  });

  it('gets a new token once when the old one was revoked, then carries on', async () => {
    const client = new KnoxManageMdm({ baseUrl: sims.urls.knoxManage, ...sims.credentials.knoxManage });
    const imei = storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei;
    await client.findDeviceByImei(imei);
    await admin(sims.knoxManage, 'POST', '/tokens/expire');
    expect(await client.findDeviceByImei(imei)).not.toBeNull();
    const calls = await admin<Record<string, number>>(sims.knoxManage, 'GET', '/calls');
    expect(calls['POST /emm/oauth/token']).toBe(2);
    expect(calls['POST /emm/oapi/device/selectDeviceInfoByImei']).toBe(3); // ok, 401, ok
  });

  it('renews a token before it expires instead of waiting for a 401', async () => {
    await admin(sims.knoxManage, 'PUT', '/tokens', { ttlSeconds: 1 });
    try {
      const client = new KnoxManageMdm({ baseUrl: sims.urls.knoxManage, ...sims.credentials.knoxManage });
      const imei = storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei;
      await client.findDeviceByImei(imei);
      await client.findDeviceByImei(imei); // same token, still fresh
      await new Promise((r) => setTimeout(r, 1_000));
      await client.findDeviceByImei(imei);
      const calls = await admin<Record<string, number>>(sims.knoxManage, 'GET', '/calls');
      expect(calls['POST /emm/oauth/token']).toBe(2);
      expect(calls['POST /emm/oapi/device/selectDeviceInfoByImei']).toBe(3); // no 401 on the way
    } finally {
      await admin(sims.knoxManage, 'PUT', '/tokens', { ttlSeconds: 3600 });
    }
  });

  it('gives up with a PermanentSystemError when a fresh token is refused too', async () => {
    const client = new KnoxManageMdm({ baseUrl: sims.urls.knoxManage, ...sims.credentials.knoxManage });
    const imei = storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei;
    await client.findDeviceByImei(imei);
    // Every token is revoked as soon as it is issued: the retry after the refresh fails too.
    const issue = sims.knoxManage.tokens.issue.bind(sims.knoxManage.tokens);
    sims.knoxManage.tokens.issue = () => {
      const issued = issue();
      queueMicrotask(() => sims.knoxManage.tokens.expireAll());
      return issued;
    };
    try {
      await admin(sims.knoxManage, 'POST', '/tokens/expire');
      const err = await failure(client.findDeviceByImei(imei), PermanentSystemError);
      expect(err.status).toBe(401);
    } finally {
      sims.knoxManage.tokens.issue = issue;
    }
  });
});

describe('second MDM adapter (Headwind-style)', () => {
  const second = () => systems.mdm.SECOND_MDM;

  it('finds phones of the stores still on the second MDM, with the profile by name', async () => {
    const device = storeDevices('SECOND_MDM', 'IN_USE')[0]!;
    const holder = fleet.employees.find((e) => e.employeeId === device.employeeId)!;
    const found = await second().findDeviceByImei(device.imei);
    expect(found).toMatchObject({
      deviceId: device.imei,
      imei: device.imei,
      model: device.model,
      iccid: device.iccid,
      userId: holder.directoryUserId,
      profileId: roleByCode(holder.roleCode)!.profileId,
      online: true,
    });
    expect(await second().findDeviceByImei(storeDevices('KNOX_MANAGE', 'IN_USE')[0]!.imei)).toBeNull();
  });

  it('assigns, profiles and messages a phone through the same interface', async () => {
    const device = storeDevices('SECOND_MDM', 'IN_STOCK')[0]!;
    const { deviceId } = (await second().findDeviceByImei(device.imei))!;
    await second().assignUser(deviceId, 'user-9');
    await second().applyProfile(deviceId, 'profile-warehouse-operator');
    await second().applyProfile(deviceId, 'profile-warehouse-operator');
    await second().sendMessage(deviceId, { title: 'Bring to support', body: 'Call +7 800 000-00-03' });
    const found = await second().findDeviceByImei(device.imei);
    expect(found).toMatchObject({ userId: 'user-9', profileId: 'profile-warehouse-operator', online: false });
    const state = await admin<AdminDevice>(sims.secondMdm, 'GET', `/devices/${device.imei}`);
    expect(state.events.map((e) => e.type)).toEqual(['REGISTERED', 'USER_ASSIGNED', 'PROFILE_APPLIED']);
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]!.body).toBe('Bring to support\nCall +7 800 000-00-03');

    await second().unassignUser(deviceId);
    expect((await second().findDeviceByImei(device.imei))!.userId).toBeUndefined();
  });

  it('lists its inventory', async () => {
    const expected = fleet.devices.filter((d) => d.mdmProvider === 'SECOND_MDM');
    const page = await second().listDevices({ pageNumber: 1, pageSize: 100 });
    expect(page.total).toBe(expected.length);
    expect(page.devices.map((d) => d.imei).sort()).toEqual(expected.map((d) => d.imei).sort());
  });

  it('refuses a profile it does not have, permanently', async () => {
    const device = storeDevices('SECOND_MDM', 'IN_STOCK')[1]!;
    const err = await failure(second().applyProfile(device.imei, 'profile-unknown'), PermanentSystemError);
    expect(err.message).toContain('profile-unknown');
  });

  it('logs in again after its token expired, and refuses a wrong password permanently', async () => {
    const imei = storeDevices('SECOND_MDM', 'IN_USE')[0]!.imei;
    const client = new HeadwindMdm({ baseUrl: sims.urls.secondMdm, ...sims.credentials.secondMdm });
    await client.findDeviceByImei(imei);
    await admin(sims.secondMdm, 'POST', '/tokens/expire');
    expect(await client.findDeviceByImei(imei)).not.toBeNull();
    expect((await admin<Record<string, number>>(sims.secondMdm, 'GET', '/calls'))['POST /rest/public/jwt/login']).toBe(2);

    const wrong = new HeadwindMdm({ baseUrl: sims.urls.secondMdm, login: sims.credentials.secondMdm.login, password: 'nope' });
    const err = await failure(wrong.findDeviceByImei(imei), PermanentSystemError);
    expect(err.status).toBe(401);
  });

  it('classifies its throttling like the primary MDM', async () => {
    await admin(sims.secondMdm, 'PUT', '/faults', { throttleRate: 1, retryAfterSeconds: 3 });
    const err = await failure(second().findDeviceByImei(storeDevices('SECOND_MDM', 'IN_USE')[0]!.imei), RetryableSystemError);
    expect(err.retryAfterMs).toBe(3_000);
  });
});

describe('operator adapter (Control Center style)', () => {
  const operator = () => systems.operator;
  let nextStockSim = 0;
  /** A stock SIM nobody else in this file registers. */
  const stockSim = (): FleetSim => fleet.sims.filter((s) => s.state === 'IN_STOCK')[nextStockSim++]!;
  const owner = (documentNumber = '00 00 123456'): SimOwnerIdentity => ({
    firstName: 'Ivan',
    lastName: 'Testov',
    birthDate: '1990-04-01',
    nationality: 'RU',
    documentType: 'PASSPORT',
    documentNumber,
  });

  it('reads a SIM with its phone number; an unknown ICCID is null', async () => {
    const sim = fleet.sims.find((s) => s.state === 'IN_USE')!;
    expect(await operator().getSim(sim.iccid)).toMatchObject({ iccid: sim.iccid, msisdn: sim.msisdn, imei: sim.imei, status: 'ACTIVATED' });
    expect(await operator().getSim(makeIccid('8970199', 999_999_999))).toBeNull();
  });

  it('changes a SIM status', async () => {
    const sim = fleet.sims.filter((s) => s.state === 'IN_USE')[1]!;
    expect(await operator().setSimStatus(sim.iccid, 'SUSPENDED')).toMatchObject({ iccid: sim.iccid, status: 'SUSPENDED' });
    expect((await operator().getSim(sim.iccid))!.status).toBe('SUSPENDED');
    await operator().setSimStatus(sim.iccid, 'ACTIVATED');
  });

  it('lists SIMs modified since a date, in pages of at most 50', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const iccids: string[] = [];
    for (let page = 1; ; page++) {
      const answer = await operator().listSims({ modifiedSince: since, pageNumber: page, pageSize: 4 });
      iccids.push(...answer.sims.map((s) => s.iccid));
      if (answer.lastPage) break;
    }
    expect(iccids.sort()).toEqual(fleet.sims.map((s) => s.iccid).sort());
    const future = await operator().listSims({ modifiedSince: new Date(Date.now() + 60_000).toISOString(), pageNumber: 1 });
    expect(future).toEqual({ sims: [], lastPage: true });
  });

  it('takes an owner registration as PENDING and accepts it later', async () => {
    const sim = stockSim();
    const submitted = await operator().submitOwnerRegistration(sim.iccid, owner(), `joiner-E1:${sim.iccid}`);
    expect(submitted).toMatchObject({ iccid: sim.iccid, status: 'PENDING' });
    const accepted = await eventually(async () => {
      const r = await operator().getOwnerRegistration(submitted.registrationId);
      return r.status === 'PENDING' ? undefined : r;
    });
    // Accepted, the person still has to confirm it on the state portal by the operator's cut-off.
    expect(accepted).toEqual({ registrationId: submitted.registrationId, iccid: sim.iccid, status: 'ACCEPTED', confirmBy: expect.any(String) });
    expect(Date.parse(accepted.confirmBy!)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    await admin(sims.operator, 'POST', `/registrations/${submitted.registrationId}/confirm`);
    const confirmed = await operator().getOwnerRegistration(submitted.registrationId);
    expect(confirmed).toEqual({ registrationId: submitted.registrationId, iccid: sim.iccid, status: 'ACCEPTED', confirmedAt: expect.any(String) });
  });

  it('rejects a registration the policy refuses, with a reason and no identity data kept', async () => {
    await admin(sims.operator, 'PUT', '/registration-policy', { decideAfterMs: 50, rejectDocumentNumbers: ['00 00 999999'], reason: 'Document expired' });
    const sim = stockSim();
    const submitted = await operator().submitOwnerRegistration(sim.iccid, owner('00 00 999999'), `joiner-E2:${sim.iccid}`);
    const decided = await eventually(async () => {
      const r = await operator().getOwnerRegistration(submitted.registrationId);
      return r.status === 'PENDING' ? undefined : r;
    });
    expect(decided).toMatchObject({ status: 'REJECTED', reason: 'Document expired' });

    const listed = await fetch(`${sims.operator.url}/_sim/registrations`).then((r) => r.text());
    expect(listed).toContain(submitted.registrationId);
    expect(listed).not.toContain('999999');
    expect(listed).not.toContain('Testov');
    // A rejected registration has nothing to withdraw.
    expect((await operator().withdrawOwnerRegistration(submitted.registrationId)).status).toBe('REJECTED');
  });

  it('rejects everything when told to', async () => {
    await admin(sims.operator, 'PUT', '/registration-policy', { decideAfterMs: 0, rejectAll: true });
    const sim = stockSim();
    const submitted = await operator().submitOwnerRegistration(sim.iccid, owner(), `joiner-E3:${sim.iccid}`);
    expect((await operator().getOwnerRegistration(submitted.registrationId)).status).toBe('REJECTED');
  });

  it('answers the same registration for the same idempotency key', async () => {
    const sim = stockSim();
    const key = `joiner-E4:${sim.iccid}`;
    const first = await operator().submitOwnerRegistration(sim.iccid, owner(), key);
    const again = await operator().submitOwnerRegistration(sim.iccid, owner(), key);
    expect(again.registrationId).toBe(first.registrationId);
    const forKey = (await admin<{ idempotencyKey: string }[]>(sims.operator, 'GET', '/registrations')).filter((r) => r.idempotencyKey === key);
    expect(forKey).toHaveLength(1);
    const other = await operator().submitOwnerRegistration(sim.iccid, owner(), `${key}:retry-2`);
    expect(other.registrationId).not.toBe(first.registrationId);
  });

  it('withdraws a registration; withdrawing twice is a no-op', async () => {
    const sim = stockSim();
    const submitted = await operator().submitOwnerRegistration(sim.iccid, owner(), `joiner-E5:${sim.iccid}`);
    const once = await operator().withdrawOwnerRegistration(submitted.registrationId);
    const twice = await operator().withdrawOwnerRegistration(submitted.registrationId);
    expect(once.status).toBe('WITHDRAWN');
    expect(twice).toEqual(once);
    await new Promise((r) => setTimeout(r, 250)); // past the decision time: still withdrawn
    expect((await operator().getOwnerRegistration(submitted.registrationId)).status).toBe('WITHDRAWN');
  });

  it('keeps identity data out of error messages', async () => {
    const unknownIccid = makeIccid('8970199', 888_888_888);
    const err = await failure(operator().submitOwnerRegistration(unknownIccid, owner('00 00 424242'), 'k-unknown'), PermanentSystemError);
    expect(err.status).toBe(404);
    expect(err.message).not.toContain('424242');
    expect(err.message).not.toContain('Testov');
    const missing = await failure(operator().getOwnerRegistration('OR-NOPE'), PermanentSystemError);
    expect(missing.status).toBe(404);
  });

  it('refuses a wrong API key permanently and throttling as retryable', async () => {
    const wrong = new ControlCenterOperator({ baseUrl: sims.urls.operator, user: sims.credentials.operator.user, apiKey: 'wrong' });
    const denied = await failure(wrong.getSim(fleet.sims[0]!.iccid), PermanentSystemError);
    expect(denied.status).toBe(401);
    // Static credentials: nothing to refresh, so no second attempt.
    expect((await admin<Record<string, number>>(sims.operator, 'GET', '/calls'))['GET /rws/api/v1/devices/:iccid']).toBe(1);

    await admin(sims.operator, 'PUT', '/faults', { throttleRate: 1, retryAfterSeconds: 2 });
    const throttled = await failure(operator().getSim(fleet.sims[0]!.iccid), RetryableSystemError);
    expect(throttled.retryAfterMs).toBe(2_000);
  });
});

describe('HR adapter', () => {
  const hr = () => systems.hr;

  it('reads an employee; an unknown one is null', async () => {
    const employee = fleet.employees[0]!;
    expect(await hr().getEmployee(employee.employeeId)).toEqual({
      employeeId: employee.employeeId,
      storeId: employee.storeId,
      position: employee.position,
      startDate: employee.startDate,
      status: 'ACTIVE',
    });
    expect(await hr().getEmployee('E999999')).toBeNull();
  });

  it('reads identity data only when asked, and HR counts each read', async () => {
    const [a] = fleet.employees;
    await admin(sims.hr, 'DELETE', '/identity-reads');
    await hr().getEmployee(a!.employeeId);
    expect(await admin(sims.hr, 'GET', '/identity-reads')).toEqual({});
    expect(await hr().getIdentity(a!.employeeId)).toEqual(fleet.identities[a!.employeeId]);
    expect(await admin(sims.hr, 'GET', '/identity-reads')).toEqual({ [a!.employeeId]: 1 });
  });

  it('fails permanently for a missing identity and for a wrong token', async () => {
    const missing = await failure(hr().getIdentity('E999999'), PermanentSystemError);
    expect(missing.status).toBe(404);
    const wrong = new HrHttpApi({ baseUrl: sims.urls.hr, token: 'wrong' });
    const denied = await failure(wrong.getEmployee(fleet.employees[0]!.employeeId), PermanentSystemError);
    expect(denied.status).toBe(401);
  });

  it('is retryable while HR is down', async () => {
    await admin(sims.hr, 'PUT', '/faults', { outage: { down: true } });
    await failure(hr().getEmployee(fleet.employees[0]!.employeeId), RetryableSystemError);
  });
});

describe('directory adapter (Graph)', () => {
  const directory = () => systems.directory;

  it('finds the account of an existing employee', async () => {
    const employee = fleet.employees[0]!;
    expect(await directory().findUserByEmployeeId(employee.employeeId)).toEqual({
      id: employee.directoryUserId,
      employeeId: employee.employeeId,
      accountEnabled: true,
      onPremisesSamAccountName: employee.samAccountName,
      mail: expect.stringContaining('@'),
    });
  });

  it('answers null until a late account appears', async () => {
    await admin(sims.directory, 'POST', '/accounts', { employeeId: 'E700001', availableAfterMs: 600 });
    expect(await directory().findUserByEmployeeId('E700001')).toBeNull();
    const user = await eventually(async () => (await directory().findUserByEmployeeId('E700001')) ?? undefined);
    expect(user).toMatchObject({ employeeId: 'E700001', accountEnabled: true });
  });

  it('applies the default lag to accounts created without one', async () => {
    await admin(sims.directory, 'PUT', '/config', { defaultLagMs: 500 });
    try {
      await admin(sims.directory, 'POST', '/accounts', { employeeId: 'E700002' });
      expect(await directory().findUserByEmployeeId('E700002')).toBeNull();
      await new Promise((r) => setTimeout(r, 550));
      expect(await directory().findUserByEmployeeId('E700002')).not.toBeNull();
    } finally {
      await admin(sims.directory, 'PUT', '/config', { defaultLagMs: 0 });
    }
  });

  it('quotes employee ids safely in the OData filter', async () => {
    sims.directory.addAccount({ employeeId: "E'7003", availableAfterMs: 0 });
    expect((await directory().findUserByEmployeeId("E'7003"))?.employeeId).toBe("E'7003");
    expect(await directory().findUserByEmployeeId("E'7003' or employeeId eq 'E000001")).toBeNull();
  });

  it('turns Graph throttling into a retryable error with the delay', async () => {
    await directory().findUserByEmployeeId(fleet.employees[0]!.employeeId);
    await admin(sims.directory, 'PUT', '/faults', { throttleRate: 1, retryAfterSeconds: 11 });
    const err = await failure(directory().findUserByEmployeeId(fleet.employees[0]!.employeeId), RetryableSystemError);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 11_000, system: 'directory' });
  });

  it('refreshes its token after expiry; a wrong tenant or secret is permanent', async () => {
    await directory().findUserByEmployeeId(fleet.employees[0]!.employeeId);
    await admin(sims.directory, 'DELETE', '/calls');
    await admin(sims.directory, 'POST', '/tokens/expire');
    expect(await directory().findUserByEmployeeId(fleet.employees[0]!.employeeId)).not.toBeNull();
    expect((await admin<Record<string, number>>(sims.directory, 'GET', '/calls'))['POST /:tenant/oauth2/v2.0/token']).toBe(1);

    const c = sims.credentials.directory;
    const wrongTenant = new GraphDirectory({ baseUrl: sims.urls.directory, tenant: 'other.onmicrosoft.com', clientId: c.clientId, clientSecret: c.clientSecret });
    expect((await failure(wrongTenant.findUserByEmployeeId('E000001'), PermanentSystemError)).status).toBe(400);
    const wrongSecret = new GraphDirectory({ baseUrl: sims.urls.directory, tenant: c.tenant, clientId: c.clientId, clientSecret: 'nope' });
    expect((await failure(wrongSecret.findUserByEmployeeId('E000001'), PermanentSystemError)).status).toBe(401);
  });
});

describe('simulator admin API', () => {
  it('validates fault configurations and reports them back', async () => {
    const res = await fetch(`${sims.hr.url}/_sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 2 }) });
    expect(res.status).toBe(400);
    expect(await admin(sims.hr, 'PUT', '/faults', { latencyMs: 5, throttleRate: 0.25 })).toEqual({ latencyMs: 5, throttleRate: 0.25 });
    expect(await admin(sims.hr, 'GET', '/faults')).toEqual({ latencyMs: 5, throttleRate: 0.25 });
    await admin(sims.hr, 'DELETE', '/faults');
    expect(await admin(sims.hr, 'GET', '/faults')).toEqual({});
  });

  it('counts calls per route template and resets the counts', async () => {
    await admin(sims.hr, 'DELETE', '/calls');
    await systems.hr.getEmployee(fleet.employees[0]!.employeeId);
    await systems.hr.getEmployee(fleet.employees[1]!.employeeId);
    expect(await admin(sims.hr, 'GET', '/calls')).toEqual({ 'GET /api/v1/employees/:id': 2 });
    await admin(sims.hr, 'DELETE', '/calls');
    expect(await admin(sims.hr, 'GET', '/calls')).toEqual({});
  });

  it('registers devices and SIMs the way the provisioning partner does', async () => {
    const imei = makeImei('35900017', 900_001);
    const iccid = makeIccid('8970199', 900_001);
    await admin(sims.knoxManage, 'POST', '/devices', [{ imei, serial: 'R58J0900001', model: 'Galaxy J5 (2017)', iccid }]);
    await admin(sims.operator, 'POST', '/sims', { iccid, msisdn: '79009000001' });
    expect(await systems.mdm.KNOX_MANAGE.findDeviceByImei(imei)).toMatchObject({ imei, iccid, online: false });
    expect(await systems.operator.getSim(iccid)).toMatchObject({ iccid, msisdn: '79009000001', status: 'INVENTORY' });

    const bad = await fetch(`${sims.knoxManage.url}/_sim/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imei: '490154203237519', serial: 's', model: 'm' }),
    });
    expect(bad.status).toBe(400);
  });
});

describe('configuration', () => {
  it('reads only the systems whose URL is set, and insists on their credentials', () => {
    expect(externalSystemsConfigFromEnv({})).toEqual({});
    const config = externalSystemsConfigFromEnv({
      OPERATOR_URL: 'https://rws.operator.example',
      OPERATOR_USER: 'fleet',
      OPERATOR_API_KEY: 'k',
      DIRECTORY_URL: 'https://graph.microsoft.com',
      DIRECTORY_AUTHORITY_URL: 'https://login.microsoftonline.com',
      DIRECTORY_TENANT: 't',
      DIRECTORY_CLIENT_ID: 'c',
      DIRECTORY_CLIENT_SECRET: 's',
    });
    expect(Object.keys(config).sort()).toEqual(['directory', 'operator']);
    expect(config.operator).toEqual({ baseUrl: 'https://rws.operator.example', user: 'fleet', apiKey: 'k' });
    expect(config.directory?.authorityUrl).toBe('https://login.microsoftonline.com');
    expect(() => externalSystemsConfigFromEnv({ KNOX_MANAGE_URL: 'https://eu01.manage.samsungknox.com' })).toThrow(/KNOX_MANAGE_CLIENT_ID/);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
