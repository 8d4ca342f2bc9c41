import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Report } from './report.entity.js';

/** 受益人: who received the allowance improperly (or was denied it, for 漏保). */
@Entity({ name: 'report_beneficiaries' })
@Index('idx_report_beneficiaries_name', ['name'])
export class ReportBeneficiary {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId: number;

  @ManyToOne(() => Report, (r) => r.beneficiaries, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'report_id' })
  report: Relation<Report>;

  @Column({ type: 'integer', default: 0 })
  ordinal: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** Relation to the subject as the citizen wrote it. */
  @Column({ type: 'varchar', length: 100, default: '' })
  relation: string;
}
