/**
 * The database going away in the middle of a submission leaves nothing half-written — no report, no
 * subjects, no identity, no attachment rows, no evidence files on disk — and the citizen gets a clean
 * Chinese error page (no stack, no SQL). SQLite: a trigger makes the insert of a child row fail.
 * MariaDB: the app's connection is KILLed from a second connection while its transaction is open.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import mysql from 'mysql2/promise';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { testDatabaseKind } from '../utils/test-database.js';
import { createFixtureOffices, formFields, knownCaptcha, openForm, postForm, receiptCodeOf, SAMPLE_FILES, tipoff } from '../factories/reports.js';

const TABLES = ['reports', 'report_subjects', 'report_beneficiaries', 'reporter_identities', 'attachments', 'report_events', 'audit_events'];

describe('a submission interrupted by the database', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { SUBMISSIONS_PER_WINDOW: '1000' } });
    await createFixtureOffices(t);
  });
  afterAll(async () => t?.close());

  async function snapshot(): Promise<{ rows: Record<string, number>; files: string[] }> {
    const rows: Record<string, number> = {};
    for (const tb of TABLES) rows[tb] = Number((await t.ds.query(`SELECT COUNT(*) AS n FROM ${tb}`))[0].n);
    const dir = join(t.config.dataDir, 'files');
    return { rows, files: existsSync(dir) ? readdirSync(dir).sort() : [] };
  }

  function expectCleanErrorPage(res: request.Response): void {
    expect(res.status).toBe(500);
    expect(res.text).toContain('系统暂时无法处理，请稍后再试');
    for (const leak of ['report_beneficiaries', 'INSERT', 'SQL', 'Error:', '    at ', 'simulated', 'Connection']) expect(res.text).not.toContain(leak);
  }

  async function submitT02WithFile() {
    const agent = request.agent(t.server);
    const page = await openForm(agent);
    // T02 is real-name (identity row) and T01's beneficiary makes a child row that will fail.
    const tip = { ...tipoff('T02'), beneficiaries: [{ name: '刘建民', relation: '哥哥' }] };
    return postForm(agent, page, { ...formFields(tip), ...(await knownCaptcha(t)), action: 'submit' }, [{ name: '证据.png', content: SAMPLE_FILES.png(), contentType: 'image/png' }]);
  }

  if (testDatabaseKind() === 'sqlite') {
    it('SQLite: a failing insert of a child row rolls everything back and removes the written file', async () => {
      const before = await snapshot();
      await t.ds.query(`CREATE TRIGGER qf_test_fail BEFORE INSERT ON report_beneficiaries BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`);
      try {
        const res = await submitT02WithFile();
        expectCleanErrorPage(res);
      } finally {
        await t.ds.query('DROP TRIGGER qf_test_fail');
      }
      expect(await snapshot()).toEqual(before);
      // And the portal works again afterwards.
      const ok = await submitT02WithFile();
      expect(ok.status).toBe(200);
      receiptCodeOf(ok.text);
    });
  } else {
    it('MariaDB: a connection killed inside the transaction leaves nothing behind', async () => {
      const db = t.config.database;
      if (db.type !== 'mysql') throw new Error('expected mysql');
      const admin = await mysql.createConnection({ host: db.host, port: db.port, user: db.username, password: db.password, database: db.database });
      try {
        const before = await snapshot();
        // The insert of the beneficiary row waits inside the app's open transaction, long enough to be killed.
        await admin.query('CREATE TRIGGER qf_test_slow BEFORE INSERT ON report_beneficiaries FOR EACH ROW SET NEW.relation = IF(SLEEP(20) = 0, NEW.relation, NEW.relation)');
        let killed = 0;
        const killer = (async () => {
          for (let i = 0; i < 200 && !killed; i++) {
            const [rows] = await admin.query(
              `SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND INFO LIKE '%report_beneficiaries%' AND INFO NOT LIKE '%PROCESSLIST%'`,
              [db.database],
            );
            const list = rows as { ID: number }[];
            if (list.length) {
              killed = Number(list[0].ID);
              await admin.query(`KILL ${killed}`);
              break;
            }
            await new Promise((r) => setTimeout(r, 50));
          }
        })();
        const res = await submitT02WithFile();
        await killer;
        expect(killed).toBeGreaterThan(0);
        expectCleanErrorPage(res);
        await admin.query('DROP TRIGGER qf_test_slow');
        expect(await snapshot()).toEqual(before);
        const ok = await submitT02WithFile();
        expect(ok.status).toBe(200);
        receiptCodeOf(ok.text);
      } finally {
        await admin.query('DROP TRIGGER IF EXISTS qf_test_slow').catch(() => undefined);
        await admin.end();
      }
    });
  }
});
