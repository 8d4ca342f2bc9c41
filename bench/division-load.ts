/**
 * Benchmark: the full load of the national division codes (DIVISION_PROVINCES=all, ~665k rows) on
 * SQLite and on MariaDB, each on a fresh database, then the start-up that finds everything loaded.
 *
 *   npm run bench:divisions            (both databases; MariaDB at BENCH_MYSQL_URL or
 *                                       mysql://root@127.0.0.1:3306, skipped when unreachable)
 *   BENCH_DATABASES=sqlite npm run bench:divisions
 *
 * Prints, per database: rows, seconds, rows/s of the load; seconds of the loader's fast path
 * (a second call) and of a full portal start-up (createApp + init) on the loaded database.
 */
import 'reflect-metadata';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { runPerDatabase } from './lib/per-database.js';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadConfig, parseDatabaseUrl, type AppConfig, type DatabaseConfig } from '../src/config/app-config.js';
import { buildDataSourceOptions } from '../src/database/data-source-options.js';
import { dropMysqlDatabase, prepareDatabase } from '../src/database/prepare-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { DivisionLoader } from '../src/regions/division-loader.js';
import { createApp } from '../src/app.factory.js';
import { JsonLogger } from '../src/common/logger.js';

interface Figures {
  database: string;
  rows: number;
  loadSeconds: number;
  rowsPerSecond: number;
  fastPathSeconds: number;
  startupSeconds: number;
}

async function benchOne(kind: 'sqlite' | 'mysql', dataDir: string): Promise<Figures> {
  let database: DatabaseConfig;
  if (kind === 'sqlite') {
    database = { type: 'sqlite', path: join(dataDir, 'bench.sqlite') };
  } else {
    const base = parseDatabaseUrl(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
    if (base.type !== 'mysql') throw new Error('BENCH_MYSQL_URL must be mysql://…');
    database = { ...base, database: `qf_bench_${randomBytes(4).toString('hex')}` };
  }
  const config: AppConfig = loadConfig(
    { NODE_ENV: 'test', DATA_DIR: dataDir, DIVISION_PROVINCES: 'all', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' },
    { database },
  );
  try {
    await prepareDatabase(database);
    const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
    await runMigrations(ds);
    const loader = new DivisionLoader(ds, config);
    const first = await loader.ensureLoaded('all');
    const second = await loader.ensureLoaded('all');
    const [{ n }] = await ds.query('SELECT COUNT(*) AS n FROM regions');
    if (Number(n) !== first.rows) throw new Error(`row count mismatch: table ${n}, loader ${first.rows}`);
    await ds.destroy();

    // A whole second start-up of the portal on the loaded database (migrations checked, divisions
    // found loaded, root office found): what an operator waits for after the first run.
    const t0 = performance.now();
    const app = await createApp(config, new JsonLogger(config.logLevel));
    await app.init();
    const startupSeconds = (performance.now() - t0) / 1000;
    await app.close();

    return {
      database: kind === 'sqlite' ? 'SQLite (better-sqlite3, WAL)' : `MariaDB ${await mysqlVersion(database)}`,
      rows: first.rows,
      loadSeconds: first.seconds,
      rowsPerSecond: first.rows / first.seconds,
      fastPathSeconds: second.seconds,
      startupSeconds,
    };
  } finally {
    await dropMysqlDatabase(database).catch(() => undefined);
  }
}

async function mysqlVersion(db: DatabaseConfig): Promise<string> {
  if (db.type !== 'mysql') return '';
  const mysql = (await import('mysql2/promise')).default;
  const conn = await mysql.createConnection({ host: db.host, port: db.port, user: db.username, password: db.password });
  try {
    const [rows] = await conn.query('SELECT VERSION() AS v');
    return String((rows as Array<{ v: string }>)[0].v);
  } finally {
    await conn.end();
  }
}

async function main(): Promise<void> {
  // Progress lines of the loader (no personal data) only with BENCH_LOG_LEVEL=info.
  Logger.overrideLogger(new JsonLogger((process.env.BENCH_LOG_LEVEL as 'info' | undefined) ?? 'warn'));
  const kinds = (process.env.BENCH_DATABASES ?? 'sqlite,mysql').split(',').map((s) => s.trim()) as Array<'sqlite' | 'mysql'>;
  console.log(`division-load benchmark — ${new Date().toISOString()} — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const results = await runPerDatabase(kinds, benchOne);
  console.log('| database | rows | load (s) | rows/s | second start: loader check (s) | second start: whole portal (s) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.database} | ${r.rows} | ${r.loadSeconds.toFixed(1)} | ${Math.round(r.rowsPerSecond)} | ${r.fastPathSeconds.toFixed(3)} | ${r.startupSeconds.toFixed(2)} |`);
  }
}

await main();
