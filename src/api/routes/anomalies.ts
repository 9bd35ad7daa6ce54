// The fleet's anomalies (a SIM in someone else's phone, a phone silent for weeks...), listed with
// filters and resolved by support when dealt with; and a reconciliation run on demand (dry run:
// what it would do, nothing changed).
import { Router } from 'express';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { ANOMALY_KINDS } from '../../domain/anomalies.ts';
import { anomalies } from '../../inventory/index.ts';
import {
  FLEET_RECONCILE_WORKFLOW,
  fleetReconcileSummary,
  fleetReconcileWorkflowId,
  type ReconcileInput,
  type ReconcileSummary,
} from '../../../workflows/fleet-reconcile-contract.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../http-errors.ts';
import { STORE_CODE_MESSAGE, flag, storeId, text } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';
import { withTemporal } from '../temporal-calls.ts';

/** How long POST /fleet/reconcile waits for the run's summary before answering 202 with its id. */
const RECONCILE_WAIT_MS = 60_000;
/** Requests within one such window are one run (a double click, a retried request, two people at once): its answer. */
const RECONCILE_WINDOW_MS = 10_000;

export const ANOMALY_ROUTES = {
  list: defineRoute({
    method: 'get',
    path: '/anomalies',
    summary: 'Anomalies in the fleet data by kind, store and open/resolved, newest first',
    auth: 'operator',
    query: z.object({
      kind: z.enum(ANOMALY_KINDS, { error: `must be one of ${ANOMALY_KINDS.join(', ')}` }).optional(),
      store: storeId(STORE_CODE_MESSAGE).optional(),
      open: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
    }),
    responses: { 200: 'the anomalies (at most 500)', 404: 'no such store' },
  }),
  resolve: defineRoute({
    method: 'post',
    path: '/anomalies/:id/resolve',
    summary: 'Mark an anomaly dealt with (idempotent; if the data still shows it, the next sync opens a new one)',
    auth: 'operator',
    params: z.object({ id: text('must be an anomaly id (a whole number)', { pattern: /^\d{1,9}$/ }) }),
    responses: { 200: 'resolved (or already resolved)', 404: 'no such anomaly' },
  }),
  reconcile: defineRoute({
    method: 'post',
    path: '/fleet/reconcile',
    summary: 'Reconcile the fleet data now: directory, anomalies, safe fixes, support tasks; with dryRun only what would be done',
    auth: 'operator',
    body: z.strictObject(
      { dryRun: flag() },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? 'is not a field of a reconcile request' : 'must be a JSON object {dryRun}') },
    ),
    responses: {
      200: "the run's summary (asked again within the same 10 s: that run's summary)",
      202: 'still running: its id (its summary in the Web UI)',
      503: 'Temporal unreachable',
    },
  }),
};

export function anomaliesRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ANOMALY_ROUTES.list, async ({ query }, _req, res) => {
    if (query.store !== undefined && !(await ctx.db.store.findUnique({ where: { id: query.store }, select: { id: true } })))
      throw new HttpError(404, `store ${query.store} does not exist`);
    const found = await anomalies.listAnomalies(ctx.db, {
      ...(query.kind && { kind: query.kind }),
      ...(query.store && { storeId: query.store }),
      ...(query.open && { open: query.open === 'true' }),
    });
    res.json({ anomalies: found });
  });

  mount(router, ANOMALY_ROUTES.resolve, async ({ params }, _req, res) => {
    const id = Number(params.id);
    const outcome = await anomalies.resolveAnomaly(ctx.db, { id, by: `api:${res.locals.operator}` });
    if (!outcome) throw new HttpError(404, `no anomaly ${id}`);
    res.json({ anomaly: outcome.anomaly, alreadyResolved: outcome.already });
  });

  mount(router, ANOMALY_ROUTES.reconcile, async ({ body }, _req, res) => {
    const window = new Date(Math.floor(Date.now() / RECONCILE_WINDOW_MS) * RECONCILE_WINDOW_MS);
    const runId = `api-${body.dryRun ? 'dry-' : ''}${window
      .toISOString()
      .replace(/[^0-9]/g, '')
      .slice(0, 14)}`;
    const input: ReconcileInput = { runId, dryRun: body.dryRun, now: new Date().toISOString() };
    const workflowId = fleetReconcileWorkflowId(input.runId);
    const handle = await withTemporal(ctx, async () => {
      try {
        return await ctx.temporal.workflow.start(FLEET_RECONCILE_WORKFLOW, {
          workflowId,
          taskQueue: ctx.taskQueue,
          args: [input],
          staticSummary: fleetReconcileSummary(input),
          // A run id is one run, also after it finished: asked again, its answer.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        // The same run asked for again: its answer, not a second run.
        if (err instanceof WorkflowExecutionAlreadyStartedError) return ctx.temporal.workflow.getHandle(workflowId);
        throw err;
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const summary = await Promise.race([
      handle.result() as Promise<ReconcileSummary>,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), RECONCILE_WAIT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    if (summary === null) {
      res.status(202).json({ runId: input.runId, workflowId });
      return;
    }
    res.json({ workflowId, summary });
  });

  return router;
}
