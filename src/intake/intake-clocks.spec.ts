import { describe, expect, it } from '@jest/globals';
import { WorkingDayCalendar } from '../regions/working-days.js';
import { intakeClocks, type ClockCalendar } from './intake-clocks.js';

const cal = new WorkingDayCalendar();
const calendar: ClockCalendar = {
  clockStatus: (due, today) => cal.clockStatus(due, today, 3),
  workingDaysLeft: (due, today) => cal.workingDaysBetween(today, due),
  covers: (y) => cal.covers(y),
};
const base = { status: 'received' as const, anonymous: false, acknowledgedAt: null, dueFallbackYears: '' };

describe('intakeClocks', () => {
  it('shows both clocks for a real-name report waiting at the office, with working days left across the Spring Festival', () => {
    // Received 2026-02-13: forward by 02-27, acknowledge by 03-12 (14 Feb and 28 Feb are make-up working days).
    const v = intakeClocks({ ...base, ackDue: '2026-03-12', forwardDue: '2026-02-27' }, calendar, '2026-02-14');
    expect(v.clocks.map((c) => [c.kind, c.due, c.workingDaysLeft, c.status])).toEqual([
      ['acknowledge', '2026-03-12', 14, 'due'],
      ['forward', '2026-02-27', 4, 'due'],
    ]);
    expect(v.clocks[1].leftText).toBe('剩 4 个工作日');
    expect(v.fallback).toBe(false);
    expect(v.fallbackNotice).toBeNull();
  });

  it('says due soon, due today and overdue in plain words', () => {
    const r = { ...base, anonymous: true, ackDue: null, forwardDue: '2026-10-13' };
    expect(intakeClocks(r, calendar, '2026-10-09').clocks[0]).toMatchObject({ status: 'due_soon', workingDaysLeft: 3, leftText: '即将到期，剩 3 个工作日', statusLabel: '即将到期' });
    expect(intakeClocks(r, calendar, '2026-10-13').clocks[0]).toMatchObject({ status: 'due_soon', workingDaysLeft: 0, leftText: '今天到期' });
    expect(intakeClocks(r, calendar, '2026-10-15').clocks[0]).toMatchObject({ status: 'overdue', workingDaysLeft: -2, leftText: '已超期 2 个工作日', statusLabel: '已超期' });
  });

  it('shows no acknowledgement clock for anonymous or acknowledged reports, and no forward clock once handled', () => {
    expect(intakeClocks({ ...base, anonymous: true, ackDue: null, forwardDue: '2026-02-27' }, calendar, '2026-02-14').clocks.map((c) => c.kind)).toEqual(['forward']);
    expect(intakeClocks({ ...base, acknowledgedAt: new Date(), ackDue: '2026-03-12', forwardDue: '2026-02-27' }, calendar, '2026-02-14').clocks.map((c) => c.kind)).toEqual(['forward']);
    expect(intakeClocks({ ...base, status: 'accepted', ackDue: '2026-03-12', forwardDue: '2026-02-27' }, calendar, '2026-02-14').clocks.map((c) => c.kind)).toEqual(['acknowledge']);
  });

  it('says when a due date depends on a year without an official schedule', () => {
    const v = intakeClocks({ ...base, anonymous: true, ackDue: null, forwardDue: '2027-01-04', dueFallbackYears: '2027' }, calendar, '2026-12-28');
    expect(v.fallback).toBe(true);
    expect(v.fallbackYears).toEqual([2027]);
    expect(v.fallbackNotice).toBe('该年度节假日安排尚未载入，按周末计算（2027年）');
    // Even without the stored marker, an uncovered due year is flagged.
    expect(intakeClocks({ ...base, anonymous: true, ackDue: null, forwardDue: '2031-03-03' }, calendar, '2031-02-24').fallbackYears).toEqual([2031]);
  });
});
