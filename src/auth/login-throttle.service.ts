import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThanOrEqual, MoreThan } from 'typeorm';
import { RateLimitBucket } from '../abuse/entities/rate-limit-bucket.entity.js';
import { hmacHex } from '../common/crypto.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';

/** Failed logins allowed per account within {@link LOGIN_WINDOW_MS} before the account is refused. */
export const ACCOUNT_FAILURE_LIMIT = 5;
/** Failed logins allowed per client (hashed address) within the window; higher, since an office may share one address. */
export const CLIENT_FAILURE_LIMIT = 20;
/** Window of the failure counters: 15 minutes. A locked account or client waits until its window ends. */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

/**
 * Counts failed staff logins per account and per client in `rate_limit_buckets` (shared by every
 * instance). Keys are HMACs (config.secrets.clientHashKey) of the user name or the client address,
 * so neither is stored in clear, and each row expires with its window.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private accountKey(username: string): string {
    return `la:${hmacHex(this.config.secrets.clientHashKey, `login-account:${username}`)}`;
  }

  private clientKey(address: string): string {
    return `lc:${hmacHex(this.config.secrets.clientHashKey, `login-client:${address}`)}`;
  }

  /**
   * Whether the account or the client is locked out now.
   * @returns null when login may be tried, else the seconds until the later of the two windows ends.
   */
  async lockedFor(username: string, address: string): Promise<number | null> {
    const now = Date.now();
    const rows = await this.ds.getRepository(RateLimitBucket).findBy([
      { key: this.accountKey(username), expiresAt: MoreThan(now) },
      { key: this.clientKey(address), expiresAt: MoreThan(now) },
    ]);
    let until = 0;
    for (const row of rows) {
      const limit = row.key.startsWith('la:') ? ACCOUNT_FAILURE_LIMIT : CLIENT_FAILURE_LIMIT;
      if (row.hits >= limit) until = Math.max(until, row.expiresAt);
    }
    return until ? Math.max(1, Math.ceil((until - now) / 1000)) : null;
  }

  /** Counts one failed attempt against the account and the client. */
  async recordFailure(username: string, address: string): Promise<void> {
    await this.hit(this.accountKey(username));
    await this.hit(this.clientKey(address));
  }

  /** A successful login clears the account's counter (not the client's). */
  async clearAccount(username: string): Promise<void> {
    await this.ds.getRepository(RateLimitBucket).delete({ key: this.accountKey(username) });
  }

  private async hit(key: string): Promise<void> {
    const repo = this.ds.getRepository(RateLimitBucket);
    const now = Date.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await repo.increment({ key, expiresAt: MoreThan(now) }, 'hits', 1);
      if (r.affected) return;
      await repo.delete({ key, expiresAt: LessThanOrEqual(now) });
      try {
        await repo.insert({ key, hits: 1, expiresAt: now + LOGIN_WINDOW_MS });
        return;
      } catch {
        // another instance inserted the same window first: count on it
      }
    }
  }
}
