import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ClueReportLink } from '../clue-enums.js';

/** A report that is part of a clue (a report belongs to at most one clue). */
@Entity({ name: 'clue_reports' })
@Index('uq_clue_reports_report', ['reportId'], { unique: true })
@Index('idx_clue_reports_clue', ['clueId'])
export class ClueReport {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId: number;

  /** `origin` (the clue was created from it), `linked` (joined later), `merged` (came with a merged clue). */
  @Column({ name: 'link_kind', type: 'varchar', length: 16 })
  linkKind: ClueReportLink;

  @Column({ name: 'linked_by_user_id', type: 'integer', nullable: true })
  linkedByUserId: number | null;

  @Column({ name: 'linked_at', type: 'datetime', precision: 3 })
  linkedAt: Date;
}
