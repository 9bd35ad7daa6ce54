// The OpenAPI document is the route table: every route Express serves is in it, every operator
// route has its scopes, and the committed openapi.json is what `npm run openapi` writes now.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { ROUTE_SCOPES } from '../../src/api/auth.ts';
import type { ApiContext } from '../../src/api/context.ts';
import { formattedOpenApi, OPENAPI_FILE } from '../../src/api/openapi-file.ts';
import { API_ROUTES, openApiDocument, openApiPath } from '../../src/api/openapi.ts';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** "METHOD /path" of every route the Express app serves, nested routers included. */
function servedRoutes(): string[] {
  const app = createApp({ apiTokens: new Map(), codecOrigins: [], readiness: {} } as unknown as ApiContext);
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const method of Object.keys(layer.route.methods)) found.push(`${method.toUpperCase()} ${layer.route.path}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found;
}

const named = API_ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`);

describe('the OpenAPI document', () => {
  it('names exactly the routes Express serves, each once', () => {
    expect([...servedRoutes()].sort()).toEqual([...named].sort());
    expect(new Set(named).size).toBe(named.length);
  });

  it('has every operator route in the scope table, and every scope table entry as a route', () => {
    const operatorRoutes = API_ROUTES.filter((r) => r.auth === 'operator').map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect([...operatorRoutes].sort()).toEqual(ROUTE_SCOPES.map((r) => `${r.method} ${r.path}`).sort());
    const doc = openApiDocument();
    for (const rule of ROUTE_SCOPES) {
      const op = (doc.paths[openApiPath(rule.path)] as Record<string, { security: unknown; 'x-scopes': string[] }>)[rule.method.toLowerCase()]!;
      expect(op['x-scopes'], `${rule.method} ${rule.path}`).toEqual(rule.anyOf);
      expect(op.security).toEqual(rule.anyOf.map((scope) => ({ bearerToken: [scope] })));
    }
  });

  it('describes every path parameter of every route', () => {
    const doc = openApiDocument();
    for (const route of API_ROUTES) {
      const op = (doc.paths[openApiPath(route.path)] as Record<string, { parameters?: { name: string; in: string }[] }>)[route.method]!;
      const inPath = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      expect(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? [], `${route.method} ${route.path}`).toEqual(inPath);
    }
  });

  it('is committed as openapi.json, current (run `npm run openapi` after changing a route)', async () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(await formattedOpenApi());
  });
});
