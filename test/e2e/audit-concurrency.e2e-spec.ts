import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { AuditVerifier } from '../../src/audit/audit-verifier.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { createApp } from '../../src/app.factory.js';
import { JsonLogger } from '../../src/common/logger.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { freshTestDatabase, testDatabaseKind } from '../utils/test-database.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { prepareDatabase } from '../../src/database/prepare-database.js';
import { runMigrations } from '../../src/database/migrate.js';

const PER_INSTANCE = 500;
const WORKERS_PER_INSTANCE = 16;

/** `count` audit events written through `app`'s own AuditService and pool, `workers` transactions at a time. */
async function writeEvents(app: NestExpressApplication, instance: string, count: number, workers: number): Promise<void> {
  const ds = app.get(DataSource);
  const audit = app.get(AuditService);
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) {
        const i = next++;
        await ds.transaction((m) => audit.record(m, { actorUserId: null, actorKind: 'system', action: 'test.concurrent', recordType: 'instance', recordId: `${instance}-${i}`, details: { instance, i } }));
      }
    }),
  );
}

/**
 * Two portal instances (two `createApp` on the same MariaDB database, each with its own pool) append
 * 1,000 events at once: the chain-head row lock must keep one chain — ids 1..1000, no fork.
 * SQLite has one writer per file by design, so this is a MariaDB test.
 */
describe('audit chain under two writing instances', () => {
  let t: TestApp | undefined;
  let second: NestExpressApplication | undefined;

  beforeAll(async () => {
    if (testDatabaseKind() !== 'mysql') return;
    t = await createTestApp();
    second = await createApp(t.config, new JsonLogger('silent'));
    await second.init();
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  it('two instances writing 1,000 events in parallel keep one valid chain (MariaDB)', async () => {
    if (testDatabaseKind() !== 'mysql') return expect(testDatabaseKind()).toBe('sqlite');
    const ds = t!.ds;
    // A fresh database: only what the first start-up recorded (the root office) precedes the writers.
    const [{ n }] = await ds.query('SELECT COUNT(*) AS n FROM audit_events');
    const before = Number(n);
    expect(before).toBeLessThanOrEqual(5);
    expect(second!.get(DataSource)).not.toBe(ds);

    await Promise.all([writeEvents(t!.app, 'a', PER_INSTANCE, WORKERS_PER_INSTANCE), writeEvents(second!, 'b', PER_INSTANCE, WORKERS_PER_INSTANCE)]);

    const [range] = await ds.query('SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi, COUNT(DISTINCT prev_hash) AS links FROM audit_events');
    const total = before + 1000;
    expect([Number(range.n), Number(range.lo), Number(range.hi), Number(range.links)]).toEqual([total, 1, total, total]);
    const perInstance = await ds.query("SELECT SUBSTR(record_id, 1, 1) AS inst, COUNT(*) AS n FROM audit_events WHERE action = 'test.concurrent' GROUP BY SUBSTR(record_id, 1, 1) ORDER BY inst");
    expect(perInstance.map((r: { inst: string; n: number | string }) => [r.inst, Number(r.n)])).toEqual([['a', 500], ['b', 500]]);
    // Both instances' writes are interleaved in the one chain (they really ran at once).
    const [{ switches }] = await ds.query(
        "SELECT COUNT(*) AS switches FROM audit_events x JOIN audit_events y ON y.id = x.id + 1 WHERE x.action = 'test.concurrent' AND y.action = 'test.concurrent' AND SUBSTR(x.record_id, 1, 1) <> SUBSTR(y.record_id, 1, 1)",
    );
    expect(Number(switches)).toBeGreaterThan(10);

    const [head] = await ds.query('SELECT last_id AS lastId, last_hash AS lastHash FROM audit_chain_head WHERE id = 1');
    const result = await new AuditVerifier(ds).verify({ batchSize: 128 });
    expect(result).toEqual({ ok: true, events: total, lastId: total, lastHash: head.lastHash });
    expect(Number(head.lastId)).toBe(total);
    // The other instance's verifier (its own connection pool) agrees.
    expect(await second!.get(AuditVerifier).verify()).toEqual(result);
  }, 180_000);

  it('the very first events of an empty chain, written by two pools at once, do not collide (seeded head row)', async () => {
    if (testDatabaseKind() !== 'mysql') return expect(testDatabaseKind()).toBe('sqlite');
    const db = freshTestDatabase();
    await prepareDatabase(db.database);
    const pools = [await new DataSource(buildDataSourceOptions(db.database)).initialize(), await new DataSource(buildDataSourceOptions(db.database)).initialize()];
    try {
      await runMigrations(pools[0]);
      const audit = new AuditService();
      await Promise.all(
        pools.flatMap((ds, p) =>
          Array.from({ length: 20 }, (_, i) => ds.transaction((m) => audit.record(m, { actorUserId: null, actorKind: 'system', action: 'test.first', recordType: 'pool', recordId: `${p}-${i}` }))),
        ),
      );
      expect(await new AuditVerifier(pools[1]).verify()).toMatchObject({ ok: true, events: 40, lastId: 40 });
    } finally {
      for (const ds of pools) await ds.destroy();
      await db.drop();
    }
  }, 120_000);
});
