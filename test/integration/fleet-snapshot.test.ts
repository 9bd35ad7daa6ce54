// The fleet's snapshot and directory as the reconciliation reads them, against PostgreSQL: read
// a page at a time (so a 31,000-phone fleet is never one result set in memory) and still every
// row once, whatever the page size; the directory pairs each SIM with its holder's phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { seedReferenceData } from '../../src/db/seed.ts';
import { fleetSnapshot } from '../../src/inventory/anomalies.ts';
import { currentEntries } from '../../src/inventory/directory.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let test: TestDatabase;
let db: Db;
const N = 7;
const k = (i: number) => String(i).padStart(4, '0');

beforeAll(async () => {
  test = await createTestDatabase();
  db = test.db.prisma;
  await seedReferenceData(db);
  await db.store.create({ data: { id: 'S001', name: 'Store One', timeZone: 'Europe/Moscow', uplinkMbps: 100, supportPhone: '+74950000001' } });
  const checkIn = new Date('2026-11-30T08:00:00Z');
  for (let i = 1; i <= N; i++) {
    await db.employee.create({ data: { id: `SNAP${k(i)}`, storeId: 'S001', roleCode: 'CASHIER', position: 'POS-CASH-01', status: 'ACTIVE', startDate: new Date('2026-01-01') } });
    await db.device.create({
      data: {
        imei: `3599990100${k(i)}0`,
        serial: `SNAP${k(i)}`,
        model: 'SM-A256',
        storeId: 'S001',
        state: 'IN_USE',
        employeeId: `SNAP${k(i)}`,
        leaseContract: 'L',
        warrantyUntil: new Date('2028-01-01'),
        reportedIccid: `89701980000000${k(i)}`,
        lastCheckInAt: checkIn,
      },
    });
    await db.sim.create({
      data: { iccid: `89701980000000${k(i)}`, msisdn: `+7999000${k(i)}`, operator: 'CorpMobile', storeId: 'S001', state: 'IN_USE', employeeId: `SNAP${k(i)}` },
    });
    await db.operatorSimRecord.create({
      data: { iccid: `89701980000000${k(i)}`, operator: 'CorpMobile', msisdn: `+7999000${k(i)}`, status: 'ACTIVATED', fetchedAt: checkIn, lastSeenAt: checkIn },
    });
    // Both MDMs report the phones, with the same device ids: the key is (provider, id).
    for (const provider of ['KNOX_MANAGE', 'SECOND_MDM'] as const) {
      await db.mdmDeviceSighting.create({
        data: {
          provider,
          mdmDeviceId: `dev-${k(i)}`,
          imei: `3599990100${k(i)}0`,
          serial: `SNAP${k(i)}`,
          model: 'SM-A256',
          known: true,
          lastCheckInAt: checkIn,
          lastSeenAt: checkIn,
        },
      });
    }
  }
});
afterAll(async () => test?.drop());

describe('fleet snapshot', () => {
  it('read in pages smaller than the fleet, it holds every row once, the same as read in one page', async () => {
    const whole = await fleetSnapshot(db, 1_000);
    expect(whole.employees).toHaveLength(N);
    expect(whole.devices).toHaveLength(N);
    expect(whole.sims).toHaveLength(N);
    expect(whole.operatorRecords).toHaveLength(N);
    expect(whole.sightings).toHaveLength(2 * N);
    expect(whole.devices[0]!.lastCheckInAt).toBe('2026-11-30T08:00:00.000Z');
    // 3 does not divide 7 (a short last page) nor 14; 7 does (a last page that is full, then an empty one).
    for (const pageSize of [1, 3, 7]) expect(await fleetSnapshot(db, pageSize), `pages of ${pageSize}`).toEqual(whole);
  });

  it('the directory pairs each held SIM with the phone its holder has', async () => {
    const entries = await currentEntries(db);
    expect(entries).toHaveLength(N);
    for (const e of entries) expect(e.imei).toBe(`3599990100${e.employeeId.slice(4)}0`);
  });
});
