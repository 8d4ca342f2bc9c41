import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { RecusalKind } from '../../recusal/entities/recusal.entity.js';

/** A recusal decision (回避) about one user and one clue — same kinds as on reports (DESIGN.md §5, 监察法 art. 67). */
@Entity({ name: 'clue_recusals' })
@Index('idx_clue_recusals_user_clue', ['userId', 'clueId', 'kind'])
@Index('idx_clue_recusals_clue', ['clueId'])
export class ClueRecusal {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ name: 'clue_id', type: 'integer' })
  clueId: number;

  @Column({ type: 'varchar', length: 16 })
  kind: RecusalKind;

  @Column({ name: 'by_user_id', type: 'integer', nullable: true })
  byUserId: number | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
