// The fleet sync on demand: start a run (HR, the operator, the MDMs, then the reconciliation)
// and follow it. The caller's idempotency key names the run, so a retried request finds the run
// it started; the same key with another body is a conflict. A run's progress is read from the
// database (its passes' SyncRun rows) and Temporal (running or finished): counts only.
import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../http-errors.ts';
import { flag, text } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';
import { withTemporal } from '../temporal-calls.ts';
import { FLEET_SYNC_WORKFLOW_TYPE, SYNC_RUN_ID_PREFIX, fleetSyncWorkflowId, type FleetSyncInput, type FleetSyncResult } from '../../../workflows/fleet-sync-contract.ts';

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const KEY_MESSAGE = 'must be 1-100 letters, digits, "_", ".", ":" or "-", starting with a letter or digit';
const RUN_ID = /^sync-[A-Za-z0-9][A-Za-z0-9_.:TZ+-]{0,119}$/;

export const FLEET_SYNC_ROUTES = {
  start: defineRoute({
    method: 'post',
    path: '/fleet-syncs',
    summary: 'Start a fleet sync (HR, the operator, the MDMs, then the reconciliation); the idempotency key names the run',
    auth: 'operator',
    body: z.strictObject(
      {
        idempotencyKey: text(KEY_MESSAGE, { pattern: KEY, examples: ['2026-12-02-manual'] }),
        dryRun: flag().default(false),
      },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? 'is not a field of a sync request' : 'must be a JSON object {idempotencyKey, dryRun?}') },
    ),
    responses: { 202: 'started (or already started with this key and body): the run id', 409: 'the key already started a run with another dryRun' },
  }),
  get: defineRoute({
    method: 'get',
    path: '/fleet-syncs/:id',
    summary: "A sync run's progress: its status and each pass's counts",
    auth: 'operator',
    params: z.object({ id: text('must be a sync run id (sync-...)', { pattern: RUN_ID }) }),
    responses: { 200: 'the run', 404: 'no such run' },
  }),
};

export function fleetSyncsRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, FLEET_SYNC_ROUTES.start, async ({ body }, _req, res) => {
    const id = fleetSyncWorkflowId(body.idempotencyKey);
    const input: FleetSyncInput = { trigger: 'api', dryRun: body.dryRun };
    try {
      await withTemporal(ctx, () =>
        ctx.temporal.workflow.start(FLEET_SYNC_WORKFLOW_TYPE, {
          workflowId: id,
          taskQueue: ctx.taskQueue,
          args: [input],
          memo: { dryRun: body.dryRun },
          // A running one is the same run; a finished one is not run again.
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `Fleet sync (on demand${body.dryRun ? ', dry run' : ''})`,
        }),
      );
    } catch (err) {
      // Finished already: the same run, described below.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const described = await withTemporal(ctx, () => ctx.temporal.workflow.getHandle(id).describe());
    const dryRun = described.memo?.dryRun;
    if (dryRun !== body.dryRun) throw new HttpError(409, `idempotency key ${body.idempotencyKey} already started sync ${id} with dryRun ${String(dryRun)}`, undefined, { id });
    res.status(202).json({ id, dryRun: body.dryRun, status: described.status.name });
  });

  mount(router, FLEET_SYNC_ROUTES.get, async ({ params }, _req, res) => {
    const { id } = params;
    if (!id.startsWith(SYNC_RUN_ID_PREFIX)) throw new HttpError(404, `no sync run ${id}`);
    const handle = ctx.temporal.workflow.getHandle(id);
    let described;
    try {
      described = await withTemporal(ctx, () => handle.describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, `no sync run ${id}`);
      throw err;
    }
    if (described.type !== FLEET_SYNC_WORKFLOW_TYPE) throw new HttpError(404, `no sync run ${id}`);
    const rows = await ctx.db.syncRun.findMany({ where: { id: { startsWith: `${id}:` } }, orderBy: { startedAt: 'asc' } });
    const passes = rows.map((r) => ({
      source: r.source,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      pages: (r.cursor as { page?: number } | null)?.page ?? 0,
      counts: r.counts ?? {},
    }));
    const status = described.status.name;
    const result = status === 'COMPLETED' ? await withTemporal(ctx, () => handle.result() as Promise<FleetSyncResult>) : undefined;
    res.json({
      id,
      status,
      dryRun: described.memo?.dryRun ?? rows[0]?.dryRun ?? false,
      startedAt: described.startTime,
      ...(described.closeTime ? { closedAt: described.closeTime } : {}),
      passes,
      ...(result?.reconcile ? { reconcile: result.reconcile } : {}),
    });
  });

  return router;
}
