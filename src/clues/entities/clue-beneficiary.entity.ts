import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Clue } from './clue.entity.js';

/** 受益人 of a clue, optionally linked to the roster `Household` (and the member's `Person`). */
@Entity({ name: 'clue_beneficiaries' })
@Index('idx_clue_beneficiaries_clue', ['clueId'])
@Index('idx_clue_beneficiaries_name', ['name'])
@Index('idx_clue_beneficiaries_household', ['householdId'])
export class ClueBeneficiary {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @ManyToOne(() => Clue, (c) => c.beneficiaries, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'clue_id' })
  clue: Relation<Clue>;

  @Column({ type: 'integer', default: 0 })
  ordinal: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 100, default: '' })
  relation: string;

  @Column({ name: 'household_id', type: 'integer', nullable: true })
  householdId: number | null;

  @Column({ name: 'person_id', type: 'integer', nullable: true })
  personId: number | null;
}
