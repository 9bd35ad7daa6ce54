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

  switch (event.kind) {
    case 'hired': {
      await checkHireReferences(ctx, event.hire.storeId, event.hire.position);
      await ctx.temporal.workflow.signalWithStart(employeeLifecycle, {
        workflowId,
        taskQueue: ctx.taskQueue,
        args: [{ employeeId: event.employeeId, policy: ctx.policy }],
        signal: hrEventSignal,
        signalArgs: [event],
        typedSearchAttributes: [
          { key: EmployeeId, value: event.employeeId },
          { key: StoreId, value: event.hire.storeId },
        ],
      });
      return accepted;
    }
    case 'hire-rescinded': {
      // Only a running lifecycle can be rescinded. Starting one here would let a hire that
      // arrives later (out of order) onboard someone HR already rescinded.
      try {
        await ctx.temporal.workflow.getHandle(workflowId).signal(hrEventSignal, event);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          throw new HttpError(422, 'unprocessable event', [{ field: 'data.employeeId', message: `no hire in progress for employee ${event.employeeId}` }]);
        }
        throw err;
      }
      return accepted;
    }
  }
}

async function checkHireReferences(ctx: ApiContext, storeId: string, position: string) {
  const [store, role] = await Promise.all([ctx.db.store.findUnique({ where: { id: storeId } }), ctx.db.role.findFirst({ where: { positions: { has: position } } })]);
  const problems = [
    ...(store ? [] : [{ field: 'data.storeId', message: `unknown store ${storeId}` }]),
    ...(role ? [] : [{ field: 'data.position', message: `position ${position} maps to no role` }]),
  ];
  if (problems.length) throw new HttpError(422, 'unprocessable event', problems);
}
