import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Household } from './household.entity.js';
import { Person } from './person.entity.js';

export const APPROVAL_STEPS = ['home_visit', 'review', 'approval'] as const;
/** 入户调查 home_visit / 审核 review / 审批 approval. */
export type ApprovalStep = (typeof APPROVAL_STEPS)[number];

export const APPROVAL_STEP_LABELS: Readonly<Record<ApprovalStep, string>> = { home_visit: '入户调查', review: '审核', approval: '审批' };

/** Who did one step of a household's application, and when (from the approvals list). */
@Entity({ name: 'approval_records' })
@Index('uq_approval_records', ['householdId', 'step', 'personId', 'date'], { unique: true })
@Index('idx_approval_records_person', ['personId'])
export class ApprovalRecord {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'household_id', type: 'integer' })
  householdId: number;

  @ManyToOne(() => Household, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'household_id' })
  household: Relation<Household>;

  @Column({ type: 'varchar', length: 16 })
  step: ApprovalStep;

  /** The person who did the step (normally an official). */
  @Column({ name: 'person_id', type: 'integer' })
  personId: number;

  @ManyToOne(() => Person, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'person_id' })
  person: Relation<Person>;

  /** `YYYY-MM-DD`. */
  @Column({ type: 'varchar', length: 10 })
  date: string;

  @Column({ name: 'import_job_id', type: 'integer', nullable: true })
  importJobId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
