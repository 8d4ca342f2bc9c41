import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A message on the follow-up page: staff → reporter, reporter → staff, or a public status line. */
@Entity({ name: 'report_messages' })
@Index('idx_report_messages_report', ['reportId', 'createdAt'])
export class ReportMessage {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId: number;

  /** `to_reporter`, `from_reporter` or `status` (the public wording of an intake action). */
  @Column({ type: 'varchar', length: 16 })
  direction: 'to_reporter' | 'from_reporter' | 'status';

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'author_user_id', type: 'integer', nullable: true })
  authorUserId: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
