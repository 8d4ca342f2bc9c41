import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const GENESIS_HASH = '0'.repeat(64);

/**
 * Issue 3, audit trail: indexes for the auditor's filters (action; date range) and the chain-head
 * row seeded at the empty chain (last_id 0, the genesis hash). The seed matters on MySQL/MariaDB:
 * `SELECT … FOR UPDATE` on a missing row locks nothing that two first writers could queue on, so
 * two instances writing the very first events at once would both insert the head and one would
 * fail; with the row present every writer queues on its row lock.
 */
export class AuditTrail1764404500000 implements MigrationInterface {
  name = 'AuditTrail1764404500000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('audit_events', new TableIndex({ name: 'idx_audit_action', columnNames: ['action', 'id'] }));
    await q.createIndex('audit_events', new TableIndex({ name: 'idx_audit_occurred', columnNames: ['occurred_at'] }));
    const [head] = (await q.query('SELECT id FROM audit_chain_head WHERE id = 1')) as unknown[];
    if (!head) {
      // No head yet means no event yet (record() writes both in one transaction).
      const [{ n }] = (await q.query('SELECT COUNT(*) AS n FROM audit_events')) as Array<{ n: number | string }>;
      if (Number(n) === 0) await q.query('INSERT INTO audit_chain_head (id, last_id, last_hash) VALUES (1, 0, ?)', [GENESIS_HASH]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // The seeded head of an empty chain is what up() added; a head that moved belongs to the events.
    await q.query('DELETE FROM audit_chain_head WHERE id = 1 AND last_id = 0');
    await q.dropIndex('audit_events', 'idx_audit_occurred');
    await q.dropIndex('audit_events', 'idx_audit_action');
  }
}
