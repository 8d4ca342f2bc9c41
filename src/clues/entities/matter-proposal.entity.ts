import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ProposalStatus = 'pending' | 'approved' | 'rejected' | 'void';

/**
 * A transition that needs a leader's approval (立案, 撤案, 结案; DESIGN.md §4), proposed by the
 * handler: `fields` (JSON) are the required fields given with the proposal. The approver can never
 * be the proposer.
 */
@Entity({ name: 'matter_proposals' })
@Index('idx_matter_proposals_clue', ['clueId', 'status'])
export class MatterProposal {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ type: 'varchar', length: 40 })
  action: string;

  @Column({ name: 'from_status', type: 'varchar', length: 32 })
  fromStatus: string;

  @Column({ name: 'to_status', type: 'varchar', length: 32 })
  toStatus: string;

  /** JSON object of the transition's fields. */
  @Column({ type: 'text' })
  fields: string;

  @Column({ name: 'proposed_by_user_id', type: 'integer' })
  proposedByUserId: number;

  @Column({ name: 'proposed_at', type: 'datetime', precision: 3 })
  proposedAt: Date;

  @Column({ type: 'varchar', length: 16 })
  status: ProposalStatus;

  @Column({ name: 'decided_by_user_id', type: 'integer', nullable: true })
  decidedByUserId: number | null;

  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason: string | null;
}
