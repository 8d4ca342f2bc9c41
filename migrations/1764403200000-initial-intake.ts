import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { col } from './schema-helpers.js';

/** Issue 2: regions, offices, calendar, users, sessions, reports and their parts, audit, abuse controls. */
export class InitialIntake1764403200000 implements MigrationInterface {
  name = 'InitialIntake1764403200000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({ name: 'app_settings', columns: [col.varchar('key', 64, { isPrimary: true }), col.text('value')] }));
    await q.createTable(
      new Table({
        name: 'regions',
        columns: [col.varchar('code', 12, { isPrimary: true }), col.varchar('name', 100), col.int('level'), col.varchar('parent_code', 12, { isNullable: true })],
        indices: [new TableIndex({ name: 'idx_regions_parent', columnNames: ['parent_code'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'offices',
        columns: [col.id(), col.varchar('region_code', 12, { isUnique: true }), col.int('region_level'), col.varchar('name', 100), col.datetime('created_at')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'holiday_schedule_days',
        columns: [col.varchar('date', 10, { isPrimary: true }), col.int('year'), col.varchar('kind', 10), col.varchar('name', 50, { default: "''" })],
        indices: [new TableIndex({ name: 'idx_holiday_year', columnNames: ['year'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'users',
        columns: [
          col.id(),
          col.varchar('username', 64, { isUnique: true }),
          col.varchar('display_name', 100),
          col.varchar('password_hash', 255),
          col.varchar('roles', 255, { default: "''" }),
          col.varchar('scope_region_code', 12),
          col.int('scope_region_level'),
          col.varchar('scope_prefix', 12),
          col.bool('must_change_password', { default: false }),
          col.bool('active', { default: true }),
          col.int('session_version', { default: 1 }),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'sessions',
        columns: [col.varchar('id', 64, { isPrimary: true }), col.int('user_id', { isNullable: true }), col.bigint('expires_at'), col.text('data')],
        indices: [
          new TableIndex({ name: 'idx_sessions_user', columnNames: ['user_id'] }),
          new TableIndex({ name: 'idx_sessions_expires', columnNames: ['expires_at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'reports',
        columns: [
          col.id(),
          col.varchar('receipt_hmac', 64, { isUnique: true }),
          col.varchar('kind', 20),
          col.varchar('category', 32),
          col.varchar('channel', 16),
          col.varchar('region_code', 12),
          col.int('region_level'),
          col.int('office_id'),
          col.varchar('status', 20),
          col.bool('anonymous'),
          col.text('description'),
          col.varchar('happened_at', 200, { default: "''" }),
          col.datetime('received_at'),
          col.varchar('ack_due', 10, { isNullable: true }),
          col.varchar('forward_due', 10),
          col.varchar('due_fallback_years', 50, { default: "''" }),
          col.datetime('acknowledged_at', { isNullable: true }),
          col.int('repeat_of_id', { isNullable: true }),
          col.varchar('referred_to', 100, { isNullable: true }),
          col.int('registered_by', { isNullable: true }),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_reports_office_status', columnNames: ['office_id', 'status', 'received_at'] }),
          new TableIndex({ name: 'idx_reports_region', columnNames: ['region_code'] }),
        ],
        foreignKeys: [new TableForeignKey({ name: 'fk_reports_office', columnNames: ['office_id'], referencedTableName: 'offices', referencedColumnNames: ['id'] })],
      }),
    );
    const child = (name: string, extra: TableColumnOptions[], idx: string, idxCols: string[]) =>
      new Table({
        name,
        columns: [col.id(), col.int('report_id'), ...extra],
        indices: [new TableIndex({ name: idx, columnNames: idxCols })],
        foreignKeys: [new TableForeignKey({ name: `fk_${name}_report`, columnNames: ['report_id'], referencedTableName: 'reports', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      });
    await q.createTable(
      child('report_subjects', [col.int('ordinal', { default: 0 }), col.varchar('name', 100), col.varchar('position', 100, { default: "''" }), col.varchar('unit', 100, { default: "''" })], 'idx_report_subjects_name', ['name']),
    );
    await q.createTable(child('report_beneficiaries', [col.int('ordinal', { default: 0 }), col.varchar('name', 100), col.varchar('relation', 100, { default: "''" })], 'idx_report_beneficiaries_name', ['name']));
    await q.createTable(
      new Table({
        name: 'reporter_identities',
        columns: [col.int('report_id', { isPrimary: true }), col.text('ciphertext'), col.varchar('id_hmac', 64, { isNullable: true })],
        indices: [new TableIndex({ name: 'idx_reporter_identities_id_hmac', columnNames: ['id_hmac'] })],
        foreignKeys: [new TableForeignKey({ name: 'fk_reporter_identities_report', columnNames: ['report_id'], referencedTableName: 'reports', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'attachments',
        columns: [
          col.id(),
          col.int('report_id', { isNullable: true }),
          col.int('message_id', { isNullable: true }),
          col.varchar('draft_hash', 64, { isNullable: true }),
          col.varchar('storage_key', 64, { isUnique: true }),
          col.varchar('original_name', 255),
          col.varchar('mime', 100),
          col.int('size'),
          col.bool('has_clean_copy', { default: false }),
          col.varchar('added_by', 10, { default: "'reporter'" }),
          col.datetime('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_attachments_report', columnNames: ['report_id'] }), new TableIndex({ name: 'idx_attachments_draft', columnNames: ['draft_hash'] })],
        foreignKeys: [new TableForeignKey({ name: 'fk_attachments_report', columnNames: ['report_id'], referencedTableName: 'reports', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    await q.createTable(
      child('report_messages', [col.varchar('direction', 16), col.text('body'), col.int('author_user_id', { isNullable: true }), col.datetime('created_at')], 'idx_report_messages_report', ['report_id', 'created_at']),
    );
    await q.createTable(
      child(
        'report_events',
        [col.varchar('action', 32), col.int('actor_user_id', { isNullable: true }), col.int('from_office_id', { isNullable: true }), col.int('to_office_id', { isNullable: true }), col.text('reason', { isNullable: true }), col.datetime('created_at')],
        'idx_report_events_report',
        ['report_id', 'created_at'],
      ),
    );
    await q.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          col.int('id', { isPrimary: true }),
          col.datetime('occurred_at'),
          col.int('actor_user_id', { isNullable: true }),
          col.varchar('actor_kind', 10),
          col.varchar('action', 64),
          col.varchar('record_type', 32),
          col.varchar('record_id', 64),
          col.text('reason', { isNullable: true }),
          col.text('details', { isNullable: true }),
          col.varchar('prev_hash', 64, { isNullable: true }),
          col.varchar('hash', 64, { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'idx_audit_record', columnNames: ['record_type', 'record_id'] }), new TableIndex({ name: 'idx_audit_actor', columnNames: ['actor_user_id', 'occurred_at'] })],
      }),
    );
    await q.createTable(new Table({ name: 'audit_chain_head', columns: [col.int('id', { isPrimary: true }), col.int('last_id'), col.varchar('last_hash', 64)] }));
    await q.createTable(new Table({ name: 'captcha_challenges', columns: [col.varchar('id', 36, { isPrimary: true }), col.varchar('answer_hmac', 64), col.bigint('expires_at')] }));
    await q.createTable(new Table({ name: 'rate_limit_buckets', columns: [col.varchar('key', 80, { isPrimary: true }), col.int('hits'), col.bigint('expires_at')] }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'rate_limit_buckets',
      'captcha_challenges',
      'audit_chain_head',
      'audit_events',
      'report_events',
      'report_messages',
      'attachments',
      'reporter_identities',
      'report_beneficiaries',
      'report_subjects',
      'reports',
      'sessions',
      'users',
      'holiday_schedule_days',
      'offices',
      'regions',
      'app_settings',
    ]) {
      await q.dropTable(t, true);
    }
  }
}
