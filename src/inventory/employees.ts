// An employee in the records (no identity data: HR keeps that): hired, leaving, left, reinstated,
// moved to another role. Each change writes its row and its audit entry in one transaction.
import type { Db } from '../db/client.ts';
import { audit } from './audit.ts';
import * as devices from './devices.ts';
import { roleByPosition, storeById } from './lookups.ts';
import * as sims from './sims.ts';

export interface Hire {
  employeeId: string;
  storeId: string;
  position: string;
  startDate: string;
}

/** Writes (or, for a rehire, starts over) the employee and resolves the role from the HR position. */
export async function hire(db: Db, h: Hire): Promise<{ roleCode: string; profileId: string }> {
  await storeById(db, h.storeId);
  const role = await roleByPosition(db, h.position);
  // A rehire starts over: no hand-over, no last working day of the employment before.
  const fields = {
    storeId: h.storeId,
    roleCode: role.code,
    position: h.position,
    startDate: new Date(`${h.startDate}T00:00:00Z`),
    status: 'ONBOARDING' as const,
    handedOverAt: null,
    handoverDay: null,
    lastWorkingDay: null,
  };
  await db.$transaction(async (tx) => {
    await tx.employee.upsert({ where: { id: h.employeeId }, create: { id: h.employeeId, ...fields }, update: fields });
    await audit(tx, { action: 'employee.hired', employeeId: h.employeeId, storeId: h.storeId, details: { roleCode: role.code } });
  });
  return { roleCode: role.code, profileId: role.profileId };
}

export async function linkDirectoryAccount(db: Db, { employeeId, directoryUserId }: { employeeId: string; directoryUserId: string }): Promise<void> {
  await db.employee.update({ where: { id: employeeId }, data: { directoryUserId } });
}

/** Dismissed (or the last working day moved): leaving, until the end of `lastWorkingDay`. */
export async function markLeaving(
  db: Db,
  l: { employeeId: string; storeId: string; lastWorkingDay: string; action: 'employee.dismissed' | 'employee.last-working-day-moved' },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.employee.update({ where: { id: l.employeeId }, data: { status: 'LEAVING', lastWorkingDay: new Date(`${l.lastWorkingDay}T00:00:00Z`) } });
    await audit(tx, { action: l.action, employeeId: l.employeeId, storeId: l.storeId, details: { lastWorkingDay: l.lastWorkingDay } });
  });
}

/** The leaver's end: left, or (the dismissal did not hold) active again. */
export async function closeEmployment(db: Db, { employeeId, status }: { employeeId: string; status: 'LEFT' | 'ACTIVE' }): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.employee.update({ where: { id: employeeId }, data: { status } });
    await audit(tx, { action: status === 'LEFT' ? 'employee.left' : 'employee.reinstated', employeeId });
  });
}

/**
 * Dismissal revoked: the employee is active again, and so are the phone (unless it was handed
 * in) and the SIM (if its service was resumed), as far as they are still theirs.
 */
export async function reinstate(
  db: Db,
  r: { employeeId: string; imei?: string; iccid?: string; returned: boolean; resumeSim: boolean; details: Record<string, boolean> },
): Promise<void> {
  await db.$transaction(async (tx) => {
    if (r.imei && !r.returned) await devices.recover(tx, { imei: r.imei, employeeId: r.employeeId });
    if (r.iccid && r.resumeSim) await sims.recover(tx, { iccid: r.iccid, employeeId: r.employeeId });
    await tx.employee.update({ where: { id: r.employeeId }, data: { status: 'ACTIVE', lastWorkingDay: null } });
    await audit(tx, { action: 'employee.dismissal-revoked', employeeId: r.employeeId, imei: r.imei, iccid: r.iccid, details: r.details });
  });
}

/** The hire was rescinded; the joiner may have been cancelled before it wrote the employee: nothing to mark then. */
export async function markRescinded(db: Db, { employeeId }: { employeeId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const { count } = await tx.employee.updateMany({ where: { id: employeeId }, data: { status: 'RESCINDED' } });
    await audit(tx, { action: 'employee.hire-rescinded', employeeId, details: { employeeRow: count > 0 } });
  });
}

/**
 * An old clearance that ended during a new employment closed "its" employment (LEFT): the
 * records say what runs now, onboarding or (phone handed over since the rehire) active.
 */
export async function restoreEmployment(db: Db, { employeeId }: { employeeId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const employee = await tx.employee.findUnique({ where: { id: employeeId } });
    if (employee?.status !== 'LEFT') return;
    const status = employee.handedOverAt ? 'ACTIVE' : 'ONBOARDING';
    await tx.employee.update({ where: { id: employeeId }, data: { status } });
    await audit(tx, { action: 'employee.status-restored', employeeId, details: { status } });
  });
}

export async function employmentClosed(db: Db, employeeId: string): Promise<boolean> {
  const employee = await db.employee.findUnique({ where: { id: employeeId } });
  return employee?.status === 'LEFT';
}

/** The employee's new role (from HR's position) is in force; `removed`: the apps taken off the phone. */
export async function changeRole(
  db: Db,
  c: { employeeId: string; storeId: string; imei?: string; fromRole: string; toRole: string; position: string; removed: string[] },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.employee.update({ where: { id: c.employeeId }, data: { roleCode: c.toRole, position: c.position } });
    await audit(tx, {
      action: 'employee.role-changed',
      employeeId: c.employeeId,
      storeId: c.storeId,
      imei: c.imei,
      details: { from: c.fromRole, to: c.toRole, removed: c.removed },
    });
  });
}
