import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';
import { ALL_ENTITIES } from './entities.js';
import { MIGRATIONS } from '../../migrations/index.js';

/**
 * The ONE builder of TypeORM options: the app, the CLI and the tests all use it.
 * SQLite (better-sqlite3) with WAL and foreign keys; MySQL/MariaDB (mysql2) with utf8mb4 and UTC.
 * Migrations are never run by TypeORM itself: see {@link runMigrations} (it takes a lock first).
 */
export function buildDataSourceOptions(db: DatabaseConfig, extra: { poolSize?: number } = {}): DataSourceOptions {
  const common = {
    entities: ALL_ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false as const,
  };
  if (db.type === 'sqlite') {
    mkdirSync(dirname(db.path), { recursive: true, mode: 0o700 });
    return {
      ...common,
      type: 'better-sqlite3',
      database: db.path,
      enableWAL: true,
      prepareDatabase: (conn: { pragma: (s: string) => unknown }) => {
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
        conn.pragma('synchronous = NORMAL');
      },
    } as DataSourceOptions;
  }
  return {
    ...common,
    type: 'mysql',
    host: db.host,
    port: db.port,
    username: db.username,
    password: db.password,
    database: db.database,
    // Connection collation binary too, so literals compare like SQLite (STACK.md collation trap).
    charset: 'UTF8MB4_BIN',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: false,
    poolSize: extra.poolSize ?? 20,
    extra: { connectionLimit: extra.poolSize ?? 20, waitForConnections: true },
  } as DataSourceOptions;
}
