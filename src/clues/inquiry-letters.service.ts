import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { InvalidStateError, NotFoundError, ValidationFailedError, type FieldErrors } from '../common/domain-error.js';
import { CalendarService, formatFallbackYears } from '../regions/calendar.service.js';
import type { User } from '../users/entities/user.entity.js';
import { MATTER_STATUSES } from './clue-enums.js';
import { ClueSubject } from './entities/clue-subject.entity.js';
import { Clue } from './entities/clue.entity.js';
import { InquiryLetter } from './entities/inquiry-letter.entity.js';
import { openInquiryLetters, shanghaiNoon } from './inquiry-letter-rules.js';
import { dueDateOf } from './matter-clocks.js';
import { checkDate, checkText, inputId, MATTER_TEXT_LIMITS } from './matter-input.js';
import { ForbiddenTransitionError, MattersService } from './matters.service.js';

/**
 * The 函询 step of a clue disposed of by 谈话函询 (DESIGN.md §4; 中国共产党纪律检查机关监督执纪工作规则 2019
 * art. 28): the letter sent to a subject, its receipt (签收) — which starts the reply clock
 * `inquiry_reply`, 15 working days, the day of receipt not counted — and the written reply.
 *
 * Who and when, for every step: only while the matter is in `talk_inquiry` with disposal method
 * `talk_inquiry` (else 409 `invalid_transition`), by a `case_handler` (else 403 `role_not_allowed`) who is
 * the assigned handler (else 403 `not_assigned`); outside scope, absent and recused are the same 404
 * (through {@link MattersService.withClue}, which locks the clue row, so concurrent steps serialise).
 * Every step is one transaction with its timeline event and audit event (ids and dates only — no names,
 * no reply text in the audit).
 */
@Injectable()
export class InquiryLettersService {
  constructor(
    private readonly matters: MattersService,
    private readonly audit: AuditService,
    private readonly calendar: CalendarService,
  ) {}

  /**
   * Records a letter sent to `subjectId` (a subject of this clue) on `sentOn`, optionally with its
   * receipt `receivedOn` (then the reply due date is computed and stored).
   * Input `{ subjectId: number, sentOn: 'YYYY-MM-DD', receivedOn?: 'YYYY-MM-DD' }`; dates real, not in the
   * future (Asia/Shanghai), `receivedOn ≥ sentOn`.
   * @throws ValidationFailedError 422 `subjectId` (not a subject of this clue) / `sentOn` / `receivedOn`;
   *   InvalidStateError 409 `inquiry_letter_open` when the subject already has a letter awaiting its reply;
   *   plus the refusals of the class doc.
   */
  async send(user: User, clueId: number, input: { subjectId?: unknown; sentOn?: unknown; receivedOn?: unknown }): Promise<InquiryLetter> {
    return this.matters.withClue(user, clueId, 'inquiry_letter', async (m, clue) => {
      this.assertMayRecord(user, clue);
      const fields: FieldErrors = {};
      const sid = inputId(input.subjectId);
      const subject = sid ? await m.getRepository(ClueSubject).findOneBy({ id: sid, clueId: clue.id }) : null;
      if (!subject) fields.subjectId = '请选择本线索的被反映人（被函询人）';
      const sentOn = checkDate(fields, 'sentOn', input.sentOn, { required: '请填写发函日期（YYYY-MM-DD）', notFuture: true });
      const receivedOn = checkDate(fields, 'receivedOn', input.receivedOn, { notFuture: true });
      if (sentOn && receivedOn && receivedOn < sentOn) fields.receivedOn = '签收日期不能早于发函日期';
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      if ((await openInquiryLetters(m, clue.id)).some((l) => l.subjectId === subject!.id)) {
        throw new InvalidStateError('该被反映人已有一份函询函尚未回复；收到回复并登记后才能再次函询。', 'inquiry_letter_open');
      }
      const now = new Date();
      const letter = m.getRepository(InquiryLetter).create({
        clueId: clue.id,
        subjectId: subject!.id,
        sentOn: sentOn!,
        sentRecordedByUserId: user.id,
        receivedOn: null,
        receivedRecordedByUserId: null,
        replyDue: null,
        replyDueFallbackYears: '',
        repliedOn: null,
        replySummary: null,
        replyRecordedByUserId: null,
        createdAt: now,
        updatedAt: now,
      });
      if (receivedOn) this.setReceipt(letter, receivedOn, user.id);
      await m.getRepository(InquiryLetter).save(letter);
      await this.record(m, user, clue, 'inquiry_sent', { letterId: letter.id, subjectId: letter.subjectId, sentOn: letter.sentOn, receivedOn: letter.receivedOn, replyDue: letter.replyDue });
      return letter;
    });
  }

  /**
   * Records the date the subject received (signed for) letter `letterId`: `{ receivedOn }`, real, not in
   * the future, not before the letter was sent. Stores the reply due date.
   * @throws NotFoundError (no such letter on this clue); InvalidStateError 409 `inquiry_receipt_recorded`
   *   when already recorded; ValidationFailedError 422 `receivedOn`; plus the refusals of the class doc.
   */
  async recordReceipt(user: User, clueId: number, letterId: number, input: { receivedOn?: unknown }): Promise<InquiryLetter> {
    return this.matters.withClue(user, clueId, 'inquiry_letter', async (m, clue) => {
      this.assertMayRecord(user, clue);
      const letter = await this.letterOf(m, clue, letterId);
      if (letter.receivedOn) throw new InvalidStateError(`该函询函的签收日期已登记（${letter.receivedOn}）。`, 'inquiry_receipt_recorded');
      const fields: FieldErrors = {};
      const receivedOn = checkDate(fields, 'receivedOn', input.receivedOn, { required: '请填写签收日期（YYYY-MM-DD）', notFuture: true });
      if (receivedOn && receivedOn < letter.sentOn) fields.receivedOn = `签收日期不能早于发函日期（${letter.sentOn}）`;
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      this.setReceipt(letter, receivedOn!, user.id);
      await m.getRepository(InquiryLetter).save(letter);
      await this.record(m, user, clue, 'inquiry_received', { letterId: letter.id, subjectId: letter.subjectId, receivedOn: letter.receivedOn, replyDue: letter.replyDue });
      return letter;
    });
  }

  /**
   * Records the subject's written reply to letter `letterId`: `{ repliedOn, summary }` — `repliedOn` real,
   * not in the future, not before receipt; `summary` required, cleaned, at most
   * {@link MATTER_TEXT_LIMITS}.note (2000) code points. Closes the letter (and its clock).
   * @throws NotFoundError (no such letter on this clue); InvalidStateError 409 `inquiry_receipt_missing`
   *   (receipt not recorded yet) / `inquiry_reply_recorded` (already replied); ValidationFailedError 422
   *   `repliedOn` / `summary`; plus the refusals of the class doc.
   */
  async recordReply(user: User, clueId: number, letterId: number, input: { repliedOn?: unknown; summary?: unknown }): Promise<InquiryLetter> {
    return this.matters.withClue(user, clueId, 'inquiry_letter', async (m, clue) => {
      this.assertMayRecord(user, clue);
      const letter = await this.letterOf(m, clue, letterId);
      if (letter.repliedOn) throw new InvalidStateError(`该函询函的回复已登记（${letter.repliedOn}）。`, 'inquiry_reply_recorded');
      if (!letter.receivedOn) throw new InvalidStateError('请先登记被函询人签收函询函的日期，再登记回复。', 'inquiry_receipt_missing');
      const fields: FieldErrors = {};
      const repliedOn = checkDate(fields, 'repliedOn', input.repliedOn, { required: '请填写回复日期（YYYY-MM-DD）', notFuture: true });
      if (repliedOn && repliedOn < letter.receivedOn) fields.repliedOn = `回复日期不能早于签收日期（${letter.receivedOn}）`;
      const summary = checkText(fields, 'summary', input.summary, MATTER_TEXT_LIMITS.note, '请填写回复内容摘要');
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      Object.assign(letter, { repliedOn, replySummary: summary, replyRecordedByUserId: user.id, updatedAt: new Date() });
      await m.getRepository(InquiryLetter).save(letter);
      await this.record(m, user, clue, 'inquiry_replied', { letterId: letter.id, subjectId: letter.subjectId, repliedOn, onTime: repliedOn! <= letter.replyDue! });
      return letter;
    });
  }

  // ---------------------------------------------------------------------------------------------

  private assertMayRecord(user: User, clue: Clue): void {
    if (clue.status !== 'talk_inquiry' || clue.disposalMethod !== 'talk_inquiry') {
      throw new InvalidStateError(`只有处置方式为谈话函询、处于“谈话函询”阶段的线索才能登记函询。当前状态为“${MATTER_STATUSES[clue.status]}”。`, 'invalid_transition');
    }
    if (!user.hasRole('case_handler')) throw new ForbiddenTransitionError('role_not_allowed', '您的角色不能登记函询（须由承办人登记）。');
    if (clue.assignedUserId !== user.id) throw new ForbiddenTransitionError('not_assigned', '只有本线索的承办人才能登记函询。');
  }

  private async letterOf(m: EntityManager, clue: Clue, letterId: number): Promise<InquiryLetter> {
    const letter = await m.getRepository(InquiryLetter).findOneBy({ id: letterId, clueId: clue.id });
    if (!letter) throw new NotFoundError('未找到该函询函');
    return letter;
  }

  /** Receipt and the reply due date: `inquiry_reply` from the day of receipt (not counted), official calendar with 调休. */
  private setReceipt(letter: InquiryLetter, receivedOn: string, userId: number): void {
    const due = dueDateOf(this.calendar, 'inquiry_reply', shanghaiNoon(receivedOn));
    Object.assign(letter, { receivedOn, receivedRecordedByUserId: userId, replyDue: due.due, replyDueFallbackYears: formatFallbackYears(due.fallbackYears), updatedAt: new Date() });
  }

  private async record(m: EntityManager, user: User, clue: Clue, action: string, details: Record<string, unknown>): Promise<void> {
    await m.getRepository(Clue).update({ id: clue.id }, { updatedAt: new Date() });
    await this.matters.event(m, clue, user.id, action, null, null, details);
    await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: `clue.${action}`, recordType: 'clue', recordId: clue.id, details });
  }
}
