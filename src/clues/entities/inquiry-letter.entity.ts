import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One inquiry letter (函询函) of a clue disposed of by 谈话函询, addressed to one of its subjects
 * (`clue_subjects` row of the same clue) — 中国共产党纪律检查机关监督执纪工作规则 2019 art. 28: the subject
 * answers in writing within 15 working days of receiving the letter. Dates are calendar dates
 * `YYYY-MM-DD` (Asia/Shanghai). `replyDue` is stored once receipt (签收) is recorded — the day of receipt
 * not counted, working days on the official calendar with 调休 — and recomputed when an administrator
 * loads a year's holiday schedule; `replyDueFallbackYears` lists the years counted with weekends only
 * (comma-separated, '' when none). A letter is open until its reply is recorded.
 */
@Entity({ name: 'inquiry_letters' })
@Index('idx_inquiry_letters_clue', ['clueId', 'subjectId'])
@Index('idx_inquiry_letters_due', ['repliedOn', 'replyDue'])
export class InquiryLetter {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  /** `clue_subjects.id` of the same clue: the person the letter is addressed to (被函询人). */
  @Column({ name: 'subject_id', type: 'integer' })
  subjectId: number;

  /** 发函日期. */
  @Column({ name: 'sent_on', type: 'varchar', length: 10 })
  sentOn: string;

  @Column({ name: 'sent_recorded_by_user_id', type: 'integer' })
  sentRecordedByUserId: number;

  /** 签收日期: the start of the reply clock (null until recorded). */
  @Column({ name: 'received_on', type: 'varchar', length: 10, nullable: true })
  receivedOn: string | null;

  @Column({ name: 'received_recorded_by_user_id', type: 'integer', nullable: true })
  receivedRecordedByUserId: number | null;

  /** Reply due date (`inquiry_reply`: 15 working days from receipt), null until receipt is recorded. */
  @Column({ name: 'reply_due', type: 'varchar', length: 10, nullable: true })
  replyDue: string | null;

  @Column({ name: 'reply_due_fallback_years', type: 'varchar', length: 50, default: '' })
  replyDueFallbackYears: string;

  /** Date the written reply (说明材料) came back. */
  @Column({ name: 'replied_on', type: 'varchar', length: 10, nullable: true })
  repliedOn: string | null;

  /** Short summary of the reply (cleaned text, at most MATTER_TEXT_LIMITS.note code points). */
  @Column({ name: 'reply_summary', type: 'text', nullable: true })
  replySummary: string | null;

  @Column({ name: 'reply_recorded_by_user_id', type: 'integer', nullable: true })
  replyRecordedByUserId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
