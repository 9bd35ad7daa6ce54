// HR events arrive as CloudEvents 1.0 (structured mode: the whole event is the JSON body;
// binary mode: attributes in ce-* headers, the body is `data`). Validation is strict and names
// every bad field, so HR's integrators can fix their side from the answer alone.
import { createHash } from 'node:crypto';
import { HR_EVENT_TYPES, type HrCloudEventType, type HrEvent, type HrEventKind, type Leave } from '../../workflows/hr-events.ts';
import { controlCharacterProblems, hasControlCharacters, parseStrictJson } from './request-input.ts';
import { EMPLOYEE_ID } from './schemas/fields.ts';
import { anyHrEventData, cloudEventAttributes, HR_EVENT_DATA, SOURCE } from './schemas/hr-events.ts';
import { check } from './schemas/route.ts';

export interface Problem {
  field: string;
  message: string;
}

export type ParsedHrEvent = { ok: true; event: HrEvent; source: string; type: HrCloudEventType } | { ok: false; problems: Problem[] };

export { EMPLOYEE_ID, STORE_ID } from './schemas/fields.ts';

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
    Array.isArray(v)
      ? v.map(canonical)
      : isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .filter((k) => v[k] !== undefined)
              .map((k) => [k, canonical(v[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(ce)))
    .digest('hex');
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
  const attributes = check(cloudEventAttributes, ce, '');
  const problems: Problem[] = attributes.ok ? [] : [...attributes.problems];
  if (!isObject(ce.data)) return { ok: false, problems };
  const type = attributes.ok ? attributes.value.type : undefined;
  // Own keys only: "toString" or "constructor" is not an event type, though `in` would say so.
  const kind =
    type !== undefined ? HR_EVENT_TYPES[type] : typeof ce.type === 'string' && Object.hasOwn(HR_EVENT_TYPES, ce.type) ? HR_EVENT_TYPES[ce.type as HrCloudEventType] : undefined;
  const data = check(kind ? HR_EVENT_DATA[kind] : anyHrEventData, ce.data, 'data');
  if (!data.ok) problems.push(...data.problems);
  const employeeId = typeof ce.data.employeeId === 'string' ? ce.data.employeeId : '';
  if (ce.subject !== undefined && ce.subject !== employeeId) problems.push({ field: 'subject', message: 'must equal data.employeeId when present' });
  if (problems.length || !attributes.ok || !data.ok || !type || !kind) return { ok: false, problems };

  const { id, source, time } = attributes.value;
  const base = { eventId: id, employeeId, occurredAt: time ?? new Date().toISOString() };
  return { ok: true, event: hrEvent(base, kind, data.value as Record<string, unknown>), source, type };
}

/** The event the lifecycle receives, as it always has been built (histories replay it). */
function hrEvent(base: { eventId: string; employeeId: string; occurredAt: string }, kind: HrEventKind, data: Record<string, unknown>): HrEvent {
  // Checked by HR_EVENT_DATA[kind]: each field is what that schema says.
  const d = data as Record<string, never>;
  switch (kind) {
    case 'hired':
      return { ...base, kind, hire: { storeId: d.storeId, position: d.position, startDate: d.startDate, displayName: d.displayName } };
    case 'hire-rescinded':
    case 'dismissal-revoked':
      return { ...base, kind, reason: d.reason };
    case 'dismissed':
      return { ...base, kind, lastWorkingDay: d.lastWorkingDay };
    case 'role-changed':
      return { ...base, kind, move: { kind: 'role', position: d.position, urgent: d.urgent === true } };
    case 'transferred':
      return { ...base, kind, move: { kind: 'transfer', storeId: d.storeId, urgent: d.urgent === true } };
    case 'leave-started':
    case 'leave-ended':
      return { ...base, kind, leave: { kind: d.kind as Leave['kind'], from: d.from, ...(d.until !== undefined ? { until: d.until } : {}) } };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
