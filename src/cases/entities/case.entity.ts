import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A filed case (立案, DESIGN.md §4), one per clue. `caseNumber` = county code + year + sequence
 * (`430421-2026-0001`), unique per county and year and gap-free: the sequence comes from the
 * `case_number_counters` row locked in the filing transaction. The matter's state is the clue's.
 */
@Entity({ name: 'cases' })
@Index('uq_cases_clue', ['clueId'], { unique: true })
@Index('uq_cases_number', ['caseNumber'], { unique: true })
@Index('uq_cases_seq', ['countyCode', 'year', 'seq'], { unique: true })
export class Case {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ name: 'case_number', type: 'varchar', length: 32 })
  caseNumber: string;

  /** First 6 digits of the matter's region code. */
  @Column({ name: 'county_code', type: 'varchar', length: 6 })
  countyCode: string;

  /** Year of filing in Asia/Shanghai. */
  @Column({ type: 'integer' })
  year: number;

  @Column({ type: 'integer' })
  seq: number;

  @Column({ name: 'filed_at', type: 'datetime', precision: 3 })
  filedAt: Date;

  @Column({ name: 'proposed_by_user_id', type: 'integer', nullable: true })
  proposedByUserId: number | null;

  @Column({ name: 'approved_by_user_id', type: 'integer', nullable: true })
  approvedByUserId: number | null;

  /** The second investigator (two-person rule, 监督执纪工作规则). */
  @Column({ name: 'co_handler_user_id', type: 'integer', nullable: true })
  coHandlerUserId: number | null;

  /** Date the decision was announced (宣布), `YYYY-MM-DD`. */
  @Column({ name: 'announced_on', type: 'varchar', length: 10, nullable: true })
  announcedOn: string | null;

  @Column({ name: 'closed_at', type: 'datetime', precision: 3, nullable: true })
  closedAt: Date | null;
}
