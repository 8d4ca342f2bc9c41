import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from './schema-helpers.js';

/**
 * Issue 4, the matter workflow after registration (DESIGN.md §4): pending leader approvals
 * (`matter_proposals`), recusal rows on clues (`clue_recusals`), cases with their numbers and the
 * per-(county, year) counter row locked in the filing transaction (`case_number_counters`), outcomes
 * per subject, money recovered (fen), entitlement changes, rectification tasks, name clearing,
 * 政务处分 review requests, and result feedback to real-name reporters with objections.
 *
 * `clues.merged_into_id` is added in place (`ALTER TABLE … ADD COLUMN`, no rebuild on SQLite).
 */
export class Matters1764405310000 implements MigrationInterface {
  name = 'Matters1764405310000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.query(mysql ? 'ALTER TABLE `clues` ADD COLUMN `merged_into_id` integer NULL' : 'ALTER TABLE "clues" ADD COLUMN "merged_into_id" integer NULL');
    const clueFk = (table: string) =>
      new TableForeignKey({ name: `fk_${table}_clue_id`, columnNames: ['clue_id'], referencedTableName: 'clues', referencedColumnNames: ['id'], onDelete: 'CASCADE' });
    const created = [col.int('recorded_by_user_id', { isNullable: true }), col.datetime('created_at')];

    await q.createTable(
      new Table({
        name: 'matter_proposals',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.varchar('action', 40),
          col.varchar('from_status', 32),
          col.varchar('to_status', 32),
          col.text('fields'),
          col.int('proposed_by_user_id'),
          col.datetime('proposed_at'),
          col.varchar('status', 16),
          col.int('decided_by_user_id', { isNullable: true }),
          col.datetime('decided_at', { isNullable: true }),
          col.text('decision_reason', { isNullable: true }),
        ],
        indices: [new TableIndex({ name: 'idx_matter_proposals_clue', columnNames: ['clue_id', 'status'] })],
        foreignKeys: [clueFk('matter_proposals')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'clue_recusals',
        columns: [col.id(), col.int('user_id'), col.int('clue_id'), col.varchar('kind', 16), col.int('by_user_id', { isNullable: true }), col.text('reason', { isNullable: true }), col.datetime('created_at')],
        indices: [new TableIndex({ name: 'idx_clue_recusals_user_clue', columnNames: ['user_id', 'clue_id', 'kind'] }), new TableIndex({ name: 'idx_clue_recusals_clue', columnNames: ['clue_id'] })],
        foreignKeys: [clueFk('clue_recusals')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'cases',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.varchar('case_number', 32),
          col.varchar('county_code', 6),
          col.int('year'),
          col.int('seq'),
          col.datetime('filed_at'),
          col.int('proposed_by_user_id', { isNullable: true }),
          col.int('approved_by_user_id', { isNullable: true }),
          col.int('co_handler_user_id', { isNullable: true }),
          col.varchar('announced_on', 10, { isNullable: true }),
          col.datetime('closed_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'uq_cases_clue', columnNames: ['clue_id'], isUnique: true }),
          new TableIndex({ name: 'uq_cases_number', columnNames: ['case_number'], isUnique: true }),
          new TableIndex({ name: 'uq_cases_seq', columnNames: ['county_code', 'year', 'seq'], isUnique: true }),
        ],
        foreignKeys: [clueFk('cases')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'case_number_counters',
        columns: [col.id(), col.varchar('county_code', 6), col.int('year'), col.int('last_seq')],
        indices: [new TableIndex({ name: 'uq_case_number_counters', columnNames: ['county_code', 'year'], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'matter_outcomes',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.int('subject_id'),
          col.varchar('kind', 32),
          col.varchar('type', 40),
          col.int('effect_months', { isNullable: true }),
          col.varchar('effect_from', 10, { isNullable: true }),
          col.varchar('effect_to', 10, { isNullable: true }),
          col.varchar('decided_on', 10, { isNullable: true }),
          col.varchar('received_on', 10, { isNullable: true }),
          col.text('note', { isNullable: true }),
          ...created,
        ],
        indices: [new TableIndex({ name: 'idx_matter_outcomes_clue', columnNames: ['clue_id', 'subject_id'] }), new TableIndex({ name: 'idx_matter_outcomes_kind', columnNames: ['kind', 'type'] })],
        foreignKeys: [clueFk('matter_outcomes')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'matter_recoveries',
        columns: [col.id(), col.int('clue_id'), col.int('subject_id', { isNullable: true }), col.bigint('amount_fen'), col.varchar('recovered_on', 10), col.varchar('kind', 16), col.text('note', { isNullable: true }), ...created],
        indices: [new TableIndex({ name: 'idx_matter_recoveries_clue', columnNames: ['clue_id'] })],
        foreignKeys: [clueFk('matter_recoveries')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'entitlement_changes',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.int('household_id', { isNullable: true }),
          col.varchar('household_label', 100),
          col.varchar('change', 16),
          col.bigint('monthly_reduction_fen', { isNullable: true }),
          col.varchar('effective_month', 7),
          col.text('note', { isNullable: true }),
          ...created,
        ],
        indices: [new TableIndex({ name: 'idx_entitlement_changes_clue', columnNames: ['clue_id'] }), new TableIndex({ name: 'idx_entitlement_changes_household', columnNames: ['household_id'] })],
        foreignKeys: [clueFk('entitlement_changes')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'rectifications',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.text('task'),
          col.varchar('owner_unit', 100),
          col.varchar('due_date', 10),
          col.varchar('status', 16),
          col.text('evidence', { isNullable: true }),
          col.varchar('completed_on', 10, { isNullable: true }),
          ...created,
        ],
        indices: [new TableIndex({ name: 'idx_rectifications_clue', columnNames: ['clue_id'] }), new TableIndex({ name: 'idx_rectifications_due', columnNames: ['status', 'due_date'] })],
        foreignKeys: [clueFk('rectifications')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'name_clearings',
        columns: [col.id(), col.int('clue_id'), col.int('subject_id'), col.varchar('cleared_on', 10), col.varchar('method', 100), col.text('note', { isNullable: true }), ...created],
        indices: [new TableIndex({ name: 'idx_name_clearings_clue', columnNames: ['clue_id'] })],
        foreignKeys: [clueFk('name_clearings')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'sanction_reviews',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.int('outcome_id'),
          col.varchar('kind', 16),
          col.varchar('requested_on', 10),
          col.varchar('request_due', 10),
          col.varchar('decision_due', 10),
          col.varchar('decided_on', 10, { isNullable: true }),
          col.varchar('result', 32, { isNullable: true }),
          col.text('note', { isNullable: true }),
          ...created,
        ],
        indices: [new TableIndex({ name: 'idx_sanction_reviews_clue', columnNames: ['clue_id'] }), new TableIndex({ name: 'idx_sanction_reviews_due', columnNames: ['decided_on', 'decision_due'] })],
        foreignKeys: [clueFk('sanction_reviews')],
      }),
    );
    await q.createTable(
      new Table({
        name: 'report_feedbacks',
        columns: [
          col.id(),
          col.int('report_id'),
          col.int('clue_id'),
          col.datetime('due_from'),
          col.varchar('due_date', 10),
          col.varchar('due_fallback_years', 50, { default: "''" }),
          col.text('public_text', { isNullable: true }),
          col.datetime('sent_at', { isNullable: true }),
          col.int('sent_by_user_id', { isNullable: true }),
          col.text('objection_text', { isNullable: true }),
          col.datetime('objected_at', { isNullable: true }),
          col.text('answer_text', { isNullable: true }),
          col.datetime('answered_at', { isNullable: true }),
          col.int('answered_by_user_id', { isNullable: true }),
          col.datetime('created_at'),
        ],
        indices: [new TableIndex({ name: 'uq_report_feedbacks_report', columnNames: ['report_id'], isUnique: true }), new TableIndex({ name: 'idx_report_feedbacks_clue', columnNames: ['clue_id'] })],
        foreignKeys: [
          clueFk('report_feedbacks'),
          new TableForeignKey({ name: 'fk_report_feedbacks_report_id', columnNames: ['report_id'], referencedTableName: 'reports', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    for (const t of ['report_feedbacks', 'sanction_reviews', 'name_clearings', 'rectifications', 'entitlement_changes', 'matter_recoveries', 'matter_outcomes', 'case_number_counters', 'cases', 'clue_recusals', 'matter_proposals']) {
      await q.dropTable(t);
    }
    await q.query(mysql ? 'ALTER TABLE `clues` DROP COLUMN `merged_into_id`' : 'ALTER TABLE "clues" DROP COLUMN "merged_into_id"');
  }
}
