import { HttpStatus, Injectable } from '@nestjs/common';
import { cleanText } from './clean-text.js';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, InvalidStateError, ValidationFailedError } from '../common/domain-error.js';
import { shanghaiDate } from '../regions/working-days.js';
import { ReportMessage } from '../reports/entities/report-message.entity.js';
import type { User } from '../users/entities/user.entity.js';
import type { Clue } from './entities/clue.entity.js';
import { ClueEvent } from './entities/clue-event.entity.js';
import { ReportFeedback } from './entities/report-feedback.entity.js';

export const FEEDBACK_MAX = 2000;
export const OBJECTION_MAX = 2000;


/** Who speaks to the reporter for the matter: its handler or a leader (the matter page shows the forms to them only). */
function assertMayAnswerReporter(user: User, clue: Clue): void {
  if (clue.assignedUserId === user.id || user.hasRole('leader')) return;
  throw new DomainError('not_assigned', '只有本线索的承办人或领导才能向举报人反馈处理结果或答复异议。', HttpStatus.FORBIDDEN);
}

/** The matter's timeline event of a feedback step (the text stays in the report's messages). */
function timelineEvent(m: EntityManager, clueId: number, actorUserId: number | null, action: string, reportId: number, at: Date): Promise<unknown> {
  return m.getRepository(ClueEvent).insert({ clueId, action, fromStatus: null, toStatus: null, actorUserId, reason: null, details: JSON.stringify({ reportId }), createdAt: at });
}

/** What the citizen's follow-up shows about the result feedback of their report. */
export interface FeedbackPublicView {
  /** The public wording of the result, once sent. */
  result: string | null;
  /** Whether the reporter may still object (once, after the result was sent). */
  canObject: boolean;
  objection: string | null;
  answer: string | null;
}

/**
 * Result feedback to real-name reporters (反馈处理结果, 15 working days from closing; 检举控告工作规则
 * 2020) and the reporter's one objection with its answer. The obligations are opened by the matter's
 * closing transition; texts reach the citizen as `to_reporter` messages on the follow-up page. The
 * caller (MattersService.withClue) has checked scope and recusal.
 */
@Injectable()
export class FeedbackService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Sends the result feedback of report `reportId` of clue `clueId` (caller's transaction):
   * `text` is the public wording. @throws DomainError 403 `not_assigned` unless `user` is the clue's
   * handler or a leader; ValidationFailedError; InvalidStateError `no_feedback_due` when none is owed
   * (anonymous report, matter not finished) or `feedback_already_sent`.
   */
  async send(m: EntityManager, user: User, clue: Clue, reportId: number, input: { text?: unknown }): Promise<ReportFeedback> {
    assertMayAnswerReporter(user, clue);
    const [userId, clueId] = [user.id, clue.id];
    const row = await m.getRepository(ReportFeedback).findOneBy({ clueId, reportId });
    if (!row) throw new InvalidStateError('该举报无需反馈（匿名举报，或线索尚未办结）。', 'no_feedback_due');
    if (row.sentAt) throw new InvalidStateError('已经反馈过处理结果。', 'feedback_already_sent');
    const body = cleanText(input.text);
    if (!body || [...body].length > FEEDBACK_MAX) throw new ValidationFailedError({ text: `请填写反馈内容（不超过 ${FEEDBACK_MAX} 字）` });
    const now = new Date();
    Object.assign(row, { publicText: body, sentAt: now, sentByUserId: userId });
    await m.getRepository(ReportFeedback).save(row);
    await m.getRepository(ReportMessage).insert({ reportId, direction: 'to_reporter', body, authorUserId: userId, createdAt: now });
    await timelineEvent(m, clueId, userId, 'feedback_sent', reportId, now);
    await this.audit.record(m, { actorUserId: userId, actorKind: 'user', action: 'report.result_fed_back', recordType: 'report', recordId: reportId, details: { clueId, onTime: row.dueDate >= shanghaiDate(now) } });
    return row;
  }

  /**
   * Answers the reporter's objection (caller's transaction). @throws DomainError 403 `not_assigned` unless
   * `user` is the clue's handler or a leader; InvalidStateError `no_objection` / `objection_already_answered`.
   */
  async answer(m: EntityManager, user: User, clue: Clue, reportId: number, input: { text?: unknown }): Promise<ReportFeedback> {
    assertMayAnswerReporter(user, clue);
    const [userId, clueId] = [user.id, clue.id];
    const row = await m.getRepository(ReportFeedback).findOneBy({ clueId, reportId });
    if (!row?.objectedAt) throw new InvalidStateError('举报人没有提出异议。', 'no_objection');
    if (row.answeredAt) throw new InvalidStateError('已经答复过该异议。', 'objection_already_answered');
    const body = cleanText(input.text);
    if (!body || [...body].length > FEEDBACK_MAX) throw new ValidationFailedError({ text: `请填写答复内容（不超过 ${FEEDBACK_MAX} 字）` });
    const now = new Date();
    Object.assign(row, { answerText: body, answeredAt: now, answeredByUserId: userId });
    await m.getRepository(ReportFeedback).save(row);
    await m.getRepository(ReportMessage).insert({ reportId, direction: 'to_reporter', body, authorUserId: userId, createdAt: now });
    await timelineEvent(m, clueId, userId, 'objection_answered', reportId, now);
    await this.audit.record(m, { actorUserId: userId, actorKind: 'user', action: 'report.objection_answered', recordType: 'report', recordId: reportId, details: { clueId } });
    return row;
  }

  /**
   * The reporter objects to the result, once (through the follow-up with the receipt code).
   * @throws DomainError 409 `objection_not_allowed` when no result was sent or an objection exists;
   *   ValidationFailedError for an empty or too long text.
   */
  async object(reportId: number, input: { body?: unknown }): Promise<void> {
    const body = cleanText(input.body);
    if (!body || [...body].length > OBJECTION_MAX) throw new ValidationFailedError({ body: `请填写异议内容（不超过 ${OBJECTION_MAX} 字）` });
    await this.ds.transaction(async (m) => {
      const qb = m.getRepository(ReportFeedback).createQueryBuilder('f').where('f.report_id = :reportId', { reportId });
      if (m.connection.options.type === 'mysql') qb.setLock('pessimistic_write');
      const row = await qb.getOne();
      if (!row?.sentAt || row.objectedAt) throw new DomainError('objection_not_allowed', '对处理结果只能在收到反馈后提出一次异议。', HttpStatus.CONFLICT);
      const now = new Date();
      Object.assign(row, { objectionText: body, objectedAt: now });
      await m.getRepository(ReportFeedback).save(row);
      await m.getRepository(ReportMessage).insert({ reportId, direction: 'from_reporter', body, authorUserId: null, createdAt: now });
      await timelineEvent(m, row.clueId, null, 'objection_raised', reportId, now);
      await this.audit.record(m, { actorUserId: null, actorKind: 'citizen', action: 'report.objection_raised', recordType: 'report', recordId: reportId, details: { clueId: row.clueId } });
    });
  }

  /** The citizen's view of the feedback of a report (null when none is owed). */
  async publicView(reportId: number): Promise<FeedbackPublicView | null> {
    const row = await this.ds.getRepository(ReportFeedback).findOneBy({ reportId });
    if (!row) return null;
    return { result: row.publicText, canObject: !!row.sentAt && !row.objectedAt, objection: row.objectionText, answer: row.answerText };
  }
}
