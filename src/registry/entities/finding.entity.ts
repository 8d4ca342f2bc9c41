import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Household } from './household.entity.js';
import { Official } from './official.entity.js';
import { Person } from './person.entity.js';

export const FINDING_TYPES = ['official_is_recipient', 'declared_kin_recipient', 'undeclared_kin_suspected', 'recusal_breach'] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

export const FINDING_STATUSES = ['open', 'dismissed', 'turned_into_clue', 'resolved_by_data'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** One piece of evidence: a reference to a stored row, no identity numbers. */
export interface FindingEvidence {
  signal: string;
  /** Chinese, one line. */
  text: string;
  ref?: { table: string; id: number; [k: string]: unknown };
}

/**
 * A suspicious match from cross-matching (比对疑点, DESIGN.md §6), identified by
 * (type, official, household, person) — `identityKey` is that tuple, unique. `regionCode` is the
 * household's (scope filter). `score` 0–100; the review list shows scores ≥ the review threshold.
 */
@Entity({ name: 'findings' })
@Index('uq_findings_identity', ['identityKey'], { unique: true })
@Index('idx_findings_region', ['regionCode', 'status', 'score'])
@Index('idx_findings_official', ['officialId'])
@Index('idx_findings_household', ['householdId'])
@Index('idx_findings_run', ['status', 'lastRunId'])
export class Finding {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  /** `<type>:<officialId>:<householdId>:<personId>`. */
  @Column({ name: 'identity_key', type: 'varchar', length: 120 })
  identityKey: string;

  @Column({ type: 'varchar', length: 32 })
  type: FindingType;

  @Column({ name: 'official_id', type: 'integer' })
  officialId: number;

  @ManyToOne(() => Official, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'official_id' })
  official: Relation<Official>;

  @Column({ name: 'household_id', type: 'integer' })
  householdId: number;

  @ManyToOne(() => Household, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'household_id' })
  household: Relation<Household>;

  /** The recipient concerned: the relative, or the official's own person for `official_is_recipient`. */
  @Column({ name: 'person_id', type: 'integer' })
  personId: number;

  @ManyToOne(() => Person, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'person_id' })
  person: Relation<Person>;

  @Column({ name: 'region_code', type: 'varchar', length: 12 })
  regionCode: string;

  @Column({ type: 'integer' })
  score: number;

  /** One readable Chinese sentence. */
  @Column({ type: 'text' })
  explanation: string;

  /** JSON array of {@link FindingEvidence}. */
  @Column({ type: 'text' })
  evidence: string;

  @Column({ type: 'varchar', length: 20 })
  status: FindingStatus;

  @Column({ name: 'dismiss_reason', type: 'text', nullable: true })
  dismissReason: string | null;

  @Column({ name: 'reviewed_by_user_id', type: 'integer', nullable: true })
  reviewedByUserId: number | null;

  @Column({ name: 'reviewed_at', type: 'datetime', precision: 3, nullable: true })
  reviewedAt: Date | null;

  @Column({ name: 'first_run_id', type: 'integer' })
  firstRunId: number;

  @Column({ name: 'last_run_id', type: 'integer' })
  lastRunId: number;

  @Column({ name: 'resolved_at', type: 'datetime', precision: 3, nullable: true })
  resolvedAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
