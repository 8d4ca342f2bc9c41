import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';
import type { KinSource, KinType } from '../kin-types.js';
import { Official } from './official.entity.js';
import { Person } from './person.entity.js';

/**
 * A typed edge of the kinship graph (DESIGN.md §6): `relative` is the `type` of `person`
 * (刘建国 → 刘小军 : child). `source` says where the edge comes from; a declared edge names the
 * official whose 近亲属备案 declared it. Staff declaring their own relatives (access control) use
 * the same table with `declaredByOfficialId` null and `person` = the staff member's person.
 */
@Entity({ name: 'kin_relations' })
@Index('uq_kin_relations_edge', ['personId', 'relativePersonId', 'type', 'source'], { unique: true })
@Index('idx_kin_relations_relative', ['relativePersonId'])
@Index('idx_kin_relations_official', ['declaredByOfficialId'])
export class KinRelation {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'person_id', type: 'integer' })
  personId: number;

  @ManyToOne(() => Person, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'person_id' })
  person: Relation<Person>;

  @Column({ name: 'relative_person_id', type: 'integer' })
  relativePersonId: number;

  @ManyToOne(() => Person, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'relative_person_id' })
  relative: Relation<Person>;

  @Column({ type: 'varchar', length: 32 })
  type: KinType;

  /** The label as written by the source (`兄弟姐妹`, `舅舅(父母的兄弟姐妹)`). */
  @Column({ type: 'varchar', length: 50, default: '' })
  label: string;

  @Column({ type: 'varchar', length: 20 })
  source: KinSource;

  @Column({ name: 'declared_by_official_id', type: 'integer', nullable: true })
  declaredByOfficialId: number | null;

  @ManyToOne(() => Official, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'declared_by_official_id' })
  declaredByOfficial: Relation<Official> | null;

  /** `YYYY-MM-DD` (the declaration date for declared edges) or null. */
  @Column({ name: 'valid_from', type: 'varchar', length: 10, nullable: true })
  validFrom: string | null;

  @Column({ name: 'valid_to', type: 'varchar', length: 10, nullable: true })
  validTo: string | null;

  @Column({ name: 'changed_at_ms', type: 'bigint', transformer: bigintNumber })
  changedAtMs: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
