// Every payload of a workflow history, found by walking the whole event tree (not by naming the
// fields that hold payloads today: a new kind of event or attribute is walked too), and the
// failures in it. Used to prove that nothing readable reaches the Temporal server.
import type { temporal } from '@temporalio/proto';

type Payload = temporal.api.common.v1.IPayload;

export interface FoundPayload {
  /** Where in the history, e.g. `events[4].activityTaskScheduledEventAttributes.input.payloads[0]`. */
  path: string;
  payload: Payload;
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** A Payload message: a metadata map of bytes, and data bytes (absent when empty). */
function isPayload(v: Record<string, unknown>): boolean {
  const { metadata } = v;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) || isBytes(metadata)) return false;
  return Object.values(metadata).every(isBytes) && (v.data === undefined || v.data === null || isBytes(v.data));
}

export function payloadsOf(history: unknown): FoundPayload[] {
  const found: FoundPayload[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v !== 'object' || v === null || isBytes(v)) return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    const o = v as Record<string, unknown>;
    if (isPayload(o)) {
      found.push({ path, payload: o as Payload });
      return;
    }
    for (const [k, x] of Object.entries(o)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(history, '');
  return found;
}

/** Failure messages anywhere in the history (activity failures, last failures of retries, ...). */
export function failuresOf(history: unknown): { path: string; message: string; encodedAttributes?: Payload }[] {
  const found: { path: string; message: string; encodedAttributes?: Payload }[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v !== 'object' || v === null || isBytes(v)) return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    const o = v as Record<string, unknown>;
    if (typeof o.message === 'string' && ('source' in o || 'stackTrace' in o || 'encodedAttributes' in o || Object.keys(o).some((k) => k.endsWith('FailureInfo')))) {
      found.push({ path, message: o.message, encodedAttributes: o.encodedAttributes as Payload | undefined });
    }
    for (const [k, x] of Object.entries(o)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(history, '');
  return found;
}

/** Search attributes are indexed by the server, so they are plain by design (and hold no names). */
export const isSearchAttribute = (path: string) => /\.searchAttributes\.indexedFields\./.test(path);

/**
 * The SDK's own patch markers (`patched()`): core writes `{id, deprecated}` as plain JSON, never
 * through the codec. `isOnlyPatchData` checks that is all they hold.
 */
export const isPatchMarkerData = (path: string) => /\.markerRecordedEventAttributes\.details\.patch-data\./.test(path);
export function isOnlyPatchData(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value).sort();
  const v = value as { id?: unknown; deprecated?: unknown };
  return keys.join(',') === 'deprecated,id' && typeof v.id === 'string' && /^[\w:.-]{1,100}$/.test(v.id) && typeof v.deprecated === 'boolean';
}

/**
 * The history as text, stored bytes included as they are (latin1), so a name in clear is found
 * wherever it sits. Not JSON.stringify alone: it shows a Uint8Array as {"0":79,...} and a Buffer
 * as {"type":"Buffer","data":[...]}, where no name could ever be found.
 */
export function readableText(history: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown) => {
    if (isBytes(v)) parts.push(Buffer.from(v).toString('latin1'));
    else if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  walk(history);
  return parts.join('\n');
}
