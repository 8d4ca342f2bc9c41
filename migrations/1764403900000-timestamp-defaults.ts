import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `created_at` / `updated_at` columns of the initial migration, which TypeORM fills by the column default. */
const COLUMNS: Array<[table: string, column: string]> = [
  ['offices', 'created_at'],
  ['users', 'created_at'],
  ['users', 'updated_at'],
  ['reports', 'created_at'],
  ['reports', 'updated_at'],
  ['attachments', 'created_at'],
  ['report_messages', 'created_at'],
  ['report_events', 'created_at'],
];

/**
 * MySQL/MariaDB: give the creation/update time columns a `CURRENT_TIMESTAMP(3)` default. TypeORM
 * inserts `DEFAULT` for a `@CreateDateColumn` left unset on MySQL, which fails without one; on SQLite
 * it inlines `datetime('now')` itself, so nothing changes there (and no table is rebuilt).
 */
export class TimestampDefaults1764403900000 implements MigrationInterface {
  name = 'TimestampDefaults1764403900000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'mysql') return;
    for (const [table, column] of COLUMNS) {
      await q.query(`ALTER TABLE \`${table}\` MODIFY \`${column}\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'mysql') return;
    for (const [table, column] of COLUMNS) {
      await q.query(`ALTER TABLE \`${table}\` MODIFY \`${column}\` datetime(3) NOT NULL`);
    }
  }
}
