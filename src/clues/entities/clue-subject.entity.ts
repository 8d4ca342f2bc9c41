import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { booleanFlag } from '../../database/transformers.js';
import type { OfficialRole } from '../../registry/official-roles.js';
import { Clue } from './clue.entity.js';

/**
 * 被反映人 of a clue: free text until identified, then linked to an `Official` (and its `Person`).
 * `officialRole` decides which sanctions are allowed (village/residents' committee managers: only
 * 警告/记过/记大过, 政务处分法 art. 22 via DESIGN.md §4); `partyMember` whether party sanctions are.
 */
@Entity({ name: 'clue_subjects' })
@Index('idx_clue_subjects_clue', ['clueId'])
@Index('idx_clue_subjects_name', ['name'])
@Index('idx_clue_subjects_official', ['officialId'])
export class ClueSubject {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @ManyToOne(() => Clue, (c) => c.subjects, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'clue_id' })
  clue: Relation<Clue>;

  @Column({ type: 'integer', default: 0 })
  ordinal: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 100, default: '' })
  position: string;

  @Column({ type: 'varchar', length: 100, default: '' })
  unit: string;

  @Column({ name: 'official_id', type: 'integer', nullable: true })
  officialId: number | null;

  @Column({ name: 'person_id', type: 'integer', nullable: true })
  personId: number | null;

  @Column({ name: 'official_role', type: 'varchar', length: 32, nullable: true })
  officialRole: OfficialRole | null;

  @Column({ name: 'party_member', type: 'boolean', default: false, transformer: booleanFlag })
  partyMember: boolean;
}
