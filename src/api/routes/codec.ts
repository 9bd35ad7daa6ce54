// The remote codec the Temporal Web UI calls to show decrypted payloads
// (https://docs.temporal.io/production-deployment/data-encryption): POST /codec/decode and
// /codec/encode with {payloads: [{metadata: {k: base64}, data: base64}]}. Browsers may call it
// only from the configured UI origins (CORS); access itself is ApiContext.codecAccess.
import express, { Router, type RequestHandler } from 'express';
import type { Payload } from '@temporalio/common';
import type { ApiContext } from '../context.ts';
import { requireOperator } from '../auth.ts';
import { badRequest } from '../http-errors.ts';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

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
  const access: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (ctx.codecAccess === 'ui-origin' && origin && ctx.codecOrigins.includes(origin) && !req.get('authorization')) return next();
    operator(req, res, next);
  };
  router.use('/codec', cors, access, express.json({ limit: '4mb' }));
  for (const direction of ['encode', 'decode'] as const) {
    router.post(`/codec/${direction}`, async (req, res) => {
      const payloads = req.body?.payloads;
      if (!Array.isArray(payloads)) throw badRequest([{ field: 'payloads', message: 'must be an array of payloads' }]);
      const result = await ctx.codec[direction](payloads.map(fromJson));
      res.json({ payloads: result.map(toJson) });
    });
  }
  return router;
}

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}
