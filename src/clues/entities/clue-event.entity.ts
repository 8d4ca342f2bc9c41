import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One step of a matter's timeline: a transition (from → to), a proposal, an approval, an assignment,
 * a link or an outcome. `details` is JSON (no reporter data). Staff-only.
 */
@Entity({ name: 'clue_events' })
@Index('idx_clue_events_clue', ['clueId', 'id'])
export class ClueEvent {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ type: 'varchar', length: 40 })
  action: string;

  @Column({ name: 'from_status', type: 'varchar', length: 32, nullable: true })
  fromStatus: string | null;

  @Column({ name: 'to_status', type: 'varchar', length: 32, nullable: true })
  toStatus: string | null;

  @Column({ name: 'actor_user_id', type: 'integer', nullable: true })
  actorUserId: number | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** JSON object. */
  @Column({ type: 'text', nullable: true })
  details: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
