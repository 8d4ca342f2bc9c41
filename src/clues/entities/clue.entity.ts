import { Column, Entity, Index, OneToMany, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import type { ProblemCategory } from '../../reports/report-enums.js';
import type { ClueSource, Conclusion, DisposalMethod, MatterStatus } from '../clue-enums.js';
import { ClueSubject } from './clue-subject.entity.js';
import { ClueBeneficiary } from './clue-beneficiary.entity.js';

/**
 * A clue (问题线索, DESIGN.md §2): the unit of disposal. Made of one or more accepted reports, a
 * cross-matching finding, or another source. `status` is the state of the whole matter (§4): after
 * filing, a `Case` row carries the number and the clue's status follows the case.
 *
 * The current statutory clock: `dueClock` names it, `dueDate` is its last day (`YYYY-MM-DD`,
 * Asia/Shanghai; ends at 24:00), `dueFallbackYears` the years counted without an official schedule.
 */
@Entity({ name: 'clues' })
@Index('idx_clues_region_status', ['regionCode', 'status'])
@Index('idx_clues_due', ['dueDate'])
@Index('idx_clues_assigned_registered', ['assignedUserId', 'registeredAt'])
@Index('idx_clues_assigned_scope', ['assignedUserId', 'status', 'regionCode', 'mergedIntoId'])
@Index('idx_clues_finding', ['findingId'])
export class Clue {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'varchar', length: 16 })
  source: ClueSource;

  /** For source `finding`: the finding turned into this clue. */
  @Column({ name: 'finding_id', type: 'integer', nullable: true })
  findingId: number | null;

  @Column({ type: 'varchar', length: 32 })
  status: MatterStatus;

  @Column({ type: 'varchar', length: 32, nullable: true })
  category: ProblemCategory | null;

  /** 12-digit division code of the matter (the report's or the household's); the scope filter. */
  @Column({ name: 'region_code', type: 'varchar', length: 12 })
  regionCode: string;

  @Column({ name: 'region_level', type: 'integer' })
  regionLevel: number;

  /** The office handling the matter, when known. */
  @Column({ name: 'office_id', type: 'integer', nullable: true })
  officeId: number | null;

  /** Staff summary (internal). For a finding: its explanation. */
  @Column({ type: 'text', nullable: true })
  summary: string | null;

  @Column({ name: 'disposal_method', type: 'varchar', length: 32, nullable: true })
  disposalMethod: DisposalMethod | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  conclusion: Conclusion | null;

  /** For `transferred`: the organ or department it was handed to. */
  @Column({ name: 'transferred_to', type: 'varchar', length: 100, nullable: true })
  transferredTo: string | null;

  /** The handler (承办人) the matter is assigned to. */
  @Column({ name: 'assigned_user_id', type: 'integer', nullable: true })
  assignedUserId: number | null;

  @Column({ name: 'created_by_user_id', type: 'integer', nullable: true })
  createdByUserId: number | null;

  /** UTC instant of registration (the start of the 1-month disposal clock). */
  @Column({ name: 'registered_at', type: 'datetime', precision: 3 })
  registeredAt: Date;

  /** UTC instant the current state was entered (the start of its clock). */
  @Column({ name: 'state_entered_at', type: 'datetime', precision: 3 })
  stateEnteredAt: Date;

  @Column({ name: 'due_clock', type: 'varchar', length: 40, nullable: true })
  dueClock: string | null;

  @Column({ name: 'due_date', type: 'varchar', length: 10, nullable: true })
  dueDate: string | null;

  @Column({ name: 'due_fallback_years', type: 'varchar', length: 50, default: '' })
  dueFallbackYears: string;

  /** Set when this clue was merged into another (it then leaves every list and takes no transition). */
  @Column({ name: 'merged_into_id', type: 'integer', nullable: true })
  mergedIntoId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @OneToMany(() => ClueSubject, (s) => s.clue)
  subjects: Relation<ClueSubject[]>;

  @OneToMany(() => ClueBeneficiary, (b) => b.clue)
  beneficiaries: Relation<ClueBeneficiary[]>;
}
