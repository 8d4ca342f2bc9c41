import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { booleanFlag } from '../../database/transformers.js';
import { Household } from './household.entity.js';
import { Person } from './person.entity.js';

/** A covered person of a household (roster member row). */
@Entity({ name: 'household_members' })
@Index('uq_household_members', ['householdId', 'personId'], { unique: true })
@Index('idx_household_members_person', ['personId'])
export class HouseholdMember {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'household_id', type: 'integer' })
  householdId: number;

  @ManyToOne(() => Household, (h) => h.members, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'household_id' })
  household: Relation<Household>;

  @Column({ name: 'person_id', type: 'integer' })
  personId: number;

  @ManyToOne(() => Person, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'person_id' })
  person: Relation<Person>;

  /** 与户主关系 as written (户主, 配偶, 子女, 成员…). */
  @Column({ name: 'relation_to_head', type: 'varchar', length: 20, default: '' })
  relationToHead: string;

  @Column({ name: 'is_head', type: 'boolean', default: false, transformer: booleanFlag })
  isHead: boolean;
}
