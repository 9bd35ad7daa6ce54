// Puts data into an empty (or partly filled) database: the reference configuration every
// deployment needs, and the demo/test fleet the simulators also hold. Both are safe to run on
// every start-up.
import { APPS, ROLES } from '../domain/roles.ts';
import type { Fleet } from '../systems/fleet.ts';
import type { Db } from './client.ts';
import type { Prisma } from './generated/client.ts';
import { STORE_SETTINGS_TASK } from '../inventory/fleet-sync.ts';

/**
 * Makes the database's roles and app catalogue match src/domain/roles.ts: creates what is
 * missing, updates what changed, unlinks apps a role no longer carries. One transaction, so
 * readers never see a role half-updated.
 */
export async function seedReferenceData(prisma: Db): Promise<{ roles: number; apps: number }> {
  const apps = APPS.map((app) =>
    prisma.app.upsert({
      where: { packageName: app.packageName },
      create: { ...app },
      update: { name: app.name, signingCertSha256: app.signingCertSha256, autoInstall: app.autoInstall },
    }),
  );
  const roles = ROLES.flatMap((role) => {
    const fields = { name: role.name, profileId: role.profileId, policies: { ...role.policies }, positions: [...role.positions] };
    return [
      prisma.role.upsert({ where: { code: role.code }, create: { code: role.code, ...fields }, update: fields }),
      prisma.roleApp.deleteMany({ where: { roleCode: role.code, packageName: { notIn: [...role.apps] } } }),
    ];
  });
  const links = prisma.roleApp.createMany({
    data: ROLES.flatMap((role) => role.apps.map((packageName) => ({ roleCode: role.code, packageName }))),
    skipDuplicates: true,
  });
  await prisma.$transaction([...apps, ...roles, links]);
  return { roles: ROLES.length, apps: APPS.length };
}

export interface FleetSeedResult {
  /** Rows inserted by this call (existing ones are skipped, so a re-run reports zeros). */
  stores: number;
  employees: number;
  devices: number;
  sims: number;
}

/** Rows per INSERT: PostgreSQL takes at most 65,535 bind parameters per statement. */
const BATCH_ROWS = 2_000;

/**
 * Inserts the fleet's stores, employees (ACTIVE, holding their phone and SIM) and stock, skipping
 * rows that exist. Needs the roles (seedReferenceData) first. `mdmDeviceIds` (what
 * seedSimulators returns) links each phone to its MDM record.
 *
 * No transaction on purpose: each batch is idempotent, so a seed interrupted half-way is
 * completed by the next run, and 30,000 rows do not sit in one long transaction. Existing keys
 * are read first because Prisma spends ~0.3 ms of CPU per row given to createMany even when
 * the row is then skipped: a re-run on every start-up costs a few key scans instead.
 */
export async function seedFleet(prisma: Db, fleet: Fleet, opts: { mdmDeviceIds?: Record<string, string> } = {}): Promise<FleetSeedResult> {
  const stores = await insertMissing(
    (await prisma.store.findMany({ select: { id: true } })).map((r) => r.id),
    (row) => row.id,
    fleet.stores.map((s): Prisma.StoreCreateManyInput => ({
      id: s.id,
      name: s.name,
      timeZone: s.timeZone,
      uplinkMbps: s.uplinkMbps,
      mdmProvider: s.mdmProvider,
      supportPhone: s.supportPhone,
      curatorId: s.curatorId ?? null,
    })),
    (data) => prisma.store.createMany({ data, skipDuplicates: true }),
  );
  const employees = await insertMissing(
    (await prisma.employee.findMany({ select: { id: true } })).map((r) => r.id),
    (row) => row.id,
    fleet.employees.map((e): Prisma.EmployeeCreateManyInput => ({
      id: e.employeeId,
      storeId: e.storeId,
      roleCode: e.roleCode,
      position: e.position,
      status: 'ACTIVE',
      startDate: new Date(`${e.startDate}T00:00:00Z`),
      directoryUserId: e.directoryUserId,
    })),
    (data) => prisma.employee.createMany({ data, skipDuplicates: true }),
  );
  const devices = await insertMissing(
    (await prisma.device.findMany({ select: { imei: true } })).map((r) => r.imei),
    (row) => row.imei,
    fleet.devices.map((d): Prisma.DeviceCreateManyInput => ({
      imei: d.imei,
      serial: d.serial,
      model: d.model,
      storeId: d.storeId,
      state: d.state,
      employeeId: d.employeeId ?? null,
      mdmProvider: d.mdmProvider,
      mdmDeviceId: opts.mdmDeviceIds?.[d.imei] ?? null,
      leaseContract: d.leaseContract,
      warrantyUntil: new Date(`${d.warrantyUntil}T00:00:00Z`),
    })),
    (data) => prisma.device.createMany({ data, skipDuplicates: true }),
  );
  const sims = await insertMissing(
    (await prisma.sim.findMany({ select: { iccid: true } })).map((r) => r.iccid),
    (row) => row.iccid,
    fleet.sims.map((s): Prisma.SimCreateManyInput => ({
      iccid: s.iccid,
      msisdn: s.msisdn,
      operator: s.operator,
      storeId: s.storeId,
      state: s.state,
      employeeId: s.employeeId ?? null,
      ownerRegistration: s.ownerRegistration,
      ownerRegistrationId: s.ownerRegistrationId ?? null,
      // Registrations from before phonefleet were confirmed on the state portal then (the operator simulator says so too).
      ownerConfirmedAt: s.ownerRegistration === 'ACCEPTED' ? new Date(`${fleet.referenceDate}T00:00:00Z`) : null,
    })),
    (data) => prisma.sim.createMany({ data, skipDuplicates: true }),
  );
  return { stores, employees, devices, sims };
}

async function insertMissing<Row>(existingKeys: string[], keyOf: (row: Row) => string, allRows: Row[], insert: (batch: Row[]) => Promise<{ count: number }>): Promise<number> {
  const existing = new Set(existingKeys);
  const rows = allRows.filter((row) => !existing.has(keyOf(row)));
  let inserted = 0;
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    inserted += (await insert(rows.slice(start, start + BATCH_ROWS))).count;
  }
  return inserted;
}

/**
 * What operations set for each store and HR does not know (uplink, MDM, support line): the
 * demo's values, written after the fleet sync created the stores from HR's list.
 */
export async function seedStoreSettings(prisma: Db, fleet: Fleet): Promise<void> {
  for (const s of fleet.stores) {
    await prisma.store.updateMany({ where: { id: s.id }, data: { uplinkMbps: s.uplinkMbps, mdmProvider: s.mdmProvider, supportPhone: s.supportPhone } });
    // Set, as operations would after the sync asked for them.
    await prisma.supportTask.updateMany({
      where: { kind: STORE_SETTINGS_TASK, storeId: s.id, status: 'OPEN' },
      data: { status: 'DONE', closedAt: new Date(), closedBy: 'system', resolution: 'store settings written with the demo fleet' },
    });
  }
}
