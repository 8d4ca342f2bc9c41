import { describe, expect, it } from '@jest/globals';
import chineseDays from 'chinese-days';
import {
  InvalidCalendarInputError,
  type OfficialSchedule,
  WorkingDayCalendar,
  builtInScheduleYears,
  shanghaiDate,
} from './working-days.js';

/*
 * Expected dates below are worked out by hand from chinese-days 1.5.7 (dist/years/2026.json):
 *   Spring Festival 2026: holidays Sun 15 Feb – Mon 23 Feb; make-up working days Sat 14 Feb, Sat 28 Feb.
 *   Mid-autumn + National Day 2026: holidays Fri 25 – Sun 27 Sep and Thu 1 – Wed 7 Oct;
 *   make-up working days Sun 20 Sep, Sat 10 Oct.
 */
const cal = new WorkingDayCalendar();

describe('built-in data (chinese-days)', () => {
  it('covers 2004 through at least 2026, every year in between', () => {
    const years = builtInScheduleYears();
    expect(years[0]).toBe(2004);
    expect(years).toEqual(Array.from({ length: years.length }, (_, i) => 2004 + i));
    expect(years).toContain(2026);
    expect(cal.covers(2026)).toBe(true);
    expect(cal.sourceOf(2026)).toBe('package');
    expect(cal.covers(2003)).toBe(false);
    expect(cal.sourceOf(2003)).toBeNull();
  });

  it('agrees with chinese-days’ own isWorkday on every day it covers', () => {
    const years = builtInScheduleYears();
    let day = Date.UTC(years[0], 0, 1);
    const end = Date.UTC(years[years.length - 1], 11, 31);
    let checked = 0;
    for (; day <= end; day += 86_400_000) {
      const date = new Date(day).toISOString().slice(0, 10);
      expect([date, cal.isWorkingDay(date)]).toEqual([date, chineseDays.isWorkday(date)]);
      checked++;
    }
    expect(checked).toBeGreaterThan(8000);
  });
});

describe('isWorkingDay', () => {
  it('knows holidays, make-up working days and ordinary weekends in 2026', () => {
    expect(cal.isWorkingDay('2026-02-13')).toBe(true); // Friday
    expect(cal.isWorkingDay('2026-02-14')).toBe(true); // Saturday, make-up working day
    expect(cal.isWorkingDay('2026-02-16')).toBe(false); // Monday, Spring Festival
    expect(cal.isWorkingDay('2026-02-23')).toBe(false); // Monday, Spring Festival
    expect(cal.isWorkingDay('2026-02-28')).toBe(true); // Saturday, make-up working day
    expect(cal.isWorkingDay('2026-03-07')).toBe(false); // ordinary Saturday
    expect(cal.isWorkingDay('2026-03-08')).toBe(false); // ordinary Sunday
    expect(cal.isWorkingDay('2026-09-20')).toBe(true); // Sunday, make-up working day
    expect(cal.isWorkingDay('2026-10-01')).toBe(false);
    expect(cal.isWorkingDay('2026-10-10')).toBe(true); // Saturday, make-up working day
  });

  it('falls back to weekends in a year without a schedule', () => {
    expect(cal.covers(2031)).toBe(false);
    expect(cal.isWorkingDay('2031-01-01')).toBe(true); // a Wednesday: New Year unknown
    expect(cal.isWorkingDay('2031-01-04')).toBe(false); // Saturday
  });

  it('refuses malformed and impossible dates', () => {
    for (const bad of ['2026-02-30', '2026-2-3', '20260203', '2026-13-01', '', '2026-02-03T00:00:00Z', '1899-12-31']) {
      expect(() => cal.isWorkingDay(bad)).toThrow(InvalidCalendarInputError);
    }
  });
});

describe('addWorkingDays — Spring Festival 2026', () => {
  it('5 working days from Tue 10 Feb: the make-up Saturday counts, the holiday does not', () => {
    // 11, 12, 13, 14 (Sat, make-up), [15–23 holiday], 24
    expect(cal.addWorkingDays('2026-02-10', 5)).toEqual({ due: '2026-02-24', fallbackYears: [] });
  });

  it('15 working days from Tue 10 Feb', () => {
    // 11 12 13 14* | 24 25 26 27 28* | Mar 2 3 4 5 6 | 9   (* make-up Saturdays)
    expect(cal.addWorkingDays('2026-02-10', 15)).toEqual({ due: '2026-03-09', fallbackYears: [] });
  });

  it('a deadline may fall on a make-up Saturday', () => {
    // Received on the make-up Saturday itself: 24 25 26 27 28*
    expect(cal.addWorkingDays('2026-02-14', 5).due).toBe('2026-02-28');
  });

  it('a report received during the holiday starts counting after it', () => {
    expect(cal.addWorkingDays('2026-02-18', 5).due).toBe('2026-02-28');
    expect(cal.addWorkingDays('2026-02-18', 15).due).toBe('2026-03-13');
  });

  it('the day of receipt is not counted, even when it is a working day', () => {
    expect(cal.addWorkingDays('2026-03-02', 1).due).toBe('2026-03-03');
    expect(cal.addWorkingDays('2026-03-06', 1).due).toBe('2026-03-09'); // Friday → Monday
  });

  it('n = 0 gives the day itself, or the next working day', () => {
    expect(cal.addWorkingDays('2026-03-02', 0).due).toBe('2026-03-02');
    expect(cal.addWorkingDays('2026-02-15', 0).due).toBe('2026-02-24');
  });
});

describe('addWorkingDays — National Day 2026', () => {
  it('5 and 15 working days from Fri 18 Sep (make-up Sunday 20 Sep, Mid-autumn, National Day, make-up Saturday 10 Oct)', () => {
    // 20* 21 22 23 24
    expect(cal.addWorkingDays('2026-09-18', 5)).toEqual({ due: '2026-09-24', fallbackYears: [] });
    // 20* 21 22 23 24 | [25–27] 28 29 30 | [Oct 1–7] 8 9 10* | 12 13 14 15
    expect(cal.addWorkingDays('2026-09-18', 15)).toEqual({ due: '2026-10-15', fallbackYears: [] });
  });

  it('5 and 15 working days from Tue 29 Sep', () => {
    // 30 | 8 9 10* 12
    expect(cal.addWorkingDays('2026-09-29', 5).due).toBe('2026-10-12');
    // … 13 14 15 16 | 19 20 21 22 23 | 26
    expect(cal.addWorkingDays('2026-09-29', 15).due).toBe('2026-10-26');
  });
});

describe('addWorkingDays — invariants', () => {
  it('counts exactly n working days and always ends on a working day (every start in 2026)', () => {
    for (let day = Date.UTC(2026, 0, 1); day <= Date.UTC(2026, 11, 31); day += 86_400_000) {
      const start = new Date(day).toISOString().slice(0, 10);
      for (const n of [1, 5, 15]) {
        const { due } = cal.addWorkingDays(start, n);
        expect(cal.isWorkingDay(due)).toBe(true);
        expect(cal.workingDaysBetween(start, due)).toBe(n);
      }
    }
  });

  it('refuses negative, fractional and non-finite counts', () => {
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => cal.addWorkingDays('2026-03-02', n)).toThrow(InvalidCalendarInputError);
    }
  });
});

describe('addMonths (民法典 arts. 201–203)', () => {
  it('31 Jan 2026 + 1 month → 28 Feb 2026, which is a make-up Saturday, so it stays', () => {
    expect(cal.isWorkingDay('2026-02-28')).toBe(true);
    expect(cal.addMonths('2026-01-31', 1)).toEqual({ due: '2026-02-28', fallbackYears: [] });
  });

  it('uses 29 Feb in a leap year', () => {
    expect(cal.addMonths('2024-01-31', 1).due).toBe('2024-02-29'); // a Thursday
    expect(cal.addMonths('2024-01-29', 1).due).toBe('2024-02-29');
  });

  it('a deadline on a Sunday moves to Monday', () => {
    expect(cal.addMonths('2026-02-08', 1).due).toBe('2026-03-09'); // 8 Mar is a Sunday
    expect(cal.addMonths('2026-03-31', 2).due).toBe('2026-06-01'); // 31 May is a Sunday
  });

  it('a deadline inside a holiday moves to the first working day after it', () => {
    expect(cal.addMonths('2026-09-01', 1).due).toBe('2026-10-08');
    expect(cal.addMonths('2026-01-15', 1).due).toBe('2026-02-24');
  });

  it('an ordinary working day stays', () => {
    expect(cal.addMonths('2026-03-31', 1).due).toBe('2026-04-30');
    expect(cal.addMonths('2026-11-30', 1)).toEqual({ due: '2026-12-30', fallbackYears: [] });
    expect(cal.addMonths('2026-03-02', 0).due).toBe('2026-03-02');
  });

  it('crosses into an uncovered year and says so', () => {
    // 28 Feb 2027 is a Sunday. (2027 has no built-in schedule in chinese-days 1.5.7.)
    // Built without package data so the test keeps its meaning when a chinese-days upgrade adds 2027.
    const bare = new WorkingDayCalendar([], { useBuiltIn: false });
    expect(bare.addMonths('2026-12-31', 2)).toEqual({ due: '2027-03-01', fallbackYears: [2027] });
    // 30 Jan 2032 is a Friday; only the year of the due day is consulted.
    expect(cal.addMonths('2030-11-30', 14)).toEqual({ due: '2032-01-30', fallbackYears: [2032] });
    // Landing on Sat 31 Jan 2032 rolls into February, still one year reported.
    expect(cal.addMonths('2031-12-31', 1)).toEqual({ due: '2032-02-02', fallbackYears: [2032] });
  });

  it('refuses bad input', () => {
    expect(() => cal.addMonths('2026-02-29', 1)).toThrow(InvalidCalendarInputError);
    expect(() => cal.addMonths('2026-02-01', -1)).toThrow(InvalidCalendarInputError);
  });
});

describe('years without a schedule', () => {
  it('fall back to weekends only and report the years used', () => {
    expect(cal.covers(2031)).toBe(false);
    // 2031-01-01 is a Wednesday: 2 3 | 6 7 8 — New Year's Day unknown, counted as a working day.
    expect(cal.addWorkingDays('2031-01-01', 5)).toEqual({ due: '2031-01-08', fallbackYears: [2031] });
    // The start day is not counted, so its year is not reported; both years are when spanned.
    expect(cal.addWorkingDays('2030-12-31', 5)).toEqual({ due: '2031-01-07', fallbackYears: [2031] });
    // From Fri 27 Dec 2030: [28 29 weekend] 30 31 | 1 2 3
    expect(cal.addWorkingDays('2030-12-27', 5)).toEqual({ due: '2031-01-03', fallbackYears: [2030, 2031] });
  });

  it('use an administrator’s loaded schedule instead', () => {
    // Test data, not a real State Council schedule.
    const schedule2031: OfficialSchedule = {
      year: 2031,
      holidays: ['2031-01-01', '2031-01-02', '2031-01-03'],
      workdays: ['2031-01-05'], // a Sunday
    };
    const loaded = new WorkingDayCalendar([schedule2031]);
    expect(loaded.covers(2031)).toBe(true);
    expect(loaded.sourceOf(2031)).toBe('loaded');
    expect(loaded.coveredYears()).toContain(2031);
    expect(loaded.isWorkingDay('2031-01-01')).toBe(false);
    expect(loaded.isWorkingDay('2031-01-05')).toBe(true);
    // [1 2 3 holiday, 4 Sat] 5* 6 7 8 9
    expect(loaded.addWorkingDays('2030-12-31', 5)).toEqual({ due: '2031-01-09', fallbackYears: [] });
    // Still weekends-only for 2030, which the built-in data does not cover either.
    // From Fri 27 Dec: [28 29 weekend] 30 31 | [1 2 3 holiday, 4 Sat] 5* 6 7
    expect(loaded.addWorkingDays('2030-12-27', 5)).toEqual({ due: '2031-01-07', fallbackYears: [2030] });
  });

  it('a loaded schedule replaces the built-in data for its year', () => {
    const corrected = new WorkingDayCalendar([{ year: 2026, holidays: ['2026-01-01'], workdays: [] }]);
    expect(corrected.sourceOf(2026)).toBe('loaded');
    expect(corrected.isWorkingDay('2026-02-16')).toBe(true);
    expect(corrected.isWorkingDay('2026-02-14')).toBe(false);
  });

  it('can run without the built-in data', () => {
    const bare = new WorkingDayCalendar([], { useBuiltIn: false });
    expect(bare.covers(2026)).toBe(false);
    expect(bare.coveredYears()).toEqual([]);
    expect(bare.addWorkingDays('2026-02-10', 5)).toEqual({ due: '2026-02-17', fallbackYears: [2026] });
  });
});

describe('schedule validation', () => {
  const ok: OfficialSchedule = { year: 2031, holidays: ['2031-01-01'], workdays: ['2031-01-04'] };

  it('accepts a sane schedule', () => {
    expect(() => new WorkingDayCalendar([ok])).not.toThrow();
  });

  it.each([
    ['a year given twice', [ok, ok]],
    ['a date outside the year', [{ ...ok, holidays: ['2030-12-31'] }]],
    ['an impossible date', [{ ...ok, holidays: ['2031-02-29'] }]],
    ['a malformed date', [{ ...ok, holidays: ['2031/01/01'] }]],
    ['a date in both lists', [{ ...ok, holidays: ['2031-01-01', '2031-01-04'] }]],
    ['a make-up working day on a weekday (lists swapped?)', [{ ...ok, workdays: ['2031-01-06'] }]],
    ['no holidays', [{ ...ok, holidays: [] }]],
    ['a fractional year', [{ ...ok, year: 2031.5 }]],
  ] as [string, OfficialSchedule[]][])('refuses %s', (_label, schedules) => {
    expect(() => new WorkingDayCalendar(schedules)).toThrow(InvalidCalendarInputError);
  });
});

describe('workingDaysBetween', () => {
  it('counts working days after the first date up to and including the second', () => {
    expect(cal.workingDaysBetween('2026-02-10', '2026-02-24')).toBe(5);
    expect(cal.workingDaysBetween('2026-02-24', '2026-02-10')).toBe(-5);
    expect(cal.workingDaysBetween('2026-02-24', '2026-02-24')).toBe(0);
    expect(cal.workingDaysBetween('2026-02-14', '2026-02-23')).toBe(0);
    expect(cal.workingDaysBetween('2026-09-30', '2026-10-08')).toBe(1);
    expect(cal.workingDaysBetween('2026-01-01', '2026-12-31')).toBe(
      Array.from({ length: 364 }, (_, i) => new Date(Date.UTC(2026, 0, 2 + i)).toISOString().slice(0, 10)).filter(
        (d) => chineseDays.isWorkday(d),
      ).length,
    );
  });
});

describe('clockStatus', () => {
  it('is due_soon within 3 working days (holidays do not count), overdue after the due day', () => {
    // due 24 Feb; on Fri 13 Feb only 14 (make-up) and 24 are left.
    expect(cal.clockStatus('2026-02-24', '2026-02-10')).toBe('due'); // 5 left
    expect(cal.clockStatus('2026-02-24', '2026-02-12')).toBe('due_soon'); // 13, 14*, 24
    expect(cal.clockStatus('2026-02-24', '2026-02-13')).toBe('due_soon');
    expect(cal.clockStatus('2026-02-24', '2026-02-24')).toBe('due_soon');
    expect(cal.clockStatus('2026-02-24', '2026-02-25')).toBe('overdue');
  });

  it('takes the threshold as a parameter', () => {
    expect(cal.clockStatus('2026-03-09', '2026-03-06', 0)).toBe('due');
    expect(cal.clockStatus('2026-03-09', '2026-03-09', 0)).toBe('due_soon');
    expect(cal.clockStatus('2026-03-09', '2026-03-02', 10)).toBe('due_soon');
    expect(() => cal.clockStatus('2026-03-09', '2026-03-02', -1)).toThrow(InvalidCalendarInputError);
  });

  it('a due day that is followed by a rest day is overdue on the rest day', () => {
    expect(cal.clockStatus('2026-03-06', '2026-03-07')).toBe('overdue');
  });
});

describe('shanghaiDate', () => {
  it('gives the calendar date at UTC+8', () => {
    expect(shanghaiDate(new Date('2026-02-14T15:59:59.999Z'))).toBe('2026-02-14');
    expect(shanghaiDate(new Date('2026-02-14T16:00:00.000Z'))).toBe('2026-02-15');
    expect(shanghaiDate(new Date('2026-12-31T16:30:00Z'))).toBe('2027-01-01');
    expect(shanghaiDate(new Date('2026-07-01T00:00:00+08:00'))).toBe('2026-07-01');
  });

  it('agrees with Intl for Asia/Shanghai', () => {
    const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 7 * 3_600_000 + 13 * 60_000) {
      expect(shanghaiDate(new Date(t))).toBe(fmt.format(new Date(t)));
    }
  });

  it('refuses an invalid Date', () => {
    expect(() => shanghaiDate(new Date('nonsense'))).toThrow(InvalidCalendarInputError);
  });
});
