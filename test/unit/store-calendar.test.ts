import { describe, expect, it } from 'vitest';
import { addDays, zonedInstant } from '../../src/domain/store-calendar.ts';

describe('store calendar', () => {
  it('finds the instant a store clock shows a given hour, across zones and DST', () => {
    expect(zonedInstant('2026-12-10', 9, 'Europe/Moscow').toISOString()).toBe('2026-12-10T06:00:00.000Z');
    expect(zonedInstant('2026-12-10', 0, 'UTC').toISOString()).toBe('2026-12-10T00:00:00.000Z');
    expect(zonedInstant('2026-07-01', 9, 'Europe/Paris').toISOString()).toBe('2026-07-01T07:00:00.000Z'); // summer time
    expect(zonedInstant('2026-12-01', 9, 'Europe/Paris').toISOString()).toBe('2026-12-01T08:00:00.000Z');
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});
