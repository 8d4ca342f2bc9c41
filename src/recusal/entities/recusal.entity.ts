import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * `declared` — the user recused themself from the report; `ordered` — a leader ordered it;
 * `cleared` — a leader cleared a name-only conflict (a free-text subject whose name equals a declared
 * relative's), which then no longer recuses. `cleared` never lifts a declared or ordered recusal.
 */
export const RECUSAL_KINDS = ['declared', 'ordered', 'cleared'] as const;
export type RecusalKind = (typeof RECUSAL_KINDS)[number];

/** One recusal decision about one user and one report (DESIGN.md §5, 监察法 art. 67). */
@Entity({ name: 'recusals' })
@Index('idx_recusals_user_report', ['userId', 'reportId', 'kind'])
@Index('idx_recusals_report', ['reportId'])
export class Recusal {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId: number;

  @Column({ type: 'varchar', length: 16 })
  kind: RecusalKind;

  /** Who decided: the user themself (declared) or the leader (ordered, cleared). */
  @Column({ name: 'by_user_id', type: 'integer', nullable: true })
  byUserId: number | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
