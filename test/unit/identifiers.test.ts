import { describe, it, expect } from 'vitest';
import { isLuhnValid, isValidIccid, isValidImei, luhnCheckDigit, makeIccid, makeImei, tacOf } from '../../src/domain/identifiers.ts';

describe('Luhn', () => {
  it('computes the check digit of the textbook example', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(isLuhnValid('79927398713')).toBe(true);
    expect(isLuhnValid('79927398710')).toBe(false);
  });

  it('rejects non-digits and too-short input', () => {
    expect(isLuhnValid('7992739871a')).toBe(false);
    expect(isLuhnValid('0')).toBe(false);
    expect(() => luhnCheckDigit('12a')).toThrow();
  });
});

describe('IMEI', () => {
  it('accepts real-world valid IMEIs', () => {
    expect(isValidImei('490154203237518')).toBe(true);
    expect(isValidImei('356938035643809')).toBe(true);
  });

  it('rejects a changed digit, a swapped check digit and wrong lengths', () => {
    expect(isValidImei('490154203237519')).toBe(false);
    expect(isValidImei('490154203237528')).toBe(false);
    expect(isValidImei('49015420323751')).toBe(false);
    expect(isValidImei('4901542032375180')).toBe(false);
    expect(isValidImei('49015420323751X')).toBe(false);
  });

  it('builds valid IMEIs from a TAC and a serial', () => {
    const imei = makeImei('49015420', '323751');
    expect(imei).toBe('490154203237518');
    expect(tacOf(imei)).toBe('49015420');
    expect(isValidImei(makeImei('35900017', 42))).toBe(true);
    expect(makeImei('35900017', 42).slice(8, 14)).toBe('000042');
  });

  it('refuses malformed TACs and serials', () => {
    expect(() => makeImei('1234567', 1)).toThrow();
    expect(() => makeImei('12345678', 1_000_000)).toThrow();
  });
});

describe('ICCID', () => {
  it('accepts real-world valid 19- and 20-digit ICCIDs', () => {
    expect(isValidIccid('8944500102198304826')).toBe(true);
    expect(isValidIccid('89014103211118510720')).toBe(true);
  });

  it('rejects a changed digit, a missing 89 prefix and wrong lengths', () => {
    expect(isValidIccid('8944500102198304827')).toBe(false);
    expect(isValidIccid('89014103211118510721')).toBe(false);
    // Luhn-valid but not a telecom ICCID (does not start with 89).
    expect(isLuhnValid('79927398713')).toBe(true);
    expect(isValidIccid('7992739871300000006')).toBe(false);
    expect(isValidIccid('894450010219830482')).toBe(false);
    expect(isValidIccid('890141032111185107201')).toBe(false);
  });

  it('builds valid ICCIDs of the requested length', () => {
    const short = makeIccid('8970199', 123);
    expect(short).toHaveLength(19);
    expect(short.startsWith('8970199')).toBe(true);
    expect(isValidIccid(short)).toBe(true);
    const long = makeIccid('8970199', 123, 20);
    expect(long).toHaveLength(20);
    expect(isValidIccid(long)).toBe(true);
  });

  it('refuses a prefix outside telecom and an account that does not fit', () => {
    expect(() => makeIccid('8870199', 1)).toThrow();
    expect(() => makeIccid('8970199', '12')).toThrow();
    expect(() => makeIccid('8970199', 10 ** 12)).toThrow();
  });
});
