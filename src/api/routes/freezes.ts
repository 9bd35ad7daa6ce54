// Freeze windows, declared by operators for one store (inventory) or the whole fleet (peak
// sales). Declaring or lifting one wakes the processes sleeping on freezes, so a lifted freeze
// releases them now rather than at the end of the window they were told about.
import { Router, type Response } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Freeze } from '../../db/generated/client.ts';
import { freezeChangedSignal, WAITING_FOR_FREEZE } from '../../../workflows/mover-contract.ts';
import { RELEASE_STORE_WORKFLOW_TYPE } from '../../../workflows/release-contract.ts';
import { z } from 'zod';
import { MAX_REASON_LENGTH, validateFreeze, type FreezeWindow } from '../../domain/freezes.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../http-errors.ts';
import { text } from '../schemas/fields.ts';
import { defineRoute, documentedAs, mount } from '../schemas/route.ts';
import { storePath } from './stores.ts';
import { loggerFor } from '../../observability/log.ts';

const log = loggerFor('api');

const INSTANT = 'must be an ISO 8601 date-time with an offset, e.g. 2026-03-02T06:00:00+01:00';
const instant = () => text(INSTANT, { pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i, format: 'date-time' });
const freezeShape = z.object(
  {
    startsAt: instant(),
    endsAt: instant(),
    reason: text(`must be a non-blank string of at most ${MAX_REASON_LENGTH} characters`, { min: 1, max: MAX_REASON_LENGTH, pattern: /\S/ }),
  },
  { error: 'must be a JSON object {startsAt, endsAt, reason}' },
);
// The window's rules (real dates, order, length, in the future) are the domain's, and it names
// every bad field at once: the body is checked by validateFreeze, and documented as its shape.
const freezeBody = z
  .unknown()
  .transform((value, ctx) => {
    const checked = validateFreeze(value);
    if (checked.ok) return checked.freeze;
    for (const p of checked.problems) ctx.addIssue({ code: 'custom', input: value, path: p.field === 'body' ? [] : [p.field], message: p.message });
    return z.NEVER;
  })
  .meta(documentedAs(freezeShape));
const listQuery = z.object({
  all: z
    .string({ error: 'must be given once, as a plain value' })
    .optional()
    .meta({ description: '"1": past windows too', examples: ['1'] }),
});
const freezePath = z.object({ id: z.string().meta({ description: 'the freeze id, as created' }) });
const created = { 201: 'declared; processes sleeping on freezes woken', 404: 'no such store' };
const removed = { 204: 'lifted; header Processes-Woken counts the processes woken', 404: 'no such freeze' };

export const FREEZE_ROUTES = {
  createForStore: defineRoute({
    method: 'post',
    path: '/stores/:storeId/freezes',
    summary: 'Declare a freeze window for one store',
    auth: 'operator',
    params: storePath,
    body: freezeBody,
    responses: created,
  }),
  createForFleet: defineRoute({ method: 'post', path: '/fleet/freezes', summary: 'Declare a fleet-wide freeze window', auth: 'operator', body: freezeBody, responses: created }),
  listForStore: defineRoute({
    method: 'get',
    path: '/stores/:storeId/freezes',
    summary: "A store's freeze windows (its own and the fleet's)",
    auth: 'operator',
    params: storePath,
    query: listQuery,
    responses: { 200: 'the windows', 404: 'no such store' },
  }),
  listForFleet: defineRoute({
    method: 'get',
    path: '/fleet/freezes',
    summary: 'The fleet-wide freeze windows',
    auth: 'operator',
    query: listQuery,
    responses: { 200: 'the windows' },
  }),
  removeForStore: defineRoute({
    method: 'delete',
    path: '/stores/:storeId/freezes/:id',
    summary: "Lift one of a store's freeze windows",
    auth: 'operator',
    params: storePath.extend(freezePath.shape),
    responses: removed,
  }),
  removeForFleet: defineRoute({
    method: 'delete',
    path: '/fleet/freezes/:id',
    summary: 'Lift a fleet-wide freeze window',
    auth: 'operator',
    params: freezePath,
    responses: removed,
  }),
};

/** A store's id, or null for the fleet-wide scope. */
type Scope = string | null;

export function freezesRouter(ctx: ApiContext): Router {
  const router = Router();

  /** The store named by the path; 404 for a store phonefleet does not know. */
  const knownStore = async (storeId: string): Promise<string> => {
    if (!(await ctx.db.store.findUnique({ where: { id: storeId }, select: { id: true } }))) throw new HttpError(404, `store ${storeId} does not exist`);
    return storeId;
  };

  const create = async (storeId: Scope, window: FreezeWindow, res: Response) => {
    const actor = `api:${res.locals.operator}`;
    const freeze = await ctx.db.$transaction(async (tx) => {
      const created = await tx.freeze.create({ data: { ...window, storeId, createdBy: actor } });
      await tx.auditLog.create({ data: { actor, action: 'freeze.created', storeId, details: auditDetails(created) } });
      return created;
    });
    res.status(201).json({ freeze, processesWoken: await wakeFreezeWaiters(ctx, storeId) });
  };

  const list = async (storeId: Scope, all: unknown, res: Response) => {
    const freezes = await ctx.db.freeze.findMany({
      // A store is frozen by its own windows and by the fleet's.
      where: { OR: [{ storeId }, { storeId: null }], ...(all === '1' ? {} : { endsAt: { gt: new Date() } }) },
      orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
    });
    res.json({ storeId, freezes });
  };

  const remove = async (storeId: Scope, rawId: string, res: Response) => {
    const id = /^\d{1,9}$/.test(rawId) ? Number(rawId) : undefined;
    const actor = `api:${res.locals.operator}`;
    const removed = await ctx.db.$transaction(async (tx) => {
      const freeze = id === undefined ? null : await tx.freeze.findFirst({ where: { id, storeId } });
      // deleteMany: a concurrent delete of the same freeze answers 404, not a 500.
      if (!freeze || (await tx.freeze.deleteMany({ where: { id: freeze.id } })).count === 0) return null;
      await tx.auditLog.create({ data: { actor, action: 'freeze.deleted', storeId, details: auditDetails(freeze) } });
      return freeze;
    });
    if (!removed) throw new HttpError(404, `no freeze ${rawId} ${storeId === null ? 'for the fleet' : `for store ${storeId}`}`);
    // 204 carries no body: the count travels in a header.
    const woken = await wakeFreezeWaiters(ctx, storeId);
    if (woken !== null) res.set('Processes-Woken', String(woken));
    res.status(204).end();
  };

  mount(router, FREEZE_ROUTES.createForStore, async ({ params, body }, _req, res) => create(await knownStore(params.storeId), body, res));
  mount(router, FREEZE_ROUTES.createForFleet, async ({ body }, _req, res) => create(null, body, res));
  mount(router, FREEZE_ROUTES.listForStore, async ({ params, query }, _req, res) => list(await knownStore(params.storeId), query.all, res));
  mount(router, FREEZE_ROUTES.listForFleet, async ({ query }, _req, res) => list(null, query.all, res));
  mount(router, FREEZE_ROUTES.removeForStore, async ({ params }, _req, res) => remove(await knownStore(params.storeId), params.id, res));
  mount(router, FREEZE_ROUTES.removeForFleet, async ({ params }, _req, res) => remove(null, params.id, res));

  return router;
}

const auditDetails = (f: Freeze) => ({ freezeId: f.id, startsAt: f.startsAt.toISOString(), endsAt: f.endsAt.toISOString(), reason: f.reason });

/**
 * Signals `freezeChanged` to every running process of the store (every one, for a fleet-wide
 * freeze) that sleeps until a freeze ends; returns how many were signalled. The query is built
 * only from a store id found in the database.
 *
 * Best effort, null when Temporal could not be reached: the change is already committed, and a
 * 500 would make the operator retry (a duplicate freeze, or a 404 for the deleted one). Processes
 * not woken re-check when the window they sleep on ends.
 */
async function wakeFreezeWaiters(ctx: ApiContext, storeId: Scope): Promise<number | null> {
  let woken = 0;
  try {
    const waiting = ctx.temporal.workflow.list({
      // Processes waiting for a freeze to end, and stores receiving a release (a freeze holds their next batch).
      // (a release's stores of this deployment only: its task queue).
      query: `(Phase = '${WAITING_FOR_FREEZE}' OR (WorkflowType = '${RELEASE_STORE_WORKFLOW_TYPE}' AND TaskQueue = '${ctx.taskQueue}')) AND ExecutionStatus = 'Running'${storeId === null ? '' : ` AND StoreId = '${storeId}'`}`,
    });
    for await (const wf of waiting) {
      try {
        await ctx.temporal.workflow.getHandle(wf.workflowId).signal(freezeChangedSignal);
        woken++;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // it finished since the list was read
      }
    }
    return woken;
  } catch (err) {
    log.warn({ woken, err }, 'freeze changed, but waiting processes were not all woken');
    return null;
  }
}
