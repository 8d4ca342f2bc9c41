import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 4, overdue report obligations on the leaders' overdue list (MatterClocksService.overdue):
 * `(acknowledged_at, ack_due)` reads the real-name reports not yet acknowledged (告知受理情况) in
 * due-date order, and `(status, forward_due)` the reports still `received` (转送/转办) in due-date order,
 * so the list stops after its page instead of scanning every report of the scope (200,000 reports).
 */
export class ReportOverdueIndexes1764405620000 implements MigrationInterface {
  name = 'ReportOverdueIndexes1764405620000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('reports', new TableIndex({ name: 'idx_reports_ack_open', columnNames: ['acknowledged_at', 'ack_due'] }));
    await q.createIndex('reports', new TableIndex({ name: 'idx_reports_status_forward', columnNames: ['status', 'forward_due'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('reports', 'idx_reports_status_forward');
    await q.dropIndex('reports', 'idx_reports_ack_open');
  }
}
