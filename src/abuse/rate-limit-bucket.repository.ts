import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The state of one fixed window after a hit. `expiresAt` in epoch milliseconds (UTC). */
export interface WindowCount {
  hits: number;
  expiresAt: number;
}

const MYSQL_RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/**
 * Fixed-window counters in `rate_limit_buckets` (the backend when no Redis is configured), shared by
 * every instance that uses the same database. The dialect differences live here only:
 * - SQLite: one `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement (atomic on its own);
 * - MySQL/MariaDB: `INSERT … ON DUPLICATE KEY UPDATE` then `SELECT … FOR UPDATE` in one short
 *   transaction on its own connection (InnoDB row lock), retried on a deadlock between first inserts.
 *
 * (rate-limiter-flexible's SQL stores want their own client and create their own tables; the portal's
 * tables come from its hand-written migrations, so this small backend uses TypeORM's connection.)
 */
@Injectable()
export class RateLimitBucketRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Counts one hit on `key`. When the key's window has ended (or none exists) a new window of
   * `windowMs` starts at `now` with 1 hit.
   */
  async hit(key: string, windowMs: number, now = Date.now(), points = 1): Promise<WindowCount> {
    const expiresAt = now + windowMs;
    if (this.ds.options.type === 'mysql' || this.ds.options.type === 'mariadb') {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.hitMysql(key, points, expiresAt, now);
        } catch (e) {
          const code = (e as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (e as { code?: string }).code;
          if (!code || !MYSQL_RETRYABLE.has(code) || attempt >= 8) throw e;
          await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
        }
      }
    }
    const rows: Array<{ hits: number; expires_at: number | string }> = await this.ds.query(
      `INSERT INTO rate_limit_buckets ("key", hits, expires_at) VALUES (?, ?, ?)
       ON CONFLICT ("key") DO UPDATE SET
         hits = CASE WHEN rate_limit_buckets.expires_at <= ? THEN excluded.hits ELSE rate_limit_buckets.hits + excluded.hits END,
         expires_at = CASE WHEN rate_limit_buckets.expires_at <= ? THEN excluded.expires_at ELSE rate_limit_buckets.expires_at END
       RETURNING hits, expires_at`,
      [key, points, expiresAt, now, now],
    );
    return { hits: Number(rows[0].hits), expiresAt: Number(rows[0].expires_at) };
  }

  /** The current window of `key` without counting, or null when none is running. */
  async current(key: string, now = Date.now()): Promise<WindowCount | null> {
    const rows: Array<{ hits: number | string; expires_at: number | string }> = await this.ds.query(
      `SELECT hits, expires_at FROM rate_limit_buckets WHERE ${this.ds.driver.escape('key')} = ? AND expires_at > ?`,
      [key, now],
    );
    return rows.length ? { hits: Number(rows[0].hits), expiresAt: Number(rows[0].expires_at) } : null;
  }

  /** Deletes the counter of `key` (its window ends now). */
  async remove(key: string): Promise<void> {
    await this.ds.createQueryBuilder().delete().from('rate_limit_buckets').where(`${this.ds.driver.escape('key')} = :key`, { key }).execute();
  }

  /** Deletes every counter whose window has ended. @returns the number of rows deleted. */
  async sweepExpired(now = Date.now()): Promise<number> {
    const r = await this.ds.createQueryBuilder().delete().from('rate_limit_buckets').where('expires_at <= :now', { now }).execute();
    return r.affected ?? 0;
  }

  private async hitMysql(key: string, points: number, expiresAt: number, now: number): Promise<WindowCount> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      // MySQL applies the assignments left to right: `hits` is computed before `expires_at` changes.
      await qr.query(
        `INSERT INTO rate_limit_buckets (\`key\`, hits, expires_at) VALUES (?, ?, ?)
         ON DUPLICATE KEY UPDATE
           hits = IF(expires_at <= ?, VALUES(hits), hits + VALUES(hits)),
           expires_at = IF(expires_at <= ?, VALUES(expires_at), expires_at)`,
        [key, points, expiresAt, now, now],
      );
      const rows: Array<{ hits: number | string; expires_at: number | string }> = await qr.query('SELECT hits, expires_at FROM rate_limit_buckets WHERE `key` = ? FOR UPDATE', [key]);
      await qr.commitTransaction();
      return { hits: Number(rows[0].hits), expiresAt: Number(rows[0].expires_at) };
    } catch (e) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw e;
    } finally {
      await qr.release();
    }
  }
}
