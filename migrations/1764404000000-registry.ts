import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from './schema-helpers.js';

const fk = (table: string, column: string, refTable: string, onDelete: 'CASCADE' | 'RESTRICT' | 'SET NULL') =>
  new TableForeignKey({ name: `fk_${table}_${column}`, columnNames: [column], referencedTableName: refTable, referencedColumnNames: ['id'], onDelete });
const idx = (name: string, columnNames: string[], isUnique = false) => new TableIndex({ name, columnNames, isUnique });

/**
 * Issue 5: the kinship graph and the roster — persons, officials, kin relations, households and
 * members, approval records, findings, import jobs and their rejected rows, match runs.
 */
export class Registry1764404000000 implements MigrationInterface {
  name = 'Registry1764404000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'persons',
        columns: [
          col.id(),
          col.varchar('id_hmac', 64, { isNullable: true }),
          col.varchar('name', 100),
          col.varchar('surname', 8, { default: "''" }),
          col.varchar('birth_date', 10, { isNullable: true }),
          col.varchar('sex', 6, { isNullable: true }),
          col.text('id_ciphertext', { isNullable: true }),
          col.varchar('id_masked', 18, { isNullable: true }),
          col.varchar('phone_hmac', 64, { isNullable: true }),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
        indices: [idx('uq_persons_id_hmac', ['id_hmac'], true), idx('idx_persons_name', ['name']), idx('idx_persons_phone_hmac', ['phone_hmac'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'officials',
        columns: [
          col.id(),
          col.int('person_id'),
          col.varchar('role', 32),
          col.varchar('position', 100, { default: "''" }),
          col.varchar('unit', 100, { default: "''" }),
          col.varchar('region_code', 12),
          col.int('region_level'),
          col.varchar('term_start', 10, { isNullable: true }),
          col.varchar('term_end', 10, { isNullable: true }),
          col.bool('party_member', { default: false }),
          col.varchar('household_register_no', 64, { isNullable: true }),
          col.varchar('address', 200, { isNullable: true }),
          col.varchar('address_key', 200, { isNullable: true }),
          col.bigint('changed_at_ms'),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
        indices: [
          idx('uq_officials_post', ['person_id', 'region_code', 'role'], true),
          idx('idx_officials_region', ['region_code']),
          idx('idx_officials_register', ['household_register_no']),
          idx('idx_officials_address', ['region_code', 'address_key']),
          idx('idx_officials_changed', ['changed_at_ms']),
        ],
        foreignKeys: [fk('officials', 'person_id', 'persons', 'RESTRICT')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'kin_relations',
        columns: [
          col.id(),
          col.int('person_id'),
          col.int('relative_person_id'),
          col.varchar('type', 32),
          col.varchar('label', 50, { default: "''" }),
          col.varchar('source', 20),
          col.int('declared_by_official_id', { isNullable: true }),
          col.varchar('valid_from', 10, { isNullable: true }),
          col.varchar('valid_to', 10, { isNullable: true }),
          col.bigint('changed_at_ms'),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
        indices: [
          idx('uq_kin_relations_edge', ['person_id', 'relative_person_id', 'type', 'source'], true),
          idx('idx_kin_relations_relative', ['relative_person_id']),
          idx('idx_kin_relations_official', ['declared_by_official_id']),
        ],
        foreignKeys: [
          fk('kin_relations', 'person_id', 'persons', 'CASCADE'),
          fk('kin_relations', 'relative_person_id', 'persons', 'CASCADE'),
          fk('kin_relations', 'declared_by_official_id', 'officials', 'SET NULL'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'households',
        columns: [
          col.id(),
          col.varchar('region_code', 12),
          col.varchar('programme', 50),
          col.varchar('household_no', 64),
          col.varchar('register_no', 64, { isNullable: true }),
          col.varchar('address', 200, { default: "''" }),
          col.varchar('address_key', 200, { isNullable: true }),
          col.int('size'),
          col.bigint('monthly_amount_fen'),
          col.varchar('period_start', 7, { isNullable: true }),
          col.varchar('status', 10),
          col.bool('filed_as_relative', { default: false }),
          col.varchar('last_month', 7),
          col.varchar('closed_month', 7, { isNullable: true }),
          col.varchar('content_hash', 64),
          col.int('last_import_job_id', { isNullable: true }),
          col.bigint('changed_at_ms'),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
        indices: [
          idx('uq_households_key', ['region_code', 'programme', 'household_no'], true),
          idx('idx_households_no', ['household_no']),
          idx('idx_households_scope', ['programme', 'region_code', 'status']),
          idx('idx_households_register', ['register_no']),
          idx('idx_households_address', ['region_code', 'address_key']),
          idx('idx_households_changed', ['changed_at_ms']),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'household_members',
        columns: [col.id(), col.int('household_id'), col.int('person_id'), col.varchar('relation_to_head', 20, { default: "''" }), col.bool('is_head', { default: false })],
        indices: [idx('uq_household_members', ['household_id', 'person_id'], true), idx('idx_household_members_person', ['person_id'])],
        foreignKeys: [fk('household_members', 'household_id', 'households', 'CASCADE'), fk('household_members', 'person_id', 'persons', 'RESTRICT')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'approval_records',
        columns: [col.id(), col.int('household_id'), col.varchar('step', 16), col.int('person_id'), col.varchar('date', 10), col.int('import_job_id', { isNullable: true }), col.datetime('created_at')],
        indices: [idx('uq_approval_records', ['household_id', 'step', 'person_id', 'date'], true), idx('idx_approval_records_person', ['person_id'])],
        foreignKeys: [fk('approval_records', 'household_id', 'households', 'CASCADE'), fk('approval_records', 'person_id', 'persons', 'RESTRICT')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'findings',
        columns: [
          col.id(),
          col.varchar('identity_key', 120),
          col.varchar('type', 32),
          col.int('official_id'),
          col.int('household_id'),
          col.int('person_id'),
          col.varchar('region_code', 12),
          col.int('score'),
          col.text('explanation'),
          col.text('evidence'),
          col.varchar('status', 20),
          col.text('dismiss_reason', { isNullable: true }),
          col.int('reviewed_by_user_id', { isNullable: true }),
          col.datetime('reviewed_at', { isNullable: true }),
          col.int('first_run_id'),
          col.int('last_run_id'),
          col.datetime('resolved_at', { isNullable: true }),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
        indices: [
          idx('uq_findings_identity', ['identity_key'], true),
          idx('idx_findings_region', ['region_code', 'status', 'score']),
          idx('idx_findings_official', ['official_id']),
          idx('idx_findings_household', ['household_id']),
          idx('idx_findings_run', ['status', 'last_run_id']),
        ],
        foreignKeys: [fk('findings', 'official_id', 'officials', 'CASCADE'), fk('findings', 'household_id', 'households', 'CASCADE'), fk('findings', 'person_id', 'persons', 'CASCADE')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'import_jobs',
        columns: [
          col.id(),
          col.varchar('kind', 16),
          col.varchar('status', 16),
          col.varchar('scope_prefix', 12),
          col.varchar('programme', 50, { isNullable: true }),
          col.varchar('month', 7, { isNullable: true }),
          col.varchar('file_name', 255),
          col.varchar('file_format', 8),
          col.varchar('encoding', 16, { isNullable: true }),
          col.varchar('storage_key', 80),
          col.text('column_map', { isNullable: true }),
          col.bigint('total_bytes', { default: 0 }),
          col.bigint('processed_bytes', { default: 0 }),
          col.int('processed_rows', { default: 0 }),
          col.int('accepted_rows', { default: 0 }),
          col.int('rejected_rows', { default: 0 }),
          col.int('accepted_groups', { default: 0 }),
          col.int('rejected_groups', { default: 0 }),
          col.int('closed_households', { default: 0 }),
          col.bigint('amount_total_fen', { default: 0 }),
          col.int('resume_row', { default: 1 }),
          col.bigint('report_bytes', { default: 0 }),
          col.text('notice', { isNullable: true }),
          col.varchar('error_code', 40, { isNullable: true }),
          col.text('error_message', { isNullable: true }),
          col.int('created_by_user_id', { isNullable: true }),
          col.datetime('created_at'),
          col.datetime('started_at', { isNullable: true }),
          col.bigint('heartbeat_at_ms', { default: 0 }),
          col.datetime('finished_at', { isNullable: true }),
        ],
        indices: [idx('idx_import_jobs_status', ['status', 'id'])],
      }),
    );
    await q.createTable(
      new Table({
        name: 'import_rejections',
        columns: [col.id(), col.int('job_id'), col.int('row_no'), col.varchar('group_key', 64, { isNullable: true }), col.varchar('codes', 200), col.text('reason')],
        indices: [idx('idx_import_rejections_job', ['job_id', 'row_no'])],
        foreignKeys: [fk('import_rejections', 'job_id', 'import_jobs', 'CASCADE')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'match_runs',
        columns: [
          col.id(),
          col.varchar('mode', 12),
          col.varchar('status', 12),
          col.bigint('since_ms'),
          col.bigint('watermark_ms'),
          col.int('created_count', { default: 0 }),
          col.int('updated_count', { default: 0 }),
          col.int('reopened_count', { default: 0 }),
          col.int('resolved_count', { default: 0 }),
          col.datetime('started_at'),
          col.datetime('finished_at', { isNullable: true }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['match_runs', 'import_rejections', 'import_jobs', 'findings', 'approval_records', 'household_members', 'households', 'kin_relations', 'officials', 'persons']) {
      await q.dropTable(t, true, true, true);
    }
  }
}
