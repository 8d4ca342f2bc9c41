/**
 * The working-day calendar behind the statutory clocks (DESIGN.md §4).
 *
 * Clocks `[rule: 纪检监察机关处理检举控告工作规则 2020; 监督执纪工作规则; 监察法; 政务处分法]` run in
 * working days (工作日) or months. Periods are counted per 民法典 arts. 200–203:
 * - art. 200: by the Gregorian calendar; here calendar days in Asia/Shanghai (`YYYY-MM-DD`);
 * - art. 201: the day of the triggering event is not counted — counting starts the next day;
 * - art. 202: a period in months ends on the corresponding date of the last month, or on that
 *   month's last day when the date does not exist (31 Jan + 1 month → 28/29 Feb);
 * - art. 203: a last day that is a rest day (法定休假日) moves to the day after the rest ends.
 *
 * Working days follow the State Council calendar: Monday–Friday, minus the public holidays of
 * 《全国年节及纪念日放假办法》, plus the make-up working days (调休) announced each year in
 * 《国务院办公厅关于<year>年部分节假日安排的通知》. The years published in the `chinese-days` package
 * (2004–2026 in version 1.5.7) are built in; an administrator loads later years. A year with no
 * schedule counts Saturdays and Sundays as the only rest days, and every result says which such
 * years it relied on (`fallbackYears`) so the UI can say so.
 *
 * All dates are strings `YYYY-MM-DD`; no `Date` objects cross this API except in `shanghaiDate`.
 */
import { createRequire } from 'node:module';

/** An official holiday schedule for one year, as published by the State Council. */
export interface OfficialSchedule {
  year: number;
  /** Public holidays `YYYY-MM-DD` in that year, including weekend days inside a holiday block. */
  holidays: readonly string[];
  /** Make-up working days (调休上班) `YYYY-MM-DD`: Saturdays or Sundays that are worked. */
  workdays: readonly string[];
}

/** A computed deadline. */
export interface DueDate {
  /** The last day of the period, `YYYY-MM-DD` (Asia/Shanghai); the period ends at 24:00 that day (民法典 art. 203). */
  due: string;
  /** Years consulted without an official schedule (weekends-only fallback), ascending; empty when none. */
  fallbackYears: number[];
}

export type ClockStatus = 'due' | 'due_soon' | 'overdue';

/** Where a year's schedule comes from: loaded by an administrator, or built into `chinese-days`. */
export type ScheduleSource = 'loaded' | 'package';

export interface WorkingDayCalendarOptions {
  /** Use the schedules shipped in `chinese-days` (default true; tests may turn it off). */
  useBuiltIn?: boolean;
}

/** A date string or an administrator's schedule that cannot be used. */
export class InvalidCalendarInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCalendarInputError';
  }
}

const DAY_MS = 86_400_000;
/** China Standard Time is UTC+8 all year (no DST since 1991). */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** No official calendar has had this many rest days in a row; more means a broken schedule. */
const MAX_REST_RUN = 60;

interface YearSchedule {
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
}

/**
 * The calendar date in Asia/Shanghai of an instant (`2026-02-14T16:30:00Z` → `2026-02-15`).
 * @throws InvalidCalendarInputError for an invalid `Date`.
 */
export function shanghaiDate(instant: Date): string {
  const t = instant.getTime();
  if (Number.isNaN(t)) throw new InvalidCalendarInputError('invalid Date');
  return new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Years whose official schedule is built into the installed `chinese-days` package, ascending. */
export function builtInScheduleYears(): number[] {
  return [...builtInSchedules().keys()].sort((a, b) => a - b);
}

/**
 * Working days and statutory periods. Immutable: when an administrator loads a schedule, build a
 * new calendar (and recompute stored due dates that depended on the fallback).
 */
export class WorkingDayCalendar {
  private readonly schedules: ReadonlyMap<number, YearSchedule & { source: ScheduleSource }>;

  /**
   * @param schedules official schedules loaded by an administrator, at most one per year; a loaded
   *   year replaces the built-in data for that year (so a corrected schedule wins).
   * @throws InvalidCalendarInputError when a schedule has a bad or out-of-year date, a date that is
   *   both a holiday and a make-up working day, a make-up working day that is not a Saturday or
   *   Sunday, no holidays at all, or a year given twice.
   */
  constructor(schedules: readonly OfficialSchedule[] = [], options: WorkingDayCalendarOptions = {}) {
    const map = new Map<number, YearSchedule & { source: ScheduleSource }>();
    if (options.useBuiltIn ?? true) {
      for (const [year, s] of builtInSchedules()) map.set(year, { ...s, source: 'package' });
    }
    const loaded = new Set<number>();
    for (const schedule of schedules) {
      if (loaded.has(schedule.year)) {
        throw new InvalidCalendarInputError(`schedule for ${schedule.year} given twice`);
      }
      loaded.add(schedule.year);
      map.set(schedule.year, { ...validateSchedule(schedule), source: 'loaded' });
    }
    this.schedules = map;
  }

  /** Whether `year` has an official schedule (built in or loaded). */
  covers(year: number): boolean {
    return this.schedules.has(year);
  }

  /** Where the schedule of `year` comes from, or `null` when the year falls back to weekends only. */
  sourceOf(year: number): ScheduleSource | null {
    return this.schedules.get(year)?.source ?? null;
  }

  /** All years with an official schedule, ascending. */
  coveredYears(): number[] {
    return [...this.schedules.keys()].sort((a, b) => a - b);
  }

  /**
   * Whether `date` is a working day: a make-up working day, or Monday–Friday and not a holiday.
   * In a year without a schedule: Monday–Friday.
   * @throws InvalidCalendarInputError unless `date` is a real `YYYY-MM-DD` date.
   */
  isWorkingDay(date: string): boolean {
    return this.isWorkingDayNumber(toDayNumber(date));
  }

  /**
   * The deadline `n` working days after `startDate` (民法典 art. 201: the start day is not counted;
   * e.g. 15 working days to acknowledge a real-name report, 5 to forward it —
   * 纪检监察机关处理检举控告工作规则 2020). The result is always a working day. With `n = 0` the
   * result is `startDate` itself, or the next working day when it is a rest day.
   * @param startDate the day of the triggering event (receipt, registration…), `YYYY-MM-DD` in Asia/Shanghai.
   * @param n working days, a non-negative integer.
   * @throws InvalidCalendarInputError for a bad date or `n`.
   */
  addWorkingDays(startDate: string, n: number): DueDate {
    assertCount(n, 'n');
    const fallback = new Set<number>();
    let day = toDayNumber(startDate);
    if (n === 0) {
      day = this.onOrAfterWorkingDay(day, fallback);
      return { due: fromDayNumber(day), fallbackYears: sorted(fallback) };
    }
    let counted = 0;
    let restRun = 0;
    while (counted < n) {
      day += 1;
      this.noteFallback(day, fallback);
      if (this.isWorkingDayNumber(day)) {
        counted += 1;
        restRun = 0;
      } else if (++restRun > MAX_REST_RUN) {
        throw new InvalidCalendarInputError(`more than ${MAX_REST_RUN} rest days in a row after ${startDate}`);
      }
    }
    return { due: fromDayNumber(day), fallbackYears: sorted(fallback) };
  }

  /**
   * The deadline `n` months after `startDate` (民法典 arts. 201–203): the same date `n` months later,
   * or that month's last day when the date does not exist; then, if that is a rest day, the next
   * working day. E.g. 1 month to propose a disposal for a clue, to finish a trial review
   * (DESIGN.md §4).
   * @param startDate the day of the triggering event, `YYYY-MM-DD` in Asia/Shanghai.
   * @param n months, a non-negative integer.
   * @throws InvalidCalendarInputError for a bad date or `n`.
   */
  addMonths(startDate: string, n: number): DueDate {
    assertCount(n, 'n');
    const { year, month, day } = parseDate(startDate);
    const monthIndex = month - 1 + n;
    const targetYear = year + Math.floor(monthIndex / 12);
    const targetMonth = (monthIndex % 12) + 1;
    const lastDay = daysInMonth(targetYear, targetMonth);
    const target = Date.UTC(targetYear, targetMonth - 1, Math.min(day, lastDay)) / DAY_MS;
    const fallback = new Set<number>();
    const due = this.onOrAfterWorkingDay(target, fallback);
    return { due: fromDayNumber(due), fallbackYears: sorted(fallback) };
  }

  /**
   * Working days after `from` up to and including `to` — "days left" when `from` is today and `to`
   * a due date (0 on the due date itself). Negative when `to` is before `from`: then it counts the
   * working days after `to` up to and including `from` (days overdue when read from the due date).
   * @throws InvalidCalendarInputError for a bad date.
   */
  workingDaysBetween(from: string, to: string): number {
    const a = toDayNumber(from);
    const b = toDayNumber(to);
    const [lo, hi, sign] = a <= b ? [a, b, 1] : [b, a, -1];
    let count = 0;
    // Year by year through cumulative counts (an overdue list counts hundreds of days per clock).
    for (let d = lo + 1; d <= hi; ) {
      const year = new Date(d * DAY_MS).getUTCFullYear();
      const first = Date.UTC(year, 0, 1) / DAY_MS;
      const last = Math.min(hi, Date.UTC(year + 1, 0, 1) / DAY_MS - 1);
      const cum = this.cumulativeWorkingDays(year, first);
      count += cum[last - first + 1] - cum[d - first];
      d = last + 1;
    }
    return sign * count;
  }

  /**
   * The state of a clock on `today`: `overdue` once `today` is after `due` (the period ends at 24:00 on
   * the due day, 民法典 art. 203), `due_soon` when at most `soonWithinWorkingDays` working days are
   * left (including the due day itself), otherwise `due`.
   * @throws InvalidCalendarInputError for a bad date or a negative/non-integer threshold.
   */
  clockStatus(due: string, today: string, soonWithinWorkingDays = 3): ClockStatus {
    assertCount(soonWithinWorkingDays, 'soonWithinWorkingDays');
    if (toDayNumber(today) > toDayNumber(due)) return 'overdue';
    return this.workingDaysBetween(today, due) <= soonWithinWorkingDays ? 'due_soon' : 'due';
  }

  // -------------------------------------------------------------------------------------------

  /** Per year: `c[i]` = working days among its first `i` days. The schedules never change after construction. */
  private readonly cumulative = new Map<number, Int32Array>();

  private cumulativeWorkingDays(year: number, first: number): Int32Array {
    let c = this.cumulative.get(year);
    if (!c) {
      const days = Date.UTC(year + 1, 0, 1) / DAY_MS - first;
      c = new Int32Array(days + 1);
      for (let i = 0; i < days; i++) c[i + 1] = c[i] + (this.isWorkingDayNumber(first + i) ? 1 : 0);
      this.cumulative.set(year, c);
    }
    return c;
  }

  private isWorkingDayNumber(day: number): boolean {
    const date = fromDayNumber(day);
    const schedule = this.schedules.get(Number(date.slice(0, 4)));
    if (schedule?.workdays.has(date)) return true;
    if (schedule?.holidays.has(date)) return false;
    const weekday = new Date(day * DAY_MS).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  private noteFallback(day: number, fallback: Set<number>): void {
    const year = new Date(day * DAY_MS).getUTCFullYear();
    if (!this.schedules.has(year)) fallback.add(year);
  }

  /** `day` when it is a working day, else the first working day after it (民法典 art. 203). */
  private onOrAfterWorkingDay(day: number, fallback: Set<number>): number {
    let d = day;
    for (let run = 0; ; run++) {
      this.noteFallback(d, fallback);
      if (this.isWorkingDayNumber(d)) return d;
      if (run >= MAX_REST_RUN) {
        throw new InvalidCalendarInputError(`more than ${MAX_REST_RUN} rest days in a row from ${fromDayNumber(day)}`);
      }
      d += 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------

let builtIn: Map<number, YearSchedule> | undefined;

/** Reads `chinese-days/dist/chinese-days.json` once: `{ holidays: {date: label}, workdays: {date: label}, … }`. */
function builtInSchedules(): Map<number, YearSchedule> {
  if (builtIn) return builtIn;
  const require = createRequire(import.meta.url);
  const data = require('chinese-days/dist/chinese-days.json') as {
    holidays: Record<string, string>;
    workdays: Record<string, string>;
  };
  const byYear = new Map<number, { holidays: Set<string>; workdays: Set<string> }>();
  const entry = (date: string) => {
    const year = Number(date.slice(0, 4));
    let e = byYear.get(year);
    if (!e) byYear.set(year, (e = { holidays: new Set(), workdays: new Set() }));
    return e;
  };
  for (const date of Object.keys(data.holidays)) entry(date).holidays.add(date);
  for (const date of Object.keys(data.workdays)) entry(date).workdays.add(date);
  builtIn = byYear;
  return byYear;
}

function validateSchedule(s: OfficialSchedule): YearSchedule {
  if (!Number.isInteger(s.year) || s.year < 1949 || s.year > 9999) {
    throw new InvalidCalendarInputError(`schedule year ${String(s.year)} is out of range`);
  }
  if (s.holidays.length === 0) {
    throw new InvalidCalendarInputError(`schedule for ${s.year} has no holidays`);
  }
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  for (const [list, target] of [
    [s.holidays, holidays],
    [s.workdays, workdays],
  ] as const) {
    for (const date of list) {
      const { year } = parseDate(date);
      if (year !== s.year) {
        throw new InvalidCalendarInputError(`${date} is not in the ${s.year} schedule's year`);
      }
      target.add(date);
    }
  }
  for (const date of workdays) {
    if (holidays.has(date)) {
      throw new InvalidCalendarInputError(`${date} is both a holiday and a make-up working day`);
    }
    const weekday = new Date(toDayNumber(date) * DAY_MS).getUTCDay();
    if (weekday !== 0 && weekday !== 6) {
      throw new InvalidCalendarInputError(`make-up working day ${date} is not a Saturday or Sunday`);
    }
  }
  return { holidays, workdays };
}

function parseDate(date: string): { year: number; month: number; day: number } {
  const m = typeof date === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  if (!m) throw new InvalidCalendarInputError(`not a YYYY-MM-DD date: ${String(date)}`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new InvalidCalendarInputError(`no such date: ${date}`);
  }
  return { year, month, day };
}

/** Days since 1970-01-01 (UTC-based arithmetic on calendar dates, no time zone involved). */
function toDayNumber(date: string): number {
  const { year, month, day } = parseDate(date);
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function assertCount(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidCalendarInputError(`${name} must be a non-negative integer`);
  }
}

function sorted(years: Set<number>): number[] {
  return [...years].sort((a, b) => a - b);
}
