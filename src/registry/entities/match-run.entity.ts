import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/**
 * One run of the matcher. A `full` run looks at everything; an `incremental` run only at
 * households and officials changed since `sinceMs` (the watermark: the start of the last successful
 * run, moved back to the start of any import still running then).
 */
@Entity({ name: 'match_runs' })
export class MatchRun {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'varchar', length: 12 })
  mode: 'full' | 'incremental';

  @Column({ type: 'varchar', length: 12 })
  status: 'running' | 'succeeded' | 'failed';

  /** Changes after this instant (epoch ms) were examined; 0 for a full run. */
  @Column({ name: 'since_ms', type: 'bigint', transformer: bigintNumber })
  sinceMs: number;

  /** The watermark the next incremental run starts from (epoch ms). */
  @Column({ name: 'watermark_ms', type: 'bigint', transformer: bigintNumber })
  watermarkMs: number;

  @Column({ name: 'created_count', type: 'integer', default: 0 })
  createdCount: number;

  @Column({ name: 'updated_count', type: 'integer', default: 0 })
  updatedCount: number;

  @Column({ name: 'reopened_count', type: 'integer', default: 0 })
  reopenedCount: number;

  @Column({ name: 'resolved_count', type: 'integer', default: 0 })
  resolvedCount: number;

  @Column({ name: 'started_at', type: 'datetime', precision: 3 })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;
}
