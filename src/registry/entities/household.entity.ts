import { Column, Entity, Index, OneToMany, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { bigintNumber, booleanFlag } from '../../database/transformers.js';
import { HouseholdMember } from './household-member.entity.js';

export type HouseholdStatus = 'active' | 'closed';

/**
 * An allowance household (低保户) from the roster, identified by (region, programme, 户编号).
 * `monthlyAmountFen` is the household's monthly amount in integer fen (元 × 100), counted once per
 * household although the roster repeats it on every member row.
 */
@Entity({ name: 'households' })
@Index('uq_households_key', ['regionCode', 'programme', 'householdNo'], { unique: true })
@Index('idx_households_no', ['householdNo'])
@Index('idx_households_scope', ['programme', 'regionCode', 'status'])
@Index('idx_households_register', ['registerNo'])
@Index('idx_households_address', ['regionCode', 'addressKey'])
@Index('idx_households_changed', ['changedAtMs'])
export class Household {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'region_code', type: 'varchar', length: 12 })
  regionCode: string;

  /** 保障类别, e.g. 农村低保. */
  @Column({ type: 'varchar', length: 50 })
  programme: string;

  /** 户编号. */
  @Column({ name: 'household_no', type: 'varchar', length: 64 })
  householdNo: string;

  /** 户籍编号 (household register number), when given. */
  @Column({ name: 'register_no', type: 'varchar', length: 64, nullable: true })
  registerNo: string | null;

  @Column({ type: 'varchar', length: 200, default: '' })
  address: string;

  @Column({ name: 'address_key', type: 'varchar', length: 200, nullable: true })
  addressKey: string | null;

  /** 保障人数. */
  @Column({ type: 'integer' })
  size: number;

  /** 月保障金额 in fen (integer). */
  @Column({ name: 'monthly_amount_fen', type: 'bigint', transformer: bigintNumber })
  monthlyAmountFen: number;

  /** 起始年月 `YYYY-MM`. */
  @Column({ name: 'period_start', type: 'varchar', length: 7, nullable: true })
  periodStart: string | null;

  @Column({ type: 'varchar', length: 10 })
  status: HouseholdStatus;

  /** 近亲属备案: the application was separately filed as a relative's (是). */
  @Column({ name: 'filed_as_relative', type: 'boolean', default: false, transformer: booleanFlag })
  filedAsRelative: boolean;

  /** The latest roster month (`YYYY-MM`) that listed this household. */
  @Column({ name: 'last_month', type: 'varchar', length: 7 })
  lastMonth: string;

  /** The roster month from which it no longer appeared (closed), or null. */
  @Column({ name: 'closed_month', type: 'varchar', length: 7, nullable: true })
  closedMonth: string | null;

  /** SHA-256 of the household's data and members as last imported (unchanged re-imports are no-ops). */
  @Column({ name: 'content_hash', type: 'varchar', length: 64 })
  contentHash: string;

  @Column({ name: 'last_import_job_id', type: 'integer', nullable: true })
  lastImportJobId: number | null;

  @Column({ name: 'changed_at_ms', type: 'bigint', transformer: bigintNumber })
  changedAtMs: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @OneToMany(() => HouseholdMember, (m) => m.household)
  members: Relation<HouseholdMember[]>;
}
