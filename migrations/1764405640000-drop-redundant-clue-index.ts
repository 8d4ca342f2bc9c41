import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Index hygiene: `idx_clues_assigned (assigned_user_id, status)` is the leftmost prefix of
 * `idx_clues_assigned_scope (assigned_user_id, status, region_code, merged_into_id)` (migration
 * 1764405400000), so every lookup it could serve is served by the wider index on both SQLite and
 * MariaDB; keeping it only costs a write per clue change. No foreign key uses it
 * (`clues.assigned_user_id` has none). `down()` recreates it.
 */
export class DropRedundantClueIndex1764405640000 implements MigrationInterface {
  name = 'DropRedundantClueIndex1764405640000';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('clues', 'idx_clues_assigned');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.createIndex('clues', new TableIndex({ name: 'idx_clues_assigned', columnNames: ['assigned_user_id', 'status'] }));
  }
}
