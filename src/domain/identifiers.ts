// Device and SIM identifiers. Both IMEIs and ICCIDs end with a Luhn check digit, so a typo
// made while scanning or keying a box label is caught before it reaches the MDM or the
// operator. Pure functions: safe to import from workflow code.

const DIGITS = /^\d+$/;

/** The Luhn check digit that makes `payload + digit` pass the Luhn test. */
export function luhnCheckDigit(payload: string): number {
  if (!DIGITS.test(payload)) throw new Error('Luhn payload must contain digits only');
  let sum = 0;
  // Walking from the right, the digit next to the (future) check digit is doubled first.
  for (let i = 0; i < payload.length; i++) {
    let digit = payload.charCodeAt(payload.length - 1 - i) - 48;
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit is the Luhn check digit of the others. */
export function isLuhnValid(digits: string): boolean {
  if (digits.length < 2 || !DIGITS.test(digits)) return false;
  return luhnCheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

/** 15 digits: TAC (8, the model) + serial (6) + Luhn check digit. */
export function isValidImei(value: string): boolean {
  return /^\d{15}$/.test(value) && isLuhnValid(value);
}

/** 19 or 20 digits, industry prefix "89" (telecom), Luhn check over all digits. */
export function isValidIccid(value: string): boolean {
  return /^89\d{17,18}$/.test(value) && isLuhnValid(value);
}

/** The Type Allocation Code: the first 8 digits, which identify the device model. */
export function tacOf(imei: string): string {
  return imei.slice(0, 8);
}

/** Builds a valid IMEI from a model's TAC and a 6-digit serial number. */
export function makeImei(tac8: string, serial6: string | number): string {
  if (!/^\d{8}$/.test(tac8)) throw new Error('TAC must be 8 digits');
  const serial = typeof serial6 === 'number' ? String(serial6).padStart(6, '0') : serial6;
  if (!/^\d{6}$/.test(serial)) throw new Error('IMEI serial must be 6 digits (0..999999)');
  const payload = tac8 + serial;
  return payload + String(luhnCheckDigit(payload));
}

/**
 * Builds a valid ICCID from an issuer prefix ("89" + country code + issuer) and an account
 * number, zero-padded so that the ICCID has `length` digits including the check digit.
 */
export function makeIccid(issuerPrefix: string, account: string | number, length: 19 | 20 = 19): string {
  if (!/^89\d*$/.test(issuerPrefix)) throw new Error('ICCID issuer prefix must start with 89');
  const accountDigits = length - 1 - issuerPrefix.length;
  const accountText = typeof account === 'number' ? String(account).padStart(accountDigits, '0') : account;
  if (!DIGITS.test(accountText) || accountText.length !== accountDigits) {
    throw new Error(`ICCID account must be ${accountDigits} digits for this prefix`);
  }
  const payload = issuerPrefix + accountText;
  return payload + String(luhnCheckDigit(payload));
}
