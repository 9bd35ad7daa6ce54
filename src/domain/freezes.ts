// Freeze windows: while a store takes inventory (or the whole fleet sells through a peak), its
// phones must not change under the staff's hands, so role changes and app releases wait for the
// window to end. Operators declare the windows; processes ask `activeFreeze`
// (src/inventory/freezes.ts) before acting. Pure rules: no database, no API.
import type { Problem } from './problem.ts';

/**
 * Same cap as Google's Android Management API puts on freeze periods: a longer window is a
 * typo, or would keep security fixes off the phones for a season.
 */
export const MAX_FREEZE_DAYS = 90;
export const MAX_REASON_LENGTH = 200;

export interface FreezeWindow {
  startsAt: Date;
  endsAt: Date;
  reason: string;
}

export type FreezeValidation = { ok: true; freeze: FreezeWindow } | { ok: false; problems: Problem[] };

// An explicit offset is required: a freeze is declared from head office for stores in several
// time zones, and "06:00" without one would be read in the server's zone, not the store's.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** `{startsAt, endsAt, reason}` as an operator sends it; `now` decides what "in the future" means. */
export function validateFreeze(input: unknown, now: Date = new Date()): FreezeValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ field: 'body', message: 'must be a JSON object {startsAt, endsAt, reason}' }] };
  }
  const { startsAt: rawStart, endsAt: rawEnd, reason: rawReason } = input as Record<string, unknown>;
  const problems: Problem[] = [];
  const instant = (field: string, value: unknown): Date | undefined => {
    const date = typeof value === 'string' ? parseDateTime(value) : undefined;
    if (!date) problems.push({ field, message: 'must be an ISO 8601 date-time with an offset, e.g. 2026-03-02T06:00:00+01:00' });
    return date;
  };
  const startsAt = instant('startsAt', rawStart);
  const endsAt = instant('endsAt', rawEnd);
  if (startsAt && endsAt) {
    if (endsAt <= startsAt) problems.push({ field: 'endsAt', message: 'must be after startsAt' });
    else if (endsAt.getTime() - startsAt.getTime() > MAX_FREEZE_DAYS * 86_400_000)
      problems.push({ field: 'endsAt', message: `must be at most ${MAX_FREEZE_DAYS} days after startsAt` });
  }
  if (endsAt && endsAt <= now) problems.push({ field: 'endsAt', message: 'must be in the future' });
  const reason = typeof rawReason === 'string' ? rawReason.trim() : '';
  if (!reason || reason.length > MAX_REASON_LENGTH) problems.push({ field: 'reason', message: `must be a non-blank string of at most ${MAX_REASON_LENGTH} characters` });

  if (problems.length || !startsAt || !endsAt) return { ok: false, problems };
  return { ok: true, freeze: { startsAt, endsAt, reason } };
}

function parseDateTime(value: string): Date | undefined {
  const match = DATE_TIME.exec(value);
  const ms = Date.parse(value);
  if (!match || Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over to 2 March instead of refusing it.
  const [year, month, day] = match.slice(1, 4).map(Number);
  const calendar = new Date(Date.UTC(year!, month! - 1, day!));
  if (calendar.getUTCMonth() !== month! - 1 || calendar.getUTCDate() !== day) return undefined;
  // ... and 24:00 over to the next day.
  const [hour, minute] = value.slice(11, 16).split(':').map(Number);
  if (hour! > 23 || minute! > 59) return undefined;
  return new Date(ms);
}
