import type { CalendarService } from '../regions/calendar.service.js';
import type { DueDate } from '../regions/working-days.js';
import { shanghaiDate } from '../regions/working-days.js';

/** A period: `n` working days (工作日, official calendar with 调休) or `n` calendar months. */
export interface Period {
  unit: 'working_days' | 'months';
  n: number;
}

/**
 * The statutory clocks of matters, national defaults (DESIGN.md §4)
 * `[rule: 纪检监察机关处理检举控告工作规则 2020; 中国共产党纪律检查机关监督执纪工作规则 2019; 监察法; 政务处分法 arts. 54–55]`.
 * Each is counted from the day after its triggering event (民法典 art. 201).
 */
export const MATTER_CLOCKS = {
  /** 提出处置意见: 1 month from registration of the clue. */
  propose_disposal: { unit: 'months', n: 1, label: '提出处置意见' },
  /** 函询/谈话后报告情况: 1 month (监督执纪工作规则 2019 art. 28). */
  talk_report: { unit: 'months', n: 1, label: '报送谈话函询情况' },
  /** 被函询人书面回复: 15 working days from receipt of the inquiry letter. */
  inquiry_reply: { unit: 'working_days', n: 15, label: '函询回复' },
  /** 审理: 1 month, extendable with approval (监督执纪工作规则 art. 59). */
  trial: { unit: 'months', n: 1, label: '审理' },
  /** 审理, extended once with a leader's approval: 1 more month (2 in all from the start of the trial). */
  trial_extended: { unit: 'months', n: 2, label: '审理（经批准延长）' },
  /** 宣布处分决定: 1 month from the decision. */
  announce_decision: { unit: 'months', n: 1, label: '宣布处分决定' },
  /** 反馈处理结果 to a real-name reporter: 15 working days from closing (检举控告工作规则 2020 art. 39). */
  feedback_result: { unit: 'working_days', n: 15, label: '向实名举报人反馈处理结果' },
  /** 政务处分复审申请: 1 month from receipt of the decision (政务处分法 art. 55). */
  review_request: { unit: 'months', n: 1, label: '申请复审' },
  /** 复审决定: 1 month from receipt of the request (政务处分法 art. 55). */
  review_decision: { unit: 'months', n: 1, label: '复审决定' },
  /** 复核申请: 1 month from receipt of the review decision (政务处分法 art. 55). */
  re_review_request: { unit: 'months', n: 1, label: '申请复核' },
  /** 复核决定: 2 months from receipt of the request (政务处分法 art. 55). */
  re_review_decision: { unit: 'months', n: 2, label: '复核决定' },
} as const satisfies Record<string, Period & { label: string }>;
export type MatterClock = keyof typeof MATTER_CLOCKS;

/**
 * The due date of `clock` started at instant `from` (UTC): the day of the event (Asia/Shanghai) is not
 * counted; months end on the same date or the month's last day; a rest-day deadline moves to the next
 * working day (民法典 arts. 200–203).
 */
export function dueDateOf(calendar: Pick<CalendarService, 'addMonths' | 'addWorkingDays'>, clock: MatterClock, from: Date): DueDate {
  const p: Period = MATTER_CLOCKS[clock];
  const start = shanghaiDate(from);
  return p.unit === 'months' ? calendar.addMonths(start, p.n) : calendar.addWorkingDays(start, p.n);
}
