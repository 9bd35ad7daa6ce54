// What curators and support do by hand: confirm a hand-over, look up an employee, retry a
// rejected SIM owner registration.
import { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { employeeWorkflowId, lifecycleQuery, type LifecycleState } from '../../../workflows/employee-lifecycle-contract.ts';
import {
  handedOverSignal,
  handOverUpdate,
  JOINER_STAGE,
  joinerWorkflowId,
  progressQuery,
  retrySimOwnerRegistrationSignal,
  retrySimOwnerRegistrationUpdate,
  type JoinerProgress,
} from '../../../workflows/joiner-contract.ts';
import { LEAVER_CLOSED_STAGES, leaverProgressQuery, leaverWorkflowId, recordReturnUpdate, returnedSignal } from '../../../workflows/leaver-contract.ts';
import { moverProgressQuery, moverWorkflowId } from '../../../workflows/mover-contract.ts';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../http-errors.ts';
import { employeeId, flag, imei } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';
import { operatorUpdate, withTemporal } from '../temporal-calls.ts';

const devicePath = z.object({ imei: imei() });
const employeePath = z.object({ id: employeeId('must be an HR employee id (1-64 letters, digits, "-" or "_")') });

export const PEOPLE_ROUTES = {
  handover: defineRoute({
    method: 'post',
    path: '/devices/:imei/handover',
    summary: "The curator confirms the phone is in the employee's hands",
    auth: 'operator',
    params: devicePath,
    body: z
      .object({ employeeId: z.string({ error: 'must be a string' }).optional() }, { error: 'must be a JSON object {employeeId?}' })
      .optional()
      .meta({ description: 'employeeId: whom the curator hands the phone to, checked against whom it was prepared for' }),
    responses: {
      200: 'already handed over',
      202: 'hand-over signalled',
      404: 'no such device',
      409: 'not prepared for anyone, or not ready yet',
      503: 'no worker answered in time; see Retry-After',
    },
  }),
  returned: defineRoute({
    method: 'post',
    path: '/devices/:imei/returned',
    summary: "Store support received a leaver's phone (and maybe the SIM): the clearance sheet",
    auth: 'operator',
    params: devicePath,
    body: z.object(
      { condition: z.enum(['ok', 'damaged'], { error: 'must be "ok" or "damaged"' }), simReturned: flag() },
      { error: 'must be a JSON object {condition, simReturned}' },
    ),
    responses: { 200: 'already returned', 202: 'return signalled', 404: 'no such device', 409: 'no clearance in progress', 503: 'no worker answered in time; see Retry-After' },
  }),
  employee: defineRoute({
    method: 'get',
    path: '/employees/:id',
    summary: 'An employee as phonefleet knows them: the database row and the live process state',
    auth: 'operator',
    params: employeePath,
    responses: { 200: 'the employee', 404: 'unknown to phonefleet' },
  }),
  simOwnerRetry: defineRoute({
    method: 'post',
    path: '/employees/:id/sim-owner-registration/retry',
    summary: 'Support corrected the identity data in HR: ask the operator again',
    auth: 'operator',
    params: employeePath,
    responses: { 202: 'retry signalled', 409: 'no rejected registration to retry', 503: 'no worker answered in time; see Retry-After' },
  }),
};

export function peopleRouter(ctx: ApiContext): Router {
  const router = Router();
  /** A query with the request deadline (503 while Temporal is unreachable); undefined: no such workflow. */
  const ask = <T>(query: () => Promise<T>) => withTemporal(ctx, () => queryOrUndefined(query));

  /** The curator confirms the phone is in the employee's hands. */
  mount(router, PEOPLE_ROUTES.handover, async ({ params: { imei }, body }, _req, res) => {
    const employeeId = body?.employeeId;

    const device = await ctx.db.device.findUnique({ where: { imei } });
    if (!device) throw new HttpError(404, `device ${imei} is not in the fleet`);
    if (!device.employeeId) throw new HttpError(409, `device ${imei} is not prepared for anyone (state ${device.state})`);
    if (employeeId && employeeId !== device.employeeId) throw new HttpError(409, `device ${imei} is prepared for another employee, not ${employeeId}`);
    if (device.state === 'IN_USE') {
      res.status(200).json({ employeeId: device.employeeId, imei, alreadyHandedOver: true });
      return;
    }
    const handle = ctx.temporal.workflow.getHandle(joinerWorkflowId(device.employeeId));
    const handover = { imei, at: new Date().toISOString(), by: res.locals.operator as string };
    const answer = await operatorUpdate(ctx, handle, handOverUpdate, handover);
    if ('notRunning' in answer) throw new HttpError(409, `phone ${imei} is not ready for hand-over yet (no onboarding running)`);
    if ('rejected' in answer) throw new HttpError(409, answer.rejected);
    if ('unknownUpdate' in answer) {
      // An onboarding started before the Update existed: the stage check and signal of then.
      const progress = await ask(() => handle.query(progressQuery));
      if (progress?.stage !== JOINER_STAGE.awaitingHandover) throw new HttpError(409, `phone ${imei} is not ready for hand-over yet (onboarding stage: ${progress?.stage})`);
      await withTemporal(ctx, () => handle.signal(handedOverSignal, { at: handover.at, by: handover.by }));
    } else if (answer.accepted.alreadyConfirmed) {
      res.status(200).json({ employeeId: device.employeeId, imei, alreadyHandedOver: true });
      return;
    }
    res.status(202).json({ employeeId: device.employeeId, imei, workflowId: handle.workflowId });
  });

  /** Store support received a leaver's phone (and maybe the SIM): the clearance sheet. */
  mount(router, PEOPLE_ROUTES.returned, async ({ params: { imei }, body }, _req, res) => {
    const device = await ctx.db.device.findUnique({ where: { imei } });
    if (!device) throw new HttpError(404, `device ${imei} is not in the fleet`);
    if (!device.employeeId) throw new HttpError(409, `device ${imei} is not held by anyone (state ${device.state})`);
    const handle = ctx.temporal.workflow.getHandle(leaverWorkflowId(device.employeeId));
    const handedIn = { condition: body.condition, simReturned: body.simReturned, at: new Date().toISOString(), by: res.locals.operator as string };
    const notLeaving = (stage?: string) =>
      new HttpError(409, `no clearance in progress for employee ${device.employeeId}${stage ? ` (stage: ${stage})` : ''}: is the employee dismissed?`);
    const answer = await operatorUpdate(ctx, handle, recordReturnUpdate, handedIn);
    if ('notRunning' in answer) throw notLeaving();
    if ('rejected' in answer) throw new HttpError(409, answer.rejected);
    let already = 'accepted' in answer && answer.accepted.alreadyRecorded;
    if ('unknownUpdate' in answer) {
      // A clearance started before the Update existed: the stage check and signal of then.
      const progress = await ask(() => handle.query(leaverProgressQuery));
      if (!progress || LEAVER_CLOSED_STAGES.includes(progress.stage)) throw notLeaving(progress?.stage);
      already = progress.returned !== undefined;
      if (!already) await withTemporal(ctx, () => handle.signal(returnedSignal, handedIn));
    }
    if (already) {
      res.status(200).json({ employeeId: device.employeeId, imei, alreadyReturned: true });
      return;
    }
    res.status(202).json({ employeeId: device.employeeId, imei, workflowId: handle.workflowId });
  });

  /** An employee as phonefleet knows them: the database row and the live process state. */
  mount(router, PEOPLE_ROUTES.employee, async ({ params: { id } }, _req, res) => {
    // Independent reads (a query on a closed workflow replays it): ask them all at once.
    const [employee, lifecycle, onboarding, clearance, move] = await Promise.all([
      ctx.db.employee.findUnique({
        where: { id },
        select: {
          id: true,
          storeId: true,
          roleCode: true,
          position: true,
          status: true,
          startDate: true,
          handedOverAt: true,
          handoverDay: true,
          lastWorkingDay: true,
          devices: { select: { imei: true, model: true, state: true } },
          sims: { select: { iccid: true, msisdn: true, state: true, ownerRegistration: true } },
        },
      }),
      ask<LifecycleState>(() => ctx.temporal.workflow.getHandle(employeeWorkflowId(id)).query(lifecycleQuery)),
      ask<JoinerProgress>(() => ctx.temporal.workflow.getHandle(joinerWorkflowId(id)).query(progressQuery)),
      ask(() => ctx.temporal.workflow.getHandle(leaverWorkflowId(id)).query(leaverProgressQuery)),
      ask(() => ctx.temporal.workflow.getHandle(moverWorkflowId(id)).query(moverProgressQuery)),
    ]);
    if (!employee && !lifecycle && !onboarding) throw new HttpError(404, `employee ${id} is unknown to phonefleet`);
    res.json({
      employee: employee ? { ...employee, startDate: day(employee.startDate), lastWorkingDay: employee.lastWorkingDay && day(employee.lastWorkingDay) } : null,
      lifecycle: lifecycle
        ? { status: lifecycle.status, pendingEvents: lifecycle.pending.length, phaseWorkflowId: lifecycle.phaseWorkflowId ?? null, outcomes: lifecycle.outcomes }
        : null,
      onboarding: onboarding ?? null,
      clearance: clearance ?? null,
      move: move ?? null,
    });
  });

  /** Support corrected the identity data in HR: ask the operator again. */
  mount(router, PEOPLE_ROUTES.simOwnerRetry, async ({ params: { id } }, _req, res) => {
    const handle = ctx.temporal.workflow.getHandle(joinerWorkflowId(id));
    const nothingToRetry = (stage?: string) => new HttpError(409, `no rejected SIM owner registration to retry for employee ${id}${stage ? ` (onboarding stage: ${stage})` : ''}`);
    const answer = await operatorUpdate(ctx, handle, retrySimOwnerRegistrationUpdate);
    if ('notRunning' in answer) throw nothingToRetry();
    if ('rejected' in answer) throw new HttpError(409, answer.rejected);
    if ('unknownUpdate' in answer) {
      // An onboarding started before the Update existed: the stage check and signal of then.
      const progress = await ask(() => handle.query(progressQuery));
      if (progress?.stage !== JOINER_STAGE.simOwnerRejected) throw nothingToRetry(progress?.stage);
      await withTemporal(ctx, () => handle.signal(retrySimOwnerRegistrationSignal));
    }
    res.status(202).json({ employeeId: id, workflowId: handle.workflowId });
  });

  return router;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** A query's answer, or undefined when no such workflow exists. */
export async function queryOrUndefined<T>(query: () => Promise<T>): Promise<T | undefined> {
  try {
    return await query();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
