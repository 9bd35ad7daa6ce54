import { describe, expect, it } from 'vitest';
import { handoverDay, localDate } from '../../src/domain/handover-day.ts';

describe('hand-over day', () => {
  it('is day one on the start date, in the store time zone', () => {
    // 22:30 UTC on 30 Nov is already 1 Dec in Moscow (UTC+3).
    expect(localDate(new Date('2026-11-30T22:30:00Z'), 'Europe/Moscow')).toBe('2026-12-01');
    expect(handoverDay(new Date('2026-11-30T22:30:00Z'), '2026-12-01', 'Europe/Moscow')).toBe(1);
    expect(handoverDay(new Date('2026-11-30T22:30:00Z'), '2026-12-01', 'UTC')).toBe(1);
  });

  it('counts later days, and a phone handed over before the start as day one', () => {
    expect(handoverDay(new Date('2026-12-02T09:00:00Z'), '2026-12-01', 'UTC')).toBe(2);
    expect(handoverDay(new Date('2026-12-03T09:00:00Z'), '2026-12-01', 'UTC')).toBe(3);
    expect(handoverDay(new Date('2026-11-28T09:00:00Z'), '2026-12-01', 'UTC')).toBe(1);
  });
});
