// What an HR event says, checked against what phonefleet knows before anything is written or
// signalled: the stores and positions it names exist (422), the employee it concerns is
// employed when it needs them to be (422), a hire does not meet another hire in force (409),
// and its dates come in an order that can happen (422).
//
// "In force" is decided from the employee's lifecycle (its query answers also for a closed
// run: a lifecycle that ended says 'left' or 'rescinded'), which knows a hire from the moment
// it is queued; without a lifecycle, from the database row (people hired before phonefleet).
// Dates come from the database row: the joiner writes the start date first thing, the leaver
// the last working day.
import { employeeWorkflowId, lifecycleQuery, type LifecycleState } from '../../../workflows/employee-lifecycle-contract.ts';
import type { HrEvent } from '../../../workflows/hr-events.ts';
import type { ApiContext } from '../context.ts';
import { HttpError, isTemporalUnreachable } from '../http-errors.ts';
import { withTemporal } from '../temporal-calls.ts';
import type { SignalTarget } from './hr-events.ts';
import { queryOrUndefined } from './people.ts';
import { loggerFor } from '../../observability/log.ts';

const log = loggerFor('api');

const unprocessable = (field: string, message: string) => new HttpError(422, 'unprocessable event', [{ field, message }]);

/** Throws 4xx for an event that cannot be applied; otherwise where its signal goes. */
export async function checkEventAgainstRecords(ctx: ApiContext, event: HrEvent): Promise<SignalTarget> {
  switch (event.kind) {
    case 'hired': {
      await checkReferences(ctx, { storeId: event.hire.storeId, position: event.hire.position });
      await checkNoHireInForce(ctx, event);
      return { storeId: event.hire.storeId, startIfMissing: true };
    }
    case 'hire-rescinded':
    case 'dismissal-revoked': {
      // Without a lifecycle, the signal finds nothing to take back (422 then, hr-events.ts).
      const lifecycle = await lifecycleOf(ctx, event.employeeId);
      if (lifecycle) checkTakeBack(event, lifecycle);
      return { storeId: '', startIfMissing: false };
    }
    case 'dismissed':
    case 'role-changed':
    case 'transferred': {
      // Employees hired before phonefleet have no lifecycle yet: the database knows them.
      const employee = await ctx.db.employee.findUnique({ where: { id: event.employeeId } });
      if (!employee || !['ACTIVE', 'ONBOARDING', 'LEAVING'].includes(employee.status)) {
        throw unprocessable('data.employeeId', employee ? `employee ${event.employeeId} is ${employee.status.toLowerCase()}` : `unknown employee ${event.employeeId}`);
      }
      if (event.kind === 'dismissed' && event.lastWorkingDay < day(employee.startDate)) {
        throw unprocessable('data.lastWorkingDay', `${event.lastWorkingDay} is before employee ${event.employeeId}'s start date ${day(employee.startDate)}`);
      }
      if (event.kind !== 'dismissed') await checkReferences(ctx, event.move.kind === 'role' ? { position: event.move.position } : { storeId: event.move.storeId });
      return { storeId: employee.storeId, employedAt: employee.status === 'ACTIVE' ? { storeId: employee.storeId } : undefined, startIfMissing: true };
    }
    case 'leave-started':
    case 'leave-ended': {
      // Long leave concerns someone employed, whose phone the offline lock must spare meanwhile.
      const employee = await ctx.db.employee.findUnique({ where: { id: event.employeeId } });
      if (!employee || !['ACTIVE', 'ONBOARDING', 'LEAVING'].includes(employee.status)) {
        throw unprocessable('data.employeeId', employee ? `employee ${event.employeeId} is ${employee.status.toLowerCase()}` : `unknown employee ${event.employeeId}`);
      }
      return { storeId: employee.storeId, employedAt: employee.status === 'ACTIVE' ? { storeId: employee.storeId } : undefined, startIfMissing: true };
    }
  }
}

/**
 * 422 for a take-back the lifecycle would only record as "ignored" (HR would hear 202 and
 * believe it applied): a revocation with no dismissal running or queued, and a rescission of a
 * hire that has been worked to a dismissal (the person leaves: that is not undone by
 * pretending they were never hired).
 */
function checkTakeBack(event: Extract<HrEvent, { kind: 'hire-rescinded' | 'dismissal-revoked' }>, lifecycle: LifecycleState) {
  const dismissalQueued = lifecycle.pending.some((e) => e.kind === 'dismissed');
  if (event.kind === 'dismissal-revoked' && lifecycle.status !== 'leaving' && !dismissalQueued) {
    throw unprocessable('data.employeeId', `no dismissal of employee ${event.employeeId} in progress to revoke (employee is ${lifecycle.status})`);
  }
  if (event.kind === 'hire-rescinded' && (lifecycle.status === 'leaving' || lifecycle.status === 'left')) {
    throw unprocessable(
      'data.employeeId',
      `employee ${event.employeeId} is ${lifecycle.status}: a hire that ended in a dismissal cannot be rescinded (revoke the dismissal first, or let it run)`,
    );
  }
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * 409 when the person already has a hire in force (onboarding or employed, in any store, or a
 * hire queued): a second hire with a new event id is a duplicate record in HR or a transfer sent
 * as a hire, and queueing it would start a second onboarding once the first ends. A hire after
 * a failed onboarding (HR re-sends it once the cause is fixed) or after the employment ended is
 * a new start; 422 if it starts before the last working day of an employment still running out.
 */
async function checkNoHireInForce(ctx: ApiContext, event: Extract<HrEvent, { kind: 'hired' }>) {
  const [row, lifecycle] = await Promise.all([
    ctx.db.employee.findUnique({ where: { id: event.employeeId }, select: { storeId: true, status: true, startDate: true, lastWorkingDay: true } }),
    lifecycleOf(ctx, event.employeeId),
  ]);
  const queued = lifecycle?.pending.find((e): e is Extract<HrEvent, { kind: 'hired' }> => e.kind === 'hired' && e.eventId !== event.eventId);
  let inForce: { status: string; storeId?: string; startDate?: string; eventId?: string } | undefined;
  if (queued) inForce = { status: 'hire queued', storeId: queued.hire.storeId, startDate: queued.hire.startDate, eventId: queued.eventId };
  else if (lifecycle ? ['onboarding', 'active'].includes(lifecycle.status) : row && ['ONBOARDING', 'ACTIVE'].includes(row.status)) {
    const hire = await ctx.db.hrEvent.findFirst({
      where: { employeeId: event.employeeId, type: 'com.retailco.hr.employee.hired', NOT: { id: event.eventId } },
      orderBy: { receivedAt: 'desc' },
      select: { id: true },
    });
    inForce = {
      status: lifecycle?.status ?? row!.status.toLowerCase(),
      storeId: lifecycle?.storeId ?? row?.storeId,
      startDate: row ? day(row.startDate) : undefined,
      eventId: hire?.id,
    };
  }
  if (inForce) {
    const described = [
      inForce.status,
      inForce.storeId && `at store ${inForce.storeId}`,
      inForce.startDate && `since ${inForce.startDate}`,
      inForce.eventId && `(hire event ${inForce.eventId})`,
    ]
      .filter(Boolean)
      .join(' ');
    throw new HttpError(
      409,
      'a hire is already in force for this employee',
      [{ field: 'data.employeeId', message: `employee ${event.employeeId} already has a hire in force: ${described}` }],
      { inForce },
    );
  }
  // A rehire while the employment before is still running out: the new one cannot start before
  // its last working day. Once phonefleet has closed it (LEFT: phone back or written off) the
  // person may be rehired from any date, even before the last working day HR had planned.
  if (row?.lastWorkingDay && row.status === 'LEAVING' && event.hire.startDate < day(row.lastWorkingDay)) {
    throw unprocessable('data.startDate', `${event.hire.startDate} is before the last working day ${day(row.lastWorkingDay)} of employee ${event.employeeId}'s employment before`);
  }
}

/** How long the check waits for the lifecycle's answer before deciding from the rows alone. */
const LIFECYCLE_QUERY_DEADLINE_MS = 2_000;

/**
 * The lifecycle's state; undefined if it never ran, or if it cannot answer in time: a query
 * needs a worker, and while the workers restart HR's events must still be taken (the database
 * rows decide then).
 */
async function lifecycleOf(ctx: ApiContext, employeeId: string): Promise<LifecycleState | undefined> {
  try {
    return await withTemporal({ ...ctx, temporalDeadlineMs: Math.min(ctx.temporalDeadlineMs ?? LIFECYCLE_QUERY_DEADLINE_MS, LIFECYCLE_QUERY_DEADLINE_MS) }, () =>
      queryOrUndefined<LifecycleState>(() => ctx.temporal.workflow.getHandle(employeeWorkflowId(employeeId)).query(lifecycleQuery)),
    );
  } catch (err) {
    if (!isTemporalUnreachable(err)) throw err;
    log.warn({ employeeId }, 'lifecycle did not answer in time; hire checked against the database rows only');
    return undefined;
  }
}

/** 422 naming each store or position the event refers to that phonefleet does not know. */
async function checkReferences(ctx: ApiContext, refs: { storeId?: string; position?: string }) {
  const [store, role] = await Promise.all([
    refs.storeId === undefined ? true : ctx.db.store.findUnique({ where: { id: refs.storeId } }),
    refs.position === undefined ? true : ctx.db.role.findFirst({ where: { positions: { has: refs.position } } }),
  ]);
  const problems = [
    ...(store ? [] : [{ field: 'data.storeId', message: `unknown store ${refs.storeId}` }]),
    ...(role ? [] : [{ field: 'data.position', message: `position ${refs.position} maps to no role` }]),
  ];
  if (problems.length) throw new HttpError(422, 'unprocessable event', problems);
}
