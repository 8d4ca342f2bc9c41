import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Report } from './report.entity.js';

/** 被反映人 as named in a tip-off (free text until resolved to an Official). */
@Entity({ name: 'report_subjects' })
@Index('idx_report_subjects_name', ['name'])
export class ReportSubject {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId: number;

  @ManyToOne(() => Report, (r) => r.subjects, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'report_id' })
  report: Relation<Report>;

  @Column({ type: 'integer', default: 0 })
  ordinal: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** 职务 as the citizen wrote it. */
  @Column({ type: 'varchar', length: 100, default: '' })
  position: string;

  @Column({ type: 'varchar', length: 100, default: '' })
  unit: string;
}
