// Anomalies as records: what src/domain/anomalies.ts finds in the fleet's data, kept with when it
// was first and last seen, and resolved when the data no longer shows it ("sync") or when
// someone says it is dealt with (the API, audited). One open anomaly per kind and subject
// (Anomaly.openKey), so each sync run updates the row it found the day before.
import type { Db } from '../db/client.ts';
import type { Anomaly, MdmProviderKind, Prisma } from '../db/generated/client.ts';
import { detectAnomalies, openKeyOf, type AnomalyPolicy, type DetectedAnomaly, type FleetSnapshot } from '../domain/anomalies.ts';
import { audit } from './audit.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Rows read at a time: the snapshot is kept, Prisma's rows for it only a page at a time. */
const SNAPSHOT_PAGE = 2_000;

/**
 * Every row of a table in key order, a page at a time, each page turned into what the snapshot
 * keeps before the next is read (at 31,000 phones a single findMany of each table held Prisma's
 * rows, their Dates and the snapshot at once: the worker's heap peaked past 128 MB).
 */
async function allRows<Row, Kept>(
  pageSize: number,
  page: (after: string | undefined, take: number) => Promise<Row[]>,
  keyOf: (row: Row) => string,
  keep: (row: Row) => Kept,
): Promise<Kept[]> {
  const kept: Kept[] = [];
  for (let after: string | undefined; ;) {
    const rows = await page(after, pageSize);
    for (const row of rows) kept.push(keep(row));
    if (rows.length < pageSize) return kept;
    after = keyOf(rows[rows.length - 1]!);
  }
}

const same = <T>(row: T): T => row;
/** A sighting's key (provider, MDM device id) as one string, and back. */
const SEP = '\u0000';
const sightingKey = (key: string) => {
  const [provider, mdmDeviceId] = key.split(SEP) as [MdmProviderKind, string];
  return { provider, mdmDeviceId };
};

/** The fleet as the anomaly rules read it: the records beside what the MDMs and the operator report. */
export async function fleetSnapshot(db: Db, pageSize = SNAPSHOT_PAGE): Promise<FleetSnapshot> {
  const employees = await allRows(
    pageSize,
    (after, take) =>
      db.employee.findMany({ select: { id: true, storeId: true, status: true, hrStatus: true }, where: after ? { id: { gt: after } } : {}, orderBy: { id: 'asc' }, take }),
    (e) => e.id,
    same,
  );
  const devices = await allRows(
    pageSize,
    (after, take) =>
      db.device.findMany({
        select: { imei: true, storeId: true, state: true, employeeId: true, reportedIccid: true, lastCheckInAt: true },
        where: after ? { imei: { gt: after } } : {},
        orderBy: { imei: 'asc' },
        take,
      }),
    (d) => d.imei,
    (d) => ({ ...d, lastCheckInAt: iso(d.lastCheckInAt) }),
  );
  const sims = await allRows(
    pageSize,
    (after, take) =>
      db.sim.findMany({
        select: { iccid: true, storeId: true, operator: true, state: true, employeeId: true, msisdn: true, ownerRegistration: true, operatorStatus: true, lastSeenAt: true },
        where: after ? { iccid: { gt: after } } : {},
        orderBy: { iccid: 'asc' },
        take,
      }),
    (s) => s.iccid,
    (s) => ({ ...s, lastSeenAt: iso(s.lastSeenAt) }),
  );
  const operatorRecords = await allRows(
    pageSize,
    (after, take) =>
      db.operatorSimRecord.findMany({
        select: { iccid: true, operator: true, msisdn: true, status: true },
        where: after ? { iccid: { gt: after } } : {},
        orderBy: { iccid: 'asc' },
        take,
      }),
    (r) => r.iccid,
    same,
  );
  const sightings = await allRows(
    pageSize,
    (after, take) =>
      db.mdmDeviceSighting.findMany({
        select: { provider: true, mdmDeviceId: true, imei: true, reportedIccid: true, lastCheckInAt: true, known: true },
        ...(after && { cursor: { provider_mdmDeviceId: sightingKey(after) }, skip: 1 }),
        orderBy: [{ provider: 'asc' }, { mdmDeviceId: 'asc' }],
        take,
      }),
    (s) => [s.provider, s.mdmDeviceId].join(SEP),
    (s) => ({ imei: s.imei, reportedIccid: s.reportedIccid, lastCheckInAt: iso(s.lastCheckInAt), known: s.known }),
  );
  return { employees, devices, sims, operatorRecords, sightings };
}

export async function detectInFleet(db: Db, policy: AnomalyPolicy, now: Date): Promise<DetectedAnomaly[]> {
  return detectAnomalies(await fleetSnapshot(db), policy, now);
}

export interface AnomalyRecording {
  /** Open after this call, each with its row (a dry run: the rows that exist, new ones without id). */
  open: (DetectedAnomaly & { id: number | null; supportTaskId: number | null })[];
  opened: DetectedAnomaly[];
  resolved: { id: number; kind: string; subject: string }[];
}

/**
 * Records what the data shows at `now`: a new anomaly opens, one seen again gets its lastSeenAt
 * (and details) updated, an open one the data no longer shows is resolved by "sync". Dry run:
 * the same answer, nothing written.
 */
export async function recordAnomalies(db: Db, detected: DetectedAnomaly[], { now, dryRun }: { now: Date; dryRun: boolean }): Promise<AnomalyRecording> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('phonefleet:anomalies'))`;
      const existing = new Map((await tx.anomaly.findMany({ where: { openKey: { not: null } } })).map((a) => [a.openKey!, a]));
      const seen = new Set(detected.map(openKeyOf));
      const result: AnomalyRecording = { open: [], opened: [], resolved: [] };
      for (const anomaly of detected) {
        const key = openKeyOf(anomaly);
        const row = existing.get(key);
        const details = anomaly.details as Prisma.InputJsonValue;
        if (row) {
          if (!dryRun) await tx.anomaly.update({ where: { id: row.id }, data: { lastSeenAt: now, details, storeId: anomaly.storeId } });
          result.open.push({ ...anomaly, id: row.id, supportTaskId: row.supportTaskId });
          continue;
        }
        result.opened.push(anomaly);
        if (dryRun) {
          result.open.push({ ...anomaly, id: null, supportTaskId: null });
          continue;
        }
        const created = await tx.anomaly.create({
          data: { kind: anomaly.kind, subject: anomaly.subject, storeId: anomaly.storeId, details, firstSeenAt: now, lastSeenAt: now, openKey: key },
        });
        await audit(tx, {
          action: 'anomaly.opened',
          storeId: anomaly.storeId ?? undefined,
          details: { anomalyId: created.id, kind: anomaly.kind, subject: anomaly.subject },
          stepKey: `anomaly:${created.id}`,
        });
        result.open.push({ ...anomaly, id: created.id, supportTaskId: null });
      }
      for (const [key, row] of existing) {
        if (seen.has(key)) continue;
        result.resolved.push({ id: row.id, kind: row.kind, subject: row.subject });
        if (dryRun) continue;
        await tx.anomaly.update({ where: { id: row.id }, data: { resolvedAt: now, resolvedBy: 'sync', openKey: null } });
        await audit(tx, {
          action: 'anomaly.resolved',
          storeId: row.storeId ?? undefined,
          details: { anomalyId: row.id, kind: row.kind, subject: row.subject, by: 'sync' },
          stepKey: `anomaly:${row.id}`,
        });
      }
      return result;
    },
    { timeout: 120_000 },
  );
}

/** The support task opened for an anomaly (one per anomaly: the task's key is the anomaly's). */
export async function linkSupportTask(db: Db, { anomalyId, supportTaskId }: { anomalyId: number; supportTaskId: number }): Promise<void> {
  await db.anomaly.updateMany({ where: { id: anomalyId, supportTaskId: null }, data: { supportTaskId } });
}

export interface AnomalyFilter {
  kind?: string;
  storeId?: string;
  open?: boolean;
}

export async function listAnomalies(db: Db, filter: AnomalyFilter, take = 500): Promise<Anomaly[]> {
  const where: Prisma.AnomalyWhereInput = {
    ...(filter.kind && { kind: filter.kind }),
    ...(filter.storeId && { storeId: filter.storeId }),
    ...(filter.open !== undefined && { resolvedAt: filter.open ? null : { not: null } }),
  };
  return db.anomaly.findMany({ where, orderBy: { id: 'desc' }, take });
}

/**
 * Someone says the anomaly is dealt with. Idempotent: resolving a resolved one answers it as it
 * is (`already`). If the data still shows it, the next sync opens a new one.
 */
export async function resolveAnomaly(db: Db, { id, by }: { id: number; by: string }): Promise<{ anomaly: Anomaly; already: boolean } | null> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.anomaly.updateMany({ where: { id, resolvedAt: null }, data: { resolvedAt: new Date(), resolvedBy: by, openKey: null } });
    const anomaly = await tx.anomaly.findUnique({ where: { id } });
    if (!anomaly) return null;
    if (count) {
      await tx.auditLog.create({
        data: { actor: by, action: 'anomaly.resolved', storeId: anomaly.storeId, details: { anomalyId: id, kind: anomaly.kind, subject: anomaly.subject, by } },
      });
    }
    return { anomaly, already: count === 0 };
  });
}
