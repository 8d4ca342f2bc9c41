import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { CalendarService, formatFallbackYears, parseFallbackYears } from '../regions/calendar.service.js';
import type { ClockStatus, WorkingDayCalendar } from '../regions/working-days.js';
import type { User } from '../users/entities/user.entity.js';
import { MATTER_STATUSES } from './clue-enums.js';
import { CluesRepository, type MatterViewer } from './clues.repository.js';
import { Clue } from './entities/clue.entity.js';
import { ReportFeedback } from './entities/report-feedback.entity.js';
import { InquiryLetter } from './entities/inquiry-letter.entity.js';
import { shanghaiNoon } from './inquiry-letter-rules.js';
import { Rectification, SanctionReview } from '../cases/entities/outcomes.entity.js';
import { MATTER_CLOCKS, dueDateOf, type MatterClock } from './matter-clocks.js';
import { FINAL_STATUSES } from './matter-transitions.js';
import { AccessService } from '../access/access.service.js';
import type { UserAccess } from '../access/user-access.js';
import { Report } from '../reports/entities/report.entity.js';
import { REPORT_STATUSES, type ReportStatus } from '../reports/report-enums.js';
import { ACK_WORKING_DAYS, FORWARD_WORKING_DAYS } from '../intake/intake-clocks.js';

/** A clock as shown: due date (`YYYY-MM-DD`, ends 24:00 Asia/Shanghai), working days left, state. */
export interface ClockView {
  clock: string;
  label: string;
  due: string;
  /** Working days after today up to the due day (negative = overdue by that many). */
  workingDaysLeft: number;
  status: ClockStatus;
  /** Chinese note when a year without an official schedule was counted with weekends only. */
  fallbackNotice: string | null;
}

/** The intake clocks of a report that the overdue list shows (DESIGN.md §4; src/intake/intake-clocks.ts). */
export const REPORT_OVERDUE_CLOCKS = {
  /** 告知受理情况: a real-name report is acknowledged within 15 working days of receipt (检举控告工作规则 2020). */
  report_acknowledge: `告知受理情况（${ACK_WORKING_DAYS}个工作日）`,
  /** 转送/转办: a report still waiting at the office (`received`) is handled within 5 working days of receipt. */
  report_forward: `转送/转办（${FORWARD_WORKING_DAYS}个工作日）`,
} as const;
export type ReportOverdueClock = keyof typeof REPORT_OVERDUE_CLOCKS;

const statusLabel = (st: string): string => MATTER_STATUSES[st as keyof typeof MATTER_STATUSES] ?? st;

/** How many rows the overdue list shows (page and API): the most overdue first. */
export const OVERDUE_LIMIT = 200;

/** One row of the overdue list. */
export interface OverdueRow {
  /** The matter; null for a report obligation at intake (`reportClock` set, link to the intake page). */
  clueId: number | null;
  regionCode: string;
  status: string;
  statusLabel: string;
  clock: ClockView;
  /** For a feedback clock: the report owed feedback. */
  reportId: number | null;
  /** For a rectification task past its due date. */
  rectificationId?: number;
  /** For a 政务处分 复审/复核 request not decided in time. */
  sanctionReviewId?: number;
  /** For a report's intake obligation past due (告知受理情况 / 转送转办): the row is about report `reportId`. */
  reportClock?: ReportOverdueClock;
  /** For an inquiry letter (函询) received but not replied by its due date. */
  inquiryLetterId?: number;
}

/**
 * The statutory clocks of matters (DESIGN.md §4): the current clock of each clue, the result-feedback
 * clocks, the overdue list of a region for leaders, and recomputation of stored due dates when an
 * administrator loads a year's holiday schedule (registered with the CalendarService).
 */
@Injectable()
export class MatterClocksService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly calendar: CalendarService,
    private readonly repo: CluesRepository,
    private readonly access: AccessService,
  ) {}

  onModuleInit(): void {
    this.calendar.registerRecomputer('matters', (m, cal, year) => this.recompute(m, cal, year));
  }

  /** Today in Asia/Shanghai (`YYYY-MM-DD`). */
  today(now = new Date()): string {
    return this.calendar.today(now);
  }

  /** The view of a stored clock on `today` (default today in Asia/Shanghai). */
  view(clock: string, due: string, fallbackYears: string, today = this.calendar.today()): ClockView {
    return {
      clock,
      label: MATTER_CLOCKS[clock as MatterClock]?.label ?? clock,
      due,
      workingDaysLeft: this.calendar.workingDaysLeft(due, today),
      status: this.calendar.clockStatus(due, today),
      fallbackNotice: this.calendar.fallbackNote(parseFallbackYears(fallbackYears)),
    };
  }

  /** The current clock of a clue, or null when its state has none. */
  clueClock(clue: Clue, today?: string): ClockView | null {
    return clue.dueClock && clue.dueDate ? this.view(clue.dueClock, clue.dueDate, clue.dueFallbackYears, today) : null;
  }

  /**
   * The overdue list of the user's scope (recused matters left out): open clues whose current clock
   * is past due, result feedback not sent by its due date, open rectification tasks past their date,
   * 政务处分 review decisions past theirs, inquiry-letter replies past theirs
   * ({@link overdueInquiryLetters}), and the overdue intake obligations of reports in scope
   * ({@link overdueReportObligations}) — the `limit` most overdue of all kinds together, most overdue
   * first (ask for `limit + 1` to learn whether there are more).
   * @param today `YYYY-MM-DD` (Asia/Shanghai), default today.
   */
  async overdue(user: User, today = this.calendar.today(), limit = OVERDUE_LIMIT): Promise<OverdueRow[]> {
    const viewer: MatterViewer = { access: await this.access.forUser(user) };
    // The kinds are independent reads: run them together (separate pool connections on MariaDB).
    const kinds = await Promise.all([
      this.overdueClueClocks(viewer, today, limit),
      this.overdueFeedback(viewer, today, limit),
      this.overdueRectifications(viewer, today, limit),
      this.overdueSanctionReviews(viewer, today, limit),
      this.overdueReportObligations(viewer.access, today, limit),
      this.overdueInquiryLetters(viewer, today, limit),
    ]);
    // Each kind read its `limit` most overdue, so the first `limit` of the merged, sorted rows are exactly the `limit` most overdue of all.
    return kinds
      .flat()
      .sort((a, b) => (a.clock.due < b.clock.due ? -1 : a.clock.due > b.clock.due ? 1 : (a.clueId ?? 0) - (b.clueId ?? 0) || (a.reportId ?? 0) - (b.reportId ?? 0)))
      .slice(0, limit);
  }

  /** Open clues whose current state clock is past due. */
  private async overdueClueClocks(viewer: MatterViewer, today: string, limit: number): Promise<OverdueRow[]> {
    const clues = await this.repo.listPage(viewer, { overdueOn: today, page: 1, pageSize: limit });
    return clues.map((c) => ({ clueId: c.id, regionCode: c.regionCode, status: c.status, statusLabel: MATTER_STATUSES[c.status], clock: this.clueClock(c, today)!, reportId: null }));
  }

  /** Result feedback to real-name reporters not sent by its due date (检举控告工作规则 2020 art. 39). */
  private async overdueFeedback(viewer: MatterViewer, today: string, limit: number): Promise<OverdueRow[]> {
    const qb = this.ds.getRepository(Clue).createQueryBuilder('c').innerJoin(ReportFeedback, 'f', 'f.clue_id = c.id').select(['c.id AS clueId', 'c.region_code AS regionCode', 'c.status AS status', 'f.report_id AS reportId', 'f.due_date AS due', 'f.due_fallback_years AS fb']);
    this.repo.inScope(qb, viewer);
    const feedback = await qb.andWhere('f.sent_at IS NULL AND f.due_date < :today', { today }).orderBy('f.due_date', 'ASC').limit(limit).getRawMany<{ clueId: number; regionCode: string; status: string; reportId: number; due: string; fb: string }>();
    return feedback.map((f) => ({ clueId: Number(f.clueId), regionCode: f.regionCode, status: f.status, statusLabel: statusLabel(f.status), clock: this.view('feedback_result', f.due, f.fb ?? '', today), reportId: Number(f.reportId) }));
  }

  /** Open rectification tasks past the due date staff set. */
  private async overdueRectifications(viewer: MatterViewer, today: string, limit: number): Promise<OverdueRow[]> {
    const rq = this.ds.getRepository(Clue).createQueryBuilder('c').innerJoin(Rectification, 'x', 'x.clue_id = c.id').select(['c.id AS clueId', 'c.region_code AS regionCode', 'c.status AS status', 'x.id AS xid', 'x.due_date AS due']);
    this.repo.inScope(rq, viewer);
    const rows = await rq.andWhere("x.status = 'open' AND x.due_date < :today", { today }).orderBy('x.due_date', 'ASC').limit(limit).getRawMany<{ clueId: number; regionCode: string; status: string; xid: number; due: string }>();
    return rows.map((x) => ({ clueId: Number(x.clueId), regionCode: x.regionCode, status: x.status, statusLabel: statusLabel(x.status), clock: { ...this.view('rectification', x.due, '', today), label: '整改期限' }, reportId: null, rectificationId: Number(x.xid) }));
  }

  /** 政务处分 复审/复核 requests not decided by their statutory date (政务处分法 art. 55). */
  private async overdueSanctionReviews(viewer: MatterViewer, today: string, limit: number): Promise<OverdueRow[]> {
    const vq = this.ds.getRepository(Clue).createQueryBuilder('c').innerJoin(SanctionReview, 'v', 'v.clue_id = c.id').select(['c.id AS clueId', 'c.region_code AS regionCode', 'c.status AS status', 'v.id AS vid', 'v.kind AS kind', 'v.decision_due AS due']);
    this.repo.inScope(vq, viewer);
    const rows = await vq.andWhere('v.decided_on IS NULL AND v.decision_due < :today', { today }).orderBy('v.decision_due', 'ASC').limit(limit).getRawMany<{ clueId: number; regionCode: string; status: string; vid: number; kind: string; due: string }>();
    return rows.map((v) => ({ clueId: Number(v.clueId), regionCode: v.regionCode, status: v.status, statusLabel: statusLabel(v.status), clock: this.view(v.kind === 're_review' ? 're_review_decision' : 'review_decision', v.due, '', today), reportId: null, sanctionReviewId: Number(v.vid) }));
  }


  /**
   * Overdue intake obligations of the reports the user may read (reports policy `read`: region in scope
   * or granted, never a report the user is recused from — src/access): 告知受理情况 of a real-name report
   * not acknowledged by `ack_due` (anonymous reports have no `ack_due`), and 转送/转办 of a report still
   * `received` after `forward_due` (检举控告工作规则 2020; DESIGN.md §4). An acknowledged report drops
   * off; so does a report once accepted, declined, forwarded or referred out (its forwarding clock).
   * At most `limit` of each, most overdue first; read through idx_reports_ack_open and
   * idx_reports_status_forward in due-date order.
   * @param today `YYYY-MM-DD` (Asia/Shanghai): due dates before it are overdue (a period ends at 24:00).
   */
  private async overdueReportObligations(access: UserAccess, today: string, limit: number): Promise<OverdueRow[]> {
    type Raw = { id: number | string; regionCode: string; status: ReportStatus; due: string; fb: string | null };
    const query = (dueColumn: 'ack_due' | 'forward_due', where: string) => {
      const qb = this.ds.getRepository(Report).createQueryBuilder('r').select(['r.id AS id', 'r.region_code AS regionCode', 'r.status AS status', `r.${dueColumn} AS due`, 'r.due_fallback_years AS fb']);
      access.scope(qb, 'read', 'Report', 'r');
      return qb.andWhere(where, { today }).orderBy(`r.${dueColumn}`, 'ASC').addOrderBy('r.id', 'ASC').limit(limit).getRawMany<Raw>();
    };
    const [ack, forward] = await Promise.all([
      query('ack_due', 'r.acknowledged_at IS NULL AND r.ack_due < :today'),
      query('forward_due', "r.status = 'received' AND r.forward_due < :today"),
    ]);
    const row = (r: Raw, clock: ReportOverdueClock): OverdueRow => ({
      clueId: null,
      regionCode: r.regionCode,
      status: r.status,
      statusLabel: REPORT_STATUSES[r.status] ?? r.status,
      clock: { ...this.view(clock, r.due, r.fb ?? '', today), label: REPORT_OVERDUE_CLOCKS[clock] },
      reportId: Number(r.id),
      reportClock: clock,
    });
    return [...ack.map((r) => row(r, 'report_acknowledge')), ...forward.map((r) => row(r, 'report_forward'))];
  }

  /**
   * Recomputes stored due dates of open clues, unsent feedback and unreplied inquiry letters whose counting may touch `year`
   * (clock started on or before 31 December of `year`, due on or after 1 January of `year`).
   * @returns how many rows changed.
   */
  async recompute(m: EntityManager, calendar: WorkingDayCalendar, year: number): Promise<number> {
    const yearStart = `${year}-01-01`;
    const end = new Date(Date.UTC(year, 11, 31, 16, 0, 0));
    const cal = { addMonths: (d: string, n: number) => calendar.addMonths(d, n), addWorkingDays: (d: string, n: number) => calendar.addWorkingDays(d, n) };
    let changed = 0;
    const clues = await m
      .getRepository(Clue)
      .createQueryBuilder('c')
      .where('c.status NOT IN (:...finals)', { finals: FINAL_STATUSES })
      .andWhere('c.due_clock IS NOT NULL AND c.due_date >= :start AND c.state_entered_at < :end', { start: yearStart, end })
      .getMany();
    for (const c of clues) {
      const due = dueDateOf(cal, c.dueClock as MatterClock, c.stateEnteredAt);
      const fb = formatFallbackYears(due.fallbackYears);
      if (due.due === c.dueDate && fb === c.dueFallbackYears) continue;
      await m.getRepository(Clue).update({ id: c.id }, { dueDate: due.due, dueFallbackYears: fb });
      changed++;
    }
    const feedback = await m.getRepository(ReportFeedback).createQueryBuilder('f').where('f.sent_at IS NULL AND f.due_date >= :start AND f.due_from < :end', { start: yearStart, end }).getMany();
    for (const f of feedback) {
      const due = dueDateOf(cal, 'feedback_result', f.dueFrom);
      const fb = formatFallbackYears(due.fallbackYears);
      if (due.due === f.dueDate && fb === f.dueFallbackYears) continue;
      await m.getRepository(ReportFeedback).update({ id: f.id }, { dueDate: due.due, dueFallbackYears: fb });
      changed++;
    }
    changed += await this.recomputeInquiryLetters(m, cal, year);
    return changed;
  }

  /**
   * Inquiry letters (函询) of matters still in 谈话函询 that the subject received but did not answer by
   * the stored reply due date (`inquiry_reply`, 15 working days from receipt), in the viewer's scope
   * (recused matters left out), labelled 函询回复. A letter of a matter that moved on (escalated after the
   * reply period ran out) is no longer owed.
   */
  private async overdueInquiryLetters(viewer: MatterViewer, today: string, limit: number): Promise<OverdueRow[]> {
    const q = this.ds.getRepository(Clue).createQueryBuilder('c').innerJoin(InquiryLetter, 'l', 'l.clue_id = c.id').select(['c.id AS clueId', 'c.region_code AS regionCode', 'c.status AS status', 'l.id AS lid', 'l.reply_due AS due', 'l.reply_due_fallback_years AS fb']);
    this.repo.inScope(q, viewer);
    const letters = await q
      .andWhere("c.status = 'talk_inquiry' AND l.replied_on IS NULL AND l.reply_due IS NOT NULL AND l.reply_due < :today", { today })
      .orderBy('l.reply_due', 'ASC')
      .limit(limit)
      .getRawMany<{ clueId: number; regionCode: string; status: string; lid: number; due: string; fb: string | null }>();
    return letters.map((l) => ({ clueId: Number(l.clueId), regionCode: l.regionCode, status: l.status, statusLabel: MATTER_STATUSES.talk_inquiry, clock: this.view('inquiry_reply', l.due, l.fb ?? '', today), reportId: null, inquiryLetterId: Number(l.lid) }));
  }

  /** Recomputes the reply due dates of received, unreplied inquiry letters whose counting may touch `year`. */
  private async recomputeInquiryLetters(m: EntityManager, cal: Pick<CalendarService, 'addMonths' | 'addWorkingDays'>, year: number): Promise<number> {
    const letters = await m
      .getRepository(InquiryLetter)
      .createQueryBuilder('l')
      .where('l.replied_on IS NULL AND l.received_on IS NOT NULL AND l.reply_due >= :start AND l.received_on <= :end', { start: `${year}-01-01`, end: `${year}-12-31` })
      .getMany();
    let changed = 0;
    for (const l of letters) {
      const due = dueDateOf(cal, 'inquiry_reply', shanghaiNoon(l.receivedOn!));
      const fb = formatFallbackYears(due.fallbackYears);
      if (due.due === l.replyDue && fb === l.replyDueFallbackYears) continue;
      await m.getRepository(InquiryLetter).update({ id: l.id }, { replyDue: due.due, replyDueFallbackYears: fb });
      changed++;
    }
    return changed;
  }
}

