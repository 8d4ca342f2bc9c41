import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Qingfeng issue 4, item 1: the stated position role of a clue subject (`clue_subjects.position_role`,
 * nullable, the `Official` role codes of DESIGN.md §2). The handler may state it for a free-text
 * subject so the sanction rule of `SANCTION_LIMITED_ROLES` (政务处分法 art. 22) applies to it; a
 * subject linked to an official carries the official's role (copied on linking — backfilled here from
 * `official_role`).
 *
 * Added in place (`ALTER TABLE … ADD COLUMN` on both databases; TypeORM's SQLite `addColumn` would
 * rebuild a table with a foreign key), no index (never searched by it).
 */
export class ClueSubjectPositionRole1764405645000 implements MigrationInterface {
  name = 'ClueSubjectPositionRole1764405645000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.query(mysql ? 'ALTER TABLE `clue_subjects` ADD COLUMN `position_role` varchar(32) NULL' : 'ALTER TABLE "clue_subjects" ADD COLUMN "position_role" varchar(32) NULL');
    await q.query('UPDATE clue_subjects SET position_role = official_role WHERE official_role IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.query(mysql ? 'ALTER TABLE `clue_subjects` DROP COLUMN `position_role`' : 'ALTER TABLE "clue_subjects" DROP COLUMN "position_role"');
  }
}
