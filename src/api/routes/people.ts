// What curators and support do by hand: confirm a hand-over, look up an employee, retry a
// rejected SIM owner registration.
import { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { employeeWorkflowId, lifecycleQuery, type LifecycleState } from '../../../workflows/employee-lifecycle.ts';
import { handedOverSignal, joinerWorkflowId, progressQuery, retrySimOwnerRegistrationSignal, type JoinerProgress } from '../../../workflows/joiner.ts';
import { leaverProgressQuery, leaverWorkflowId, returnedSignal } from '../../../workflows/leaver.ts';
import { moverProgressQuery, moverWorkflowId } from '../../../workflows/mover.ts';
import { isValidImei } from '../../domain/identifiers.ts';
import type { ApiContext } from '../context.ts';
import { EMPLOYEE_ID } from '../hr-cloudevents.ts';
import { badRequest, HttpError } from '../http-errors.ts';
import { checkPathParameters, jsonBody } from '../request-input.ts';
import { withTemporal } from '../temporal-calls.ts';

export function peopleRouter(ctx: ApiContext): Router {
  const router = Router();
  const json = jsonBody({ limit: '16kb' });
  /** A query with the request deadline (503 while Temporal is unreachable); undefined: no such workflow. */
  const ask = <T>(query: () => Promise<T>) => withTemporal(ctx, () => queryOrUndefined(query));
  checkPathParameters(router, {
    imei: null, // each route names the IMEI's format itself
    id: { test: (v) => EMPLOYEE_ID.test(v), message: 'must be an HR employee id (1-64 letters, digits, "-" or "_")' },
  });

  /** The curator confirms the phone is in the employee's hands. */
  router.post('/devices/:imei/handover', json, async (req, res) => {
    const { imei } = req.params;
    if (!isValidImei(imei)) throw badRequest([{ field: 'imei', message: 'must be a 15-digit IMEI with a valid check digit' }]);
    if (req.body !== undefined && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) throw badRequest([{ field: 'body', message: 'must be a JSON object {employeeId?}' }]);
    const employeeId = req.body?.employeeId;
    if (employeeId !== undefined && typeof employeeId !== 'string') throw badRequest([{ field: 'employeeId', message: 'must be a string' }]);

    const device = await ctx.db.device.findUnique({ where: { imei } });
    if (!device) throw new HttpError(404, `device ${imei} is not in the fleet`);
    if (!device.employeeId) throw new HttpError(409, `device ${imei} is not prepared for anyone (state ${device.state})`);
    if (employeeId && employeeId !== device.employeeId) throw new HttpError(409, `device ${imei} is prepared for another employee, not ${employeeId}`);
    if (device.state === 'IN_USE') {
      res.status(200).json({ employeeId: device.employeeId, imei, alreadyHandedOver: true });
      return;
    }
    const progress = await ask(() => ctx.temporal.workflow.getHandle(joinerWorkflowId(device.employeeId!)).query(progressQuery));
    if (progress?.stage !== 'awaiting-handover') {
      throw new HttpError(409, `phone ${imei} is not ready for hand-over yet (${progress ? `onboarding stage: ${progress.stage}` : 'no onboarding running'})`);
    }
    await withTemporal(ctx, () => ctx.temporal.workflow.getHandle(joinerWorkflowId(device.employeeId!)).signal(handedOverSignal, { at: new Date().toISOString(), by: res.locals.operator }));
    res.status(202).json({ employeeId: device.employeeId, imei, workflowId: joinerWorkflowId(device.employeeId) });
  });

  /** Store support received a leaver's phone (and maybe the SIM): the clearance sheet. */
  router.post('/devices/:imei/returned', json, async (req, res) => {
    const { imei } = req.params;
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) throw badRequest([{ field: 'body', message: 'must be a JSON object {condition, simReturned}' }]);
    const problems = [
      ...(isValidImei(imei) ? [] : [{ field: 'imei', message: 'must be a 15-digit IMEI with a valid check digit' }]),
      ...(['ok', 'damaged'].includes(req.body?.condition) ? [] : [{ field: 'condition', message: 'must be "ok" or "damaged"' }]),
      ...(typeof req.body?.simReturned === 'boolean' ? [] : [{ field: 'simReturned', message: 'must be true or false' }]),
    ];
    if (problems.length) throw badRequest(problems);
    const device = await ctx.db.device.findUnique({ where: { imei } });
    if (!device) throw new HttpError(404, `device ${imei} is not in the fleet`);
    if (!device.employeeId) throw new HttpError(409, `device ${imei} is not held by anyone (state ${device.state})`);
    const handle = ctx.temporal.workflow.getHandle(leaverWorkflowId(device.employeeId));
    const progress = await ask(() => handle.query(leaverProgressQuery));
    if (!progress || ['done', 'revoking', 'revoked'].includes(progress.stage)) {
      throw new HttpError(409, `no clearance in progress for employee ${device.employeeId}${progress ? ` (stage: ${progress.stage})` : ''}: is the employee dismissed?`);
    }
    if (progress.returned) {
      res.status(200).json({ employeeId: device.employeeId, imei, alreadyReturned: true });
      return;
    }
    await withTemporal(ctx, () => handle.signal(returnedSignal, { condition: req.body.condition, simReturned: req.body.simReturned, at: new Date().toISOString(), by: res.locals.operator }));
    res.status(202).json({ employeeId: device.employeeId, imei, workflowId: handle.workflowId });
  });

  /** An employee as phonefleet knows them: the database row and the live process state. */
  router.get('/employees/:id', async (req, res) => {
    const { id } = req.params;
    // Independent reads (a query on a closed workflow replays it): ask them all at once.
    const [employee, lifecycle, onboarding, clearance, move] = await Promise.all([
      ctx.db.employee.findUnique({
        where: { id },
        select: {
          id: true, storeId: true, roleCode: true, position: true, status: true, startDate: true, handedOverAt: true, handoverDay: true, lastWorkingDay: true,
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
      lifecycle: lifecycle ? { status: lifecycle.status, pendingEvents: lifecycle.pending.length, phaseWorkflowId: lifecycle.phaseWorkflowId ?? null, outcomes: lifecycle.outcomes } : null,
      onboarding: onboarding ?? null,
      clearance: clearance ?? null,
      move: move ?? null,
    });
  });

  /** Support corrected the identity data in HR: ask the operator again. */
  router.post('/employees/:id/sim-owner-registration/retry', async (req, res) => {
    const handle = ctx.temporal.workflow.getHandle(joinerWorkflowId(req.params.id));
    const progress = await ask(() => handle.query(progressQuery));
    if (progress?.stage !== 'sim-owner-rejected') {
      throw new HttpError(409, `no rejected SIM owner registration to retry for employee ${req.params.id}${progress ? ` (onboarding stage: ${progress.stage})` : ''}`);
    }
    await withTemporal(ctx, () => handle.signal(retrySimOwnerRegistrationSignal));
    res.status(202).json({ employeeId: req.params.id, workflowId: handle.workflowId });
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
