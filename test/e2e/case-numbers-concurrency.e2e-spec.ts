import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { JsonLogger } from '../../src/common/logger.js';
import { AuditVerifier } from '../../src/audit/audit-verifier.js';
import { CluesService } from '../../src/clues/clues.service.js';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { MatterProposal } from '../../src/clues/entities/matter-proposal.entity.js';
import { MattersService } from '../../src/clues/matters.service.js';
import { Case } from '../../src/cases/entities/case.entity.js';
import { formatCaseNumber } from '../../src/cases/case-number.service.js';
import { User } from '../../src/users/entities/user.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { testDatabaseKind } from '../utils/test-database.js';
import { createUser } from '../factories/users.js';
import { ensureIntakeOffices } from '../factories/intake.js';

const FILINGS = 200;
/** SQLite: one connection, one transaction at a time (better-sqlite3), so its instance files one by one. */
const WORKERS_PER_INSTANCE = testDatabaseKind() === 'mysql' ? 8 : 1;

/**
 * 200 case filings (leader approvals of pending filing proposals) at once from two portal instances
 * on one MariaDB database: the counter row locked in the filing transaction gives 200 distinct,
 * gap-free numbers 0001…0200 for the county and year. SQLite has one writer by design; there the
 * same 200 filings run from one instance, one after another, and must also be gap-free.
 */
describe('case numbers under concurrent filing', () => {
  let t: TestApp;
  let second: NestExpressApplication | undefined;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    if (testDatabaseKind() === 'mysql') {
      second = await createApp(t.config, new JsonLogger('silent'));
      await second.init();
    }
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  it(`${FILINGS} filings in parallel${testDatabaseKind() === 'mysql' ? ' from two instances' : ''} → ${FILINGS} distinct, gap-free numbers`, async () => {
    const { user: handler } = await createUser(t, { roles: ['case_handler'], scopeRegionCode: '430421000000' });
    const { user: leaderRow } = await createUser(t, { roles: ['leader'], scopeRegionCode: '430421000000' });
    const clues = t.app.get(CluesService);
    const proposals: { clueId: number; proposalId: number }[] = [];
    await t.ds.transaction(async (m) => {
      for (let i = 0; i < FILINGS; i++) {
        const clue = await clues.createClue(m, { source: 'other', regionCode: '430421101200', subjects: [{ name: `被反映人${i}` }], actorUserId: handler.id });
        await m.getRepository(Clue).update({ id: clue.id }, { status: 'preliminary_verification', assignedUserId: handler.id, dueClock: null, dueDate: null });
        const p = await m.getRepository(MatterProposal).save({
          clueId: clue.id,
          action: 'file_case',
          fromStatus: 'preliminary_verification',
          toStatus: 'case_filed',
          fields: JSON.stringify({ verificationReport: '初核属实', filingDecision: '立案' }),
          proposedByUserId: handler.id,
          proposedAt: new Date(),
          status: 'pending' as const,
          decidedByUserId: null,
          decidedAt: null,
          decisionReason: null,
        });
        proposals.push({ clueId: clue.id, proposalId: p.id });
      }
    });

    const instances = second ? [t.app, second] : [t.app];
    let next = 0;
    const numbersBy = new Map<number, string>();
    await Promise.all(
      instances.flatMap((app, k) =>
        Array.from({ length: WORKERS_PER_INSTANCE }, async () => {
          const matters = app.get(MattersService);
          // Each instance loads the leader through its own connection pool.
          const leader = await app.get(DataSource).getRepository(User).findOneByOrFail({ id: leaderRow.id });
          while (next < proposals.length) {
            const p = proposals[next++];
            const r = await matters.approve(leader, p.clueId, p.proposalId, { reason: `实例${k}` });
            numbersBy.set(p.clueId, r.caseNumber!);
          }
        }),
      ),
    );

    const cases = await t.ds.getRepository(Case).find({ order: { seq: 'ASC' } });
    expect(cases).toHaveLength(FILINGS);
    const year = cases[0].year;
    expect(cases.map((c) => c.seq)).toEqual(Array.from({ length: FILINGS }, (_, i) => i + 1));
    expect(new Set(cases.map((c) => c.caseNumber)).size).toBe(FILINGS);
    expect(cases.map((c) => c.caseNumber)).toEqual(Array.from({ length: FILINGS }, (_, i) => formatCaseNumber('430421', year, i + 1)));
    expect([...numbersBy.values()].sort()).toEqual(cases.map((c) => c.caseNumber));
    expect(await t.ds.getRepository(Clue).countBy({ status: 'case_filed' })).toBe(FILINGS);
    const [counter] = await t.ds.query('SELECT last_seq AS n FROM case_number_counters');
    expect(Number(counter.n)).toBe(FILINGS);
    if (second) {
      // Both instances filed (the leader's opinion names the instance, in the proposal and the audit trail).
      const [{ n }] = await t.ds.query("SELECT COUNT(DISTINCT reason) AS n FROM audit_events WHERE action = 'clue.file_case'");
      expect(Number(n)).toBe(2);
      const byInstance = await t.ds.query("SELECT decision_reason AS r, COUNT(*) AS n FROM matter_proposals GROUP BY decision_reason ORDER BY decision_reason");
      expect(byInstance.map((x: { r: string }) => x.r)).toEqual(['实例0', '实例1']);
    }
    expect((await new AuditVerifier(t.ds).verify({ batchSize: 500 })).ok).toBe(true);
  }, 300_000);
});
