// activeFreeze against PostgreSQL: which freeze holds a store back at a given instant.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { activeFreeze } from '../../src/inventory/freezes.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let test: TestDatabase;
let db: Db;
const AT = new Date('2026-03-02T12:00:00Z');
const hours = (n: number) => new Date(AT.getTime() + n * 3_600_000);

async function freeze(storeId: string | null, startsAt: Date, endsAt: Date, reason = 'inventory') {
  return db.freeze.create({ data: { storeId, startsAt, endsAt, reason, createdBy: 'api:test' } });
}

beforeAll(async () => {
  test = await createTestDatabase();
  db = test.db.prisma;
  await db.store.createMany({
    data: ['S001', 'S002', 'S003'].map((id) => ({ id, name: `Store ${id}`, timeZone: 'Europe/Paris', uplinkMbps: 100, supportPhone: '+33100000000' })),
  });
});
afterAll(async () => test?.drop());
beforeEach(async () => {
  await db.freeze.deleteMany();
});

describe('activeFreeze', () => {
  it('is null when nothing is frozen', async () => {
    await freeze('S002', hours(-1), hours(1));
    expect(await activeFreeze(db, ['S001'], AT)).toBeNull();
    expect(await activeFreeze(db, [], AT)).toBeNull();
  });

  it("finds the store's own freeze, and a fleet-wide one for any store", async () => {
    const own = await freeze('S001', hours(-1), hours(1));
    expect(await activeFreeze(db, ['S001'], AT)).toEqual(own);
    expect(await activeFreeze(db, ['S003', 'S001'], AT)).toEqual(own); // a mover between two stores

    await db.freeze.deleteMany();
    const fleet = await freeze(null, hours(-1), hours(1), 'peak sales');
    expect(await activeFreeze(db, ['S001'], AT)).toEqual(fleet);
    expect(await activeFreeze(db, [], AT)).toEqual(fleet);
  });

  it('of overlapping freezes, returns the one ending last, whichever its scope', async () => {
    await freeze('S001', hours(-2), hours(3));
    const fleetLater = await freeze(null, hours(-1), hours(5));
    await freeze('S002', hours(-1), hours(9)); // another store's: not S001's concern
    expect(await activeFreeze(db, ['S001'], AT)).toEqual(fleetLater);
    const ownLatest = await freeze('S001', hours(0), hours(6));
    expect(await activeFreeze(db, ['S001'], AT)).toEqual(ownLatest);
    expect((await activeFreeze(db, ['S001', 'S002'], AT))?.endsAt).toEqual(hours(9));
  });

  it('ignores freezes that have ended or not yet started; a window is [startsAt, endsAt)', async () => {
    await freeze('S001', hours(-5), hours(-1));
    await freeze(null, hours(1), hours(8));
    const endingNow = await freeze('S001', hours(-3), AT);
    expect(await activeFreeze(db, ['S001'], AT)).toBeNull();
    expect(await activeFreeze(db, ['S001'], hours(-0.001))).toEqual(endingNow);

    const startingNow = await freeze('S001', AT, hours(1));
    expect(await activeFreeze(db, ['S001'], AT)).toEqual(startingNow);
  });
});
