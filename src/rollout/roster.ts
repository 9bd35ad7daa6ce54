// Who is to be trained in a store rollout: from HR (the store's employees, their department and
// planned shifts, as the fleet sync keeps them), or from a file a curator uploads (CSV or JSON).
// Only employee ids and departments: no names, nothing personal.
import { parse } from 'csv-parse/sync';
import type { PrismaClient } from '../db/generated/client.ts';
import { addDays, localDate } from '../domain/store-calendar.ts';
import { WEEKDAYS, type RosterEntry, type Weekday } from '../domain/training-plan.ts';

export interface RosterProblem {
  field: string;
  message: string;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMPLOYEE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Columns: employeeId, department, shiftFrom, shiftUntil, daysOff (e.g. "SAT SUN"), unavailable (dates, space-separated). */
export const ROSTER_CSV_COLUMNS = ['employeeId', 'department', 'shiftFrom', 'shiftUntil', 'daysOff', 'unavailable'] as const;

/** A roster CSV: every row checked, every problem named by row and column; nothing when any row is wrong. */
export function rosterFromCsv(csv: string, field = 'roster'): { roster: RosterEntry[]; problems: RosterProblem[] } {
  let rows: Record<string, string>[];
  try {
    rows = parse(csv, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    return { roster: [], problems: [{ field, message: `is not readable CSV: ${(err as Error).message}` }] };
  }
  const problems: RosterProblem[] = [];
  const header = Object.keys(rows[0] ?? {});
  for (const column of ['employeeId', 'department', 'shiftFrom', 'shiftUntil']) {
    if (rows.length > 0 && !header.includes(column)) problems.push({ field, message: `has no ${column} column (columns: ${ROSTER_CSV_COLUMNS.join(', ')})` });
  }
  if (problems.length) return { roster: [], problems };
  const roster: RosterEntry[] = [];
  const seen = new Map<string, number>();
  rows.forEach((row, i) => {
    const at = (column: string) => `${field}[row ${i + 2}].${column}`; // row 1 is the header
    const id = row.employeeId ?? '';
    if (!EMPLOYEE.test(id)) problems.push({ field: at('employeeId'), message: 'must be 1-64 letters, digits, "-" or "_"' });
    else if (seen.has(id)) problems.push({ field: at('employeeId'), message: `${id} is already on row ${seen.get(id)}` });
    else seen.set(id, i + 2);
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(row.department ?? '')) problems.push({ field: at('department'), message: 'must be 1-32 letters, digits, "-" or "_"' });
    for (const c of ['shiftFrom', 'shiftUntil'] as const) if (!HHMM.test(row[c] ?? '')) problems.push({ field: at(c), message: 'must be HH:MM (store time)' });
    if (HHMM.test(row.shiftFrom ?? '') && HHMM.test(row.shiftUntil ?? '') && row.shiftFrom! >= row.shiftUntil!)
      problems.push({ field: at('shiftUntil'), message: 'must be after shiftFrom' });
    const daysOff = (row.daysOff ?? '').split(/\s+/).filter(Boolean);
    const badDay = daysOff.find((d) => !WEEKDAYS.includes(d.toUpperCase() as Weekday));
    if (badDay) problems.push({ field: at('daysOff'), message: `"${badDay}" is not a weekday (${WEEKDAYS.join(' ')})` });
    const unavailable = (row.unavailable ?? '').split(/\s+/).filter(Boolean);
    const badDate = unavailable.find((d) => !DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)));
    if (badDate) problems.push({ field: at('unavailable'), message: `"${badDate}" is not a date YYYY-MM-DD` });
    roster.push({
      employeeId: id,
      department: row.department ?? '',
      shift: { from: row.shiftFrom ?? '', until: row.shiftUntil ?? '' },
      ...(daysOff.length ? { daysOff: daysOff.map((d) => d.toUpperCase() as Weekday) } : {}),
      ...(unavailable.length ? { unavailable } : {}),
    });
  });
  if (rows.length === 0) problems.push({ field, message: 'has no rows' });
  return problems.length ? { roster: [], problems } : { roster, problems };
}

const wallClock = (at: Date, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

/**
 * The store's roster as HR knows it: its active employees with their department and their planned
 * shifts over the plan's days (a person without planned shifts works the store's opening hours).
 */
export async function rosterFromHr(
  db: PrismaClient,
  storeId: string,
  opts: { firstDay: string; days: number; timeZone: string; usualShift: { from: string; until: string } },
): Promise<RosterEntry[]> {
  const from = new Date(`${addDays(opts.firstDay, -1)}T00:00:00Z`);
  const until = new Date(`${addDays(opts.firstDay, opts.days + 1)}T00:00:00Z`);
  const employees = await db.employee.findMany({
    where: { storeId, status: { in: ['ONBOARDING', 'ACTIVE'] } },
    select: { id: true, department: true, roleCode: true, shifts: { where: { startsAt: { gte: from, lt: until } }, orderBy: { startsAt: 'asc' } } },
    orderBy: { id: 'asc' },
  });
  return employees.map((e) => {
    const entry: RosterEntry = { employeeId: e.id, department: e.department ?? e.roleCode, shift: opts.usualShift };
    if (e.shifts.length > 0) {
      entry.shifts = e.shifts
        .filter((s) => localDate(s.startsAt, opts.timeZone) === localDate(new Date(s.endsAt.getTime() - 1), opts.timeZone)) // a shift across midnight is not a training day
        .map((s) => ({ date: localDate(s.startsAt, opts.timeZone), from: wallClock(s.startsAt, opts.timeZone), until: wallClock(s.endsAt, opts.timeZone) }));
    }
    return entry;
  });
}
