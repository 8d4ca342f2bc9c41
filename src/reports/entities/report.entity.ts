import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn, type Relation } from 'typeorm';
import { booleanFlag } from '../../database/transformers.js';
import type { ProblemCategory, ReportChannel, ReportKind, ReportStatus } from '../report-enums.js';
import { ReportSubject } from './report-subject.entity.js';
import { ReportBeneficiary } from './report-beneficiary.entity.js';

/**
 * A tip-off (检举控告) as received. The reporter's identity lives encrypted in `reporter_identities`;
 * the receipt code only as an HMAC. Due dates are calendar days (YYYY-MM-DD, Asia/Shanghai).
 */
@Entity({ name: 'reports' })
@Index('idx_reports_office_status', ['officeId', 'status', 'receivedAt'])
@Index('idx_reports_region', ['regionCode'])
// The overdue report obligations of the leaders' overdue list (migration 1764405620000).
@Index('idx_reports_ack_open', ['acknowledgedAt', 'ackDue'])
@Index('idx_reports_status_forward', ['status', 'forwardDue'])
export class Report {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  /** HMAC-SHA256 of the 16-digit receipt code, lower-case hex. */
  @Column({ name: 'receipt_hmac', type: 'varchar', length: 64, unique: true })
  receiptHmac: string;

  @Column({ type: 'varchar', length: 20 })
  kind: ReportKind;

  @Column({ type: 'varchar', length: 32 })
  category: ProblemCategory;

  @Column({ type: 'varchar', length: 16 })
  channel: ReportChannel;

  @Column({ name: 'region_code', type: 'varchar', length: 12 })
  regionCode: string;

  @Column({ name: 'region_level', type: 'integer' })
  regionLevel: number;

  /** The office that currently handles it (changes on forwarding). */
  @Column({ name: 'office_id', type: 'integer' })
  officeId: number;

  @Column({ type: 'varchar', length: 20 })
  status: ReportStatus;

  @Column({ type: 'boolean', transformer: booleanFlag })
  anonymous: boolean;

  @Column({ type: 'text' })
  description: string;

  /** Free text as the citizen wrote it ("2024年起"). */
  @Column({ name: 'happened_at', type: 'varchar', length: 200, default: '' })
  happenedAt: string;

  /** When the current office received it (UTC). Reset on forwarding. */
  @Column({ name: 'received_at', type: 'datetime', precision: 3 })
  receivedAt: Date;

  /** Acknowledge a real-name report: 15 working days from receipt (检举控告工作规则 2020). Null for anonymous. */
  @Column({ name: 'ack_due', type: 'varchar', length: 10, nullable: true })
  ackDue: string | null;

  /** Forward up/down: 5 working days from receipt. */
  @Column({ name: 'forward_due', type: 'varchar', length: 10 })
  forwardDue: string;

  /** Years (comma-separated) whose calendar was not known when the due dates were computed (weekends only). */
  @Column({ name: 'due_fallback_years', type: 'varchar', length: 50, default: '' })
  dueFallbackYears: string;

  @Column({ name: 'acknowledged_at', type: 'datetime', precision: 3, nullable: true })
  acknowledgedAt: Date | null;

  @Column({ name: 'repeat_of_id', type: 'integer', nullable: true })
  repeatOfId: number | null;

  /** For `referred_out`: the receiving organ (民政/公安 …). */
  @Column({ name: 'referred_to', type: 'varchar', length: 100, nullable: true })
  referredTo: string | null;

  /** Staff user who registered an offline report (letter/visit/phone); null for web. */
  @Column({ name: 'registered_by', type: 'integer', nullable: true })
  registeredBy: number | null;

  /** The staff user assigned to handle it (承办人), or null; set by a leader (src/access/policies/reports.policy.ts). */
  @Column({ name: 'assigned_user_id', type: 'integer', nullable: true })
  assignedUserId: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @OneToMany(() => ReportSubject, (s) => s.report, { cascade: ['insert'] })
  subjects: Relation<ReportSubject[]>;

  @OneToMany(() => ReportBeneficiary, (b) => b.report, { cascade: ['insert'] })
  beneficiaries: Relation<ReportBeneficiary[]>;
}
