import { HttpStatus, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/domain-error.js';
import { Report } from '../reports/entities/report.entity.js';
import { HolidayScheduleDay } from './entities/holiday-schedule.entity.js';
import type { AuditActor } from './offices.service.js';
import {
  InvalidCalendarInputError,
  WorkingDayCalendar,
  builtInScheduleYears,
  shanghaiDate,
  type ClockStatus,
  type DueDate,
  type OfficialSchedule,
} from './working-days.js';

/**
 * Intake clocks `[rule: 纪检监察机关处理检举控告工作规则 2020]` (DESIGN.md §4), in working days
 * counted from the day after receipt (民法典 art. 201).
 */
export const INTAKE_CLOCKS = {
  /** Tell a real-name reporter whether the report was accepted: 15 working days from receipt. */
  acknowledgeWorkingDays: 15,
  /** Forward a report up or down a level: 5 working days from receipt. */
  forwardWorkingDays: 5,
} as const;

/** A clock is `due_soon` when at most this many working days are left (the due day included). */
export const DUE_SOON_WORKING_DAYS = 3;

/** How often an instance re-reads the loaded schedules, to pick up a schedule loaded on another instance. */
export const CALENDAR_RELOAD_MS = 60_000;

/** The intake due dates of one report (`YYYY-MM-DD`, Asia/Shanghai; a period ends at 24:00 of that day). */
export interface IntakeDueDates {
  /** Acknowledge by: 15 working days after receipt; null for an anonymous report. */
  ackDue: string | null;
  /** Forward by: 5 working days after receipt. */
  forwardDue: string;
  /** Years counted without an official schedule (weekends only), ascending; empty when none. */
  fallbackYears: number[];
}

/** What {@link CalendarService.loadYearSchedule} did. */
export interface ScheduleLoadResult {
  year: number;
  holidays: number;
  workdays: number;
  /** Where the year's schedule came from before: the package, an earlier load, or nowhere (weekends only). */
  replaced: 'package' | 'loaded' | null;
  /** Open (`received`) reports whose stored due dates were recomputed. */
  reportsRecomputed: number;
  /** Other open records recomputed by registered recomputers (e.g. `matters`), by name. */
  othersRecomputed?: Record<string, number>;
}

/**
 * Recomputes stored due dates of one kind of open record for a newly loaded schedule of `year`, in
 * the loading transaction; returns how many changed. Registered by feature modules at start-up.
 */
export type DueDateRecomputer = (m: EntityManager, calendar: WorkingDayCalendar, year: number) => Promise<number>;

/** The `due_fallback_years` column form of a year list ("2027" or "2026,2027"). */
export function formatFallbackYears(years: readonly number[]): string {
  return [...years].sort((a, b) => a - b).join(',');
}

/** Inverse of {@link formatFallbackYears} ('' → []). */
export function parseFallbackYears(s: string | null | undefined): number[] {
  return (s ?? '').split(',').filter(Boolean).map(Number);
}

/**
 * The working-day calendar of the statutory clocks (DESIGN.md §4): `WorkingDayCalendar` (the years
 * built into `chinese-days`) plus the official schedules an administrator loads into
 * `holiday_schedule_days` for other years.
 *
 * Freshness across instances: computations are synchronous on an in-memory calendar. It is built
 * from the database at start-up, rebuilt at once on this instance after {@link loadYearSchedule},
 * and re-read every {@link CALENDAR_RELOAD_MS} (60 s) so that a schedule loaded on another instance
 * is used within a minute. Stored due dates of open reports are recomputed in the loading
 * transaction itself, so they are right on every instance immediately.
 */
@Injectable()
export class CalendarService implements OnModuleDestroy {
  private readonly logger = new Logger('CalendarService');
  private calendar = new WorkingDayCalendar();
  private timer: NodeJS.Timeout | undefined;
  private readonly recomputers = new Map<string, DueDateRecomputer>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Start-up: reads the loaded schedules and starts the periodic re-read. */
  async start(): Promise<void> {
    await this.reload();
    this.timer ??= setInterval(() => {
      this.reload().catch(() => this.logger.warn('could not re-read the holiday schedules; keeping the previous calendar'));
    }, CALENDAR_RELOAD_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Registers a recomputer of stored due dates (other features' open records) run by {@link loadYearSchedule}. */
  registerRecomputer(name: string, fn: DueDateRecomputer): void {
    this.recomputers.set(name, fn);
  }

  /** Rebuilds the in-memory calendar from `holiday_schedule_days`. */
  async reload(manager: EntityManager = this.ds.manager): Promise<void> {
    this.calendar = new WorkingDayCalendar(await readSchedules(manager));
  }

  /** The calendar in use now (immutable; a reload replaces it). */
  current(): WorkingDayCalendar {
    return this.calendar;
  }

  /** Today's date in Asia/Shanghai, `YYYY-MM-DD`. */
  today(now: Date = new Date()): string {
    return shanghaiDate(now);
  }

  /**
   * The intake clocks of a report received at `receivedAt`: acknowledge a real-name report within
   * 15 working days, forward within 5 (纪检监察机关处理检举控告工作规则 2020); the day of receipt
   * (Asia/Shanghai) is not counted (民法典 art. 201).
   * @param receivedAt instant of receipt by the current office (UTC `Date`).
   * @param realName whether the reporter gave their real name (only then is there an acknowledgement clock).
   */
  intakeDueDates(receivedAt: Date, realName: boolean): IntakeDueDates {
    const start = shanghaiDate(receivedAt);
    const forward = this.calendar.addWorkingDays(start, INTAKE_CLOCKS.forwardWorkingDays);
    const ack = realName ? this.calendar.addWorkingDays(start, INTAKE_CLOCKS.acknowledgeWorkingDays) : null;
    const years = new Set([...forward.fallbackYears, ...(ack?.fallbackYears ?? [])]);
    return { ackDue: ack?.due ?? null, forwardDue: forward.due, fallbackYears: [...years].sort((a, b) => a - b) };
  }

  /** `n` working days after `startDate` (`YYYY-MM-DD`, the start day not counted). */
  addWorkingDays(startDate: string, n: number): DueDate {
    return this.calendar.addWorkingDays(startDate, n);
  }

  /** `n` months after `startDate` (民法典 arts. 201–203). */
  addMonths(startDate: string, n: number): DueDate {
    return this.calendar.addMonths(startDate, n);
  }

  /** Whether `year` has an official schedule (built into `chinese-days` or loaded by an administrator). */
  covers(year: number): boolean {
    return this.calendar.covers(year);
  }

  /** Years with an official schedule, ascending. */
  coveredYears(): number[] {
    return this.calendar.coveredYears();
  }

  /**
   * A Chinese note for screens showing a due date computed without an official schedule, or null:
   * `[2027]` → "2027年的法定节假日安排尚未载入，期限暂按周末休息计算".
   */
  fallbackNote(years: readonly number[]): string | null {
    if (!years.length) return null;
    return `${years.map((y) => `${y}年`).join('、')}的法定节假日安排尚未载入，期限暂按周末休息计算`;
  }

  /**
   * State of a clock: `overdue` after the due day, `due_soon` when at most 3 working days are left
   * (the due day included), else `due`.
   * @param due `YYYY-MM-DD`; @param today `YYYY-MM-DD` (default: today in Asia/Shanghai).
   */
  clockStatus(due: string, today: string = this.today()): ClockStatus {
    return this.calendar.clockStatus(due, today, DUE_SOON_WORKING_DAYS);
  }

  /** Working days after `today` up to and including `due` (0 on the due day; negative when overdue). */
  workingDaysLeft(due: string, today: string = this.today()): number {
    return this.calendar.workingDaysBetween(today, due);
  }

  /** The schedules loaded by administrators (not the built-in ones), ascending by year. */
  async loadedSchedules(): Promise<OfficialSchedule[]> {
    return readSchedules(this.ds.manager);
  }

  /**
   * Stores the official holiday schedule of `year` (《国务院办公厅关于<year>年部分节假日安排的通知》),
   * replacing an earlier load or the built-in data for that year; writes the audit event
   * `calendar.schedule_loaded`; recomputes `ack_due`, `forward_due` and `due_fallback_years` of open
   * (`received`) reports whose clocks run through that year — all in one transaction (the caller's,
   * when `manager` is given).
   * @param schedule `holidays`: rest days `YYYY-MM-DD` including weekend days inside a holiday block;
   *   `workdays`: the make-up working days (Saturdays/Sundays worked).
   * @throws DomainError 422 `invalid_schedule` for a date outside `year`, a make-up day that is not a
   *   weekend day, a day in both lists, no holidays, or a year out of range.
   */
  async loadYearSchedule(
    year: number,
    schedule: { holidays: readonly string[]; workdays: readonly string[] },
    actor: AuditActor,
    manager?: EntityManager,
  ): Promise<ScheduleLoadResult> {
    const official: OfficialSchedule = { year, holidays: [...new Set(schedule.holidays)].sort(), workdays: [...new Set(schedule.workdays)].sort() };
    const run = async (m: EntityManager): Promise<{ result: ScheduleLoadResult; calendar: WorkingDayCalendar }> => {
      const stored = await readSchedules(m);
      const others = stored.filter((s) => s.year !== year);
      const replaced = stored.length !== others.length ? 'loaded' : builtInScheduleYears().includes(year) ? 'package' : null;
      let calendar: WorkingDayCalendar;
      try {
        calendar = new WorkingDayCalendar([...others, official]);
      } catch (e) {
        if (e instanceof InvalidCalendarInputError) {
          throw new DomainError('invalid_schedule', `节假日安排有误：${e.message}`, HttpStatus.UNPROCESSABLE_ENTITY, { schedule: e.message });
        }
        throw e;
      }
      const days = m.getRepository(HolidayScheduleDay);
      await days.delete({ year });
      const rows = [
        ...official.holidays.map((date) => ({ date, year, kind: 'holiday' as const, name: '' })),
        ...official.workdays.map((date) => ({ date, year, kind: 'workday' as const, name: '' })),
      ];
      for (let i = 0; i < rows.length; i += 200) await days.insert(rows.slice(i, i + 200));
      const reportsRecomputed = await this.recomputeOpenReports(m, calendar, year);
      const othersRecomputed: Record<string, number> = {};
      for (const [name, fn] of this.recomputers) othersRecomputed[name] = await fn(m, calendar, year);
      await this.audit.record(m, {
        ...actor,
        action: 'calendar.schedule_loaded',
        recordType: 'holiday_schedule',
        recordId: year,
        details: { holidays: official.holidays.length, workdays: official.workdays.length, replaced, reportsRecomputed, othersRecomputed },
      });
      return { result: { year, holidays: official.holidays.length, workdays: official.workdays.length, replaced, reportsRecomputed, othersRecomputed }, calendar };
    };
    const { result, calendar } = manager?.queryRunner?.isTransactionActive ? await run(manager) : await this.ds.transaction(run);
    // Should the caller's transaction roll back later, the periodic reload corrects this instance.
    this.calendar = calendar;
    this.logger.log(`holiday schedule ${year} loaded (${result.holidays} holidays, ${result.workdays} make-up days; ${result.reportsRecomputed} open reports recomputed)`);
    return result;
  }

  /**
   * Recomputes the stored clocks of open reports whose counting may touch `year`: received on or
   * before 31 December of `year` (Asia/Shanghai) with a due date on or after 1 January of `year`.
   * @returns the number of reports whose stored values changed.
   */
  private async recomputeOpenReports(m: EntityManager, calendar: WorkingDayCalendar, year: number): Promise<number> {
    const yearStart = `${year}-01-01`;
    const nextYearStartUtc = new Date(Date.UTC(year, 11, 31, 16, 0, 0)); // 1 Jan of year+1, 00:00 Asia/Shanghai
    const open = await m
      .getRepository(Report)
      .createQueryBuilder('r')
      .select(['r.id', 'r.receivedAt', 'r.anonymous', 'r.ackDue', 'r.forwardDue', 'r.dueFallbackYears'])
      .where('r.status = :status', { status: 'received' })
      .andWhere('r.receivedAt < :end', { end: nextYearStartUtc })
      .andWhere('(r.forwardDue >= :start OR r.ackDue >= :start)', { start: yearStart })
      .getMany();
    let changed = 0;
    for (const r of open) {
      const start = shanghaiDate(r.receivedAt);
      const forward = calendar.addWorkingDays(start, INTAKE_CLOCKS.forwardWorkingDays);
      const ack = r.anonymous ? null : calendar.addWorkingDays(start, INTAKE_CLOCKS.acknowledgeWorkingDays);
      const fallback = formatFallbackYears([...new Set([...forward.fallbackYears, ...(ack?.fallbackYears ?? [])])]);
      const ackDue = ack?.due ?? null;
      if (ackDue === r.ackDue && forward.due === r.forwardDue && fallback === r.dueFallbackYears) continue;
      await m.getRepository(Report).update({ id: r.id }, { ackDue, forwardDue: forward.due, dueFallbackYears: fallback, updatedAt: new Date() });
      changed++;
    }
    return changed;
  }
}

/** The administrator-loaded schedules stored in `holiday_schedule_days`, one per year, ascending. */
async function readSchedules(m: EntityManager): Promise<OfficialSchedule[]> {
  const rows = await m.getRepository(HolidayScheduleDay).find({ order: { date: 'ASC' } });
  const byYear = new Map<number, { holidays: string[]; workdays: string[] }>();
  for (const r of rows) {
    let s = byYear.get(r.year);
    if (!s) byYear.set(r.year, (s = { holidays: [], workdays: [] }));
    (r.kind === 'workday' ? s.workdays : s.holidays).push(r.date);
  }
  return [...byYear.entries()].sort(([a], [b]) => a - b).map(([year, s]) => ({ year, ...s }));
}
