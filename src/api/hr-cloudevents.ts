// HR events arrive as CloudEvents 1.0 (structured mode: the whole event is the JSON body;
// binary mode: attributes in ce-* headers, the body is `data`). Validation is strict and names
// every bad field, so HR's integrators can fix their side from the answer alone.
import { createHash } from 'node:crypto';
import { HR_EVENT_TYPES, type HrCloudEventType, type HrEvent, type Leave } from '../../workflows/hr-events.ts';
import { controlCharacterProblems, hasControlCharacters, isCalendarDate, isTimestamp, parseStrictJson } from './request-input.ts';

export interface Problem {
  field: string;
  message: string;
}

export type ParsedHrEvent = { ok: true; event: HrEvent; source: string; type: HrCloudEventType } | { ok: false; problems: Problem[] };

export const EMPLOYEE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const STORE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
// A URI-reference: printable, no spaces.
const SOURCE = /^[\x21-\x7e]{1,500}$/;

type Headers = Record<string, string | string[] | undefined>;

/** On failure, `event` is what could be read (for the refusal's record, refusalSubject). */
export type ReadCloudEvent = { ok: true; event: Record<string, unknown> } | { ok: false; status: 400 | 415; problems: Problem[]; event?: Record<string, unknown> };

/**
 * Builds the CloudEvent's attribute object from either content mode. The JSON is parsed
 * strictly (a key twice in one object is refused: the signature covers bytes another reader
 * could take differently), and no string in it may hold a control character.
 */
export function readCloudEvent(contentType: string | undefined, headers: Headers, body: string): ReadCloudEvent {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const structured = mediaType === 'application/cloudevents+json';
  const binary = !structured && headers['ce-specversion'] !== undefined;
  if (!structured && !(binary && (mediaType === 'application/json' || mediaType === ''))) {
    const problem = { field: 'content-type', message: 'send application/cloudevents+json (structured mode) or application/json with ce-* headers (binary mode)' };
    return { ok: false, status: mediaType === 'application/json' ? 400 : 415, problems: [problem] };
  }
  const json = body.length ? parseStrictJson(body, structured ? '' : 'data') : ({ ok: true, value: undefined } as const);
  if (!json.ok) return { ok: false, status: 400, problems: json.problems };

  let event: Record<string, unknown>;
  if (structured) {
    if (!isObject(json.value)) return { ok: false, status: 400, problems: [{ field: 'body', message: 'must be a JSON object (structured-mode CloudEvent)' }] };
    event = json.value;
  } else {
    event = { data: json.value, datacontenttype: mediaType || undefined };
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith('ce-') && typeof value === 'string') event[name.slice(3)] = value;
    }
  }
  const problems = controlCharacterProblems(event, '');
  return problems.length ? { ok: false, status: 400, problems, event } : { ok: true, event };
}

/**
 * SHA-256 of the event in canonical JSON (attributes and data, keys sorted at every level): the
 * same event redelivered, in either mode and however formatted, has the same digest.
 */
export function eventDigest(ce: Record<string, unknown>): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, canonical(v[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(ce))).digest('hex');
}

/**
 * What a refused delivery may be remembered by: its ids and type, each only if it is well
 * formed. Never names or other values of `data`.
 */
export function refusalSubject(ce: Record<string, unknown> | undefined): { eventId?: string; source?: string; type?: string; employeeId?: string } {
  const plain = (v: unknown, max: number) => (typeof v === 'string' && v.length > 0 && v.length <= max && !hasControlCharacters(v) ? v : undefined);
  const data = isObject(ce?.data) ? ce.data : {};
  const employeeId = typeof data.employeeId === 'string' && EMPLOYEE_ID.test(data.employeeId) ? data.employeeId : undefined;
  return {
    eventId: plain(ce?.id, 200),
    source: typeof ce?.source === 'string' && SOURCE.test(ce.source) ? ce.source : undefined,
    type: typeof ce?.type === 'string' && Object.hasOwn(HR_EVENT_TYPES, ce.type) ? ce.type : undefined,
    employeeId,
  };
}

export function parseHrEvent(ce: Record<string, unknown>): ParsedHrEvent {
  const problems: Problem[] = [];
  const need = (field: string, value: unknown, test: (v: string) => boolean, message: string): string => {
    if (typeof value !== 'string' || !test(value)) problems.push({ field, message });
    return typeof value === 'string' ? value : '';
  };

  need('specversion', ce.specversion, (v) => v === '1.0', 'must be "1.0"');
  const id = need('id', ce.id, (v) => v.length > 0 && v.length <= 200, 'must be a non-empty string (at most 200 characters)');
  const source = need('source', ce.source, (v) => SOURCE.test(v), 'must be a URI-reference of 1-500 printable characters');
  // Own keys only: "toString" or "constructor" is not an event type, though `in` would say so.
  const known = typeof ce.type === 'string' && Object.hasOwn(HR_EVENT_TYPES, ce.type);
  const named = typeof ce.type === 'string' ? `"${ce.type.slice(0, 100)}" is not an HR event type: ` : '';
  need('type', ce.type, () => known, `${named}must be one of ${Object.keys(HR_EVENT_TYPES).join(', ')}`);
  const type = ce.type as HrCloudEventType;
  if (ce.time !== undefined) need('time', ce.time, isTimestamp, 'must be an RFC 3339 timestamp naming a real date and time');
  if (ce.datacontenttype !== undefined) need('datacontenttype', ce.datacontenttype, (v) => v.split(';')[0].trim() === 'application/json', 'must be application/json');
  if (!isObject(ce.data)) {
    problems.push({ field: 'data', message: 'must be a JSON object' });
    return { ok: false, problems };
  }
  const data = ce.data;
  const employeeId = need('data.employeeId', data.employeeId, (v) => EMPLOYEE_ID.test(v), 'must be 1-64 letters, digits, "-" or "_"');
  if (ce.subject !== undefined && ce.subject !== employeeId) problems.push({ field: 'subject', message: 'must equal data.employeeId when present' });
  const base = { eventId: id, employeeId, occurredAt: typeof ce.time === 'string' ? ce.time : new Date().toISOString() };

  let event: HrEvent | undefined;
  switch (known ? HR_EVENT_TYPES[type] : undefined) {
    case 'hired': {
      const storeId = need('data.storeId', data.storeId, (v) => STORE_ID.test(v), 'must be a store code');
      const position = need('data.position', data.position, (v) => v.length > 0 && v.length <= 64, 'must be an HR position code');
      const startDate = need('data.startDate', data.startDate, isCalendarDate, 'must be a date YYYY-MM-DD');
      if (data.displayName !== undefined) need('data.displayName', data.displayName, (v) => v.length > 0 && v.length <= 200, 'must be a string of 1-200 characters');
      event = { ...base, kind: 'hired', hire: { storeId, position, startDate, displayName: data.displayName as string | undefined } };
      break;
    }
    case 'hire-rescinded':
    case 'dismissal-revoked': {
      if (data.reason !== undefined) need('data.reason', data.reason, (v) => v.length <= 500, 'must be a string of at most 500 characters');
      event = { ...base, kind: HR_EVENT_TYPES[type] as 'hire-rescinded' | 'dismissal-revoked', reason: data.reason as string | undefined };
      break;
    }
    case 'dismissed': {
      const lastWorkingDay = need('data.lastWorkingDay', data.lastWorkingDay, isCalendarDate, 'must be a date YYYY-MM-DD');
      event = { ...base, kind: 'dismissed', lastWorkingDay };
      break;
    }
    case 'role-changed':
    case 'transferred': {
      if (data.urgent !== undefined && typeof data.urgent !== 'boolean') problems.push({ field: 'data.urgent', message: 'must be true or false' });
      const urgent = data.urgent === true;
      if (HR_EVENT_TYPES[type] === 'role-changed') {
        const position = need('data.position', data.position, (v) => v.length > 0 && v.length <= 64, 'must be an HR position code');
        event = { ...base, kind: 'role-changed', move: { kind: 'role', position, urgent } };
      } else {
        const storeId = need('data.storeId', data.storeId, (v) => STORE_ID.test(v), 'must be a store code');
        event = { ...base, kind: 'transferred', move: { kind: 'transfer', storeId, urgent } };
      }
      break;
    }
    case 'leave-started':
    case 'leave-ended': {
      const kind = need('data.kind', data.kind, (v) => ['parental', 'sick', 'other'].includes(v), 'must be "parental", "sick" or "other"') as Leave['kind'];
      const from = need('data.from', data.from, isCalendarDate, 'must be a date YYYY-MM-DD');
      if (data.until !== undefined) {
        const until = need('data.until', data.until, isCalendarDate, 'must be a date YYYY-MM-DD');
        if (isCalendarDate(from) && isCalendarDate(until) && until < from) problems.push({ field: 'data.until', message: `must not be before data.from (${from})` });
      }
      event = { ...base, kind: HR_EVENT_TYPES[type] as 'leave-started' | 'leave-ended', leave: { kind, from, ...(data.until !== undefined ? { until: data.until as string } : {}) } };
      break;
    }
  }
  if (problems.length || !event) return { ok: false, problems };
  return { ok: true, event, source, type };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
