import { ValidationFailedError } from '../common/domain-error.js';
import { shanghaiDate } from '../regions/working-days.js';
import { cleanText } from './clean-text.js';

/**
 * Limits and parsers shared by every matter input (API and pages): clue registration, transitions,
 * outcomes, recoveries, entitlement changes, rectifications, messages, feedback and objections.
 * Lengths are counted in Unicode code points after cleaning (CRLF → LF, trim, NFC, invisible format
 * characters removed — see {@link cleanText}).
 */
export const MATTER_TEXT_LIMITS = {
  /** A name, post, unit, relation, household label or method (column width 100). */
  short: 100,
  /** A reason, note, opinion or message (登记理由、备注、审批意见). */
  note: 2000,
  /** A summary, report or plan (线索摘要、核查报告、调查方案、审理意见). */
  long: 20_000,
} as const;

/** At most this many subjects (被反映人) and beneficiaries on one manually registered clue. */
export const MAX_CLUE_PEOPLE = 50;

/**
 * Plausibility cap of one recovery record: 10^11 fen = 10 亿元. Larger sums in a 低保 matter are a typing
 * error; several records may be entered when needed.
 */
export const MAX_RECOVERY_FEN = 100_000_000_000;

/** A staff- or citizen-typed text as stored ({@link cleanText}: invisible format characters removed). Non-strings give ''. */
export const matterText = cleanText;

/**
 * {@link cleanText} of an optional text of at most `max` code points.
 * @throws ValidationFailedError `{ [field]: '不能超过 … 字' }` when longer (callers run it before writing).
 */
export function cappedText(v: unknown, field: string, max: number = MATTER_TEXT_LIMITS.note): string {
  const fields: Record<string, string> = {};
  const s = checkText(fields, field, v, max);
  if (Object.keys(fields).length) throw new ValidationFailedError(fields);
  return s;
}

/**
 * Checks a text field: `v` must be absent or a string; after {@link matterText} it must not exceed
 * `max` code points, and must be non-empty when `required`. Problems go into `fields[field]`
 * (Chinese message); the cleaned text ('' when absent) is returned.
 */
export function checkText(fields: Record<string, string>, field: string, v: unknown, max: number, required: string | false = false): string {
  if (v !== undefined && v !== null && typeof v !== 'string') {
    fields[field] = '应为文字';
    return '';
  }
  const s = matterText(v);
  if (!s && required) fields[field] = required;
  else if ([...s].length > max) fields[field] = `不能超过 ${max} 字`;
  return s;
}

/**
 * A record id typed into a matter input: a positive safe integer given as a JSON number or as a string of
 * digits (forms send strings). Anything else (absent, text, array, object, float, huge) gives null, so
 * the caller reports its field instead of sending NaN into a query.
 */
export function inputId(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,15}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Today's date in Asia/Shanghai, `YYYY-MM-DD`. */
export function todayShanghai(now = new Date()): string {
  return shanghaiDate(now);
}

/** Whether `s` is a real calendar date `YYYY-MM-DD` (year 1900–2999; no 2026-02-31). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2999 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

const DATE_FORMAT = '日期应为真实的日历日期，格式 YYYY-MM-DD';

/**
 * The ONE date parser of matter inputs. `v` must be a real calendar date `YYYY-MM-DD`; with
 * `notFuture` (an event that already happened: decided, announced, recovered, completed…) it must not
 * be after today in Asia/Shanghai. Returns the date, '' when absent (undefined, null or blank text) and
 * not required, or null after putting a Chinese message into `fields[field]`. A present value that is
 * not text (an array, object, number) gets the format message, not the `required` one.
 */
export function checkDate(fields: Record<string, string>, field: string, v: unknown, opts: { required?: string; notFuture?: boolean; today?: string } = {}): string | null {
  const s = matterText(v);
  if (v !== undefined && v !== null && typeof v !== 'string') {
    fields[field] = DATE_FORMAT;
    return null;
  }
  if (!s) {
    if (opts.required) {
      fields[field] = opts.required;
      return null;
    }
    return '';
  }
  if (!isCalendarDate(s)) {
    fields[field] = DATE_FORMAT;
    return null;
  }
  if (opts.notFuture && s > (opts.today ?? todayShanghai())) {
    fields[field] = '日期不能晚于今天';
    return null;
  }
  return s;
}

/** Like {@link checkDate} for a month `YYYY-MM` (month 01–12, year 1900–2999); no future check. */
export function checkMonth(fields: Record<string, string>, field: string, v: unknown, required: string): string | null {
  const s = matterText(v);
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  if (!m || Number(m[1]) < 1900 || Number(m[1]) > 2999 || Number(m[2]) < 1 || Number(m[2]) > 12) {
    fields[field] = s || (v !== undefined && v !== null && typeof v !== 'string') ? '年月应为真实的月份，格式 YYYY-MM' : required;
    return null;
  }
  return s;
}
