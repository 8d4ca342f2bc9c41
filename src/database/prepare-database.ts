import mysql from 'mysql2/promise';
import type { DatabaseConfig } from '../config/app-config.js';

/**
 * MySQL/MariaDB only: creates the database if missing and sets its default collation to
 * `utf8mb4_bin`, before the first migration, so every table inherits exact comparisons
 * (STACK.md collation trap: under `general_ci` '王𠮷' = '王😡'). A no-op for SQLite.
 */
export async function prepareDatabase(db: DatabaseConfig): Promise<void> {
  if (db.type !== 'mysql') return;
  const conn = await mysql.createConnection({ host: db.host, port: db.port, user: db.username, password: db.password, charset: 'utf8mb4' });
  try {
    const name = conn.escapeId(db.database);
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await conn.query(`ALTER DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await conn.end();
  }
}

/** Drops a MySQL database (test clean-up only). */
export async function dropMysqlDatabase(db: DatabaseConfig): Promise<void> {
  if (db.type !== 'mysql') return;
  const conn = await mysql.createConnection({ host: db.host, port: db.port, user: db.username, password: db.password });
  try {
    await conn.query(`DROP DATABASE IF EXISTS ${conn.escapeId(db.database)}`);
  } finally {
    await conn.end();
  }
}
