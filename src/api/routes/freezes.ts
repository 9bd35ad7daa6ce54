// Freeze windows, declared by operators for one store (inventory) or the whole fleet (peak
// sales). Declaring or lifting one wakes the processes sleeping on freezes, so a lifted freeze
// releases them now rather than at the end of the window they were told about.
import { Router, type Response } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Freeze } from '../../db/generated/client.ts';
import { freezeChangedSignal, WAITING_FOR_FREEZE } from '../../../workflows/mover.ts';
import { validateFreeze } from '../../domain/freezes.ts';
import type { ApiContext } from '../context.ts';
import { badRequest, HttpError } from '../http-errors.ts';
import { checkPathParameters, jsonBody, queryParameter } from '../request-input.ts';
import { STORE_CODE } from './stores.ts';

/** A store's id, or null for the fleet-wide scope. */
type Scope = string | null;

export function freezesRouter(ctx: ApiContext): Router {
  const router = Router();
  const json = jsonBody({ limit: '16kb' });
  checkPathParameters(router, { storeId: STORE_CODE, id: null });

  /** The store named by the path; 404 for a store phonefleet does not know. */
  const knownStore = async (storeId: string): Promise<string> => {
    if (!(await ctx.db.store.findUnique({ where: { id: storeId }, select: { id: true } }))) throw new HttpError(404, `store ${storeId} does not exist`);
    return storeId;
  };

  const create = async (storeId: Scope, body: unknown, res: Response) => {
    const checked = validateFreeze(body);
    if (!checked.ok) throw badRequest(checked.problems);
    const actor = `api:${res.locals.operator}`;
    const freeze = await ctx.db.$transaction(async (tx) => {
      const created = await tx.freeze.create({ data: { ...checked.freeze, storeId, createdBy: actor } });
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

  router.post('/stores/:storeId/freezes', json, async (req, res) => create(await knownStore(req.params.storeId), req.body, res));
  router.post('/fleet/freezes', json, async (req, res) => create(null, req.body, res));
  router.get('/stores/:storeId/freezes', async (req, res) => list(await knownStore(req.params.storeId), queryParameter(req.query, 'all'), res));
  router.get('/fleet/freezes', async (req, res) => list(null, queryParameter(req.query, 'all'), res));
  router.delete('/stores/:storeId/freezes/:id', async (req, res) => remove(await knownStore(req.params.storeId), req.params.id, res));
  router.delete('/fleet/freezes/:id', async (req, res) => remove(null, req.params.id, res));

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
      query: `Phase = '${WAITING_FOR_FREEZE}' AND ExecutionStatus = 'Running'${storeId === null ? '' : ` AND StoreId = '${storeId}'`}`,
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
    console.error(`api: freeze changed, but waiting processes were not all woken (${woken} were): ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}
