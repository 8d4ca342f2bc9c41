/**
 * Citizen identity numbers (公民身份号码) per GB 11643-1999, and mainland mobile numbers.
 *
 * An 18-character number is: 6-digit address code (GB/T 2260) · 8-digit birth date YYYYMMDD ·
 * 3-digit sequence (odd = male, even = female) · 1 check character (ISO 7064 MOD 11-2).
 * 15-digit numbers (issued before 1999) have a 2-digit year and no check character; they convert by
 * inserting `19` before the year and computing the check character (GB 11643-1999 §8 / DESIGN.md §2).
 *
 * Pure functions, no I/O. Never log the numbers handled here; log `maskIdNumber(n)` if anything.
 */
import { HttpStatus } from '@nestjs/common';
import { DomainError } from './domain-error.js';

export type IdNumberErrorCode =
  | 'id_spreadsheet_damaged'
  | 'id_bad_check_character'
  | 'id_bad_birth_date'
  | 'id_bad_format';

export type Sex = 'male' | 'female';

export interface ValidIdNumber {
  ok: true;
  /** 18 characters, digits with an upper-case `X` as the only possible letter (last position). */
  normalised: string;
  /** Birth date from the number, `YYYY-MM-DD`. */
  birthDate: string;
  /** From the parity of the 17th character (the last sequence digit): odd = male. */
  sex: Sex;
  /** The 6-digit address code (GB/T 2260) of the first registration; not validated against a list. */
  regionCode6: string;
}

export interface InvalidIdNumber {
  ok: false;
  code: IdNumberErrorCode;
  /** Plain Chinese, safe to show to the person who typed it (never contains the number). */
  message: string;
  /** English, for developers and import reports (never contains the number). */
  reason: string;
}

export type IdNumberResult = ValidIdNumber | InvalidIdNumber;

export interface NormaliseIdNumberOptions {
  /**
   * Today's date in Asia/Shanghai, `YYYY-MM-DD`; birth dates after it are refused.
   * Defaults to the current date in Asia/Shanghai (fixed UTC+8; China has had no DST since 1991).
   */
  today?: string;
}

/** User-facing messages per error code (zh-CN). */
export const ID_NUMBER_ERROR_MESSAGES: Readonly<Record<IdNumberErrorCode, string>> = {
  id_spreadsheet_damaged:
    '身份证号码已被表格软件改坏（例如显示成带“E+17”的科学计数法，或最后几位变成了 0）。请把表格中这一列设为“文本”格式，重新填写完整的号码。',
  id_bad_check_character: '身份证号码最后一位（校验码）与前面的数字对不上，请逐位核对后重新填写。',
  id_bad_birth_date: '身份证号码中的出生日期（第 7 至 14 位）不是一个有效的日期，请核对后重新填写。',
  id_bad_format: '身份证号码应为 18 位（最后一位可以是 X），或 15 位旧号码，请核对后重新填写。',
};

/**
 * Thrown by functions that need a valid number (for example `idHmac`). A `DomainError` (HTTP 400):
 * `code` is the `IdNumberErrorCode`, `message` the Chinese text for the user, `reason` the English
 * detail. Neither contains the number.
 */
export class InvalidIdNumberError extends DomainError {
  declare readonly code: IdNumberErrorCode;
  readonly reason: string;

  constructor(result: InvalidIdNumber) {
    super(result.code, result.message, HttpStatus.BAD_REQUEST);
    this.name = 'InvalidIdNumberError';
    this.reason = result.reason;
  }
}

/** ISO 7064 MOD 11-2 weights for positions 1–17 (GB 11643-1999 §7.2). */
const CHECK_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Check character for each value of (weighted sum mod 11). */
const CHECK_MAP = '10X98765432';

/** GB 11643 covers people born in the 19th century too (its own worked example is 1880-01-01). */
const EARLIEST_BIRTH_DATE = '1800-01-01';

/**
 * The check character of an identity number (GB 11643-1999 §7.2, ISO 7064 MOD 11-2).
 * @param first17 the first 17 digits.
 * @returns `'0'`–`'9'` or `'X'`.
 * @throws RangeError when `first17` is not exactly 17 ASCII digits.
 */
export function idCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) {
    throw new RangeError('idCheckCharacter needs exactly 17 digits');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    sum += (first17.charCodeAt(i) - 48) * CHECK_WEIGHTS[i];
  }
  return CHECK_MAP[sum % 11];
}

/**
 * Validates and normalises a citizen identity number as typed by a person or read from a spreadsheet.
 *
 * Accepted noise: surrounding and inner spaces (also full-width), full-width digits and `Ｘ`,
 * lower-case `x`, and Excel's leading apostrophe (text marker). A 15-digit legacy number is converted
 * to 18 characters (`19` inserted before the 2-digit year, check character computed).
 *
 * Refusals, in the order checked:
 * - `id_spreadsheet_damaged`: a decimal point, exponent or thousands separators (`4.30421E+17`,
 *   `430421196803120112.0`, `430,421,196,803,120,000`), or
 *   18 digits ending in at least three zeros whose check fails — Excel keeps 15 significant digits,
 *   so a number stored as a number loses its last three;
 * - `id_bad_format`: anything but 18 characters (17 digits + digit/`X`) or 15 digits;
 * - `id_bad_check_character`: a last character that is not a digit or `X`, or that does not match
 *   the computed check (GB 11643-1999 §7.2);
 * - `id_bad_birth_date`: a date that does not exist (e.g. Feb 30), is after `options.today`, or
 *   before 1800-01-01.
 *
 * A date error is reported before a check error: a typo inside the date makes both fail, and
 * "the birth date is wrong" is the more useful message.
 *
 * Never throws; the input never appears in the returned texts.
 */
export function normaliseIdNumber(input: string, options: NormaliseIdNumberOptions = {}): IdNumberResult {
  const today = options.today ?? currentShanghaiDate();
  const s = cleanInput(input);

  if (
    /^[+-]?\d*\.?\d+E[+-]?\d+$/.test(s) ||
    /^\d+\.\d*$/.test(s) ||
    /^\d*\.\d+$/.test(s) ||
    /^\d{1,3}(,\d{3}){4,}(\.\d*)?$/.test(s)
  ) {
    return fail(
      'id_spreadsheet_damaged',
      'number was stored as a spreadsheet number (decimal point, exponent or thousands separators)',
    );
  }

  if (/^\d{15}$/.test(s)) {
    const birthDate = `19${s.slice(6, 8)}-${s.slice(8, 10)}-${s.slice(10, 12)}`;
    const dateProblem = birthDateProblem(birthDate, today);
    if (dateProblem) return fail('id_bad_birth_date', dateProblem);
    const first17 = `${s.slice(0, 6)}19${s.slice(6, 15)}`;
    return success(first17 + idCheckCharacter(first17));
  }

  if (s.length === 18 && /^\d{17}$/.test(s.slice(0, 17))) {
    const last = s[17];
    if (!/^[\dX]$/.test(last)) {
      return fail('id_bad_check_character', 'the last character must be a digit or X');
    }
    const expected = idCheckCharacter(s.slice(0, 17));
    if (last !== expected && s.endsWith('000')) {
      return fail('id_spreadsheet_damaged', 'ends in 000 and the check fails: digits lost to spreadsheet rounding');
    }
    const birthDate = `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`;
    const dateProblem = birthDateProblem(birthDate, today);
    if (dateProblem) return fail('id_bad_birth_date', dateProblem);
    if (last !== expected) {
      return fail('id_bad_check_character', 'check character does not match (ISO 7064 MOD 11-2)');
    }
    return success(s);
  }

  if (s.length === 0) return fail('id_bad_format', 'empty');
  if (!/^[\dX]+$/.test(s)) return fail('id_bad_format', 'contains characters other than digits and a final X');
  return fail('id_bad_format', `expected 18 characters or 15 legacy digits, got ${s.length}`);
}

/**
 * Masks an identity number for display: first 6 and last 4 characters kept, the rest `*`
 * (`430421196803120112` → `430421********0112`). A 15-digit or untidy number is normalised first
 * when valid; any other input of 11 or more characters keeps its first 6 and last 4 only, and
 * shorter input is masked entirely, so the function is safe on garbage.
 */
export function maskIdNumber(n: string): string {
  const r = normaliseIdNumber(n);
  const s = r.ok ? r.normalised : cleanInput(n);
  const chars = Array.from(s);
  if (chars.length <= 10) return '*'.repeat(chars.length);
  return chars.slice(0, 6).join('') + '*'.repeat(chars.length - 10) + chars.slice(-4).join('');
}

/**
 * Whether `s` is a mainland China mobile number as stored: exactly 11 ASCII digits, `1[3-9]xxxxxxxxx`
 * (MIIT numbering plan, 13x–19x segments). No spaces, no `+86`; see `normaliseMainlandMobile`.
 */
export function isValidMainlandMobile(s: string): boolean {
  return /^1[3-9]\d{9}$/.test(s);
}

/**
 * Tidies a typed mobile number (spaces, dashes, full-width digits, a `+86`/`0086`/`86` prefix)
 * and returns the 11 digits, or `null` when the result is not a valid mainland mobile number.
 */
export function normaliseMainlandMobile(input: string): string | null {
  let s = input.normalize('NFKC').replace(/[\s\-\u2010-\u2015\u2212()]/g, '');
  if (s.startsWith('+86')) s = s.slice(3);
  else if (s.startsWith('0086')) s = s.slice(4);
  else if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  return isValidMainlandMobile(s) ? s : null;
}

// ---------------------------------------------------------------------------------------------

function cleanInput(input: string): string {
  // NFKC folds full-width digits, Ｘ, full-width space, ．and ＋ to their ASCII forms.
  let s = input.normalize('NFKC').replace(/[\s\u200b-\u200d\ufeff]/g, '');
  if (s.startsWith("'")) s = s.slice(1);
  return s.toUpperCase();
}

function birthDateProblem(isoDate: string, today: string): string | null {
  if (!isRealDate(isoDate)) return 'birth date does not exist';
  if (isoDate > today) return 'birth date is in the future';
  if (isoDate < EARLIEST_BIRTH_DATE) return 'birth date is before 1800';
  return null;
}

function isRealDate(isoDate: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= monthDays[mo - 1];
}

/** Today in Asia/Shanghai (UTC+8 all year since 1991). */
function currentShanghaiDate(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}

function success(normalised: string): ValidIdNumber {
  return {
    ok: true,
    normalised,
    birthDate: `${normalised.slice(6, 10)}-${normalised.slice(10, 12)}-${normalised.slice(12, 14)}`,
    sex: Number(normalised[16]) % 2 === 1 ? 'male' : 'female',
    regionCode6: normalised.slice(0, 6),
  };
}

function fail(code: IdNumberErrorCode, reason: string): InvalidIdNumber {
  return { ok: false, code, message: ID_NUMBER_ERROR_MESSAGES[code], reason };
}
