// What an HR event says, checked against what phonefleet knows before anything is written or
// signalled: the stores and positions it names exist (422), the employee it concerns is
// employed when it needs them to be (422).
import type { HrEvent } from '../../../workflows/hr-events.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../http-errors.ts';
import type { SignalTarget } from './hr-events.ts';

const unprocessable = (field: string, message: string) => new HttpError(422, 'unprocessable event', [{ field, message }]);

/** Throws 4xx for an event that cannot be applied; otherwise where its signal goes. */
export async function checkEventAgainstRecords(ctx: ApiContext, event: HrEvent): Promise<SignalTarget> {
  switch (event.kind) {
    case 'hired': {
      await checkReferences(ctx, { storeId: event.hire.storeId, position: event.hire.position });
      return { storeId: event.hire.storeId, startIfMissing: true };
    }
    case 'hire-rescinded':
    case 'dismissal-revoked':
      // Whether something is in progress to take back, the lifecycle's existence says (422 then).
      return { storeId: '', startIfMissing: false };
    case 'dismissed':
    case 'role-changed':
    case 'transferred': {
      // Employees hired before phonefleet have no lifecycle yet: the database knows them.
      const employee = await ctx.db.employee.findUnique({ where: { id: event.employeeId } });
      if (!employee || !['ACTIVE', 'ONBOARDING', 'LEAVING'].includes(employee.status)) {
        throw unprocessable('data.employeeId', employee ? `employee ${event.employeeId} is ${employee.status.toLowerCase()}` : `unknown employee ${event.employeeId}`);
      }
      if (event.kind !== 'dismissed') await checkReferences(ctx, event.move.kind === 'role' ? { position: event.move.position } : { storeId: event.move.storeId });
      return { storeId: employee.storeId, employedAt: employee.status === 'ACTIVE' ? { storeId: employee.storeId } : undefined, startIfMissing: true };
    }
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
