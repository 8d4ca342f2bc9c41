/**
 * The statutory clocks that apply at intake (DESIGN.md §4,
 * `[rule: 纪检监察机关处理检举控告工作规则 2020]`), as shown in the inbox and on the detail page:
 * - 告知受理情况: a real-name report is acknowledged within 15 working days of receipt — runs until
 *   acknowledged (`acknowledgedAt`), never for anonymous reports;
 * - 转送/转办: a report is forwarded within 5 working days of receipt — runs while the report waits at
 *   the office (status `received`); forwarding restarts it at the receiving office.
 * Due dates are stored on the report (computed by the calendar at receipt, YYYY-MM-DD Asia/Shanghai);
 * here only their state on `today` is derived.
 */
import type { Report } from '../reports/entities/report.entity.js';
import type { ClockStatus } from '../regions/working-days.js';
import { CALENDAR_FALLBACK_NOTICE, CLOCK_STATUS_LABELS } from './intake-wording.js';

/** What the clocks need from the calendar (CalendarService provides it). */
export interface ClockCalendar {
  clockStatus(due: string, today: string): ClockStatus;
  /** Working days after `today` up to and including `due`; negative when overdue. */
  workingDaysLeft(due: string, today: string): number;
  covers(year: number): boolean;
}

export interface ClockView {
  kind: 'acknowledge' | 'forward';
  /** 告知受理情况 / 转送转办 */
  label: string;
  /** YYYY-MM-DD (Asia/Shanghai); the period ends at 24:00 that day. */
  due: string;
  /** Working days left (0 on the due day); negative = working days overdue (0 when overdue on the rest days right after the due day). */
  workingDaysLeft: number;
  status: ClockStatus;
  statusLabel: string;
  /** The state in plain words: "剩 8 个工作日" / "即将到期，剩 3 个工作日" / "今天到期" / "已超期 2 个工作日". */
  leftText: string;
}

export interface ClocksView {
  clocks: ClockView[];
  /** True when a due date depends on a year without an official holiday schedule. */
  fallback: boolean;
  /** The years without an official schedule that the due dates depend on, ascending. */
  fallbackYears: number[];
  /** {@link CALENDAR_FALLBACK_NOTICE} with the years, e.g. "…，按周末计算（2027年）", when `fallback`; else null. */
  fallbackNotice: string | null;
}

export const ACK_WORKING_DAYS = 15;
export const FORWARD_WORKING_DAYS = 5;

/** A clock's state in plain words: "剩 8 个工作日" / "即将到期，剩 3 个工作日" / "今天到期" / "已超期 2 个工作日". */
export function leftText(n: number, status: ClockStatus): string {
  // Overdue on a rest day right after the due day: no working day has passed yet.
  if (status === 'overdue') return n < 0 ? `已超期 ${-n} 个工作日` : '已超期';
  if (n === 0) return '今天到期';
  return status === 'due_soon' ? `即将到期，剩 ${n} 个工作日` : `剩 ${n} 个工作日`;
}

/** The running intake clocks of `report` on `today` (YYYY-MM-DD, Asia/Shanghai). */
export function intakeClocks(report: Pick<Report, 'status' | 'anonymous' | 'ackDue' | 'forwardDue' | 'acknowledgedAt' | 'dueFallbackYears'>, calendar: ClockCalendar, today: string): ClocksView {
  const clocks: ClockView[] = [];
  const add = (kind: ClockView['kind'], label: string, due: string) => {
    const status = calendar.clockStatus(due, today);
    const left = calendar.workingDaysLeft(due, today);
    clocks.push({ kind, label, due, workingDaysLeft: left, status, statusLabel: CLOCK_STATUS_LABELS[status], leftText: leftText(left, status) });
  };
  if (!report.anonymous && !report.acknowledgedAt && report.ackDue) add('acknowledge', `告知受理情况（${ACK_WORKING_DAYS}个工作日）`, report.ackDue);
  if (report.status === 'received' && report.forwardDue) add('forward', `转送/转办（${FORWARD_WORKING_DAYS}个工作日）`, report.forwardDue);
  const years = new Set<number>();
  if (clocks.length > 0) {
    for (const y of (report.dueFallbackYears ?? '').split(',').filter(Boolean)) years.add(Number(y));
    for (const c of clocks) if (!calendar.covers(Number(c.due.slice(0, 4)))) years.add(Number(c.due.slice(0, 4)));
  }
  const fallbackYears = [...years].sort((a, b) => a - b);
  const fallback = fallbackYears.length > 0;
  return { clocks, fallback, fallbackYears, fallbackNotice: fallback ? `${CALENDAR_FALLBACK_NOTICE}（${fallbackYears.map((y) => `${y}年`).join('、')}）` : null };
}
