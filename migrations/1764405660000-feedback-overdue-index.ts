import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 4, leaders' overdue list (MatterClocksService.overdue): `(sent_at, due_date)` on
 * `report_feedbacks` reads the result feedback not yet sent (反馈处理结果) in due-date order and stops
 * after the page, instead of scanning every feedback obligation of the scope and sorting it (found by
 * EXPLAIN on the bench/matters load).
 */
export class FeedbackOverdueIndex1764405660000 implements MigrationInterface {
  name = 'FeedbackOverdueIndex1764405660000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('report_feedbacks', new TableIndex({ name: 'idx_report_feedbacks_due', columnNames: ['sent_at', 'due_date'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('report_feedbacks', 'idx_report_feedbacks_due');
  }
}
