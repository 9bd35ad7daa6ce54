// Reading and validating request fields in the simulators, whatever the body encoding
// (Knox Manage posts forms, the others post JSON). Validation messages name the field, never
// its value: some of these bodies carry identity data.
import type { Request } from 'express';

/** Thrown by a simulator handler; the shared error handler answers with status and body. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/** Builds the simulator's own error envelope for an invalid request. */
export type RejectRequest = (message: string) => SimHttpError;

/** The parsed body (JSON object or form fields) as a record; empty when absent. */
export function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** The parsed JSON body as a list of records: admin routes accept one item or an array. */
export function itemsOf(req: Request): Record<string, unknown>[] {
  const body: unknown = req.body;
  const items: unknown[] = Array.isArray(body) ? body : [body];
  if (!items.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item))) {
    throw plainError(400)('expected a JSON object or a list of objects');
  }
  return items as Record<string, unknown>[];
}

export class Fields {
  constructor(
    private readonly source: Record<string, unknown>,
    private readonly reject: RejectRequest,
  ) {}

  static ofBody(req: Request, reject: RejectRequest): Fields {
    return new Fields(bodyOf(req), reject);
  }

  static ofQuery(req: Request, reject: RejectRequest): Fields {
    return new Fields(req.query as Record<string, unknown>, reject);
  }

  /** A non-empty string (numbers are accepted and turned into text, as form posts would). */
  string(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined || value === '') throw this.reject(`${name} is required`);
    return value;
  }

  /** A string that may be absent; present but empty stays empty (Knox uses it to clear). */
  optionalString(name: string): string | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    throw this.reject(`${name} must be a string`);
  }

  optionalNumber(name: string): number | undefined {
    const value = this.source[name];
    if (value === undefined || value === null || value === '') return undefined;
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (!Number.isFinite(n)) throw this.reject(`${name} must be a number`);
    return n;
  }

  optionalBoolean(name: string): boolean | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw this.reject(`${name} must be a boolean`);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.string(name);
    if (!(allowed as readonly string[]).includes(value)) throw this.reject(`${name} must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  optionalStringList(name: string): string[] | undefined {
    const value = this.source[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw this.reject(`${name} must be a list of strings`);
    return value as string[];
  }

  /** A nested object, read with the same rules. */
  object(name: string): Fields {
    const value = this.source[name];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw this.reject(`${name} is required`);
    return new Fields(value as Record<string, unknown>, this.reject);
  }
}

/** Generic JSON error body for admin routes and simulators without an envelope of their own. */
export function plainError(status: number): RejectRequest {
  return (message) => new SimHttpError(status, { error: message });
}
