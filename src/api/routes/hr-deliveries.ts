// GET /hr/deliveries?outcome=refused: the signed HR deliveries phonefleet answered with 4xx,
// newest first, for HR operations to fix the record and send it again. Each names the reason
// and the fields, never their values (see HrRefusal in prisma/schema.prisma).
import { Router } from 'express';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { text } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const MAX_ID = 2 ** 31 - 1;

export const HR_DELIVERY_ROUTES = {
  refused: defineRoute({
    method: 'get',
    path: '/hr/deliveries',
    summary: 'The signed HR deliveries phonefleet answered with 4xx, newest first (ids, types and field names; no personal data)',
    auth: 'operator',
    query: z.object({
      outcome: z.literal('refused', { error: 'must be "refused" (the deliveries answered 4xx)' }),
      limit: text(`must be a whole number from 1 to ${MAX_LIMIT}`, { pattern: /^\d{1,3}$/, test: (v) => Number(v) >= 1 && Number(v) <= MAX_LIMIT })
        .transform(Number)
        .default(DEFAULT_LIMIT),
      // Ids are PostgreSQL integers: a larger cursor would reach the database as an error (500).
      before: text('must be the cursor given as `next` by the previous page', { pattern: /^\d{1,10}$/, test: (v) => Number(v) <= MAX_ID })
        .transform(Number)
        .optional(),
    }),
    responses: { 200: 'one page; `next` is the cursor of the following one' },
  }),
};

export function hrDeliveriesRouter(ctx: ApiContext): Router {
  const router = Router();
  mount(router, HR_DELIVERY_ROUTES.refused, async ({ query: { outcome, limit, before } }, _req, res) => {
    // Keyset pagination on the id: stable while new refusals arrive at the top.
    const rows = await ctx.db.hrRefusal.findMany({
      where: before === undefined ? {} : { id: { lt: before } },
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? String(page.at(-1)!.id) : null;
    res.json({
      outcome,
      deliveries: page.map((r) => ({
        id: r.id,
        receivedAt: r.receivedAt.toISOString(),
        status: r.status,
        reason: r.reason,
        problems: r.problems,
        eventId: r.eventId,
        source: r.source,
        type: r.type,
        employeeId: r.employeeId,
      })),
      next,
    });
  });
  return router;
}
