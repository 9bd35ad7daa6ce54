// POST /hr/events: HR's signed CloudEvents in, one signal to the employee's lifecycle out.
//
// Order matters: signature, then shape, then references (store, position), then the signal,
// then the receipt. Nothing is written and no workflow started unless every check passed; a
// redelivered event id finds its receipt and gets the same answer without touching Temporal.
import express, { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { employeeLifecycle, employeeWorkflowId, hrEventSignal } from '../../../workflows/employee-lifecycle.ts';
import type { HrEvent } from '../../../workflows/hr-events.ts';
import { EmployeeId, StoreId } from '../../../workflows/search-attributes.ts';
import { Prisma } from '../../db/generated/client.ts';
import type { ApiContext } from '../context.ts';
import { parseHrEvent, readCloudEvent } from '../hr-cloudevents.ts';
import { badRequest, HttpError } from '../http-errors.ts';
import { SignatureError, verify } from '../webhook-signature.ts';

interface Answer {
  status: number;
  body: Prisma.InputJsonObject;
}

export function hrEventsRouter(ctx: ApiContext): Router {
  const router = Router();
  // The signature covers the exact bytes sent: keep the body as text until it is verified.
  router.post('/hr/events', express.text({ type: () => true, limit: '64kb' }), async (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    try {
      verify(ctx.hrWebhookSecrets, req.headers as Record<string, string>, body);
    } catch (err) {
      if (err instanceof SignatureError) throw new HttpError(401, `signature rejected: ${err.message}`);
      throw err;
    }

    const read = readCloudEvent(req.get('content-type'), req.headers, body);
    if (!read.ok) throw badRequest(read.problems);
    const parsed = parseHrEvent(read.event);
    if (!parsed.ok) throw badRequest(parsed.problems);
    const { event, source, type } = parsed;

    const receipt = await ctx.db.hrEvent.findUnique({ where: { id: event.eventId } });
    if (receipt) {
      res.status(receipt.responseStatus).json(receipt.responseBody);
      return;
    }

    const answer = await deliver(ctx, event);
    try {
      await ctx.db.hrEvent.create({
        data: { id: event.eventId, source, type, employeeId: event.employeeId, workflowId: employeeWorkflowId(event.employeeId), responseStatus: answer.status, responseBody: answer.body },
      });
    } catch (err) {
      // The same event delivered twice at once: the workflow dropped the second signal; answer
      // as the first delivery was answered.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
      const first = await ctx.db.hrEvent.findUniqueOrThrow({ where: { id: event.eventId } });
      res.status(first.responseStatus).json(first.responseBody);
      return;
    }
    res.status(answer.status).json(answer.body);
  });
  return router;
}

async function deliver(ctx: ApiContext, event: HrEvent): Promise<Answer> {
  const workflowId = employeeWorkflowId(event.employeeId);
  const accepted: Answer = { status: 202, body: { accepted: true, eventId: event.eventId, workflowId } };
  const unprocessable = (field: string, message: string) => new HttpError(422, 'unprocessable event', [{ field, message }]);

  switch (event.kind) {
    case 'hired': {
      await checkReferences(ctx, { storeId: event.hire.storeId, position: event.hire.position });
      await signalLifecycle(ctx, event, { storeId: event.hire.storeId });
      return accepted;
    }
    case 'hire-rescinded':
    case 'dismissal-revoked': {
      // Only a running lifecycle can be rescinded or revoked. Starting one here would let a
      // hire or dismissal that arrives later (out of order) go ahead although HR took it back.
      try {
        await ctx.temporal.workflow.getHandle(workflowId).signal(hrEventSignal, event);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw unprocessable('data.employeeId', `nothing in progress for employee ${event.employeeId} to take back`);
        throw err;
      }
      return accepted;
    }
    case 'dismissed':
    case 'role-changed':
    case 'transferred': {
      // Employees hired before phonefleet have no lifecycle yet: the database knows them.
      const employee = await ctx.db.employee.findUnique({ where: { id: event.employeeId } });
      if (!employee || !['ACTIVE', 'ONBOARDING', 'LEAVING'].includes(employee.status)) {
        throw unprocessable('data.employeeId', employee ? `employee ${event.employeeId} is ${employee.status.toLowerCase()}` : `unknown employee ${event.employeeId}`);
      }
      if (event.kind !== 'dismissed') await checkReferences(ctx, event.move.kind === 'role' ? { position: event.move.position } : { storeId: event.move.storeId });
      await signalLifecycle(ctx, event, { storeId: employee.storeId, employedAt: employee.status === 'ACTIVE' ? { storeId: employee.storeId } : undefined });
      return accepted;
    }
  }
}

/** Signal-with-start: the employee's lifecycle is started by the first event that needs it. */
async function signalLifecycle(ctx: ApiContext, event: HrEvent, where: { storeId: string; employedAt?: { storeId: string } }) {
  await ctx.temporal.workflow.signalWithStart(employeeLifecycle, {
    workflowId: employeeWorkflowId(event.employeeId),
    taskQueue: ctx.taskQueue,
    args: [{ employeeId: event.employeeId, policy: ctx.policy, employedAt: where.employedAt }],
    signal: hrEventSignal,
    signalArgs: [event],
    typedSearchAttributes: [
      { key: EmployeeId, value: event.employeeId },
      { key: StoreId, value: where.storeId },
    ],
  });
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
