import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from './schema-helpers.js';

/**
 * Issue 4, clues (问题线索, DESIGN.md §2/§4): the clue with its source (`report`, `finding`,
 * `inspection`, `other`), state and current statutory clock; its subjects (free text or linked to an
 * `Official`, with `party_member`), beneficiaries (optionally linked to a roster `Household`), the
 * reports that make it up (one clue per report), and its timeline (`clue_events`).
 *
 * Foreign keys only to tables created here and to `reports` (cascade from the clue to its parts);
 * links to registry rows (official, person, household, finding) are plain indexed integers so a
 * registry re-import never cascades into a matter.
 */
export class Clues1764405300000 implements MigrationInterface {
  name = 'Clues1764405300000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'clues',
        columns: [
          col.id(),
          col.varchar('source', 16),
          col.int('finding_id', { isNullable: true }),
          col.varchar('status', 32),
          col.varchar('category', 32, { isNullable: true }),
          col.varchar('region_code', 12),
          col.int('region_level'),
          col.int('office_id', { isNullable: true }),
          col.text('summary', { isNullable: true }),
          col.varchar('disposal_method', 32, { isNullable: true }),
          col.varchar('conclusion', 32, { isNullable: true }),
          col.varchar('transferred_to', 100, { isNullable: true }),
          col.int('assigned_user_id', { isNullable: true }),
          col.int('created_by_user_id', { isNullable: true }),
          col.datetime('registered_at'),
          col.datetime('state_entered_at'),
          col.varchar('due_clock', 40, { isNullable: true }),
          col.varchar('due_date', 10, { isNullable: true }),
          col.varchar('due_fallback_years', 50, { default: "''" }),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_clues_region_status', columnNames: ['region_code', 'status'] }),
          new TableIndex({ name: 'idx_clues_assigned', columnNames: ['assigned_user_id', 'status'] }),
          new TableIndex({ name: 'idx_clues_due', columnNames: ['due_date'] }),
          new TableIndex({ name: 'idx_clues_finding', columnNames: ['finding_id'] }),
        ],
      }),
    );
    const child = (name: string) => new TableForeignKey({ name: `fk_${name}_clue_id`, columnNames: ['clue_id'], referencedTableName: 'clues', referencedColumnNames: ['id'], onDelete: 'CASCADE' });
    await q.createTable(
      new Table({
        name: 'clue_subjects',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.int('ordinal', { default: 0 }),
          col.varchar('name', 100),
          col.varchar('position', 100, { default: "''" }),
          col.varchar('unit', 100, { default: "''" }),
          col.int('official_id', { isNullable: true }),
          col.int('person_id', { isNullable: true }),
          col.varchar('official_role', 32, { isNullable: true }),
          col.bool('party_member', { default: false }),
        ],
        indices: [
          new TableIndex({ name: 'idx_clue_subjects_clue', columnNames: ['clue_id'] }),
          new TableIndex({ name: 'idx_clue_subjects_name', columnNames: ['name'] }),
          new TableIndex({ name: 'idx_clue_subjects_official', columnNames: ['official_id'] }),
        ],
        foreignKeys: [child('clue_subjects')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'clue_beneficiaries',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.int('ordinal', { default: 0 }),
          col.varchar('name', 100),
          col.varchar('relation', 100, { default: "''" }),
          col.int('household_id', { isNullable: true }),
          col.int('person_id', { isNullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_clue_beneficiaries_clue', columnNames: ['clue_id'] }),
          new TableIndex({ name: 'idx_clue_beneficiaries_name', columnNames: ['name'] }),
          new TableIndex({ name: 'idx_clue_beneficiaries_household', columnNames: ['household_id'] }),
        ],
        foreignKeys: [child('clue_beneficiaries')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'clue_reports',
        columns: [col.id(), col.int('clue_id'), col.int('report_id'), col.varchar('link_kind', 16), col.int('linked_by_user_id', { isNullable: true }), col.datetime('linked_at')],
        indices: [new TableIndex({ name: 'uq_clue_reports_report', columnNames: ['report_id'], isUnique: true }), new TableIndex({ name: 'idx_clue_reports_clue', columnNames: ['clue_id'] })],
        foreignKeys: [
          child('clue_reports'),
          new TableForeignKey({ name: 'fk_clue_reports_report_id', columnNames: ['report_id'], referencedTableName: 'reports', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'clue_events',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.varchar('action', 40),
          col.varchar('from_status', 32, { isNullable: true }),
          col.varchar('to_status', 32, { isNullable: true }),
          col.int('actor_user_id', { isNullable: true }),
          col.text('reason', { isNullable: true }),
          col.text('details', { isNullable: true }),
          col.datetime('created_at'),
        ],
        indices: [new TableIndex({ name: 'idx_clue_events_clue', columnNames: ['clue_id', 'id'] })],
        foreignKeys: [child('clue_events')],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['clue_events', 'clue_reports', 'clue_beneficiaries', 'clue_subjects', 'clues']) await q.dropTable(t);
  }
}
