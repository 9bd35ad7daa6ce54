// The OpenAPI 3.1 document of the API, written from the route table every router mounts from
// (API_ROUTES) and the scope table the token check reads (ROUTE_SCOPES): what the document says
// is what the API checks. Served at GET /openapi.json; committed as openapi.json (npm run
// openapi), and test/unit/openapi.test.ts fails when the committed one is not current.
import { z } from 'zod';
import { ROUTE_SCOPES } from './auth.ts';
import { ANOMALY_ROUTES } from './routes/anomalies.ts';
import { COMPLIANCE_ROUTES } from './routes/compliance.ts';
import { CODEC_ROUTES } from './routes/codec.ts';
import { DIRECTORY_ROUTES } from './routes/directory.ts';
import { FREEZE_ROUTES } from './routes/freezes.ts';
import { HR_DELIVERY_ROUTES } from './routes/hr-deliveries.ts';
import { HR_EVENT_ROUTES } from './routes/hr-events.ts';
import { METRICS_ROUTES } from './routes/metrics.ts';
import { PEOPLE_ROUTES } from './routes/people.ts';
import { STORE_ROUTES } from './routes/stores.ts';
import { SUPPORT_TASK_ROUTES } from './routes/support-tasks.ts';
import { FLEET_SYNC_ROUTES } from './routes/fleet-syncs.ts';
import { RELEASE_ROUTES } from './routes/releases.ts';
import { STORE_SETTINGS_ROUTES } from './routes/store-settings.ts';
import { ROLLOUT_ROUTES } from './routes/rollouts.ts';
import { defineRoute, type ApiRoute } from './schemas/route.ts';

export const SERVICE_ROUTES = {
  health: defineRoute({ method: 'get', path: '/healthz', summary: 'The API process answers', auth: 'none', responses: { 200: 'alive' } }),
  ready: defineRoute({
    method: 'get',
    path: '/readyz',
    summary: 'Whether the database and Temporal answer',
    auth: 'none',
    responses: { 200: 'ready', 503: 'a part is not ready: each check says which' },
  }),
  document: defineRoute({ method: 'get', path: '/openapi.json', summary: 'This document', auth: 'none', responses: { 200: 'the OpenAPI 3.1 document' } }),
};

/**
 * Every route of the API. A router mounts its routes from its table (schemas/route.ts mount);
 * a route file's table is added here, and test/unit/openapi.test.ts fails for any route Express
 * serves that is missing here, and for any operator route missing from ROUTE_SCOPES.
 */
export const API_ROUTES: ApiRoute[] = [
  SERVICE_ROUTES,
  HR_EVENT_ROUTES,
  CODEC_ROUTES,
  PEOPLE_ROUTES,
  STORE_ROUTES,
  STORE_SETTINGS_ROUTES,
  ROLLOUT_ROUTES,
  FREEZE_ROUTES,
  HR_DELIVERY_ROUTES,
  SUPPORT_TASK_ROUTES,
  FLEET_SYNC_ROUTES,
  DIRECTORY_ROUTES,
  ANOMALY_ROUTES,
  COMPLIANCE_ROUTES,
  METRICS_ROUTES,
  RELEASE_ROUTES,
].flatMap((table) => Object.values(table) as ApiRoute[]);

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  return rest;
};

/** `/stores/:storeId/stock` as OpenAPI writes it: `/stores/{storeId}/stock`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** The scopes any one of which lets a token call the route; throws for a route not in the table. */
export function scopesOf(route: ApiRoute): string[] {
  const rule = ROUTE_SCOPES.find((r) => r.method === route.method.toUpperCase() && r.path === route.path);
  if (!rule) throw new Error(`${route.method.toUpperCase()} ${route.path} takes a token but has no entry in ROUTE_SCOPES (src/api/auth.ts)`);
  return rule.anyOf;
}

const problemList = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    problems: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } }, required: ['field', 'message'] },
    },
  },
  required: ['error'],
};

function parameters(route: ApiRoute) {
  const list: Record<string, unknown>[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...rest } = property;
      list.push({ name, in: where, required: where === 'path' || (object.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  return list;
}

function operation(route: ApiRoute) {
  const responses: Record<string, unknown> = {};
  const answers: Record<number, string> = {};
  if (route.params || route.query || route.body) answers[400] = 'bad input: each problem names its field';
  if (route.auth === 'operator') Object.assign(answers, { 401: 'missing or invalid bearer token', 403: "the token's scopes do not allow this route" });
  Object.assign(answers, route.responses);
  for (const [status, description] of Object.entries(answers)) {
    responses[status] = Number(status) >= 400 ? { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Problems' } } } } : { description };
  }
  const scopes = route.auth === 'operator' ? scopesOf(route) : [];
  return {
    operationId: `${route.method}${openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: route.summary,
    ...(parameters(route).length ? { parameters: parameters(route) } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: !route.body.safeParse(undefined).success,
            content: Object.fromEntries((route.bodyMediaTypes ?? ['application/json']).map((type) => [type, { schema: jsonSchema(route.body!) }])),
          },
        }
      : {}),
    responses,
    // Any one of the scopes suffices: one security requirement each (OpenAPI 3.1 lets a bearer
    // scheme list role names). `x-scopes` says the same for readers of the raw document.
    security: route.auth === 'operator' ? scopes.map((scope) => ({ bearerToken: [scope] })) : route.auth === 'webhook-signature' ? [{ hrWebhookSignature: [] }] : [],
    ...(route.auth === 'operator' ? { 'x-scopes': scopes } : {}),
    'x-auth': route.auth,
  };
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'phonefleet',
      version: '0.1.0',
      description:
        "The life of a corporate phone fleet as durable Temporal workflows: HR's signed events in, curators' and support's operations, the Temporal Web UI's codec. " +
        'Scopes: `curator:{storeId}` is the store the path names, `curator:{store}` the store of the device or employee it names.',
    },
    paths,
    components: {
      schemas: { Problems: problemList },
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token (API_TOKENS), with its scopes; for the codec also the identity provider JWT' },
        hrWebhookSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-signature',
          description: 'Standard Webhooks: HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>" with the HR webhook secret; send webhook-id and webhook-timestamp too',
        },
      },
    },
  };
}

let served: ReturnType<typeof openApiDocument> | undefined;
/** The document, built once per process. */
export const servedOpenApiDocument = () => (served ??= openApiDocument());
