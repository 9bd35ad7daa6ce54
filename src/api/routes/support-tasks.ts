// Support's tasks: what the processes could not finish alone (a failed onboarding, a phone not
// returned, a quarantined device...). Support lists them by status, store, kind or employee,
// and closes each with a resolution: what was done, kept with who closed it and when.
import { Router } from 'express';
import { z } from 'zod';
import type { Prisma } from '../../db/generated/client.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../http-errors.ts';
import { employeeId, STORE_CODE_MESSAGE, storeId, text } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';

const STATUSES = ['OPEN', 'DONE'] as const;
// Kinds are the processes' own words (onboarding-failed, device-quarantined...): a code, not text.
const KIND = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_RESOLUTION = 2_000;
const PAGE = 500;

export const SUPPORT_TASK_ROUTES = {
  list: defineRoute({
    method: 'get',
    path: '/support-tasks',
    summary: "Support's tasks by status, store, kind or employee, newest first",
    auth: 'operator',
    query: z.object({
      status: z.enum(STATUSES, { error: 'must be OPEN or DONE' }).default('OPEN'),
      store: storeId(STORE_CODE_MESSAGE).optional(),
      // The name the store filter had before `store`: kept for existing callers.
      storeId: storeId(STORE_CODE_MESSAGE).optional(),
      kind: text('must be a task kind (lower-case letters, digits and "-", e.g. onboarding-failed)', { pattern: KIND }).optional(),
      employee: employeeId('must be an HR employee id (1-64 letters, digits, "-" or "_")').optional(),
    }),
    responses: { 200: 'the tasks', 404: 'no such store' },
  }),
  close: defineRoute({
    method: 'post',
    path: '/support-tasks/:id/close',
    summary: 'Close a support task with what was done (idempotent for the same resolution)',
    auth: 'operator',
    params: z.object({ id: text('must be a support task id (a whole number)', { pattern: /^\d{1,9}$/ }) }),
    body: z.strictObject(
      { resolution: text(`must be a non-empty text of at most ${MAX_RESOLUTION} characters`, { max: MAX_RESOLUTION, pattern: /\S/ }) },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? 'is not a field of a close request' : 'must be a JSON object {resolution}') },
    ),
    responses: { 200: 'closed (or already closed with this resolution)', 404: 'no such task', 409: 'already closed with another resolution' },
  }),
};

export function supportTasksRouter(ctx: ApiContext): Router {
  const router = Router();

  /** `?status=OPEN|DONE` (default OPEN), `&store=`, `&kind=`, `&employee=`; newest first. */
  mount(router, SUPPORT_TASK_ROUTES.list, async ({ query }, _req, res) => {
    const { status, kind, employee: employeeId } = query;
    const storeId = query.store ?? query.storeId;
    if (storeId !== undefined && !(await ctx.db.store.findUnique({ where: { id: storeId }, select: { id: true } }))) throw new HttpError(404, `store ${storeId} does not exist`);
    const where: Prisma.SupportTaskWhereInput = { status, ...(storeId && { storeId }), ...(kind && { kind }), ...(employeeId && { employeeId }) };
    const tasks = await ctx.db.supportTask.findMany({ where, orderBy: { id: 'desc' }, take: PAGE });
    res.json({ tasks });
  });

  /**
   * Closes the task with what was done. Idempotent: closing it again with the same resolution
   * answers 200 as the first time (a retried request), with another resolution 409 (someone else
   * closed it differently: the first word stands).
   */
  mount(router, SUPPORT_TASK_ROUTES.close, async ({ params, body }, _req, res) => {
    const id = Number(params.id);
    const resolution = body.resolution.trim();
    const actor = `api:${res.locals.operator}`;
    const outcome = await ctx.db.$transaction(async (tx) => {
      // updateMany with the status in the condition: of two concurrent closes exactly one wins.
      const { count } = await tx.supportTask.updateMany({ where: { id, status: 'OPEN' }, data: { status: 'DONE', resolution, closedAt: new Date(), closedBy: actor } });
      const task = await tx.supportTask.findUnique({ where: { id } });
      if (!task) return { kind: 'missing' as const };
      if (count === 0) return { kind: 'already' as const, task };
      await tx.auditLog.create({
        data: { actor, action: 'support-task.closed', storeId: task.storeId, employeeId: task.employeeId, details: { supportTaskId: task.id, kind: task.kind, resolution } },
      });
      return { kind: 'closed' as const, task };
    });
    if (outcome.kind === 'missing') throw new HttpError(404, `no support task ${id}`);
    const { task } = outcome;
    if (outcome.kind === 'already' && task.resolution !== resolution) throw new HttpError(409, `support task ${id} is already closed with another resolution`, undefined, { task });
    res.status(200).json({ task, alreadyClosed: outcome.kind === 'already' });
  });

  return router;
}
