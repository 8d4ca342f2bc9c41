import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The result feedback owed to a real-name reporter (反馈处理结果, 15 working days from closing;
 * 检举控告工作规则 2020): due date, the public wording sent (also a `to_reporter` message on the
 * follow-up page), the reporter's one objection and the staff answer.
 */
@Entity({ name: 'report_feedbacks' })
@Index('uq_report_feedbacks_report', ['reportId'], { unique: true })
@Index('idx_report_feedbacks_clue', ['clueId'])
@Index('idx_report_feedbacks_due', ['sentAt', 'dueDate'])
export class ReportFeedback {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  /** UTC instant of closing (the clock start). */
  @Column({ name: 'due_from', type: 'datetime', precision: 3 })
  dueFrom: Date;

  @Column({ name: 'due_date', type: 'varchar', length: 10 })
  dueDate: string;

  @Column({ name: 'due_fallback_years', type: 'varchar', length: 50, default: '' })
  dueFallbackYears: string;

  @Column({ name: 'public_text', type: 'text', nullable: true })
  publicText: string | null;

  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true })
  sentAt: Date | null;

  @Column({ name: 'sent_by_user_id', type: 'integer', nullable: true })
  sentByUserId: number | null;

  @Column({ name: 'objection_text', type: 'text', nullable: true })
  objectionText: string | null;

  @Column({ name: 'objected_at', type: 'datetime', precision: 3, nullable: true })
  objectedAt: Date | null;

  @Column({ name: 'answer_text', type: 'text', nullable: true })
  answerText: string | null;

  @Column({ name: 'answered_at', type: 'datetime', precision: 3, nullable: true })
  answeredAt: Date | null;

  @Column({ name: 'answered_by_user_id', type: 'integer', nullable: true })
  answeredByUserId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
