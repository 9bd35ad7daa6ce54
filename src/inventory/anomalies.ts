// Anomalies as records: what src/domain/anomalies.ts finds in the fleet's data, kept with when it
// was first and last seen, and resolved when the data no longer shows it ("sync") or when
// someone says it is dealt with (the API, audited). One open anomaly per kind and subject
// (Anomaly.openKey), so each sync run updates the row it found the day before.
import type { Db } from '../db/client.ts';
import type { Anomaly, Prisma } from '../db/generated/client.ts';
import { detectAnomalies, openKeyOf, type AnomalyPolicy, type DetectedAnomaly, type FleetSnapshot } from '../domain/anomalies.ts';
import { audit } from './audit.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The fleet as the anomaly rules read it: the records beside what the MDMs and the operator report. */
export async function fleetSnapshot(db: Db): Promise<FleetSnapshot> {
  const [employees, devices, sims, operatorRecords, sightings] = await Promise.all([
    db.employee.findMany({ select: { id: true, storeId: true, status: true, hrStatus: true } }),
    db.device.findMany({ select: { imei: true, storeId: true, state: true, employeeId: true, reportedIccid: true, lastCheckInAt: true } }),
    db.sim.findMany({
      select: { iccid: true, storeId: true, operator: true, state: true, employeeId: true, msisdn: true, ownerRegistration: true, operatorStatus: true, lastSeenAt: true },
    }),
    db.operatorSimRecord.findMany({ select: { iccid: true, operator: true, msisdn: true, status: true } }),
    db.mdmDeviceSighting.findMany({ select: { imei: true, reportedIccid: true, lastCheckInAt: true, known: true } }),
  ]);
  return {
    employees,
    devices: devices.map((d) => ({ ...d, lastCheckInAt: iso(d.lastCheckInAt) })),
    sims: sims.map((s) => ({ ...s, lastSeenAt: iso(s.lastSeenAt) })),
    operatorRecords,
    sightings: sightings.map((s) => ({ ...s, lastCheckInAt: iso(s.lastCheckInAt) })),
  };
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
