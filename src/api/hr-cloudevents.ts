// HR events arrive as CloudEvents 1.0 (structured mode: the whole event is the JSON body;
// binary mode: attributes in ce-* headers, the body is `data`). Validation is strict and names
// every bad field, so HR's integrators can fix their side from the answer alone.
import { HR_EVENT_TYPES, type HrCloudEventType, type HrEvent } from '../../workflows/hr-events.ts';

export interface Problem {
  field: string;
  message: string;
}

export type ParsedHrEvent = { ok: true; event: HrEvent; source: string; type: HrCloudEventType } | { ok: false; problems: Problem[] };

const EMPLOYEE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const STORE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// RFC 3339 date-time, as CloudEvents requires for `time`.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

type Headers = Record<string, string | string[] | undefined>;

/** Builds the CloudEvent's attribute object from either content mode. */
export function readCloudEvent(contentType: string | undefined, headers: Headers, body: string): { ok: true; event: Record<string, unknown> } | { ok: false; problems: Problem[] } {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let parsed: unknown;
  try {
    parsed = body.length ? JSON.parse(body) : undefined;
  } catch {
    return { ok: false, problems: [{ field: 'body', message: 'is not valid JSON' }] };
  }
  if (mediaType === 'application/cloudevents+json') {
    if (!isObject(parsed)) return { ok: false, problems: [{ field: 'body', message: 'must be a JSON object (structured-mode CloudEvent)' }] };
    return { ok: true, event: parsed };
  }
  if (headers['ce-specversion'] !== undefined) {
    const event: Record<string, unknown> = { data: parsed, datacontenttype: mediaType || undefined };
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith('ce-') && typeof value === 'string') event[name.slice(3)] = value;
    }
    return { ok: true, event };
  }
  return {
    ok: false,
    problems: [{ field: 'content-type', message: 'send application/cloudevents+json (structured mode) or ce-* headers (binary mode)' }],
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
  const source = need('source', ce.source, (v) => v.length > 0, 'must be a non-empty URI-reference');
  const type = need('type', ce.type, (v) => v in HR_EVENT_TYPES, `must be one of ${Object.keys(HR_EVENT_TYPES).join(', ')}`) as HrCloudEventType;
  if (ce.time !== undefined) need('time', ce.time, (v) => TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v)), 'must be an RFC 3339 timestamp');
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
  switch (HR_EVENT_TYPES[type]) {
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
  }
  if (problems.length || !event) return { ok: false, problems };
  return { ok: true, event, source, type };
}

function isCalendarDate(v: string): boolean {
  if (!DATE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
