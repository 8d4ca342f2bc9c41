import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from './schema-helpers.js';

/**
 * Issue 3, access control: explicit grants (指定管辖) — a user may handle matters of another region
 * for a reason, within a validity window, until revoked — and the assignment of a report to one
 * handler (`reports.assigned_user_id`).
 *
 * `reports.assigned_user_id` is added in place (`ALTER TABLE … ADD COLUMN` on both databases;
 * TypeORM's SQLite `addColumn` would rebuild a table that others reference), with an index and no
 * foreign key (so `down()` needs no rebuild on SQLite); the intake service is its only writer.
 */
export class AccessGrants1764405000000 implements MigrationInterface {
  name = 'AccessGrants1764405000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.createTable(
      new Table({
        name: 'access_grants',
        columns: [
          col.id(),
          col.int('user_id'),
          col.varchar('region_code', 12),
          col.int('region_level'),
          col.varchar('region_prefix', 12),
          col.text('reason'),
          col.int('granted_by_user_id', { isNullable: true }),
          col.datetime('valid_from'),
          col.datetime('valid_until', { isNullable: true }),
          col.datetime('revoked_at', { isNullable: true }),
          col.int('revoked_by_user_id', { isNullable: true }),
          col.text('revoke_reason', { isNullable: true }),
          col.datetime('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_access_grants_user', columnNames: ['user_id', 'revoked_at'] })],
        foreignKeys: [new TableForeignKey({ name: 'fk_access_grants_user_id', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    await q.query(mysql ? 'ALTER TABLE `reports` ADD COLUMN `assigned_user_id` integer NULL' : 'ALTER TABLE "reports" ADD COLUMN "assigned_user_id" integer NULL');
    await q.query(mysql ? 'CREATE INDEX `idx_reports_assigned` ON `reports` (`assigned_user_id`)' : 'CREATE INDEX "idx_reports_assigned" ON "reports" ("assigned_user_id")');
  }

  async down(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.query(mysql ? 'DROP INDEX `idx_reports_assigned` ON `reports`' : 'DROP INDEX "idx_reports_assigned"');
    await q.query(mysql ? 'ALTER TABLE `reports` DROP COLUMN `assigned_user_id`' : 'ALTER TABLE "reports" DROP COLUMN "assigned_user_id"');
    await q.dropTable('access_grants');
  }
}
