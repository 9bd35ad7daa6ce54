// "Day one": the story's measure of onboarding (9 hires in 10 get the phone on their first day,
// otherwise day 2, at worst day 3). Days are counted in the store's time zone, because a phone
// handed over at 00:30 local time on the start date is day one even if it is still the previous
// day in UTC.
import { localDate } from './store-calendar.ts';

export { localDate };

/** 1 when handed over on (or before) the start date, 2 the day after, and so on. */
export function handoverDay(handedOverAt: Date, startDate: string, timeZone: string): number {
  const handedOn = Date.parse(`${localDate(handedOverAt, timeZone)}T00:00:00Z`);
  const start = Date.parse(`${startDate}T00:00:00Z`);
  if (Number.isNaN(start)) throw new RangeError(`invalid start date: ${startDate}`);
  return Math.max(1, Math.round((handedOn - start) / 86_400_000) + 1);
}
