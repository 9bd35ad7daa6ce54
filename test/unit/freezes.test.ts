import { describe, expect, it } from 'vitest';
import { validateFreeze } from '../../src/domain/freezes.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const inventory = { startsAt: '2026-03-02T06:00:00+01:00', endsAt: '2026-03-03T22:00:00+01:00', reason: 'annual inventory' };

function fields(input: unknown, now = NOW): string[] {
  const result = validateFreeze(input, now);
  return result.ok ? [] : result.problems.map((p) => p.field);
}

describe('validateFreeze', () => {
  it('accepts a window with offsets and returns its instants and trimmed reason', () => {
    expect(validateFreeze({ ...inventory, reason: '  annual inventory ' }, NOW)).toEqual({
      ok: true,
      freeze: { startsAt: new Date('2026-03-02T05:00:00Z'), endsAt: new Date('2026-03-03T21:00:00Z'), reason: 'annual inventory' },
    });
  });

  it('accepts a window that has already started, as long as it has not ended', () => {
    expect(validateFreeze({ ...inventory, startsAt: '2026-02-28T00:00:00Z', endsAt: '2026-03-01T12:00:01Z' }, NOW).ok).toBe(true);
  });

  it('refuses date-times without an offset, impossible dates and non-strings, naming the field', () => {
    expect(fields({ ...inventory, startsAt: '2026-03-02T06:00:00' })).toEqual(['startsAt']);
    expect(fields({ ...inventory, startsAt: '2026-03-02' })).toEqual(['startsAt']);
    expect(fields({ ...inventory, endsAt: '2026-02-30T06:00:00Z' }, new Date('2026-02-01T00:00:00Z'))).toEqual(['endsAt']);
    expect(fields({ ...inventory, endsAt: '2026-03-03T25:00:00Z' })).toEqual(['endsAt']);
    expect(fields({ ...inventory, startsAt: 1772431200000, endsAt: null })).toEqual(['startsAt', 'endsAt']);
  });

  it('refuses an end not after the start', () => {
    expect(fields({ ...inventory, endsAt: inventory.startsAt })).toEqual(['endsAt']);
    expect(fields({ ...inventory, startsAt: '2026-03-04T00:00:00Z' })).toEqual(['endsAt']);
  });

  it('caps the window at 90 days', () => {
    expect(validateFreeze({ ...inventory, startsAt: '2026-03-02T00:00:00Z', endsAt: '2026-05-31T00:00:00Z' }, NOW).ok).toBe(true); // exactly 90 days
    const tooLong = validateFreeze({ ...inventory, startsAt: '2026-03-02T00:00:00Z', endsAt: '2026-05-31T00:00:01Z' }, NOW);
    expect(tooLong).toEqual({ ok: false, problems: [{ field: 'endsAt', message: 'must be at most 90 days after startsAt' }] });
  });

  it('refuses a window that has already ended', () => {
    expect(fields({ ...inventory, startsAt: '2026-02-27T00:00:00Z', endsAt: '2026-03-01T12:00:00Z' })).toEqual(['endsAt']);
  });

  it('wants a reason of 1 to 200 characters', () => {
    expect(fields({ ...inventory, reason: '   ' })).toEqual(['reason']);
    expect(fields({ ...inventory, reason: undefined })).toEqual(['reason']);
    expect(fields({ ...inventory, reason: 'x'.repeat(201) })).toEqual(['reason']);
    expect(fields({ ...inventory, reason: 'x'.repeat(200) })).toEqual([]);
  });

  it('names every bad field at once, and the body when it is not an object', () => {
    expect(fields({ startsAt: 'soon', reason: '' })).toEqual(['startsAt', 'endsAt', 'reason']);
    expect(fields(undefined)).toEqual(['body']);
    expect(fields([inventory])).toEqual(['body']);
  });
});
