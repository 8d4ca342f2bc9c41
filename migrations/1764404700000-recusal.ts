import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from './schema-helpers.js';

/**
 * Issue 3, recusal (回避, DESIGN.md §5): a staff user's own `Person` (`users.person_id`, nullable) and
 * the `recusals` table (declared by the user, ordered by a leader, or a leader's clearing of a
 * name-only conflict).
 *
 * `users.person_id` is added in place — `ALTER TABLE … ADD COLUMN` on both databases — because
 * TypeORM's SQLite `addColumn` rebuilds the table, which other tables reference. It carries an index
 * but no foreign key (SQLite cannot drop a column used by one, so `down()` would need a rebuild); the
 * recusal service is the only writer.
 */
export class Recusal1764404700000 implements MigrationInterface {
  name = 'Recusal1764404700000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.query(mysql ? 'ALTER TABLE `users` ADD COLUMN `person_id` integer NULL' : 'ALTER TABLE "users" ADD COLUMN "person_id" integer NULL');
    await q.query(mysql ? 'CREATE INDEX `idx_users_person` ON `users` (`person_id`)' : 'CREATE INDEX "idx_users_person" ON "users" ("person_id")');
    await q.createTable(
      new Table({
        name: 'recusals',
        columns: [
          col.id(),
          col.int('user_id'),
          col.int('report_id'),
          col.varchar('kind', 16),
          col.int('by_user_id', { isNullable: true }),
          col.text('reason', { isNullable: true }),
          col.datetime('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_recusals_user_report', columnNames: ['user_id', 'report_id', 'kind'] }), new TableIndex({ name: 'idx_recusals_report', columnNames: ['report_id'] })],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_recusals_user_id', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ name: 'fk_recusals_report_id', columnNames: ['report_id'], referencedTableName: 'reports', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.dropTable('recusals');
    await q.query(mysql ? 'DROP INDEX `idx_users_person` ON `users`' : 'DROP INDEX "idx_users_person"');
    await q.query(mysql ? 'ALTER TABLE `users` DROP COLUMN `person_id`' : 'ALTER TABLE "users" DROP COLUMN "person_id"');
  }
}
