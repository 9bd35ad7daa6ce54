// Token scopes: how they are configured, and that the one route scope table covers every route.
import { describe, expect, it } from 'vitest';
import type { ApiContext } from '../../src/api/context.ts';
import { createApp } from '../../src/api/app.ts';
import { grants, ROUTE_SCOPES, routeScopeOf } from '../../src/api/auth.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseTokens } from '../../src/config.ts';

/** Routes that are not an operator's: health checks, HR's signed webhook, the dev UI's secret codec URL. */
const NOT_OPERATOR_ROUTES = ['GET /healthz', 'GET /readyz', 'GET /openapi.json', 'POST /hr/events', 'POST /codec/:secret/decode', 'POST /codec/:secret/encode'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function routesOf(stack: any[], out: string[] = []): string[] {
  for (const layer of stack) {
    if (layer.route) for (const method of Object.keys(layer.route.methods)) out.push(`${method.toUpperCase()} ${layer.route.path}`);
    else if (layer.handle?.stack) routesOf(layer.handle.stack, out);
  }
  return out;
}

describe('API_TOKENS with scopes', () => {
  it('reads name:token:scope+scope, scopes with a colon (curator:<store>) included', () => {
    const tokens = parseTokens('anna:t1:curator:S001, ops:t2:operations+support, dpo:t3:pii+curator:*');
    expect(tokens.get('t1')).toEqual({ name: 'anna', scopes: ['curator:S001'] });
    expect(tokens.get('t2')).toEqual({ name: 'ops', scopes: ['operations', 'support'] });
    expect(tokens.get('t3')).toEqual({ name: 'dpo', scopes: ['pii', 'curator:*'] });
  });

  it('keeps the forms from before scopes: name:token and a bare token get every scope', () => {
    const tokens = parseTokens('legacy:t1,t2');
    expect(tokens.get('t1')).toEqual({ name: 'legacy', scopes: ['*'] });
    expect(tokens.get('t2')).toEqual({ name: 'operator', scopes: ['*'] });
  });

  it('the token generated for the embedded demo (no API_TOKENS) has every scope', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-scopes-'));
    try {
      const tokens = [...loadConfig({ PHONEFLEET_DATA_DIR: dataDir }).api.tokens.values()];
      expect(tokens).toEqual([{ name: 'operator', scopes: ['*'] }]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown scope, naming the token and the scope', () => {
    expect(() => parseTokens('anna:t1:curator:S001+admin')).toThrow('token "anna": unknown scope "admin"');
    expect(() => parseTokens('anna:t1:')).toThrow('unknown scope ""');
  });

  it('curator:* grants every store, * grants everything, nothing else grants more than itself', () => {
    expect(grants(['curator:*'], 'curator:S009')).toBe(true);
    expect(grants(['curator:S001'], 'curator:S002')).toBe(false);
    expect(grants(['*'], 'pii')).toBe(true);
    expect(grants(['support', 'operations'], 'pii')).toBe(false);
  });
});

describe('the route scope table', () => {
  it('names every operator route the app serves, and nothing the app does not serve', () => {
    const app = createApp({ apiTokens: new Map(), codecOrigins: [] } as unknown as ApiContext);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const served = routesOf((app as any).router.stack).filter((r) => !NOT_OPERATOR_ROUTES.includes(r));
    const tabled = ROUTE_SCOPES.map((r) => `${r.method} ${r.path}`);
    expect(served.filter((r) => !tabled.includes(r))).toEqual([]);
    expect(tabled.filter((r) => !served.includes(r))).toEqual([]);
  });

  it('matches a request path to its rule and its parameters', () => {
    expect(routeScopeOf('GET', '/stores/S001/notifications')?.params).toEqual({ storeId: 'S001' });
    expect(routeScopeOf('DELETE', '/stores/S001/freezes/7')?.rule.anyOf).toEqual(['operations']);
    expect(routeScopeOf('GET', '/stores/S001/notifications/extra')).toBeUndefined();
    expect(routeScopeOf('PUT', '/stores/S001/notifications')).toBeUndefined();
    // Express matches paths case-insensitively: so does the table (else a scoped token would be refused).
    expect(routeScopeOf('GET', '/STORES/S001/Notifications/')?.params).toEqual({ storeId: 'S001' });
  });
});
