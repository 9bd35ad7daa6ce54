// The field schemas the API's routes and HR's events share. Each field says in one sentence
// what it must be; that sentence is the problem the caller reads for any way the value is
// wrong (missing, another type, a bad format), so an answer never depends on zod's wording.
import { z } from 'zod';
import { isValidIccid, isValidImei } from '../../domain/identifiers.ts';
import { isCalendarDate, isTimestamp } from '../request-input.ts';

export const EMPLOYEE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const STORE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

interface TextRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** A rule the JSON Schema cannot say (a check digit, a real calendar day). */
  test?: (v: string) => boolean;
  /** JSON Schema `format`, for readers and the fuzz test's generator. */
  format?: string;
  /** Values that pass `test`: the document shows them, the fuzz test sends them. */
  examples?: string[];
  description?: string;
}

/** A string field whose every problem is `message`. */
export function text(message: string, rule: TextRule = {}) {
  let s = z.string({ error: message });
  if (rule.min !== undefined) s = s.min(rule.min, { error: message });
  if (rule.max !== undefined) s = s.max(rule.max, { error: message });
  if (rule.pattern) s = s.regex(rule.pattern, { error: message });
  if (rule.test) s = s.refine(rule.test, { error: message });
  const meta = {
    ...(rule.format ? { format: rule.format } : {}),
    ...(rule.examples ? { examples: rule.examples } : {}),
    ...(rule.description ? { description: rule.description } : {}),
  };
  return Object.keys(meta).length ? s.meta(meta) : s;
}

export const employeeId = (message = 'must be 1-64 letters, digits, "-" or "_"') => text(message, { pattern: EMPLOYEE_ID, examples: ['E000123'] });
export const storeId = (message = 'must be a store code') => text(message, { pattern: STORE_ID, examples: ['S001', 'S002'] });
export const STORE_CODE_MESSAGE = 'must be a store code (letters, digits, "-" or "_", at most 32)';

export const calendarDate = (message = 'must be a date YYYY-MM-DD') => text(message, { pattern: /^\d{4}-\d{2}-\d{2}$/, test: isCalendarDate, format: 'date' });

/** RFC 3339, every part real (no 30 February), as CloudEvents' `time`. */
export const timestamp = (message: string) => text(message, { test: isTimestamp, format: 'date-time' });

export const imei = (message = 'must be a 15-digit IMEI with a valid check digit') =>
  text(message, { pattern: /^\d{15}$/, test: isValidImei, examples: ['490154203237518', '356938035643809'] });

export const iccid = (message = 'must be an ICCID (19-20 digits starting 89, valid check digit)') =>
  text(message, { pattern: /^89\d{17,18}$/, test: isValidIccid, examples: ['89440012345678901238'] });

export const flag = (message = 'must be true or false') => z.boolean({ error: message });
