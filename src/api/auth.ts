// Who may call what. Operator endpoints take a bearer token; its holder's name becomes the actor
// in the audit log, and its scopes decide which routes it may use. The routes' needs are written
// in ONE table (ROUTE_SCOPES) and checked by one middleware in front of every operator router, so
// a route file never checks permissions itself and a reviewer reads all of them in one place.
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { PrismaClient } from '../db/generated/client.ts';
import { HttpError } from './http-errors.ts';

/**
 * What a token may do:
 * - `hr`: read employees as HR sees them through phonefleet;
 * - `curator:<store>`: one store's inbox, stock and hand-overs (`curator:*`: every store's);
 * - `support`: support's tasks, returned phones, retries, employee look-ups;
 * - `operations`: freeze windows, deliveries, everything a fleet operator runs;
 * - `release`: apps, builds and their releases (publish, approve, pause, resume, abort);
 * - `metrics`: GET /metrics, for a Prometheus scraper (counts only: no ids, no personal data);
 * - `pii`: personal data, i.e. decrypting payloads through /codec and seeing names;
 * - `*`: every scope (the generated embedded token, and tokens configured without scopes).
 */
export const SCOPE_NAMES = ['hr', 'support', 'operations', 'release', 'metrics', 'pii'] as const;
export const EVERY_SCOPE = '*';

export interface Operator {
  name: string;
  scopes: readonly string[];
}

/**
 * token -> its holder. A plain string is the holder's name with every scope: the form
 * phonefleet had before scopes, kept so existing configurations and callers keep working.
 */
export type ApiTokens = Map<string, Operator | string>;

/** A scope as configured (`curator:S001`, `pii`, `*`); the reason it is not one otherwise. */
export function scopeProblem(scope: string): string | undefined {
  if (scope === EVERY_SCOPE || (SCOPE_NAMES as readonly string[]).includes(scope)) return undefined;
  if (/^curator:([A-Za-z0-9_-]{1,64}|\*)$/.test(scope)) return undefined;
  return `unknown scope "${scope}" (known: ${[...SCOPE_NAMES, 'curator:<store id>', 'curator:*', '*'].join(', ')})`;
}

export function grants(scopes: readonly string[], wanted: string): boolean {
  if (scopes.includes(EVERY_SCOPE) || scopes.includes(wanted)) return true;
  return wanted.startsWith('curator:') && scopes.includes('curator:*');
}

/** Where a route's store comes from when its path names a device or an employee, not a store. */
type StoreOf = 'device' | 'employee';

interface RouteScope {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Express-style: `:name` matches one path segment. */
  path: string;
  /**
   * Any one of these suffices. `curator:{storeId}` is the store named by the path parameter;
   * `curator:{store}` is the store of the device (`:imei`) or employee (`:id`) the path names.
   */
  anyOf: string[];
  storeOf?: StoreOf;
}

/** Every operator route and the scopes that may use it. A route missing here answers 403. */
export const ROUTE_SCOPES: RouteScope[] = [
  { method: 'POST', path: '/stores/:storeId/stock', anyOf: ['curator:{storeId}', 'operations'] },
  { method: 'GET', path: '/stores/:storeId/notifications', anyOf: ['curator:{storeId}', 'support', 'operations'] },
  { method: 'GET', path: '/support-tasks', anyOf: ['support', 'operations'] },
  { method: 'POST', path: '/support-tasks/:id/close', anyOf: ['support'] },
  // A sync reads HR, the operator and the MDMs (and reconciles): support or operations start and follow it.
  { method: 'POST', path: '/fleet-syncs', anyOf: ['support', 'operations'] },
  { method: 'GET', path: '/fleet-syncs/:id', anyOf: ['support', 'operations'] },
  { method: 'POST', path: '/devices/:imei/handover', anyOf: ['curator:{store}', 'support'], storeOf: 'device' },
  { method: 'POST', path: '/devices/:imei/returned', anyOf: ['curator:{store}', 'support'], storeOf: 'device' },
  { method: 'GET', path: '/employees/:id', anyOf: ['hr', 'support', 'operations', 'curator:{store}'], storeOf: 'employee' },
  { method: 'POST', path: '/employees/:id/sim-owner-registration/retry', anyOf: ['support'] },
  { method: 'GET', path: '/stores/:storeId/settings', anyOf: ['operations', 'support', 'curator:{storeId}'] },
  { method: 'PATCH', path: '/stores/:storeId/settings', anyOf: ['operations'] },
  { method: 'POST', path: '/stores/:storeId/freezes', anyOf: ['operations'] },
  { method: 'GET', path: '/stores/:storeId/freezes', anyOf: ['operations', 'curator:{storeId}'] },
  { method: 'DELETE', path: '/stores/:storeId/freezes/:id', anyOf: ['operations'] },
  { method: 'POST', path: '/fleet/freezes', anyOf: ['operations'] },
  { method: 'GET', path: '/fleet/freezes', anyOf: ['operations'] },
  { method: 'DELETE', path: '/fleet/freezes/:id', anyOf: ['operations'] },
  // Who has which corporate number, SIM and phone (employee ids, corporate numbers: no names).
  { method: 'GET', path: '/directory', anyOf: ['support', 'operations'] },
  { method: 'GET', path: '/directory.csv', anyOf: ['support', 'operations'] },
  { method: 'GET', path: '/anomalies', anyOf: ['support', 'operations'] },
  { method: 'POST', path: '/anomalies/:id/resolve', anyOf: ['support'] },
  { method: 'POST', path: '/fleet/reconcile', anyOf: ['operations'] },
  { method: 'GET', path: '/compliance/sim-registrations', anyOf: ['support', 'operations'] },
  // What HR sent and phonefleet refused: ids, types and field names, no personal data.
  { method: 'GET', path: '/hr/deliveries', anyOf: ['hr', 'operations'] },
  // Volumes of hires and dismissals are the company's business, though no one's personal data.
  { method: 'GET', path: '/metrics', anyOf: ['metrics', 'operations'] },
  // Apps and their builds: release engineers (and Jenkins' token) register and publish; operations and support follow.
  { method: 'POST', path: '/apps', anyOf: ['release', 'operations'] },
  { method: 'GET', path: '/apps', anyOf: ['release', 'operations', 'support'] },
  { method: 'POST', path: '/releases', anyOf: ['release'] },
  { method: 'GET', path: '/releases/:id', anyOf: ['release', 'operations', 'support'] },
  { method: 'GET', path: '/releases/:id/affected-phones', anyOf: ['release', 'operations', 'support'] },
  // Approving, pausing, resuming and aborting a release: release engineers and operations.
  { method: 'POST', path: '/releases/:id/approve', anyOf: ['release', 'operations'] },
  { method: 'POST', path: '/releases/:id/pause', anyOf: ['release', 'operations'] },
  { method: 'POST', path: '/releases/:id/resume', anyOf: ['release', 'operations'] },
  { method: 'POST', path: '/releases/:id/abort', anyOf: ['release', 'operations'] },
  // Letting a release through a store's freeze (inventory) is an emergency: operations only.
  { method: 'POST', path: '/releases/:id/override-freeze', anyOf: ['operations'] },
  // Planning a store's training changes nothing: its curator and operations.
  { method: 'POST', path: '/stores/:storeId/rollouts/plan', anyOf: ['curator:{storeId}', 'operations'] },
  { method: 'POST', path: '/stores/:storeId/rollouts/manifest-check', anyOf: ['curator:{storeId}', 'operations'] },
  // Operations start a store's rollout; its curator and support follow it.
  { method: 'POST', path: '/stores/:storeId/rollouts', anyOf: ['operations'] },
  { method: 'GET', path: '/stores/:storeId/rollouts/current', anyOf: ['curator:{storeId}', 'support', 'operations'] },
  // Changing a running rollout (a session cancelled, a room lost, the roster changed): operations only.
  { method: 'POST', path: '/stores/:storeId/rollouts/changes', anyOf: ['operations'] },
  // The trainer records attendance with the store's curator token (or operations).
  { method: 'POST', path: '/stores/:storeId/rollouts/sessions/:sessionId/attendance', anyOf: ['curator:{storeId}', 'operations'] },
  // Payloads hold names and passport data: decrypting (and encrypting) them is personal data.
  { method: 'POST', path: '/codec/decode', anyOf: ['pii'] },
  { method: 'POST', path: '/codec/encode', anyOf: ['pii'] },
];

const compiled = ROUTE_SCOPES.map((rule) => {
  const names: string[] = [];
  const pattern = rule.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  // Case-insensitive and with an optional trailing slash, as Express matches routes.
  return { rule, regex: new RegExp(`^${pattern}/?$`, 'i'), names };
});

/** The rule for a request, with the path's parameters; undefined when no rule names it. */
export function routeScopeOf(method: string, path: string): { rule: RouteScope; params: Record<string, string> } | undefined {
  for (const { rule, regex, names } of compiled) {
    if (rule.method !== method) continue;
    const m = regex.exec(path);
    if (!m) continue;
    const params = Object.fromEntries(names.map((n, i) => [n, safeDecode(m[i + 1])]));
    return { rule, params };
  }
  return undefined;
}

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The token's holder, or undefined for a missing or unknown token. */
export function operatorOf(tokens: ApiTokens, req: Request): Operator | undefined {
  const header = req.get('authorization') ?? '';
  const offered = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  for (const [token, holder] of tokens) {
    const t = Buffer.from(token);
    if (t.length === offered.length && timingSafeEqual(t, offered)) return typeof holder === 'string' ? { name: holder, scopes: [EVERY_SCOPE] } : holder;
  }
  return undefined;
}

type StoreLookup = Pick<PrismaClient, 'device' | 'employee'>;

/**
 * Whether the holder of `scopes` may make this request; undefined when the route is not in the
 * table. `{store}` costs a database read, so it is looked up only when no other scope decides.
 */
export async function mayCall(req: Request, scopes: readonly string[], db: StoreLookup | undefined): Promise<{ allowed: boolean; needed: string[] } | undefined> {
  const path = req.baseUrl + req.path; // whole path also where a router is mounted below /
  const found = routeScopeOf(req.method, path);
  if (!found) return undefined;
  const { rule, params } = found;
  const needed = rule.anyOf.map((scope) => scope.replace('{storeId}', params.storeId ?? ''));
  const described = needed.map((s) => s.replace('{store}', `<store of ${rule.storeOf === 'device' ? `device ${params.imei}` : `employee ${params.id}`}>`));
  if (needed.some((s) => !s.includes('{store}') && grants(scopes, s))) return { allowed: true, needed: described };
  const storeScoped = needed.find((s) => s.includes('{store}'));
  if (!storeScoped || !rule.storeOf || !scopes.some((s) => s.startsWith('curator:'))) return { allowed: false, needed: described };
  const store = db ? await storeOfRoute(db, rule.storeOf, params) : undefined;
  // An unknown device or employee has no store: any curator may ask, and hears 404.
  if (store === undefined) return { allowed: true, needed: described };
  return { allowed: grants(scopes, storeScoped.replace('{store}', store)), needed: described };
}

async function storeOfRoute(db: StoreLookup, of: StoreOf, params: Record<string, string>): Promise<string | undefined> {
  if (of === 'device') return (await db.device.findUnique({ where: { imei: params.imei }, select: { storeId: true } }))?.storeId ?? undefined;
  return (await db.employee.findUnique({ where: { id: params.id }, select: { storeId: true } }))?.storeId ?? undefined;
}

/**
 * Authenticates the bearer token (401) and checks the route's scope in ROUTE_SCOPES (403 naming
 * the scopes that would do). Sets res.locals.operator (name) and res.locals.scopes.
 */
export function requireOperator(tokens: ApiTokens, db?: StoreLookup): RequestHandler {
  return async (req, res, next) => {
    try {
      const operator = operatorOf(tokens, req);
      if (!operator) return next(new HttpError(401, 'missing or invalid bearer token'));
      res.locals.operator = operator.name;
      res.locals.scopes = operator.scopes;
      const decision = await mayCall(req, operator.scopes, db);
      if (decision === undefined) {
        // Not an operator route (a 404 to be), or one missing from the table: only `*` passes.
        if (operator.scopes.includes(EVERY_SCOPE)) return next();
        return next(new HttpError(403, `${req.method} ${req.baseUrl + req.path} is not open to scoped tokens (no entry in the route scope table)`));
      }
      if (decision.allowed) return next();
      next(new HttpError(403, `${req.method} ${req.baseUrl + req.path} needs scope ${decision.needed.join(' or ')}`));
    } catch (err) {
      next(err);
    }
  };
}

/**
 * Names are personal data beyond what a route shows: a store's curator sees the names of its
 * own new hires (fetched from HR when shown), `pii` everyone's. Support and operations read the
 * same notices without them.
 */
export function mayKnowNamesOf(scopes: readonly string[] | undefined, storeId: string): boolean {
  return !!scopes && (grants(scopes, `curator:${storeId}`) || grants(scopes, 'pii'));
}
