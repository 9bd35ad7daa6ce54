// What the fleet sync writes: HR's stores and employees, what the operator and the MDMs report,
// and, for each pass of a sync run, its SyncRun row (cursor and counts) and the SyncChange rows
// of what it changed. A page is written in one transaction with the pass's advanced cursor, and
// only when the cursor is still the one the page was read from: an attempt that overlapped
// another (a worker presumed dead) writes nothing twice. Nothing here deletes history: planned
// shifts are replaced (HR's plan is the truth), everything else is updated or added.
import type { Db } from '../db/client.ts';
import type { MdmProviderKind, Prisma } from '../db/generated/client.ts';
import type { HrRosterEntry, HrStore } from '../systems/hr/api.ts';
import { audit, type DbOrTx } from './audit.ts';

type Tx = Prisma.TransactionClient;

/** Where a pass stands; `page` counts the pages written (0 before the first). */
export interface SyncCursor {
  page: number;
  /** HR: the next page's token. */
  pageToken?: string;
  /** Operator: the delta's watermark, fixed at the pass's first page. */
  modifiedSince?: string;
  done?: boolean;
}

export type Counts = Record<string, number>;

export interface SyncPass {
  rowId: string;
  cursor: SyncCursor;
  counts: Counts;
  finished: boolean;
}

/** The pass's row, created at its first page (a resumed or retried pass finds it). */
export async function openPass(db: Db, p: { rowId: string; source: string; trigger: string; dryRun: boolean }): Promise<SyncPass> {
  // Not an upsert: two attempts creating it at once must both find the one row.
  await db.syncRun.createMany({ data: [{ id: p.rowId, source: p.source, trigger: p.trigger, dryRun: p.dryRun, cursor: { page: 0 } }], skipDuplicates: true });
  const row = await db.syncRun.findUniqueOrThrow({ where: { id: p.rowId } });
  return { rowId: row.id, cursor: (row.cursor as unknown as SyncCursor | null) ?? { page: 0 }, counts: (row.counts as Counts | null) ?? {}, finished: row.finishedAt !== null };
}

/** When the last finished pass of `source` started (the operator's delta watermark), or undefined for a first pass. */
export async function lastFinishedPassStart(db: Db, source: string, except: string): Promise<Date | undefined> {
  const row = await db.syncRun.findFirst({ where: { source, finishedAt: { not: null }, id: { not: except } }, orderBy: { startedAt: 'desc' }, select: { startedAt: true } });
  return row?.startedAt;
}

export interface Change {
  entity: 'store' | 'employee' | 'device' | 'sim' | 'sighting' | 'operator-sim';
  key: string;
  field: string;
  before: string | null;
  after: string | null;
}

/** The changed fields between `before` (absent: a new record) and `after`. */
export function changesOf(entity: Change['entity'], key: string, before: Record<string, string | null> | undefined, after: Record<string, string | null>): Change[] {
  const changes: Change[] = [];
  for (const [field, value] of Object.entries(after)) {
    const was = before ? (before[field] ?? null) : null;
    if (before && was === value) continue;
    if (!before && value === null) continue;
    changes.push({ entity, key, field, before: was, after: value });
  }
  return changes;
}

/**
 * Writes one page: `apply` writes the rows and returns its changes and counts, then the changes,
 * the cursor and the counts are written, all in one transaction. When the pass's cursor is no
 * longer `from` (another attempt wrote this page), nothing is written and the stored pass is returned.
 */
export async function writePage(db: Db, rowId: string, from: SyncCursor, next: SyncCursor, apply: (tx: Tx) => Promise<{ changes: Change[]; counts: Counts }>): Promise<SyncPass> {
  return db.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRaw<
        { cursor: SyncCursor | null; counts: Counts | null; finishedAt: Date | null }[]
      >`SELECT "cursor", "counts", "finishedAt" FROM "SyncRun" WHERE "id" = ${rowId} FOR UPDATE`;
      if (!row) throw new Error(`sync pass ${rowId} has no row`);
      const stored = row.cursor ?? { page: 0 };
      if (stored.page !== from.page || row.finishedAt !== null) return { rowId, cursor: stored, counts: row.counts ?? {}, finished: row.finishedAt !== null };
      const { changes, counts } = await apply(tx);
      if (changes.length > 0) await tx.syncChange.createMany({ data: changes.map((c) => ({ runId: rowId, ...c })), skipDuplicates: true });
      const total: Counts = { ...(row.counts ?? {}) };
      for (const [k, v] of Object.entries({ ...counts, changes: changes.length })) total[k] = (total[k] ?? 0) + v;
      await tx.syncRun.update({
        where: { id: rowId },
        data: { cursor: next as unknown as Prisma.InputJsonValue, counts: total, ...(next.done ? { finishedAt: new Date() } : {}) },
      });
      return { rowId, cursor: next, counts: total, finished: next.done === true };
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}

// --- HR ----------------------------------------------------------------------------------------

/** HR knows neither a store's uplink nor its support line: these until operations set them. */
export const NEW_STORE_DEFAULTS = { uplinkMbps: 100, supportPhone: '' };
/** The support task that asks operations for a store's settings when HR brings a new store. */
export const STORE_SETTINGS_TASK = 'store-settings-missing';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function applyStores(tx: Tx, stores: HrStore[], at: Date): Promise<{ changes: Change[]; counts: Counts }> {
  const existing = new Map((await tx.store.findMany({ where: { id: { in: stores.map((s) => s.storeId) } } })).map((s) => [s.id, s]));
  const changes: Change[] = [];
  const counts = { stores: stores.length, created: 0, updated: 0 };
  for (const s of stores) {
    const was = existing.get(s.storeId);
    const after = { name: s.name, timeZone: s.timeZone, address: s.address, curatorId: s.curatorEmployeeId ?? null, openingHours: JSON.stringify(s.openingHours) };
    const before = was && {
      name: was.name,
      timeZone: was.timeZone,
      address: was.address,
      curatorId: was.curatorId,
      openingHours: was.openingHours === null ? null : JSON.stringify(was.openingHours),
    };
    const changed = changesOf('store', s.storeId, before, after);
    changes.push(...changed);
    const data = { name: s.name, timeZone: s.timeZone, address: s.address, curatorId: s.curatorEmployeeId ?? null, openingHours: s.openingHours, hrSyncedAt: at };
    if (!was) {
      await tx.store.create({ data: { id: s.storeId, ...NEW_STORE_DEFAULTS, ...data } });
      // Until operations set them, its lock screens have no line to call and its installs a guessed uplink.
      await tx.supportTask.createMany({
        data: [
          {
            idempotencyKey: `store-settings:${s.storeId}`,
            storeId: s.storeId,
            kind: STORE_SETTINGS_TASK,
            summary: `Store ${s.storeId} (${s.name}) came from HR without what HR does not know: set its support phone (shown on lock screens), its uplink (${NEW_STORE_DEFAULTS.uplinkMbps} Mbit/s assumed, paces installs) and its MDM.`,
          },
        ],
        skipDuplicates: true,
      });
      counts.created++;
    } else {
      await tx.store.update({ where: { id: s.storeId }, data });
      if (changed.length > 0) counts.updated++;
    }
  }
  return { changes, counts };
}

/**
 * HR's employees, one page. A person new to phonefleet who already works (ACTIVE) gets a record
 * without an onboarding; one hired but not started waits for HR's hire event (the joiner); one who
 * left is not recorded. For people phonefleet knows, HR's department, status and planned shifts
 * are taken; a change of store or position stays the mover's (HR's event), and a leaver still
 * holding a phone is left to the reconciliation (an anomaly), never dismissed here.
 */
export async function applyRoster(
  tx: Tx,
  entries: HrRosterEntry[],
  at: Date,
  auditKey: string,
  /** Directory user id by employee id, for the people recorded here. */
  directoryAccounts: ReadonlyMap<string, string> = new Map(),
): Promise<{ changes: Change[]; counts: Counts }> {
  const ids = entries.map((e) => e.employeeId);
  const existing = new Map((await tx.employee.findMany({ where: { id: { in: ids } }, include: { shifts: true, devices: { select: { imei: true } } } })).map((e) => [e.id, e]));
  const stores = new Set((await tx.store.findMany({ where: { id: { in: [...new Set(entries.map((e) => e.storeId))] } }, select: { id: true } })).map((s) => s.id));
  const roles = await tx.role.findMany({ select: { code: true, positions: true } });
  const roleOf = (position: string) => roles.find((r) => r.positions.includes(position))?.code;
  const changes: Change[] = [];
  const counts = { employees: entries.length, created: 0, updated: 0, notYetStarted: 0, leftUnknown: 0, unknownStore: 0, unknownPosition: 0, leftWithPhone: 0, shiftsReplaced: 0 };
  for (const e of entries) {
    const was = existing.get(e.employeeId);
    if (!was) {
      if (e.status === 'HIRED') counts.notYetStarted++;
      else if (e.status === 'LEFT') counts.leftUnknown++;
      else if (!stores.has(e.storeId)) counts.unknownStore++;
      else if (!roleOf(e.position)) counts.unknownPosition++;
      else {
        await tx.employee.create({
          data: {
            id: e.employeeId,
            storeId: e.storeId,
            roleCode: roleOf(e.position)!,
            position: e.position,
            status: 'ACTIVE',
            startDate: new Date(`${e.startDate}T00:00:00Z`),
            department: e.department,
            hrStatus: e.status,
            hrSyncedAt: at,
            directoryUserId: directoryAccounts.get(e.employeeId) ?? null,
            ...(e.lastWorkingDay ? { lastWorkingDay: new Date(`${e.lastWorkingDay}T00:00:00Z`) } : {}),
          },
        });
        await replaceShifts(tx, e);
        await audit(tx, { action: 'employee.recorded-from-hr', employeeId: e.employeeId, storeId: e.storeId, stepKey: `${auditKey}:${e.employeeId}` });
        changes.push(
          ...changesOf('employee', e.employeeId, undefined, {
            storeId: e.storeId,
            position: e.position,
            department: e.department,
            hrStatus: e.status,
            plannedShifts: String(e.plannedShifts.length),
          }),
        );
        counts.created++;
      }
      continue;
    }
    const shiftsBefore = shiftKey(was.shifts.map((s) => ({ startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() })));
    const shiftsAfter = shiftKey(e.plannedShifts);
    const changed = changesOf('employee', e.employeeId, { department: was.department, hrStatus: was.hrStatus }, { department: e.department, hrStatus: e.status });
    // The plan is compared as a whole; the change records how many shifts it had and has.
    if (shiftsBefore !== shiftsAfter)
      changed.push({ entity: 'employee', key: e.employeeId, field: 'plannedShifts', before: String(was.shifts.length), after: String(e.plannedShifts.length) });
    changes.push(...changed);
    await tx.employee.update({ where: { id: e.employeeId }, data: { department: e.department, hrStatus: e.status, hrSyncedAt: at } });
    if (shiftsBefore !== shiftsAfter) {
      await tx.plannedShift.deleteMany({ where: { employeeId: e.employeeId } });
      await replaceShifts(tx, e);
      counts.shiftsReplaced++;
    }
    if (changed.length > 0) counts.updated++;
    if (e.status === 'LEFT' && was.status !== 'LEFT' && was.devices.length > 0) counts.leftWithPhone++;
  }
  return { changes, counts };
}

function shiftKey(shifts: { startsAt: string; endsAt: string }[]): string {
  return shifts
    .map((s) => `${new Date(s.startsAt).toISOString()}/${new Date(s.endsAt).toISOString()}`)
    .sort()
    .join(',');
}

async function replaceShifts(tx: Tx, e: HrRosterEntry): Promise<void> {
  if (e.plannedShifts.length === 0) return;
  await tx.plannedShift.createMany({
    data: e.plannedShifts.map((s) => ({ employeeId: e.employeeId, startsAt: new Date(s.startsAt), endsAt: new Date(s.endsAt) })),
    skipDuplicates: true,
  });
}

// --- the operator ------------------------------------------------------------------------------

export interface OperatorReport {
  iccid: string;
  status: string;
  msisdn?: string;
  dateUpdated?: string;
}

/**
 * The operator's SIMs, one page: its record of each (OperatorSimRecord), and phonefleet's SIM of
 * the same ICCID (status, last change there, the number when the operator gave one). The join is
 * the ICCID alone: an operator that returns no number leaves the number phonefleet has.
 */
export async function applyOperatorSims(tx: Tx, defaultOperator: string, sims: OperatorReport[], at: Date): Promise<{ changes: Change[]; counts: Counts }> {
  const iccids = sims.map((s) => s.iccid);
  const records = new Map((await tx.operatorSimRecord.findMany({ where: { iccid: { in: iccids } } })).map((r) => [r.iccid, r]));
  const ours = new Map((await tx.sim.findMany({ where: { iccid: { in: iccids } } })).map((s) => [s.iccid, s]));
  const changes: Change[] = [];
  const counts = { sims: sims.length, known: 0, unknownToPhonefleet: 0, withNumber: 0, created: 0 };
  for (const s of sims) {
    const dateUpdated = s.dateUpdated ? new Date(s.dateUpdated) : null;
    const was = records.get(s.iccid);
    changes.push(
      ...changesOf('operator-sim', s.iccid, was && { msisdn: was.msisdn, status: was.status, dateUpdated: iso(was.dateUpdated) }, {
        msisdn: s.msisdn ?? was?.msisdn ?? null,
        status: s.status,
        dateUpdated: iso(dateUpdated),
      }),
    );
    const record = {
      operator: ours.get(s.iccid)?.operator ?? was?.operator ?? defaultOperator,
      msisdn: s.msisdn ?? was?.msisdn ?? null,
      status: s.status,
      dateUpdated,
      fetchedAt: at,
      lastSeenAt: at,
    };
    await tx.operatorSimRecord.upsert({ where: { iccid: s.iccid }, create: { iccid: s.iccid, ...record }, update: record });
    if (!was) counts.created++;
    if (s.msisdn) counts.withNumber++;
    const sim = ours.get(s.iccid);
    if (!sim) {
      counts.unknownToPhonefleet++;
      continue;
    }
    counts.known++;
    const after = { msisdn: s.msisdn ?? sim.msisdn, operatorStatus: s.status, operatorUpdatedAt: iso(dateUpdated) };
    changes.push(...changesOf('sim', s.iccid, { msisdn: sim.msisdn, operatorStatus: sim.operatorStatus, operatorUpdatedAt: iso(sim.operatorUpdatedAt) }, after));
    await tx.sim.update({
      where: { iccid: s.iccid },
      data: { operatorStatus: s.status, operatorUpdatedAt: dateUpdated, ...(s.msisdn ? { msisdn: s.msisdn, numberFetchedAt: at } : {}) },
    });
  }
  return { changes, counts };
}

// --- the MDMs ----------------------------------------------------------------------------------

/** Of these ICCIDs, the company's: a SIM phonefleet has, or one the company's operator account lists. */
export async function companyIccids(db: DbOrTx, iccids: string[]): Promise<Set<string>> {
  if (iccids.length === 0) return new Set();
  const [sims, records] = await Promise.all([
    db.sim.findMany({ where: { iccid: { in: iccids } }, select: { iccid: true } }),
    db.operatorSimRecord.findMany({ where: { iccid: { in: iccids } }, select: { iccid: true } }),
  ]);
  return new Set([...sims, ...records].map((r) => r.iccid));
}

/** A phone as the MDM reports it, its SIMs already reduced to the company's. */
export interface Sighting {
  mdmDeviceId: string;
  imei: string;
  serial: string;
  model: string;
  companyIccid?: string;
  mdmUserId?: string;
  lastCheckInAt?: string;
}

export async function applySightings(tx: Tx, provider: MdmProviderKind, sightings: Sighting[], at: Date): Promise<{ changes: Change[]; counts: Counts }> {
  const imeis = sightings.map((s) => s.imei);
  const devices = new Map((await tx.device.findMany({ where: { imei: { in: imeis } } })).map((d) => [d.imei, d]));
  const before = new Map((await tx.mdmDeviceSighting.findMany({ where: { provider, mdmDeviceId: { in: sightings.map((s) => s.mdmDeviceId) } } })).map((s) => [s.mdmDeviceId, s]));
  const iccids = sightings.flatMap((s) => (s.companyIccid ? [s.companyIccid] : []));
  const sims = new Map((await tx.sim.findMany({ where: { iccid: { in: iccids } } })).map((s) => [s.iccid, s]));
  const changes: Change[] = [];
  const counts = { devices: sightings.length, known: 0, unknown: 0, newSightings: 0, simsSeen: 0 };
  for (const s of sightings) {
    const device = devices.get(s.imei);
    const checkIn = s.lastCheckInAt ? new Date(s.lastCheckInAt) : null;
    const was = before.get(s.mdmDeviceId);
    const sighting = {
      imei: s.imei,
      serial: s.serial,
      model: s.model,
      reportedIccid: s.companyIccid ?? null,
      mdmUserId: s.mdmUserId ?? null,
      lastCheckInAt: checkIn,
      known: device !== undefined,
      lastSeenAt: at,
    };
    if (!was) counts.newSightings++;
    changes.push(
      ...changesOf('sighting', `${provider}:${s.mdmDeviceId}`, was && { imei: was.imei, reportedIccid: was.reportedIccid, mdmUserId: was.mdmUserId, known: String(was.known) }, {
        imei: s.imei,
        reportedIccid: sighting.reportedIccid,
        mdmUserId: sighting.mdmUserId,
        known: String(sighting.known),
      }),
    );
    await tx.mdmDeviceSighting.upsert({
      where: { provider_mdmDeviceId: { provider, mdmDeviceId: s.mdmDeviceId } },
      create: { provider, mdmDeviceId: s.mdmDeviceId, ...sighting },
      update: sighting,
    });
    if (!device) {
      counts.unknown++;
      continue;
    }
    counts.known++;
    changes.push(
      ...changesOf(
        'device',
        s.imei,
        { reportedIccid: device.reportedIccid, mdmUserId: device.mdmUserId, lastCheckInAt: iso(device.lastCheckInAt) },
        { reportedIccid: sighting.reportedIccid, mdmUserId: sighting.mdmUserId, lastCheckInAt: iso(checkIn) },
      ).filter((c) => c.field !== 'lastCheckInAt'), // a check-in is not a change of the record
    );
    await tx.device.update({ where: { imei: s.imei }, data: { reportedIccid: sighting.reportedIccid, mdmUserId: sighting.mdmUserId, lastCheckInAt: checkIn } });
    const sim = s.companyIccid ? sims.get(s.companyIccid) : undefined;
    if (sim) {
      counts.simsSeen++;
      changes.push(...changesOf('sim', sim.iccid, { lastSeenImei: sim.lastSeenImei }, { lastSeenImei: s.imei }));
      await tx.sim.update({ where: { iccid: sim.iccid }, data: { lastSeenImei: s.imei, lastSeenAt: checkIn ?? at } });
    }
  }
  return { changes, counts };
}
