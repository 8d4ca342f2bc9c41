import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { booleanFlag } from '../../database/transformers.js';
import type { OfficialRole } from '../../registry/official-roles.js';
import { Clue } from './clue.entity.js';

/**
 * 被反映人 of a clue: free text until identified, then linked to an `Official` (and its `Person`).
 * The position role decides which government sanctions are allowed (managers of village/residents'
 * committees, `SANCTION_LIMITED_ROLES`: only 警告/记过/记大过, 政务处分法 art. 22; DESIGN.md §4):
 * `officialRole` is the linked official's role (copied on linking), `positionRole` the role the handler
 * states for a free-text subject — for a linked subject it holds the official's role too (the registry
 * wins; a different stated role is refused). {@link sanctionRoleOf} gives the role the rule uses.
 * `partyMember` decides whether party sanctions are allowed.
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

  /** Stated 身份类别 (an `OFFICIAL_ROLES` code) or null when unknown; equals `officialRole` once linked. */
  @Column({ name: 'position_role', type: 'varchar', length: 32, nullable: true })
  positionRole: OfficialRole | null;

  @Column({ name: 'party_member', type: 'boolean', default: false, transformer: booleanFlag })
  partyMember: boolean;
}

/** The role the sanction rule uses: the linked official's role, else the stated one, else null (unknown). */
export function sanctionRoleOf(s: Pick<ClueSubject, 'officialRole' | 'positionRole'>): OfficialRole | null {
  return s.officialRole ?? s.positionRole ?? null;
}
