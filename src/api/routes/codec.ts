// The remote codec the Temporal Web UI calls to show decrypted payloads
// (https://docs.temporal.io/production-deployment/data-encryption): POST <endpoint>/decode and
// <endpoint>/encode with {payloads: [{metadata: {k: base64}, data: base64}]}.
//
// Decrypting shows personal data, so only a caller allowed to see it gets an answer:
// - `POST /codec/decode`: an API token with the `pii` scope (the route scope table), or the
//   identity provider's JWT of a user in the personal-data group (a Web UI with login on passes
//   its user's access token: CODEC_OIDC_*);
// - `POST /codec/<secret>/decode`: the embedded dev server's UI, which has no login; it is given
//   this URL, with a secret generated at each start, and nobody else knows it.
// Every decode is audited: who, when, how many payloads; never what they hold. Browsers may call
// from the configured UI origins only (CORS).
import { timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler, type Response } from 'express';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { requireOperator } from '../auth.ts';
import { badRequest, HttpError } from '../http-errors.ts';
import { defineRoute, mount, type ApiRoute } from '../schemas/route.ts';

const BASE64 = 'must be a base64 string';
const jsonPayload = z.object(
  {
    metadata: z.record(z.string(), z.string({ error: 'metadata must map names to base64 strings' }), { error: 'metadata must map names to base64 strings' }).optional(),
    data: z.string({ error: BASE64 }).optional(),
  },
  { error: 'must be an object {metadata, data}' },
);
type JsonPayload = z.output<typeof jsonPayload>;
const payloads = z.object({ payloads: z.array(jsonPayload, { error: 'must be an array of payloads' }) }, { error: 'must be a JSON object {payloads}' });

const DIRECTIONS = ['encode', 'decode'] as const;
type Direction = (typeof DIRECTIONS)[number];

const codecRoute = (direction: Direction, secretUrl: boolean) =>
  defineRoute({
    method: 'post',
    path: secretUrl ? `/codec/:secret/${direction}` : `/codec/${direction}`,
    summary: secretUrl
      ? `Temporal's remote codec (${direction}) for the embedded Web UI, at a URL holding a secret generated at each start`
      : `Temporal's remote codec (${direction}): an API token with scope pii, or the identity provider's JWT of a personal-data user`,
    auth: secretUrl ? 'url-secret' : 'operator',
    ...(secretUrl ? { params: z.object({ secret: z.string() }) } : {}),
    body: payloads,
    bodyLimit: '4mb',
    responses: { 200: `the payloads ${direction}d`, 400: `payloads that cannot be ${direction}d`, 404: secretUrl ? 'wrong secret' : 'no such route' },
  }) as ApiRoute<z.ZodObject | undefined, undefined, typeof payloads>;

export const CODEC_ROUTES = Object.fromEntries(
  DIRECTIONS.flatMap((d) => [
    [d, codecRoute(d, false)],
    [`${d}AtSecretUrl`, codecRoute(d, true)],
  ]),
) as Record<Direction | `${Direction}AtSecretUrl`, ReturnType<typeof codecRoute>>;

export function codecRouter(ctx: ApiContext): Router {
  const router = Router();
  const cors: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (origin && ctx.codecOrigins.includes(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Namespace',
        'Access-Control-Allow-Credentials': 'true',
        Vary: 'Origin',
      });
    }
    if (req.method === 'OPTIONS') {
      res.sendStatus(204);
      return;
    }
    next();
  };
  const operator = requireOperator(ctx.apiTokens);

  /** An API token (scope `pii`, checked by the route table), or the identity provider's JWT. */
  const tokenOrIdentity: RequestHandler = async (req, res, next) => {
    try {
      const header = req.get('authorization') ?? '';
      const bearer = header.startsWith('Bearer ') ? header.slice(7) : '';
      // A JWT (three dot-separated parts; API tokens have no dots) goes to the identity provider.
      if (ctx.codecIdentity && bearer.split('.').length === 3) {
        const verdict = await ctx.codecIdentity(bearer);
        if (!verdict.ok) return next(new HttpError(verdict.status, verdict.reason));
        res.locals.operator = `oidc:${verdict.subject}`;
        return next();
      }
      operator(req, res, (err?: unknown) => {
        if (!err) res.locals.operator = `api:${res.locals.operator}`;
        next(err);
      });
    } catch (err) {
      next(err);
    }
  };

  /** The embedded UI's secret URL: a wrong or missing secret is a route that does not exist. */
  const uiSecret: RequestHandler = (req, res, next) => {
    const offered = Buffer.from(String(req.params.secret ?? ''));
    const secret = ctx.codecUiSecret ? Buffer.from(ctx.codecUiSecret) : undefined;
    if (!secret || secret.length !== offered.length || !timingSafeEqual(secret, offered)) return next(new HttpError(404, 'no such route'));
    res.locals.operator = 'temporal-ui:embedded';
    next();
  };

  router.use('/codec', cors); // the browser's preflight passes before any credential check
  for (const direction of DIRECTIONS) {
    const handle = async ({ body }: { body: z.output<typeof payloads> }, req: { get(name: string): string | undefined }, res: Response) => {
      const input = body.payloads.map(fromJson);
      let result: Payload[];
      try {
        result = await ctx.codec[direction](input);
      } catch (err) {
        // A key this deployment lacks, or tampered bytes: the caller's input, not our failure.
        throw badRequest([{ field: 'payloads', message: `cannot ${direction}: ${err instanceof Error ? err.message : String(err)}` }]);
      }
      if (direction === 'decode') await audit(ctx, res.locals.operator, input.length, req.get('x-namespace'));
      res.json({ payloads: result.map(toJson) });
    };
    mount(router, CODEC_ROUTES[direction], handle, [tokenOrIdentity]);
    mount(router, CODEC_ROUTES[`${direction}AtSecretUrl`], handle, [uiSecret]);
  }
  return router;
}

/** Who decrypted how many payloads, and when (the row's time); never what they hold. */
async function audit(ctx: ApiContext, actor: string, payloads: number, namespace: string | undefined) {
  const ns = namespace && /^[\w.-]{1,100}$/.test(namespace) ? namespace : undefined;
  await ctx.db.auditLog.create({ data: { actor, action: 'codec.decode', details: { payloads, ...(ns ? { namespace: ns } : {}) } } });
}

function fromJson({ metadata = {}, data = '' }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data, 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}
