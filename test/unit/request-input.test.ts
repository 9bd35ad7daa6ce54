import { describe, expect, it } from 'vitest';
import { controlCharacterProblems, isCalendarDate, isTimestamp, parseStrictJson } from '../../src/api/request-input.ts';
import { loggedPath, MAX_LOGGED_PATH } from '../../src/api/request-log.ts';

describe('request input', () => {
  it('calendar dates exist: no 30 February, no month 13, 29 February only in leap years', () => {
    expect(['2026-02-28', '2028-02-29', '2026-12-31', '2000-02-29'].filter(isCalendarDate)).toHaveLength(4);
    expect(['2026-02-30', '2026-02-29', '1900-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-1', '20260101', ''].filter(isCalendarDate)).toEqual([]);
  });

  it('timestamps exist in every part, offsets included (Date.parse would roll them over)', () => {
    expect(['2026-02-28T23:59:59Z', '2026-01-01T00:00:00.123456+03:00', '2026-01-01t10:00:00z', '2026-06-30T12:00:00-09:30'].filter(isTimestamp)).toHaveLength(4);
    expect(
      [
        '2026-02-30T00:00:00Z',
        '2026-01-01T24:00:00Z',
        '2026-01-01T10:60:00Z',
        '2026-01-01T10:00:60Z',
        '2026-01-01T10:00:00+24:00',
        '2026-01-01T10:00:00+03:60',
        '2026-01-01T10:00:00',
        '2026-01-01 10:00:00Z',
      ].filter(isTimestamp),
    ).toEqual([]);
  });

  it('strict JSON names every duplicate key by its path, and refuses __proto__', () => {
    expect(parseStrictJson('{"a":1,"b":{"c":[{"d":1,"d":2}]},"a":3}')).toEqual({
      ok: false,
      problems: [
        { field: 'b.c[0].d', message: 'appears more than once in its object' },
        { field: 'a', message: 'appears more than once in its object' },
      ],
    });
    expect(parseStrictJson('{"x":{"__proto__":{"admin":true}}}', 'data')).toEqual({ ok: false, problems: [{ field: 'data.x.__proto__', message: 'is not accepted as a key' }] });
    expect(parseStrictJson('{"a":1,"b":[1,1]}')).toEqual({ ok: true, value: { a: 1, b: [1, 1] } });
    expect(parseStrictJson('{"a":1,}')).toMatchObject({ ok: false, problems: [{ field: 'body', message: 'is not valid JSON' }] });
  });

  it('control characters are found in any string or key, named by path, never echoed', () => {
    const problems = controlCharacterProblems({ devices: [{ serial: 'ok' }, { serial: 'S\u0000' }], reason: 'line\nbreak', ['k\u0007']: 1, ok: 'x\ud800' }, '');
    expect(problems).toEqual([
      { field: 'devices[1].serial', message: 'must not contain control characters' },
      { field: 'reason', message: 'must not contain control characters' },
      { field: 'body (a key)', message: 'must not contain control characters' },
      { field: 'ok', message: 'must not contain control characters' },
    ]);
    expect(controlCharacterProblems({ name: 'Ёлка 🎄', tab: 'fine' }, '')).toEqual([]);
  });

  it('logged paths lose their query and are cut', () => {
    expect(loggedPath('/employees/E1?token=secret')).toBe('/employees/E1');
    const long = loggedPath(`/${'x'.repeat(5000)}`);
    expect(long.length).toBeLessThan(MAX_LOGGED_PATH + 20);
    expect(long.endsWith(`...(+${5001 - MAX_LOGGED_PATH})`)).toBe(true);
  });
});
