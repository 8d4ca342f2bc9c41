import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { bigintNumber, booleanFlag } from '../../database/transformers.js';
import type { OfficialRole } from '../official-roles.js';
import { Person } from './person.entity.js';

/**
 * A post held by a person whose relatives are watched (公职人员 / 村干部 / 低保经办人员, DESIGN.md §2).
 * One row per (person, region, role); a person may hold several posts.
 */
@Entity({ name: 'officials' })
@Index('uq_officials_post', ['personId', 'regionCode', 'role'], { unique: true })
@Index('idx_officials_region', ['regionCode'])
@Index('idx_officials_register', ['householdRegisterNo'])
@Index('idx_officials_address', ['regionCode', 'addressKey'])
@Index('idx_officials_changed', ['changedAtMs'])
export class Official {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'person_id', type: 'integer' })
  personId: number;

  @ManyToOne(() => Person, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'person_id' })
  person: Relation<Person>;

  @Column({ type: 'varchar', length: 32 })
  role: OfficialRole;

  /** 职务 as written, e.g. 村党支部书记. */
  @Column({ type: 'varchar', length: 100, default: '' })
  position: string;

  /** 工作单位 (may be empty: the region says where). */
  @Column({ type: 'varchar', length: 100, default: '' })
  unit: string;

  /** 12-digit division code of the post. */
  @Column({ name: 'region_code', type: 'varchar', length: 12 })
  regionCode: string;

  @Column({ name: 'region_level', type: 'integer' })
  regionLevel: number;

  /** `YYYY-MM-DD` or null. */
  @Column({ name: 'term_start', type: 'varchar', length: 10, nullable: true })
  termStart: string | null;

  /** `YYYY-MM-DD`; null while in office. */
  @Column({ name: 'term_end', type: 'varchar', length: 10, nullable: true })
  termEnd: string | null;

  @Column({ name: 'party_member', type: 'boolean', default: false, transformer: booleanFlag })
  partyMember: boolean;

  /** 户籍编号 of the official's own household register, when the list gives it. */
  @Column({ name: 'household_register_no', type: 'varchar', length: 64, nullable: true })
  householdRegisterNo: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  address: string | null;

  /** {@link addressKey} of `address`. */
  @Column({ name: 'address_key', type: 'varchar', length: 200, nullable: true })
  addressKey: string | null;

  /** Epoch milliseconds of the last change that matters to the matcher (incremental runs). */
  @Column({ name: 'changed_at_ms', type: 'bigint', transformer: bigintNumber })
  changedAtMs: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
