// The inventory module against PostgreSQL: each transition writes its rows and its audit entry,
// refuses a device or SIM whose state does not lead there, and repeated by the same step (a
// retried activity) changes nothing more and logs once.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import {
  contactOf,
  deviceByImei,
  devices,
  employees,
  employeeWithPhone,
  heldBy,
  IllegalTransition,
  phoneInUse,
  roleByPosition,
  sims,
  simOfDevice,
  stock,
  storeContact,
  UnknownRecord,
  type StockReservation,
} from '../../src/inventory/index.ts';
import { createStoresDatabase, type TestDatabase } from '../support/database.ts';

let test: TestDatabase;
let db: Db;
let steps = 0;

/** Runs `fn` as one activity step, twice (the second time as Temporal's retry of a step whose completion was lost). */
async function twice<T>(fn: () => Promise<T>): Promise<T> {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'inventory-test', runId: 'run' }, activityId: String(++steps) });
  const first = (await env.run(fn)) as T;
  await env.run(fn);
  return first;
}
const inStep = <T>(fn: () => Promise<T>) => new MockActivityEnvironment({ workflowExecution: { workflowId: 'inventory-test', runId: 'run' }, activityId: String(++steps) }).run(fn);

const logged = (action: string, where: Record<string, string> = {}) => db.auditLog.count({ where: { action, ...where } });
const device = (imei: string) => db.device.findUniqueOrThrow({ where: { imei } });
const sim = (iccid: string) => db.sim.findUniqueOrThrow({ where: { iccid } });

let imeiSeq = 0;
async function stockItems(storeId: string, n = 1) {
  const out: { imei: string; iccid: string }[] = [];
  for (let i = 0; i < n; i++) {
    const k = String(++imeiSeq).padStart(6, '0');
    const imei = `35900000${k}0`;
    const iccid = `8933000000000${k}`;
    await db.device.create({ data: { imei, serial: `SER${k}`, model: 'Galaxy XCover', storeId, leaseContract: `L-${k}`, warrantyUntil: new Date('2028-01-01') } });
    await db.sim.create({ data: { iccid, operator: 'CorpMobile', storeId } });
    out.push({ imei, iccid });
  }
  return out;
}

let hireSeq = 0;
/** A hire with a phone and SIM reserved under its own key. */
async function reservedHire(storeId = 'S001') {
  const employeeId = `INV${String(++hireSeq).padStart(4, '0')}`;
  await employees.hire(db, { employeeId, storeId, position: 'POS-CASH-01', startDate: '2026-12-01' });
  await stockItems(storeId);
  const reservationKey = `joiner-${employeeId}`;
  const r = (await stock.reserve(db, { reservationKey, employeeId, storeId })) as Extract<StockReservation, { reserved: true }>;
  expect(r.reserved).toBe(true);
  return { employeeId, reservationKey, imei: r.imei, iccid: r.iccid, storeId };
}

/** A hire whose phone was handed over: phone and SIM in use. */
async function handedOver(storeId = 'S001') {
  const h = await reservedHire(storeId);
  await devices.handOver(db, { ...h, handedOverAt: '2026-12-01T09:00:00Z', by: 'curator' });
  return h;
}

beforeAll(async () => {
  test = await createStoresDatabase([
    { id: 'S001', name: 'Store One', timeZone: 'Europe/Paris', uplinkMbps: 100, supportPhone: '+33100000001', language: 'fr' },
    { id: 'S002', name: 'Store Two', timeZone: 'Europe/Moscow', uplinkMbps: 100, supportPhone: '+74950000002', mdmProvider: 'SECOND_MDM' },
    { id: 'EMPTY', name: 'No stock', timeZone: 'Europe/Paris', uplinkMbps: 100, supportPhone: '+33100000009' },
  ]);
  db = test.db.prisma;
});
afterAll(async () => test?.drop());

describe('lookups', () => {
  it('role by position, store contact, device by IMEI, the phone and SIM an employee holds; unknown ones refused by name', async () => {
    expect((await roleByPosition(db, 'POS-CASH-02')).code).toBe('CASHIER');
    await expect(roleByPosition(db, 'POS-NOPE')).rejects.toMatchObject({ name: 'UnknownPosition' });
    expect(await storeContact(db, 'S001', 'RetailCo')).toEqual({ companyName: 'RetailCo', storeName: 'Store One', supportPhone: '+33100000001', language: 'fr' });
    await expect(storeContact(db, 'S404', 'RetailCo')).rejects.toBeInstanceOf(UnknownRecord);
    await expect(deviceByImei(db, '000')).rejects.toMatchObject({ name: 'UnknownDevice' });

    const h = await handedOver();
    const { employee, phone } = await employeeWithPhone(db, h.employeeId);
    expect(phone?.imei).toBe(h.imei);
    expect(contactOf(employee.store, 'X').storeName).toBe('Store One');
    expect(heldBy(employee)).toMatchObject({ phone: { imei: h.imei }, sim: { iccid: h.iccid } });
    expect((await phoneInUse(db, h.employeeId))?.imei).toBe(h.imei);
    expect((await simOfDevice(db, await device(h.imei)))?.iccid).toBe(h.iccid);
    await expect(employeeWithPhone(db, 'NOBODY')).rejects.toMatchObject({ name: 'UnknownEmployee' });
  });
});

describe('stock', () => {
  it('reserve takes a phone and a SIM once per key; a repeat returns the same ones and logs once; release gives them back', async () => {
    const employeeId = 'INV-RES';
    await employees.hire(db, { employeeId, storeId: 'S001', position: 'POS-CASH-01', startDate: '2026-12-01' });
    await stockItems('S001', 2);
    const r = await twice(() => stock.reserve(db, { reservationKey: 'k-res', employeeId, storeId: 'S001' }));
    if (!r.reserved) throw new Error('not reserved');
    expect(await stock.reserve(db, { reservationKey: 'k-res', employeeId, storeId: 'S001' })).toEqual(r);
    expect(await logged('stock.reserved', { employeeId })).toBe(1);
    expect(await device(r.imei)).toMatchObject({ state: 'RESERVED', reservedBy: 'k-res', employeeId });
    expect(await sim(r.iccid)).toMatchObject({ state: 'RESERVED', reservedBy: 'k-res', employeeId });

    await twice(() => stock.releaseReservation(db, { reservationKey: 'k-res', employeeId }));
    expect(await device(r.imei)).toMatchObject({ state: 'IN_STOCK', reservedBy: null, employeeId: null });
    expect(await sim(r.iccid)).toMatchObject({ state: 'IN_STOCK', reservedBy: null, employeeId: null, ownerRegistration: 'NONE' });
    expect(await logged('stock.released', { employeeId })).toBe(1);
  });

  it('a SIM delivered inside a phone goes with that phone, and is not taken out of a phone still in stock', async () => {
    const storeId = 'PAIRS';
    await db.store.create({ data: { id: storeId, name: 'Pairs', timeZone: 'Europe/Paris', uplinkMbps: 100, supportPhone: '+33100000008' } });
    const phones = await stockItems(storeId, 3);
    // Each SIM sits in the phone after it (the partner's manifest): never the phone's own position in the table.
    for (const [i, p] of phones.entries()) await db.sim.update({ where: { iccid: p.iccid }, data: { lastSeenImei: phones[(i + 1) % 3]!.imei } });
    const reserved: { imei: string; iccid: string }[] = [];
    for (const n of [1, 2, 3]) {
      const employeeId = `INV-PAIR${n}`;
      await employees.hire(db, { employeeId, storeId, position: 'POS-CASH-01', startDate: '2026-12-01' });
      const r = await stock.reserve(db, { reservationKey: `k-pair${n}`, employeeId, storeId });
      if (!r.reserved) throw new Error('not reserved');
      reserved.push(r);
    }
    for (const r of reserved) expect((await sim(r.iccid)).lastSeenImei).toBe(r.imei);

    // A loose SIM is not taken from a phone in stock: with only a paired SIM left, another phone waits for one.
    const [lonely, holder] = await stockItems(storeId, 2);
    await db.sim.update({ where: { iccid: lonely!.iccid }, data: { lastSeenImei: holder!.imei } });
    await db.sim.delete({ where: { iccid: holder!.iccid } });
    await db.device.update({ where: { imei: holder!.imei }, data: { updatedAt: new Date(Date.now() + 60_000) } }); // the other phone waited longer
    await employees.hire(db, { employeeId: 'INV-PAIR4', storeId, position: 'POS-CASH-01', startDate: '2026-12-01' });
    expect(await stock.reserve(db, { reservationKey: 'k-pair4', employeeId: 'INV-PAIR4', storeId })).toEqual({ reserved: false, missing: ['sim'] });
  });

  it('says what is missing when the store has no stock, and takes nothing', async () => {
    expect(await stock.reserve(db, { reservationKey: 'k-empty', employeeId: 'INV-RES', storeId: 'EMPTY' })).toEqual({ reserved: false, missing: ['device', 'sim'] });
  });

  it('quarantine takes a reserved phone out of stock and opens one support task; a phone not held under the key is refused', async () => {
    const h = await reservedHire();
    await twice(() => stock.quarantine(db, { ...h, reason: 'unknown to the MDM' }));
    expect(await device(h.imei)).toMatchObject({ state: 'QUARANTINED', reservedBy: null, employeeId: null });
    expect(await logged('device.quarantined', { imei: h.imei })).toBe(1);
    expect(await db.supportTask.count({ where: { idempotencyKey: `${h.reservationKey}:quarantine:${h.imei}` } })).toBe(1);
    // Again from another step (the joiner retrying the whole enrolment): nothing more.
    await inStep(() => stock.quarantine(db, { ...h, reason: 'unknown to the MDM' }));
    expect(await logged('device.quarantined', { imei: h.imei })).toBe(1);

    const other = await handedOver();
    await expect(stock.quarantine(db, { ...other, reason: 'x' })).rejects.toThrow(IllegalTransition);
    expect(await device(other.imei)).toMatchObject({ state: 'IN_USE' });
  });
});

describe('device transitions', () => {
  it('enrol, hand over: the phone and SIM in use, the employee active with the hand-over day; repeats log once', async () => {
    const h = await reservedHire();
    await twice(() => devices.recordEnrolment(db, { ...h, mdm: 'knox-manage', mdmDeviceId: 'KM-1', profileId: 'profile-cashier' }));
    expect(await device(h.imei)).toMatchObject({ state: 'ENROLLED', mdmDeviceId: 'KM-1' });
    expect(await logged('device.enrolled', { imei: h.imei })).toBe(1);

    const result = await twice(() => devices.handOver(db, { ...h, handedOverAt: '2026-12-02T09:00:00Z', by: 'curator' }));
    expect(result).toEqual({ handoverDay: 2 });
    expect(await device(h.imei)).toMatchObject({ state: 'IN_USE', reservedBy: null, employeeId: h.employeeId });
    expect(await sim(h.iccid)).toMatchObject({ state: 'IN_USE', reservedBy: null, employeeId: h.employeeId });
    expect(await db.employee.findUniqueOrThrow({ where: { id: h.employeeId } })).toMatchObject({ status: 'ACTIVE', handoverDay: 2 });
    expect(await logged('device.handed-over', { imei: h.imei })).toBe(1);
  });

  it('unenrolment puts an enrolled phone back to reserved, logged only when there was something to undo', async () => {
    const h = await reservedHire();
    await inStep(() => devices.recordUnenrolment(db, { ...h, wasAssigned: false })); // never enrolled
    expect(await logged('device.unenrolled', { imei: h.imei })).toBe(0);
    await devices.recordEnrolment(db, { ...h, mdm: 'knox-manage', mdmDeviceId: 'KM-2', profileId: 'p' });
    await twice(() => devices.recordUnenrolment(db, { ...h, wasAssigned: true }));
    expect(await device(h.imei)).toMatchObject({ state: 'RESERVED' });
    expect(await logged('device.unenrolled', { imei: h.imei })).toBe(1);
  });

  it('refuses to enrol or hand over a phone not reserved (in stock, in use by someone, lost)', async () => {
    const [loose] = await stockItems('S001');
    await expect(devices.recordEnrolment(db, { imei: loose!.imei, employeeId: 'X', mdm: 'm', mdmDeviceId: 'd', profileId: 'p' })).rejects.toThrow(
      `device ${loose!.imei} cannot enrol from IN_STOCK`,
    );
    const h = await reservedHire();
    await expect(devices.handOver(db, { ...h, imei: loose!.imei, handedOverAt: '2026-12-01T09:00:00Z', by: 'c' })).rejects.toMatchObject({
      name: 'IllegalTransition',
      from: 'IN_STOCK',
    });
    // Nothing half-done: the employee is still onboarding, the reserved SIM still reserved.
    expect(await db.employee.findUniqueOrThrow({ where: { id: h.employeeId } })).toMatchObject({ status: 'ONBOARDING', handedOverAt: null });
    expect(await sim(h.iccid)).toMatchObject({ state: 'RESERVED' });
    expect(await device(loose!.imei)).toMatchObject({ state: 'IN_STOCK', employeeId: null });
  });

  it('leaver path: lock, unlock, lock, brick, write off, then the lost phone comes back and is restocked', async () => {
    const h = await handedOver();
    await twice(() => devices.lock(db, { imei: h.imei, commandId: 'cmd-1' }));
    expect(await device(h.imei)).toMatchObject({ state: 'LOCKED' });
    expect(await logged('phone.locked', { imei: h.imei })).toBe(1);

    await twice(() => devices.releaseLock(db, { imei: h.imei, storeId: h.storeId }));
    expect(await device(h.imei)).toMatchObject({ state: 'IN_USE' });
    expect(await logged('phone.unlocked', { imei: h.imei })).toBe(1);

    await inStep(() => devices.lock(db, { imei: h.imei }));
    await twice(() => devices.brick(db, { imei: h.imei, status: 'Locked' }));
    expect(await device(h.imei)).toMatchObject({ state: 'BRICKED' });
    await twice(() => devices.writeOff(db, { imei: h.imei, employeeId: h.employeeId, caseId: 'case-1' }));
    expect(await device(h.imei)).toMatchObject({ state: 'LOST' });
    expect(await logged('phone.written-off', { imei: h.imei })).toBe(1);
    // A written-off phone cannot be locked again...
    await expect(devices.lock(db, { imei: h.imei })).rejects.toMatchObject({ name: 'IllegalTransition', from: 'LOST' });
    // ... but it may still come back.
    await twice(() => devices.restock(db, { imei: h.imei, employeeId: h.employeeId }));
    expect(await device(h.imei)).toMatchObject({ state: 'IN_STOCK', employeeId: null, reservedBy: null });
    expect(await logged('phone.restocked', { imei: h.imei })).toBe(1);
  });

  it('a damaged phone goes for a swap; a restocked phone another hire reserved is not restocked again', async () => {
    const h = await handedOver();
    await twice(() => devices.sendForSwap(db, { imei: h.imei, employeeId: h.employeeId, caseId: 'swap-1' }));
    expect(await device(h.imei)).toMatchObject({ state: 'AWAITING_SWAP', employeeId: null });
    expect(await logged('phone.swap-requested', { imei: h.imei })).toBe(1);
    await expect(devices.restock(db, { imei: h.imei, employeeId: h.employeeId })).rejects.toMatchObject({ from: 'AWAITING_SWAP' });

    const gone = await handedOver();
    await devices.restock(db, { imei: gone.imei, employeeId: gone.employeeId });
    const next = await db.device.update({ where: { imei: gone.imei }, data: { state: 'RESERVED', reservedBy: 'joiner-NEXT' } });
    await expect(devices.restock(db, { imei: gone.imei, employeeId: gone.employeeId })).rejects.toThrow(IllegalTransition);
    expect(await device(gone.imei)).toMatchObject({ state: 'RESERVED', reservedBy: next.reservedBy });
  });
});

describe('SIM transitions', () => {
  it('suspend and resume a SIM in service; a SIM in stock is refused', async () => {
    const h = await handedOver();
    await twice(() => sims.setService(db, { iccid: h.iccid, service: 'SUSPENDED', reason: 'not returned' }));
    expect(await sim(h.iccid)).toMatchObject({ state: 'SUSPENDED' });
    expect(await logged('sim.suspended', { iccid: h.iccid })).toBe(1);
    await twice(() => sims.setService(db, { iccid: h.iccid, service: 'ACTIVATED', reason: 'date moved' }));
    expect(await sim(h.iccid)).toMatchObject({ state: 'IN_USE' });
    expect(await logged('sim.resumed', { iccid: h.iccid })).toBe(1);

    const [loose] = await stockItems('S001');
    await expect(sims.setService(db, { iccid: loose!.iccid, service: 'SUSPENDED', reason: 'x' })).rejects.toThrow(`SIM ${loose!.iccid} cannot be suspended from IN_STOCK`);
  });

  it('restock: a returned SIM back in stock, one not returned stays suspended, both released and withdrawn', async () => {
    const back = await handedOver();
    await twice(() => sims.restock(db, { iccid: back.iccid, employeeId: back.employeeId, simReturned: true, reuse: true }));
    expect(await sim(back.iccid)).toMatchObject({ state: 'IN_STOCK', employeeId: null, ownerRegistration: 'WITHDRAWN' });
    expect(await logged('sim.restocked-active', { iccid: back.iccid })).toBe(1);

    const kept = await handedOver();
    await sims.setService(db, { iccid: kept.iccid, service: 'SUSPENDED', reason: 'not returned' });
    await twice(() => sims.restock(db, { iccid: kept.iccid, employeeId: kept.employeeId, simReturned: false, reuse: false }));
    expect(await sim(kept.iccid)).toMatchObject({ state: 'SUSPENDED', employeeId: null });
    expect(await logged('sim.restocked-suspended', { iccid: kept.iccid })).toBe(1);

    const reserved = await reservedHire();
    await expect(sims.restock(db, { iccid: reserved.iccid, employeeId: 'someone-else', simReturned: true, reuse: true })).rejects.toMatchObject({
      name: 'IllegalTransition',
      from: 'RESERVED',
    });
  });

  it('owner registration: key first, submission and decision each logged once whichever step saw them, withdrawal', async () => {
    const h = await reservedHire();
    await sims.startOwnerRegistration(db, { iccid: h.iccid, idempotencyKey: 'reg-key' });
    expect(await sims.registrationUnder(db, { iccid: h.iccid, idempotencyKey: 'reg-key' })).toBeUndefined();
    const pending = { registrationId: 'REG-1', status: 'PENDING' as const };
    await twice(() => sims.recordOwnerRegistration(db, { employeeId: h.employeeId, iccid: h.iccid, registration: pending }));
    expect(await sims.registrationUnder(db, { iccid: h.iccid, idempotencyKey: 'reg-key' })).toBe('REG-1');
    expect(await sims.registrationUnder(db, { iccid: h.iccid, idempotencyKey: 'other' })).toBeUndefined();
    await inStep(() => sims.recordOwnerDecision(db, { iccid: h.iccid, registration: { ...pending, status: 'ACCEPTED' } }));
    await inStep(() => sims.recordOwnerDecision(db, { iccid: h.iccid, registration: { ...pending, status: 'ACCEPTED' } }));
    expect(await sim(h.iccid)).toMatchObject({ ownerRegistration: 'ACCEPTED', ownerRegistrationId: 'REG-1' });
    expect(await logged('sim-owner.submitted', { iccid: h.iccid })).toBe(1);
    expect(await logged('sim-owner.accepted', { iccid: h.iccid })).toBe(1);

    await inStep(() => sims.recordOwnerWithdrawal(db, { iccid: h.iccid, registrationId: 'REG-1', withdrawn: true }));
    await inStep(() => sims.recordOwnerWithdrawal(db, { iccid: h.iccid, registrationId: 'REG-1', withdrawn: true }));
    expect(await sim(h.iccid)).toMatchObject({ ownerRegistration: 'WITHDRAWN' });
    expect(await logged('sim-owner.withdrawn', { iccid: h.iccid })).toBe(1);
  });
});

describe('employees', () => {
  it('hire refuses an unknown store or position and writes nothing', async () => {
    await expect(employees.hire(db, { employeeId: 'INV-BAD', storeId: 'S404', position: 'POS-CASH-01', startDate: '2026-12-01' })).rejects.toMatchObject({ name: 'UnknownStore' });
    await expect(employees.hire(db, { employeeId: 'INV-BAD', storeId: 'S001', position: 'POS-NOPE', startDate: '2026-12-01' })).rejects.toMatchObject({ name: 'UnknownPosition' });
    expect(await db.employee.count({ where: { id: 'INV-BAD' } })).toBe(0);
  });

  it('dismissal revoked: employee active, the locked phone and suspended SIM theirs again; a phone handed in is left alone', async () => {
    const h = await handedOver();
    await employees.markLeaving(db, { employeeId: h.employeeId, storeId: h.storeId, lastWorkingDay: '2026-12-20', action: 'employee.dismissed' });
    await devices.lock(db, { imei: h.imei });
    await sims.setService(db, { iccid: h.iccid, service: 'SUSPENDED', reason: 'x' });
    await twice(() => employees.reinstate(db, { ...h, returned: false, resumeSim: true, details: { unlock: true } }));
    expect(await device(h.imei)).toMatchObject({ state: 'IN_USE' });
    expect(await sim(h.iccid)).toMatchObject({ state: 'IN_USE' });
    expect(await db.employee.findUniqueOrThrow({ where: { id: h.employeeId } })).toMatchObject({ status: 'ACTIVE', lastWorkingDay: null });
    expect(await logged('employee.dismissal-revoked', { employeeId: h.employeeId })).toBe(1);

    const returned = await handedOver();
    await devices.restock(db, { imei: returned.imei, employeeId: returned.employeeId });
    await employees.reinstate(db, { ...returned, returned: false, resumeSim: false, details: {} });
    expect(await device(returned.imei)).toMatchObject({ state: 'IN_STOCK', employeeId: null });
  });

  it('transfer: the employee, phone and SIM belong to the other store; the phone may move to its MDM', async () => {
    const h = await handedOver();
    await twice(() => devices.transferHoldings(db, { employeeId: h.employeeId, fromStoreId: 'S001', storeId: 'S002', imei: h.imei, mdmMoved: true }));
    await devices.moveToMdm(db, { imei: h.imei, mdmProvider: 'SECOND_MDM', mdmDeviceId: 'IN-1' });
    expect(await device(h.imei)).toMatchObject({ storeId: 'S002', mdmProvider: 'SECOND_MDM', mdmDeviceId: 'IN-1' });
    expect(await sim(h.iccid)).toMatchObject({ storeId: 'S002' });
    expect(await db.employee.findUniqueOrThrow({ where: { id: h.employeeId } })).toMatchObject({ storeId: 'S002' });
    expect(await logged('employee.transferred', { employeeId: h.employeeId })).toBe(1);
  });
});
