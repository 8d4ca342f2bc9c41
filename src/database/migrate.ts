import type { DataSource } from 'typeorm';

const LOCK_NAME = 'qingfeng_migrations';

/**
 * Runs pending migrations under a lock so that several instances starting together migrate once:
 * `GET_LOCK` on MySQL/MariaDB; SQLite serialises writers on the file and needs none.
 * @returns the names of the migrations that ran.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const mysql = ds.options.type === 'mysql';
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    if (mysql) {
      const [row] = await qr.query(`SELECT GET_LOCK(?, 120) AS l`, [LOCK_NAME]);
      if (Number(row.l) !== 1) throw new Error('could not take the migration lock within 120 s');
    }
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    if (mysql) await qr.query(`SELECT RELEASE_LOCK(?)`, [LOCK_NAME]).catch(() => undefined);
    await qr.release();
  }
}

/** Reverts the last `steps` migrations (each `down()` in its own transaction). */
export async function revertMigrations(ds: DataSource, steps = 1): Promise<void> {
  for (let i = 0; i < steps; i++) await ds.undoLastMigration({ transaction: 'each' });
}
