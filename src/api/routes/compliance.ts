// SIM-owner registration compliance (the law: the person behind every corporate SIM registered
// with the operator, and the registration confirmed by them on the state portal): the SIMs in
// people's hands counted per store and operator.
import { Router } from 'express';
import type { ApiContext } from '../context.ts';
import { defineRoute, mount } from '../schemas/route.ts';

export const COMPLIANCE_ROUTES = {
  simRegistrations: defineRoute({
    method: 'get',
    path: '/compliance/sim-registrations',
    summary: 'Owner registrations of the SIMs in use, per store and operator: registered, pending, rejected, missing, unconfirmed',
    auth: 'operator',
    responses: { 200: 'the counts per store and operator, and their totals' },
  }),
};

export interface ComplianceRow {
  storeId: string;
  operator: string;
  registered: number;
  pending: number;
  rejected: number;
  missing: number;
  /** Registered (accepted) but not yet confirmed by the person on the state portal. */
  unconfirmed: number;
}

export function complianceRouter(ctx: ApiContext): Router {
  const router = Router();
  mount(router, COMPLIANCE_ROUTES.simRegistrations, async (_input, _req, res) => {
    const groups = await ctx.db.sim.groupBy({
      by: ['storeId', 'operator', 'ownerRegistration'],
      where: { employeeId: { not: null }, state: { in: ['IN_USE', 'SUSPENDED'] } },
      _count: { _all: true },
    });
    const unconfirmed = await ctx.db.sim.groupBy({
      by: ['storeId', 'operator'],
      where: { employeeId: { not: null }, state: { in: ['IN_USE', 'SUSPENDED'] }, ownerRegistration: 'ACCEPTED', ownerConfirmedAt: null },
      _count: { _all: true },
    });
    const rows = new Map<string, ComplianceRow>();
    const rowOf = (storeId: string, operator: string) => {
      const key = `${storeId}\u0000${operator}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { storeId, operator, registered: 0, pending: 0, rejected: 0, missing: 0, unconfirmed: 0 }));
      return row;
    };
    for (const g of groups) {
      const row = rowOf(g.storeId, g.operator);
      const column =
        g.ownerRegistration === 'ACCEPTED' ? 'registered' : g.ownerRegistration === 'PENDING' ? 'pending' : g.ownerRegistration === 'REJECTED' ? 'rejected' : 'missing';
      row[column] += g._count._all;
    }
    for (const g of unconfirmed) rowOf(g.storeId, g.operator).unconfirmed += g._count._all;
    const sorted = [...rows.values()].sort((a, b) => (a.storeId === b.storeId ? a.operator.localeCompare(b.operator) : a.storeId.localeCompare(b.storeId)));
    const total = { registered: 0, pending: 0, rejected: 0, missing: 0, unconfirmed: 0 };
    for (const row of sorted) for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += row[k];
    res.json({ rows: sorted, total });
  });
  return router;
}
