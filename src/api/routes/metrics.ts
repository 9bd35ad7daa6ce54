// GET /metrics: Prometheus' text format (src/observability/metrics.ts says what is counted).
import { Router } from 'express';
import { apiMetrics, sendMetrics } from '../../observability/metrics.ts';
import type { ApiContext } from '../context.ts';
import { defineRoute, mount } from '../schemas/route.ts';
import { withTemporal } from '../temporal-calls.ts';

export const METRICS_ROUTES = {
  scrape: defineRoute({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics: HR events by type and outcome, external calls and 429s per system, running processes by phase',
    auth: 'operator',
    responses: { 200: 'Prometheus text format (counts only: no ids, no personal data)' },
  }),
};

export function metricsRouter(ctx: ApiContext): Router {
  const router = Router();
  const metrics = apiMetrics({ temporal: ctx.temporal, taskQueue: ctx.taskQueue, withDeadline: (call) => withTemporal(ctx, call) });
  mount(router, METRICS_ROUTES.scrape, (_input, _req, res) => sendMetrics(metrics, res));
  return router;
}
