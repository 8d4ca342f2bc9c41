import 'reflect-metadata';
import { afterAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { prepareDatabase } from '../../src/database/prepare-database.js';
import { revertMigrations, runMigrations } from '../../src/database/migrate.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { freshTestDatabase, testDatabaseKind } from '../utils/test-database.js';

describe('migrations', () => {
  const db = freshTestDatabase();
  afterAll(async () => db.drop());

  it('run up → down (all) → up on this database', async () => {
    await prepareDatabase(db.database);
    const ds = await new DataSource(buildDataSourceOptions(db.database)).initialize();
    try {
      const first = await runMigrations(ds);
      expect(first).toHaveLength(MIGRATIONS.length);
      // idx_clues_assigned (assigned_user_id, status) was a prefix of idx_clues_assigned_scope: dropped (1764405640000).
      const iq = ds.createQueryRunner();
      const clueIndexes = ((await iq.getTable('clues'))?.indices ?? []).map((i) => i.name);
      await iq.release();
      expect(clueIndexes).toEqual(expect.arrayContaining(['idx_clues_assigned_scope', 'idx_clues_assigned_registered']));
      expect(clueIndexes).not.toContain('idx_clues_assigned');
      await revertMigrations(ds, MIGRATIONS.length);
      const qr = ds.createQueryRunner();
      for (const entity of ds.entityMetadatas) expect([entity.tableName, await qr.hasTable(entity.tableName)]).toEqual([entity.tableName, false]);
      await qr.release();
      const again = await runMigrations(ds);
      expect(again).toHaveLength(MIGRATIONS.length);
      expect(await runMigrations(ds)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('creates the MySQL database with the exact (binary) collation', async () => {
    if (testDatabaseKind() !== 'mysql') return expect(db.database.type).toBe('sqlite');
    await prepareDatabase(db.database);
    const ds = await new DataSource(buildDataSourceOptions(db.database)).initialize();
    try {
      const [row] = await ds.query('SELECT @@collation_database AS c');
      expect(row.c).toBe('utf8mb4_bin');
      await ds.query("INSERT INTO app_settings (`key`, value) VALUES ('k1', '王𠮷')");
      const [cmp] = await ds.query("SELECT value = '王😡' AS same, 'aB3+' = 'Ab3+' AS ci FROM app_settings WHERE `key` = 'k1'");
      expect((await ds.query("SELECT `key` FROM app_settings WHERE `key` = 'K1'")).length).toBe(0);
      expect(Number(cmp.same)).toBe(0);
      expect(Number(cmp.ci)).toBe(0);
    } finally {
      await ds.destroy();
    }
  });
});

describe('timestamps', () => {
  const db = freshTestDatabase();
  afterAll(async () => db.drop());

  it('fills created_at when an insert leaves it out (DB default on MySQL, TypeORM on SQLite)', async () => {
    await prepareDatabase(db.database);
    const ds = await new DataSource(buildDataSourceOptions(db.database)).initialize();
    try {
      await runMigrations(ds);
      await ds.query("INSERT INTO offices (region_code, region_level, name) VALUES ('430421000000', 3, 'x')").catch(async (e: unknown) => {
        // SQLite has no column default: TypeORM supplies it; prove that path instead.
        if (testDatabaseKind() === 'mysql') throw e;
        await ds.getRepository('Office').insert({ regionCode: '430421000000', regionLevel: 3, name: 'x' });
      });
      const [row] = await ds.query("SELECT created_at FROM offices WHERE region_code = '430421000000'");
      const t = new Date(row.created_at instanceof Date ? row.created_at : `${String(row.created_at).replace(' ', 'T')}Z`);
      expect(Math.abs(Date.now() - t.getTime())).toBeLessThan(120_000);
    } finally {
      await ds.destroy();
    }
  });
});
