// Seeding: the reference configuration follows src/domain/roles.ts, the fleet lands once, fast.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Db } from '../../src/db/client.ts';
import { seedFleet, seedReferenceData } from '../../src/db/seed.ts';
import { APPS, ROLES } from '../../src/domain/roles.ts';
import { generateFleet, type Fleet } from '../../src/systems/fleet.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const linkCount = ROLES.reduce((n, role) => n + role.apps.length, 0);

async function expectFleetStored(prisma: Db, fleet: Fleet): Promise<void> {
  expect(await prisma.store.count()).toBe(fleet.stores.length);
  expect(await prisma.employee.count({ where: { status: 'ACTIVE' } })).toBe(fleet.employees.length);
  expect(await prisma.device.count({ where: { state: 'IN_USE', employeeId: { not: null } } })).toBe(fleet.employees.length);
  expect(await prisma.sim.count({ where: { state: 'IN_USE', employeeId: { not: null }, ownerRegistration: 'ACCEPTED' } })).toBe(fleet.employees.length);
  const stock = fleet.devices.length - fleet.employees.length;
  expect(await prisma.device.count({ where: { state: 'IN_STOCK', employeeId: null } })).toBe(stock);
  expect(await prisma.sim.count({ where: { state: 'IN_STOCK', employeeId: null, ownerRegistration: 'NONE' } })).toBe(stock);

  // one employee end to end: its phone and SIM are the fleet's, in its store
  const sample = fleet.employees[fleet.employees.length - 1]!;
  const device = fleet.devices.find((d) => d.employeeId === sample.employeeId)!;
  const sim = fleet.sims.find((s) => s.employeeId === sample.employeeId)!;
  const stored = await prisma.employee.findUniqueOrThrow({ where: { id: sample.employeeId }, include: { devices: true, sims: true, role: true } });
  expect(stored).toMatchObject({ storeId: sample.storeId, roleCode: sample.roleCode, position: sample.position, directoryUserId: sample.directoryUserId });
  expect(stored.startDate.toISOString().slice(0, 10)).toBe(sample.startDate);
  expect(stored.devices.map((d) => [d.imei, d.serial, d.storeId, d.mdmProvider])).toEqual([[device.imei, device.serial, sample.storeId, device.mdmProvider]]);
  expect(stored.devices[0]!.warrantyUntil.toISOString().slice(0, 10)).toBe(device.warrantyUntil);
  expect(stored.sims.map((s) => [s.iccid, s.msisdn, s.ownerRegistrationId])).toEqual([[sim.iccid, sim.msisdn, sim.ownerRegistrationId]]);

  const curated = fleet.stores[0]!;
  expect((await prisma.store.findUniqueOrThrow({ where: { id: curated.id } })).curatorId).toBe(curated.curatorId);
}

describe('seeding PostgreSQL', { timeout: 180_000 }, () => {
  let test: TestDatabase;
  let prisma: Db;
  beforeAll(async () => {
    test = await createTestDatabase();
    prisma = test.db.prisma;
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('creates the 12 roles and the app catalogue, linked', async () => {
    expect(await seedReferenceData(prisma)).toEqual({ roles: 12, apps: APPS.length });
    expect(await prisma.role.count()).toBe(12);
    expect(await prisma.app.count()).toBe(APPS.length);
    expect(await prisma.roleApp.count()).toBe(linkCount);
    const cashier = ROLES.find((r) => r.code === 'CASHIER')!;
    const stored = await prisma.role.findUniqueOrThrow({ where: { code: 'CASHIER' }, include: { apps: true } });
    expect(stored).toMatchObject({ name: cashier.name, profileId: cashier.profileId, policies: cashier.policies, positions: [...cashier.positions] });
    expect(stored.apps.map((a) => a.packageName).sort()).toEqual([...cashier.apps].sort());
  });

  it('puts drifted configuration back and is a no-op when nothing changed', async () => {
    const extraApp = APPS.find((a) => !ROLES.find((r) => r.code === 'CASHIER')!.apps.includes(a.packageName))!;
    await prisma.role.update({ where: { code: 'CASHIER' }, data: { name: 'Renamed by hand', policies: {} } });
    await prisma.roleApp.create({ data: { roleCode: 'CASHIER', packageName: extraApp.packageName } });
    await prisma.app.update({ where: { packageName: APPS[0]!.packageName }, data: { signingCertSha256: 'tampered' } });

    await seedReferenceData(prisma);
    const cashier = await prisma.role.findUniqueOrThrow({ where: { code: 'CASHIER' }, include: { apps: true } });
    expect(cashier.name).toBe('Cashier');
    expect(cashier.policies).toEqual(ROLES.find((r) => r.code === 'CASHIER')!.policies);
    expect(cashier.apps.map((a) => a.packageName)).not.toContain(extraApp.packageName);
    expect((await prisma.app.findUniqueOrThrow({ where: { packageName: APPS[0]!.packageName } })).signingCertSha256).toBe(APPS[0]!.signingCertSha256);

    await seedReferenceData(prisma);
    expect(await prisma.roleApp.count()).toBe(linkCount);
  });

  it('inserts a 30,000-row fleet in batches, and skips it all the second time', async () => {
    const fleet = generateFleet({ stores: 90, employeesPerStore: 100, stockPerStore: 10, seed: 11 });
    const rows = fleet.stores.length + fleet.employees.length + fleet.devices.length + fleet.sims.length;
    expect(rows).toBeGreaterThanOrEqual(28_000);

    let started = performance.now();
    const first = await seedFleet(prisma, fleet);
    const firstMs = performance.now() - started;
    expect(first).toEqual({ stores: 90, employees: 9_000, devices: 9_900, sims: 9_900 });
    await expectFleetStored(prisma, fleet);

    started = performance.now();
    expect(await seedFleet(prisma, fleet)).toEqual({ stores: 0, employees: 0, devices: 0, sims: 0 });
    const secondMs = performance.now() - started;
    await expectFleetStored(prisma, fleet);
    console.info(`seedFleet on PostgreSQL: ${rows} rows in ${Math.round(firstMs)} ms (${Math.round(rows / (firstMs / 1000))} rows/s); re-run ${Math.round(secondMs)} ms`);
    // a re-run (every start-up) reads keys and inserts nothing: far cheaper than the first run
    expect(secondMs).toBeLessThan(firstMs / 5);
  });

  it('completes a fleet that was seeded only in part, and links phones to their MDM records', async () => {
    const fleet = generateFleet({ stores: 92, employeesPerStore: 100, stockPerStore: 10, seed: 11 }); // two more stores
    const added = fleet.stores.slice(90).map((s) => s.id);
    const mdmDeviceIds = Object.fromEntries(fleet.devices.filter((d) => added.includes(d.storeId)).map((d) => [d.imei, `mdm-${d.imei}`]));
    expect(await seedFleet(prisma, fleet, { mdmDeviceIds })).toEqual({ stores: 2, employees: 200, devices: 220, sims: 220 });
    await expectFleetStored(prisma, fleet);
    expect(await prisma.device.count({ where: { mdmDeviceId: { startsWith: 'mdm-' } } })).toBe(220);
  });
});

describe('seeding the embedded database', { timeout: 180_000 }, () => {
  let root: string;
  let db: Database;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'phonefleet-seed-'));
    await fs.chmod(root, 0o755); // as root the embedded server runs as `postgres`, who must enter it
    db = await openDatabase({ dataDir: path.join(root, 'postgres') });
  });
  afterAll(async () => {
    await db?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('seeds reference data and a fleet, idempotently', async () => {
    const fleet = generateFleet({ stores: 10, employeesPerStore: 50, stockPerStore: 5, seed: 3 });
    await seedReferenceData(db.prisma);
    expect(await seedFleet(db.prisma, fleet)).toEqual({ stores: 10, employees: 500, devices: 550, sims: 550 });
    await seedReferenceData(db.prisma);
    expect(await seedFleet(db.prisma, fleet)).toEqual({ stores: 0, employees: 0, devices: 0, sims: 0 });
    expect(await db.prisma.roleApp.count()).toBe(linkCount);
    await expectFleetStored(db.prisma, fleet);
  });
});
