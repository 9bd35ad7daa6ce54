// POST /hr/events: HR's signed CloudEvents in, one signal to the employee's lifecycle out.
//
// Order matters: signature, then shape (strict JSON, real dates, no control characters), then
// the receipt already held for this event, then what the event says against what phonefleet
// knows (store, position, a hire already in force, date order), then the receipt, then the
// signal. The receipt is written first as 'accepted-pending' and completed once the lifecycle
// has the signal, so the database and Temporal cannot disagree for long: a database error
// leaves nothing started, a Temporal outage leaves a pending receipt (503, Retry-After), and
// HR's redelivery of that event sends the signal again (the lifecycle drops an event id it
// already has) and completes the receipt.
//
// Every signed delivery answered 4xx is recorded (HrRefusal) with the reason and the fields
// named, for HR operations to fix the record and send it again: GET /hr/deliveries.
import express, { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  EMPLOYEE_LIFECYCLE_WORKFLOW_TYPE,
  employeeWorkflowId,
  hrEventSignal,
  lifecycleSummary,
  type EmployeeLifecycleWorkflow,
} from '../../../workflows/employee-lifecycle-contract.ts';
import type { HrCloudEventType, HrEvent } from '../../../workflows/hr-events.ts';
import { EmployeeId, StoreId } from '../../../workflows/search-attributes.ts';
import { Prisma, type HrEvent as Receipt } from '../../db/generated/client.ts';
import type { ApiContext } from '../context.ts';
import { eventDigest, parseHrEvent, readCloudEvent, refusalSubject } from '../hr-cloudevents.ts';
import { badRequest, HttpError } from '../http-errors.ts';
import { hrCloudEvent } from '../schemas/hr-events.ts';
import { defineRoute, mount } from '../schemas/route.ts';
import { withTemporal } from '../temporal-calls.ts';
import { SignatureError, verify } from '../webhook-signature.ts';
import { checkEventAgainstRecords } from './hr-event-checks.ts';
import { loggerFor } from '../../observability/log.ts';
import { countHrEvents, type HrEventNote } from '../../observability/metrics.ts';

const log = loggerFor('api');

interface Answer {
  status: number;
  body: Prisma.InputJsonObject;
  /** The answer of a delivery received before (its receipt), not this one's. */
  duplicate?: boolean;
}

const PENDING = 'accepted-pending';
const COMPLETED = 'completed';

interface Delivery {
  event: HrEvent;
  source: string;
  type: HrCloudEventType;
  digest: string;
}

export const HR_EVENT_ROUTES = {
  receive: defineRoute({
    method: 'post',
    path: '/hr/events',
    summary: "HR's CloudEvents 1.0, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature); binary mode puts the attributes in ce-* headers",
    auth: 'webhook-signature',
    body: hrCloudEvent,
    bodyMediaTypes: ['application/cloudevents+json'],
    rawBody: true,
    responses: {
      202: 'accepted: the lifecycle has the event',
      400: 'bad event, naming each field',
      401: 'signature rejected',
      409: 'event id already used, or a hire already in force',
      415: 'unsupported media type',
      422: 'the event contradicts what phonefleet knows',
      503: 'Temporal unreachable: the receipt is pending; redeliver',
    },
  }),
};

export function hrEventsRouter(ctx: ApiContext): Router {
  const router = Router();
  // The signature covers the exact bytes sent: keep the body as text until it is verified.
  const rawText = express.text({ type: () => true, limit: '64kb' });
  mount(
    router,
    HR_EVENT_ROUTES.receive,
    async (_input, req, res) => {
      const body = typeof req.body === 'string' ? req.body : '';
      try {
        verify(ctx.hrWebhookSecrets, req.headers as Record<string, string>, body);
      } catch (err) {
        // Not recorded: anyone can send an unsigned request, and the table is for HR's records.
        if (err instanceof SignatureError) throw new HttpError(401, `signature rejected: ${err.message}`);
        throw err;
      }

      let ce: Record<string, unknown> | undefined;
      try {
        const read = readCloudEvent(req.get('content-type'), req.headers, body);
        ce = read.event;
        res.locals.hrEvent = { type: ce?.type } satisfies HrEventNote;
        if (!read.ok) throw new HttpError(read.status, read.status === 415 ? 'unsupported media type' : 'invalid request', read.problems);
        const parsed = parseHrEvent(read.event);
        if (!parsed.ok) throw badRequest(parsed.problems);
        const answer = await receive(ctx, { event: parsed.event, source: parsed.source, type: parsed.type, digest: eventDigest(read.event) });
        if (answer.duplicate) res.locals.hrEvent = { type: parsed.type, duplicate: true } satisfies HrEventNote;
        res.status(answer.status).json(answer.body);
      } catch (err) {
        if (err instanceof HttpError && err.status >= 400 && err.status < 500) await recordRefusal(ctx, err, ce);
        throw err;
      }
    },
    [countHrEvents, rawText],
  );
  return router;
}

async function receive(ctx: ApiContext, delivery: Delivery): Promise<Answer> {
  const { event } = delivery;
  const held = await ctx.db.hrEvent.findUnique({ where: { id: event.eventId } });
  if (held) return answerFromReceipt(ctx, held, delivery);

  const target = await checkEventAgainstRecords(ctx, event);
  const workflowId = employeeWorkflowId(event.employeeId);
  const answer: Answer = { status: 202, body: { accepted: true, eventId: event.eventId, workflowId } };
  let receipt: Receipt;
  try {
    receipt = await ctx.db.hrEvent.create({
      data: {
        id: event.eventId,
        source: delivery.source,
        type: delivery.type,
        employeeId: event.employeeId,
        workflowId,
        digest: delivery.digest,
        state: PENDING,
        responseStatus: answer.status,
        responseBody: answer.body,
      },
    });
  } catch (err) {
    // The same event delivered twice at once: answer as the other delivery is answered.
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    return answerFromReceipt(ctx, await ctx.db.hrEvent.findUniqueOrThrow({ where: { id: event.eventId } }), delivery);
  }
  return complete(ctx, receipt, event, target);
}

/** A redelivery: the first answer, a pending receipt completed, or 409 if it is another event. */
async function answerFromReceipt(ctx: ApiContext, receipt: Receipt, { event, source, digest }: Delivery): Promise<Answer> {
  if (receipt.source !== source) {
    throw new HttpError(409, 'event id already used', [
      { field: 'id', message: `event ${event.eventId} was already received from source ${receipt.source}: event ids must be unique across sources` },
    ]);
  }
  // Receipts written before digests were kept ("") answer as they always did.
  if (receipt.digest !== '' && receipt.digest !== digest) {
    throw new HttpError(409, 'event id already used', [
      { field: 'id', message: `event ${event.eventId} was already received with a different content: send a changed event under a new id` },
    ]);
  }
  if (receipt.state === PENDING) return complete(ctx, receipt, event, await signalTarget(ctx, event));
  return { status: receipt.responseStatus, body: receipt.responseBody as Prisma.InputJsonObject, duplicate: true };
}

/** Where the lifecycle's search attributes put the employee, and whether they already work here. */
export interface SignalTarget {
  storeId: string;
  employedAt?: { storeId: string };
  /** Take-backs only signal a running lifecycle: they never start one. */
  startIfMissing: boolean;
}

/** The target of an event whose checks passed before (a pending receipt): from the rows alone. */
async function signalTarget(ctx: ApiContext, event: HrEvent): Promise<SignalTarget> {
  if (event.kind === 'hired') return { storeId: event.hire.storeId, startIfMissing: true };
  if (event.kind === 'hire-rescinded' || event.kind === 'dismissal-revoked') return { storeId: '', startIfMissing: false };
  const employee = await ctx.db.employee.findUnique({ where: { id: event.employeeId }, select: { storeId: true, status: true } });
  return { storeId: employee?.storeId ?? 'unknown', employedAt: employee?.status === 'ACTIVE' ? { storeId: employee.storeId } : undefined, startIfMissing: true };
}

/** Signals the lifecycle, then marks the receipt completed. */
async function complete(ctx: ApiContext, receipt: Receipt, event: HrEvent, target: SignalTarget): Promise<Answer> {
  try {
    await withTemporal(ctx, () => signalLifecycle(ctx, event, target));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      // Only a running lifecycle can be rescinded or revoked. Starting one here would let a hire
      // or dismissal that arrives later (out of order) go ahead although HR took it back.
      await ctx.db.hrEvent.deleteMany({ where: { id: receipt.id, state: PENDING } });
      throw new HttpError(422, 'unprocessable event', [{ field: 'data.employeeId', message: `nothing in progress for employee ${event.employeeId} to take back` }]);
    }
    throw err; // Temporal unreachable: 503 (http-errors.ts); the receipt stays pending
  }
  try {
    await ctx.db.hrEvent.update({ where: { id: receipt.id }, data: { state: COMPLETED } });
  } catch (err) {
    // The lifecycle has the event: the answer is 202 whatever the database says now. The
    // receipt stays pending; a redelivery completes it.
    log.warn({ eventId: receipt.id, err }, 'hr event signalled, receipt left pending');
  }
  return { status: receipt.responseStatus, body: receipt.responseBody as Prisma.InputJsonObject };
}

/** Signal-with-start: the employee's lifecycle is started by the first event that needs it. */
async function signalLifecycle(ctx: ApiContext, event: HrEvent, target: SignalTarget) {
  const workflowId = employeeWorkflowId(event.employeeId);
  if (!target.startIfMissing) {
    await ctx.temporal.workflow.getHandle(workflowId).signal(hrEventSignal, event);
    return;
  }
  await ctx.temporal.workflow.signalWithStart<EmployeeLifecycleWorkflow, [HrEvent]>(EMPLOYEE_LIFECYCLE_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: ctx.taskQueue,
    args: [{ employeeId: event.employeeId, policy: ctx.policy, employedAt: target.employedAt }],
    signal: hrEventSignal,
    signalArgs: [event],
    staticSummary: lifecycleSummary(event.employeeId, target.storeId),
    typedSearchAttributes: [
      { key: EmployeeId, value: event.employeeId },
      { key: StoreId, value: target.storeId },
    ],
  });
}

/** Best effort: a refusal that cannot be recorded is still answered. */
async function recordRefusal(ctx: ApiContext, err: HttpError, ce: Record<string, unknown> | undefined) {
  try {
    await ctx.db.hrRefusal.create({
      data: { status: err.status, reason: err.message, problems: (err.problems ?? []) as unknown as Prisma.InputJsonArray, ...refusalSubject(ce) },
    });
  } catch (failure) {
    log.warn({ err: failure }, 'refused hr delivery not recorded');
  }
}
