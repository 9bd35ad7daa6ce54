// One table entry per route: its method and path, who may call it, and the zod schemas of its
// path parameters, query and body. Express mounts the route from the entry (mount) and the
// OpenAPI document is written from the same entries (src/api/openapi.ts), so what the API
// checks and what it documents cannot drift apart.
import type { Request, RequestHandler, Response, Router } from 'express';
import { toJSONSchema, type z } from 'zod';
import type { Problem } from '../hr-cloudevents.ts';
import { badRequest } from '../http-errors.ts';
import { jsonBody } from '../request-input.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * - `operator`: a bearer token whose scopes the route scope table allows (src/api/auth.ts);
 * - `webhook-signature`: HR's Standard Webhooks signature over the body;
 * - `url-secret`: the path holds a secret generated at each start (the embedded Temporal UI);
 * - `none`: health checks and this document.
 */
export type Auth = 'operator' | 'webhook-signature' | 'url-secret' | 'none';

type AnyObject = z.ZodObject;

export interface ApiRoute<
  P extends AnyObject | undefined = AnyObject | undefined,
  Q extends AnyObject | undefined = AnyObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: Method;
  /** Express-style: `:name` is one path segment, described by `params`. */
  path: string;
  summary: string;
  auth: Auth;
  params?: P;
  query?: Q;
  /** The JSON body; make it `.optional()` where a route takes none. */
  body?: B;
  /** The body's media types when not plain JSON (the document lists them). */
  bodyMediaTypes?: string[];
  /**
   * The route reads its body itself (HR's events: the signature covers the exact bytes, and
   * CloudEvents parsing is strict), so `mount` checks only params and query.
   */
  rawBody?: boolean;
  bodyLimit?: string;
  /** Top-level body fields that are multi-line text (a CSV file): line breaks and tabs allowed there. */
  multilineFields?: string[];
  /** status -> what it means; the fuzz test holds every route to statuses below 500. */
  responses: Record<number, string>;
}

export const defineRoute = <P extends AnyObject | undefined = undefined, Q extends AnyObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  route: ApiRoute<P, Q, B>,
) => route;

type Out<S> = [Exclude<S, undefined>] extends [z.ZodType] ? z.output<Exclude<S, undefined>> : undefined;

export interface RouteInput<R extends ApiRoute> {
  params: Out<R['params']>;
  query: Out<R['query']>;
  body: Out<R['body']>;
}

/**
 * Metadata that documents a schema checked by code zod cannot see into (a transform calling the
 * domain's validation) as `shape`: the OpenAPI document shows the shape's JSON Schema.
 */
export function documentedAs(shape: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...schema } = toJSONSchema(shape, { io: 'input', target: 'draft-2020-12' });
  return schema;
}

/** Each zod issue as the API's problem: the field where it is (`prefix` first), and its sentence. */
export function problemsOf(error: z.ZodError, prefix: string): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const at = issue.path.reduce<string>((p, s) => (typeof s === 'number' ? `${p}[${s}]` : p ? `${p}.${String(s)}` : String(s)), prefix);
    // A strict object's unknown keys: one problem each, named by the key.
    const fields = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => (at ? `${at}.${k}` : k).slice(0, 100)) : [at || 'body'];
    for (const field of fields) {
      const key = `${field}\u0000${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push({ field, message: issue.message });
    }
  }
  return problems.slice(0, 100); // a hostile body could name thousands
}

/** `value` as `schema` says, or the problems naming each bad field. */
export function check<S extends z.ZodType>(schema: S, value: unknown, prefix: string): { ok: true; value: z.output<S> } | { ok: false; problems: Problem[] } {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: problemsOf(parsed.error, prefix) };
}

const read = (schema: z.ZodType | undefined, value: unknown, prefix: string, problems: Problem[]) => {
  if (!schema) return undefined;
  const result = check(schema, value, prefix);
  if (result.ok) return result.value;
  problems.push(...result.problems);
  return undefined;
};

/**
 * Mounts the route on `router`: `before` (e.g. a credential check) first, then params and
 * query checked, then the JSON body parsed strictly and checked, then `handle` with the
 * checked input. Any problem answers 400 naming every bad field.
 */
export function mount<R extends ApiRoute>(
  router: Router,
  route: R,
  handle: (input: RouteInput<R>, req: Request, res: Response) => Promise<void> | void,
  before: RequestHandler[] = [],
): void {
  const checkPathAndQuery: RequestHandler = (req, res, next) => {
    const problems: Problem[] = [];
    const params = read(route.params, req.params, '', problems);
    const query = read(route.query, req.query, 'query', problems);
    if (problems.length) return next(badRequest(problems));
    res.locals.input = { params, query };
    next();
  };
  const parse: RequestHandler[] =
    route.body && !route.rawBody ? [jsonBody({ limit: route.bodyLimit ?? '16kb', ...(route.multilineFields ? { multiline: route.multilineFields } : {}) })] : [];
  router[route.method](route.path, ...before, checkPathAndQuery, ...parse, async (req, res) => {
    const problems: Problem[] = [];
    const body = route.rawBody ? undefined : read(route.body, req.body, '', problems);
    if (problems.length) throw badRequest(problems);
    await handle({ ...res.locals.input, body } as RouteInput<R>, req, res);
  });
}
