import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from './schema-helpers.js';

/**
 * Issue 3, reporter identity custody (DESIGN.md §5): `reveal_requests` — a handler's request to see a
 * report's reporter identity and original evidence, the custodian's decision and the end of the reveal.
 */
export class RevealRequests1764405100000 implements MigrationInterface {
  name = 'RevealRequests1764405100000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'reveal_requests',
        columns: [
          col.id(),
          col.int('report_id'),
          col.int('requester_user_id'),
          col.text('reason'),
          col.varchar('status', 16),
          col.datetime('requested_at'),
          col.int('decided_by_user_id', { isNullable: true }),
          col.text('decision_reason', { isNullable: true }),
          col.datetime('decided_at', { isNullable: true }),
          col.datetime('expires_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_reveal_requests_report_requester', columnNames: ['report_id', 'requester_user_id'] }),
          new TableIndex({ name: 'idx_reveal_requests_status', columnNames: ['status', 'id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_reveal_requests_report_id', columnNames: ['report_id'], referencedTableName: 'reports', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ name: 'fk_reveal_requests_requester', columnNames: ['requester_user_id'], referencedTableName: 'users', referencedColumnNames: ['id'] }),
          new TableForeignKey({ name: 'fk_reveal_requests_decider', columnNames: ['decided_by_user_id'], referencedTableName: 'users', referencedColumnNames: ['id'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('reveal_requests');
  }
}
