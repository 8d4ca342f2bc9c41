import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 4, the handler's work list at scale (bench/matters.ts: 200,000 clues, 50,000 cases; figures in
 * docs/benchmarks.md): `(assigned_user_id, registered_at)` reads a handler's page newest first in
 * index order and stops after 20 rows instead of sorting every matter of the handler;
 * `(assigned_user_id, status, region_code, merged_into_id)` answers the page's total from the index
 * alone. The overdue lists use `idx_clues_due` in (due_date, id) order.
 */
export class MatterListIndexes1764405400000 implements MigrationInterface {
  name = 'MatterListIndexes1764405400000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('clues', new TableIndex({ name: 'idx_clues_assigned_registered', columnNames: ['assigned_user_id', 'registered_at'] }));
    await q.createIndex('clues', new TableIndex({ name: 'idx_clues_assigned_scope', columnNames: ['assigned_user_id', 'status', 'region_code', 'merged_into_id'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('clues', 'idx_clues_assigned_scope');
    await q.dropIndex('clues', 'idx_clues_assigned_registered');
  }
}
