import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** History of a report at intake: received, accepted, forwarded (from → to office), etc. */
@Entity({ name: 'report_events' })
@Index('idx_report_events_report', ['reportId', 'createdAt'])
export class ReportEvent {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId: number;

  @Column({ type: 'varchar', length: 32 })
  action: string;

  @Column({ name: 'actor_user_id', type: 'integer', nullable: true })
  actorUserId: number | null;

  @Column({ name: 'from_office_id', type: 'integer', nullable: true })
  fromOfficeId: number | null;

  @Column({ name: 'to_office_id', type: 'integer', nullable: true })
  toOfficeId: number | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
