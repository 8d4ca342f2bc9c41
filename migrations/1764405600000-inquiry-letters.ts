import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from './schema-helpers.js';

/**
 * Issue 4, the 函询 step (DESIGN.md §4 clock "reply to an inquiry letter: 15 working days from receipt";
 * 监督执纪工作规则 2019 art. 28): one row per inquiry letter — clue, addressed subject, sent / received /
 * replied dates, the stored reply due date with its fallback years, the reply summary and who recorded
 * each step. A new table only (no rebuild of existing ones on SQLite).
 */
export class InquiryLetters1764405600000 implements MigrationInterface {
  name = 'InquiryLetters1764405600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'inquiry_letters',
        columns: [
          col.id(),
          col.int('clue_id'),
          col.int('subject_id'),
          col.varchar('sent_on', 10),
          col.int('sent_recorded_by_user_id'),
          col.varchar('received_on', 10, { isNullable: true }),
          col.int('received_recorded_by_user_id', { isNullable: true }),
          col.varchar('reply_due', 10, { isNullable: true }),
          col.varchar('reply_due_fallback_years', 50, { default: "''" }),
          col.varchar('replied_on', 10, { isNullable: true }),
          col.text('reply_summary', { isNullable: true }),
          col.int('reply_recorded_by_user_id', { isNullable: true }),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_inquiry_letters_clue', columnNames: ['clue_id', 'subject_id'] }),
          new TableIndex({ name: 'idx_inquiry_letters_due', columnNames: ['replied_on', 'reply_due'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_inquiry_letters_clue_id', columnNames: ['clue_id'], referencedTableName: 'clues', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ name: 'fk_inquiry_letters_subject_id', columnNames: ['subject_id'], referencedTableName: 'clue_subjects', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('inquiry_letters');
  }
}
