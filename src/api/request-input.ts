// What every request's input must be before any of it reaches the database or Temporal: JSON
// without duplicate keys, text without control characters, dates that exist on a calendar.
// Each check names the field (path parameter, query parameter or body field) and never echoes
// its value: values may be personal data, and a hostile one may be megabytes long.
import express, { type RequestHandler, type Router } from 'express';
import { visit } from 'jsonc-parser';
import { routeScopeOf } from './auth.ts';
import type { Problem } from './hr-cloudevents.ts';
import { badRequest, HttpError } from './http-errors.ts';

// C0 controls (NUL, ESC, newline...), DEL and C1 controls. PostgreSQL refuses NUL in text; the
// others have no place in ids, codes or the short free texts the API takes, and would forge
// lines in logs and on lock screens.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// An unpaired UTF-16 surrogate cannot be encoded as UTF-8: it would reach the database as U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const NO_CONTROL_CHARACTERS = 'must not contain control characters';

export const hasControlCharacters = (s: string) => CONTROL_CHARACTERS.test(s) || LONE_SURROGATE.test(s);

// Line breaks and tabs, in the fields a route takes as multi-line text (a CSV file).
const LINE_BREAKS = /[\n\r\t]/g;

/**
 * Each string (and object key) anywhere in `value` holding a control character, by its path;
 * the top-level fields `multiline` may hold line breaks and tabs (and nothing else).
 */
export function controlCharacterProblems(value: unknown, path: string, multiline: readonly string[] = []): Problem[] {
  const problems: Problem[] = [];
  const walk = (v: unknown, at: string) => {
    if (typeof v === 'string') {
      const checked = multiline.includes(at) ? v.replace(LINE_BREAKS, ' ') : v;
      if (hasControlCharacters(checked)) problems.push({ field: at || 'body', message: NO_CONTROL_CHARACTERS });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${at}[${i}]`));
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        if (hasControlCharacters(key)) problems.push({ field: `${at || 'body'} (a key)`, message: NO_CONTROL_CHARACTERS });
        else walk(item, at ? `${at}.${key}` : key);
      }
    }
  };
  walk(value, path);
  return problems.slice(0, 20); // a hostile body could name thousands
}

/**
 * JSON.parse, but an object naming the same key twice is refused: JSON.parse keeps the last
 * value, while whoever signed or checked the body may have read the first. So is "__proto__".
 */
export function parseStrictJson(text: string, prefix = ''): { ok: true; value: unknown } | { ok: false; problems: Problem[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problems: [{ field: prefix || 'body', message: 'is not valid JSON' }] };
  }
  const problems: Problem[] = [];
  const keys: Set<string>[] = [];
  visit(text, {
    onObjectBegin: () => void keys.push(new Set()),
    onObjectEnd: () => void keys.pop(),
    onObjectProperty: (key, _offset, _length, _line, _char, pathSupplier) => {
      const seen = keys.at(-1)!;
      if (problems.length >= 20) return;
      if (seen.has(key)) problems.push({ field: fieldPath(prefix, [...pathSupplier(), key]), message: 'appears more than once in its object' });
      // JSON.parse makes it an own property, but spread, merge and assign treat it as the prototype.
      else if (key === '__proto__') problems.push({ field: fieldPath(prefix, [...pathSupplier(), key]), message: 'is not accepted as a key' });
      seen.add(key);
    },
  });
  return problems.length ? { ok: false, problems } : { ok: true, value };
}

function fieldPath(prefix: string, segments: (string | number)[]): string {
  const path = segments.reduce<string>((at, s) => (typeof s === 'number' ? `${at}[${s}]` : at ? `${at}.${s}` : s), prefix);
  return hasControlCharacters(path) ? `${prefix || 'body'} (a key)` : path.slice(0, 200);
}

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/;

/** Whether the request carries a body (a header says so), whatever its length. */
const hasBody = (req: express.Request) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * The JSON body parser of every operator route: 415 for a body that is not JSON, 400 for bad
 * JSON, duplicate keys or control characters (naming each field). A request without a body has
 * `req.body` undefined; the route decides whether it needs one.
 */
// Typed as body-parser's own middleware, so routes keep the parameter types of their paths.
type BodyParser = ReturnType<typeof express.text>;

export function jsonBody(opts: { limit: string; multiline?: readonly string[] }): BodyParser {
  const readText = express.text({ type: () => true, limit: opts.limit });
  return (rawReq, res, next) => {
    const req = rawReq as express.Request;
    const mediaType = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (hasBody(req) && !JSON_MEDIA_TYPE.test(mediaType))
      return next(new HttpError(415, `send the body as application/json${mediaType ? `, not ${mediaType.slice(0, 100)}` : ''}`));
    readText(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (typeof req.body !== 'string' || req.body.length === 0) {
        req.body = undefined;
        return next();
      }
      const parsed = parseStrictJson(req.body);
      if (!parsed.ok) return next(badRequest(parsed.problems));
      const problems = controlCharacterProblems(parsed.value, '', opts.multiline);
      if (problems.length) return next(badRequest(problems));
      req.body = parsed.value;
      next();
    });
  };
}

/**
 * Path parameters checked before the route sees them: control characters -> 400 naming the
 * parameter; then the parameter's own format, if given.
 */
export function checkPathParameters(router: Router, formats: Record<string, { test: (v: string) => boolean; message: string } | null>) {
  for (const [name, format] of Object.entries(formats)) {
    router.param(name, (_req, _res, next, value: string) => {
      if (hasControlCharacters(value)) return next(badRequest([{ field: name, message: NO_CONTROL_CHARACTERS }]));
      if (format && !format.test(value)) return next(badRequest([{ field: name, message: format.message }]));
      next();
    });
  }
}

/**
 * Path segments, before anything (the scope check too) reads them: a segment that does not
 * decode, or decodes to control characters, -> 400 naming the route's parameter (or "path").
 */
export const checkPath: RequestHandler = (req, _res, next) => {
  const segments = req.path.split('/');
  const decoded: string[] = [];
  for (const segment of segments) {
    try {
      decoded.push(decodeURIComponent(segment));
    } catch {
      return next(badRequest([{ field: 'path', message: 'has a malformed percent-encoding' }]));
    }
  }
  if (!decoded.some(hasControlCharacters)) return next();
  const params = routeScopeOf(req.method, req.path)?.params ?? {};
  const named = Object.entries(params)
    .filter(([, v]) => hasControlCharacters(v))
    .map(([name]) => name);
  next(badRequest((named.length ? named : ['path']).map((field) => ({ field, message: NO_CONTROL_CHARACTERS }))));
};

/** Query strings: control characters in any name or value -> 400 naming the parameter. */
export const checkQueryString: RequestHandler = (req, _res, next) => {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(req.query)) {
    const field = hasControlCharacters(name) ? 'query (a parameter name)' : `query.${name.slice(0, 100)}`;
    if (hasControlCharacters(name) || controlCharacterProblems(value, field).length) {
      problems.push({ field, message: NO_CONTROL_CHARACTERS });
    }
  }
  if (problems.length) return next(badRequest(problems.slice(0, 20)));
  next();
};

/** The one string value of a query parameter; 400 if it was given twice or as an object. */
export function queryParameter(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw badRequest([{ field: `query.${name}`, message: 'must be given once, as a plain value' }]);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 date-time, as CloudEvents requires for `time`.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/i;

const isRealDay = (year: number, month: number, day: number) => {
  const d = new Date(Date.UTC(year, month - 1, day));
  d.setUTCFullYear(year); // years 0-99 would otherwise be read as 1900-1999
  return month >= 1 && month <= 12 && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
};

/** YYYY-MM-DD naming a day that exists (no 2026-02-30, no month 13). */
export function isCalendarDate(v: string): boolean {
  const m = DATE.exec(v);
  return !!m && isRealDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * An RFC 3339 timestamp whose every part exists: Date.parse would roll "2026-02-30T00:00:00Z"
 * over to 2 March. Leap seconds (":60") are refused: no clock phonefleet talks to sends them.
 */
export function isTimestamp(v: string): boolean {
  const m = TIMESTAMP.exec(v);
  if (!m) return false;
  const [hour, minute, second] = [m[4], m[5], m[6]].map(Number) as [number, number, number];
  const offsetOk = m[8]!.toUpperCase() === 'Z' || (Number(m[10]) <= 23 && Number(m[11]) <= 59);
  return isRealDay(Number(m[1]), Number(m[2]), Number(m[3])) && hour <= 23 && minute <= 59 && second <= 59 && offsetOk && !Number.isNaN(Date.parse(v));
}
