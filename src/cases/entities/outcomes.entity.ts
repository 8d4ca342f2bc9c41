import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/**
 * One outcome for one subject (DESIGN.md §2 `Outcome`): `kind` is `verification` (属实 / 部分属实 /
 * 不实 / 诬告陷害), `party_sanction`, `government_sanction` (the only sanctions, 处分),
 * `first_form_measure`, `organisational_handling`, `accountability` or `prosecution_referral`; `type`
 * the specific measure. Effect periods in months (纪律处分条例 2023; 政务处分法 art. 8).
 */
@Entity({ name: 'matter_outcomes' })
@Index('idx_matter_outcomes_clue', ['clueId', 'subjectId'])
@Index('idx_matter_outcomes_kind', ['kind', 'type'])
export class MatterOutcome {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  /** `clue_subjects.id`. */
  @Column({ name: 'subject_id', type: 'integer' })
  subjectId: number;

  @Column({ type: 'varchar', length: 32 })
  kind: string;

  @Column({ type: 'varchar', length: 40 })
  type: string;

  /** Effect period in months (null: none, or permanent for 开除). */
  @Column({ name: 'effect_months', type: 'integer', nullable: true })
  effectMonths: number | null;

  @Column({ name: 'effect_from', type: 'varchar', length: 10, nullable: true })
  effectFrom: string | null;

  @Column({ name: 'effect_to', type: 'varchar', length: 10, nullable: true })
  effectTo: string | null;

  /** Decision date (or referral date for `prosecution_referral`), `YYYY-MM-DD`. */
  @Column({ name: 'decided_on', type: 'varchar', length: 10, nullable: true })
  decidedOn: string | null;

  /** Date the sanctioned person received the decision (start of the review-request clock). */
  @Column({ name: 'received_on', type: 'varchar', length: 10, nullable: true })
  receivedOn: string | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'recorded_by_user_id', type: 'integer', nullable: true })
  recordedByUserId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}

/** 追缴 / 责令退赔: money recovered, integer fen. */
@Entity({ name: 'matter_recoveries' })
@Index('idx_matter_recoveries_clue', ['clueId'])
export class Recovery {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ name: 'subject_id', type: 'integer', nullable: true })
  subjectId: number | null;

  /** Amount in fen (分), integer > 0. */
  @Column({ name: 'amount_fen', type: 'bigint', transformer: bigintNumber })
  amountFen: number;

  @Column({ name: 'recovered_on', type: 'varchar', length: 10 })
  recoveredOn: string;

  /** `recovered` 追缴 / `restitution` 责令退赔. */
  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'recorded_by_user_id', type: 'integer', nullable: true })
  recordedByUserId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}

/** 停保 / 减保: a dibao household removed or reduced as a result (linked to the roster when known). */
@Entity({ name: 'entitlement_changes' })
@Index('idx_entitlement_changes_clue', ['clueId'])
@Index('idx_entitlement_changes_household', ['householdId'])
export class EntitlementChange {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ name: 'household_id', type: 'integer', nullable: true })
  householdId: number | null;

  /** Who (head's name or the beneficiary as named), for households not in the roster. */
  @Column({ name: 'household_label', type: 'varchar', length: 100 })
  householdLabel: string;

  /** `removed` 停保 / `reduced` 减保. */
  @Column({ type: 'varchar', length: 16 })
  change: string;

  @Column({ name: 'monthly_reduction_fen', type: 'bigint', nullable: true, transformer: bigintNumber })
  monthlyReductionFen: number | null;

  /** `YYYY-MM`. */
  @Column({ name: 'effective_month', type: 'varchar', length: 7 })
  effectiveMonth: string;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'recorded_by_user_id', type: 'integer', nullable: true })
  recordedByUserId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}

/** 整改: a task with owner unit, due date, status, evidence and completion. */
@Entity({ name: 'rectifications' })
@Index('idx_rectifications_clue', ['clueId'])
@Index('idx_rectifications_due', ['status', 'dueDate'])
export class Rectification {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ type: 'text' })
  task: string;

  @Column({ name: 'owner_unit', type: 'varchar', length: 100 })
  ownerUnit: string;

  @Column({ name: 'due_date', type: 'varchar', length: 10 })
  dueDate: string;

  /** `open` / `done`. */
  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ type: 'text', nullable: true })
  evidence: string | null;

  @Column({ name: 'completed_on', type: 'varchar', length: 10, nullable: true })
  completedOn: string | null;

  @Column({ name: 'recorded_by_user_id', type: 'integer', nullable: true })
  recordedByUserId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}

/** 澄清正名 for a subject falsely accused or reported without substance. */
@Entity({ name: 'name_clearings' })
@Index('idx_name_clearings_clue', ['clueId'])
export class NameClearing {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ name: 'subject_id', type: 'integer' })
  subjectId: number;

  @Column({ name: 'cleared_on', type: 'varchar', length: 10 })
  clearedOn: string;

  /** How: 召开澄清会 / 书面通报 / … */
  @Column({ type: 'varchar', length: 100 })
  method: string;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'recorded_by_user_id', type: 'integer', nullable: true })
  recordedByUserId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}

/**
 * 政务处分 复审 (`review`) / 复核 (`re_review`) request (政务处分法 art. 55): the request deadline
 * (1 month from receipt of the decision / of the review decision) and the decision deadline
 * (1 month / 2 months from the request).
 */
@Entity({ name: 'sanction_reviews' })
@Index('idx_sanction_reviews_clue', ['clueId'])
@Index('idx_sanction_reviews_due', ['decidedOn', 'decisionDue'])
export class SanctionReview {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ name: 'outcome_id', type: 'integer' })
  outcomeId: number;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ name: 'requested_on', type: 'varchar', length: 10 })
  requestedOn: string;

  @Column({ name: 'request_due', type: 'varchar', length: 10 })
  requestDue: string;

  @Column({ name: 'decision_due', type: 'varchar', length: 10 })
  decisionDue: string;

  @Column({ name: 'decided_on', type: 'varchar', length: 10, nullable: true })
  decidedOn: string | null;

  /** `upheld` 维持 / `changed` 变更 / `revoked` 撤销. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  result: string | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'recorded_by_user_id', type: 'integer', nullable: true })
  recordedByUserId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
