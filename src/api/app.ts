// The phonefleet HTTP API: HR's webhook, the curators' and support's operations, the Web UI's
// codec, and health checks.
import express from 'express';
import type { ApiContext } from './context.ts';
import { requireOperator } from './auth.ts';
import { errorHandler } from './http-errors.ts';
import { servedOpenApiDocument } from './openapi.ts';
import { requestLog } from './request-log.ts';
import type { Logger } from '../observability/log.ts';
import { checkPath, checkQueryString } from './request-input.ts';
import { anomaliesRouter } from './routes/anomalies.ts';
import { codecRouter } from './routes/codec.ts';
import { complianceRouter } from './routes/compliance.ts';
import { directoryRouter } from './routes/directory.ts';
import { freezesRouter } from './routes/freezes.ts';
import { hrDeliveriesRouter } from './routes/hr-deliveries.ts';
import { hrEventsRouter } from './routes/hr-events.ts';
import { metricsRouter } from './routes/metrics.ts';
import { peopleRouter } from './routes/people.ts';
import { storesRouter } from './routes/stores.ts';
import { supportTasksRouter } from './routes/support-tasks.ts';
import { fleetSyncsRouter } from './routes/fleet-syncs.ts';
import { releasesRouter } from './routes/releases.ts';
import { storeSettingsRouter } from './routes/store-settings.ts';
import { rolloutRouter } from './routes/rollouts.ts';

/** `logger`: where each request is logged (with its id); without it requests get ids but no log line. */
export function createApp(ctx: ApiContext, opts: { logger?: Logger } = {}) {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(opts.logger));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/openapi.json', (_req, res) => void res.json(servedOpenApiDocument()));
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.all(
      Object.entries(ctx.readiness).map(async ([name, check]) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `not ready: ${err instanceof Error ? err.message : String(err)}`] as const;
        }
      }),
    );
    const ready = checks.every(([, state]) => state === 'ok');
    res.status(ready ? 200 : 503).json({ ready, checks: Object.fromEntries(checks) });
  });

  app.use(checkPath, checkQueryString);
  app.use(hrEventsRouter(ctx)); // authenticated by HR's webhook signature, not a bearer token
  app.use(codecRouter(ctx)); // CORS preflight must pass before the token check
  // One gate for every operator route: the token, then its scope (src/api/auth.ts ROUTE_SCOPES).
  app.use(
    requireOperator(ctx.apiTokens, ctx.db),
    peopleRouter(ctx),
    storesRouter(ctx),
    storeSettingsRouter(ctx),
    rolloutRouter(ctx),
    freezesRouter(ctx),
    hrDeliveriesRouter(ctx),
    supportTasksRouter(ctx),
    fleetSyncsRouter(ctx),
    directoryRouter(ctx),
    anomaliesRouter(ctx),
    complianceRouter(ctx),
    metricsRouter(ctx),
    releasesRouter(ctx),
  );
  app.use((_req, _res, next) => next(Object.assign(new Error('no such route'), { status: 404 })));
  app.use(errorHandler);
  return app;
}
