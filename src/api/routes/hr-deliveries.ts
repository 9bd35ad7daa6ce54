// GET /hr/deliveries?outcome=refused: the signed HR deliveries phonefleet answered with 4xx,
// newest first, for HR operations to fix the record and send it again. Each names the reason
// and the fields, never their values (see HrRefusal in prisma/schema.prisma).
import { Router } from 'express';
import type { ApiContext } from '../context.ts';
import { badRequest } from '../http-errors.ts';
import { queryParameter } from '../request-input.ts';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

export function hrDeliveriesRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/hr/deliveries', async (req, res) => {
    const outcome = queryParameter(req.query, 'outcome');
    const rawLimit = queryParameter(req.query, 'limit');
    const rawBefore = queryParameter(req.query, 'before');
    const problems = [
      ...(outcome === 'refused' ? [] : [{ field: 'query.outcome', message: 'must be "refused" (the deliveries answered 4xx)' }]),
      ...(rawLimit === undefined || /^\d{1,3}$/.test(rawLimit) && Number(rawLimit) >= 1 && Number(rawLimit) <= MAX_LIMIT ? [] : [{ field: 'query.limit', message: `must be a whole number from 1 to ${MAX_LIMIT}` }]),
      ...(rawBefore === undefined || /^\d{1,12}$/.test(rawBefore) ? [] : [{ field: 'query.before', message: 'must be the cursor given as `next` by the previous page' }]),
    ];
    if (problems.length) throw badRequest(problems);
    const limit = rawLimit === undefined ? DEFAULT_LIMIT : Number(rawLimit);

    // Keyset pagination on the id: stable while new refusals arrive at the top.
    const rows = await ctx.db.hrRefusal.findMany({
      where: rawBefore === undefined ? {} : { id: { lt: Number(rawBefore) } },
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? String(page.at(-1)!.id) : null;
    res.json({
      outcome,
      deliveries: page.map((r) => ({ id: r.id, receivedAt: r.receivedAt.toISOString(), status: r.status, reason: r.reason, problems: r.problems, eventId: r.eventId, source: r.source, type: r.type, employeeId: r.employeeId })),
      next,
    });
  });
  return router;
}
