// When a downloaded APK may be installed on a phone (issue 9 §4): nobody gets a new version
// installed while working. So an install waits for the end of its holder's shift, or, where the
// store has an install window (at night, say 02:00-05:00), for that window, outside any shift
// still; a critical app installs as soon as it is downloaded. Also: where a phone is while its
// holder is not at work (the store's opening hours stand in for the shifts HR has not planned).
// Pure: times are epoch milliseconds, the store's wall clock is its time zone.
import { addDays, localDate, zonedInstant } from './store-calendar.ts';
import type { Stay } from './update-waves.ts';

/** A daily window on the store's wall clock, "HH:MM" to "HH:MM" (until before from: across midnight). */
export interface DailyWindow {
  from: string;
  until: string;
}

export interface InstallRule {
  /** The holder's shifts (in any order). */
  shifts: readonly Stay[];
  /** The store's install window, if it has one. */
  window?: DailyWindow;
  timeZone: string;
  critical: boolean;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isWallClockTime(value: string): boolean {
  return HHMM.test(value);
}

const minutesOf = (hhmm: string): number => {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`${hhmm} is not a time of day (HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/**
 * The stretches of a daily window over the days from `from`'s local date on, `days` of them.
 * Minutes are added to the local midnight: a window on a day the clocks change is off by that hour.
 */
export function dailyStretches(window: DailyWindow, timeZone: string, from: number, days: number): Stay[] {
  const start = minutesOf(window.from);
  let end = minutesOf(window.until);
  if (end <= start) end += 24 * 60;
  const first = addDays(localDate(new Date(from), timeZone), -1); // a window across midnight may have begun the day before
  const stretches: Stay[] = [];
  for (let d = 0; d <= days + 1; d++) {
    const midnight = zonedInstant(addDays(first, d), 0, timeZone).getTime();
    stretches.push({ from: midnight + start * 60_000, until: midnight + end * 60_000 });
  }
  return stretches;
}

/** The first moment at or after `t` outside every shift (shifts that touch or overlap are one stretch of work). */
function afterWork(t: number, shifts: readonly Stay[]): number {
  const sorted = [...shifts].sort((a, b) => a.from - b.from);
  let at = t;
  for (const s of sorted) if (s.from <= at && at < s.until) at = s.until;
  return at;
}

/** How far ahead an install window is looked for. */
const WINDOW_HORIZON_DAYS = 14;

/**
 * When the APK downloaded at `downloadedAt` may be installed: at once for a critical app; else
 * in the store's window if it has one, outside the holder's shifts; else when the holder's shift
 * is over. Never before `downloadedAt`.
 */
export function installMoment(downloadedAt: number, rule: InstallRule): number {
  if (rule.critical) return downloadedAt;
  if (!rule.window) return afterWork(downloadedAt, rule.shifts);
  for (const w of dailyStretches(rule.window, rule.timeZone, downloadedAt, WINDOW_HORIZON_DAYS)) {
    if (w.until <= downloadedAt) continue;
    const at = afterWork(Math.max(w.from, downloadedAt), rule.shifts);
    if (at < w.until) return at;
  }
  // No window free of work in two weeks (a holder on call every night): after the shift, then.
  return afterWork(downloadedAt, rule.shifts);
}
