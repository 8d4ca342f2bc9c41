import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '../../src/config/app-config.js';
import { parseDatabaseUrl } from '../../src/config/app-config.js';
import { dropMysqlDatabase } from '../../src/database/prepare-database.js';

/** Which database the suite runs on: SQLite by default, MySQL/MariaDB when TEST_DATABASE_URL is mysql://… */
export function testDatabaseKind(): 'sqlite' | 'mysql' {
  return process.env.TEST_DATABASE_URL?.startsWith('mysql') ? 'mysql' : 'sqlite';
}

/** A fresh, empty database and data directory for one test file. `drop()` removes both. */
export function freshTestDatabase(): { database: DatabaseConfig; dataDir: string; drop: () => Promise<void> } {
  const dataDir = mkdtempSync(join(tmpdir(), 'qingfeng-test-'));
  let database: DatabaseConfig;
  if (testDatabaseKind() === 'mysql') {
    const base = parseDatabaseUrl(process.env.TEST_DATABASE_URL!);
    if (base.type !== 'mysql') throw new Error('bad TEST_DATABASE_URL');
    database = { ...base, database: `qf_t_${process.pid}_${randomBytes(4).toString('hex')}` };
  } else {
    database = { type: 'sqlite', path: join(dataDir, 'test.sqlite') };
  }
  return {
    database,
    dataDir,
    drop: async () => {
      await dropMysqlDatabase(database).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
