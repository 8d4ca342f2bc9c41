import { Inject, Injectable } from '@nestjs/common';
import { hmacHex } from '../common/crypto.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { LIMITS } from '../abuse/limits.js';
import { RateLimiterService } from '../abuse/rate-limiter.service.js';

/** Failed logins allowed per account within {@link LOGIN_WINDOW_MS} before the account is refused. */
export const ACCOUNT_FAILURE_LIMIT = 5;
/** Failed logins allowed per client (hashed address) within the window; higher, since an office may share one address. */
export const CLIENT_FAILURE_LIMIT = 20;
/** Window of the failure counters: 15 minutes. A locked account or client waits until its window ends. */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

const WINDOW_SECONDS = LOGIN_WINDOW_MS / 1000;

/**
 * The staff-login lockout policy, counted by the shared {@link RateLimiterService} (Redis or the
 * `rate_limit_buckets` table, so every instance sees the same counts). Account keys are HMACs of the
 * user name, client keys the limiter's HMAC of the address: neither is stored in clear, and each
 * counter expires with its window.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limiter: RateLimiterService,
  ) {}

  private accountKey(username: string): string {
    return hmacHex(this.config.secrets.clientHashKey, `login-account:${username}`);
  }

  /**
   * Whether the account or the client is locked out now.
   * @returns null when login may be tried, else the seconds until the later of the two windows ends.
   */
  async lockedFor(username: string, address: string): Promise<number | null> {
    const [account, client] = await Promise.all([
      this.limiter.peek(LIMITS.loginAccount, this.accountKey(username), { points: ACCOUNT_FAILURE_LIMIT, windowSeconds: WINDOW_SECONDS }),
      this.limiter.peek(LIMITS.loginClient, this.limiter.addressKey(address), { points: CLIENT_FAILURE_LIMIT, windowSeconds: WINDOW_SECONDS }),
    ]);
    const wait = Math.max(account.allowed ? 0 : account.retryAfterSeconds, client.allowed ? 0 : client.retryAfterSeconds);
    return wait > 0 ? wait : null;
  }

  /** Counts one failed attempt against the account and the client. */
  async recordFailure(username: string, address: string): Promise<void> {
    await this.limiter.consume(LIMITS.loginAccount, this.accountKey(username), { points: ACCOUNT_FAILURE_LIMIT, windowSeconds: WINDOW_SECONDS });
    await this.limiter.consume(LIMITS.loginClient, this.limiter.addressKey(address), { points: CLIENT_FAILURE_LIMIT, windowSeconds: WINDOW_SECONDS });
  }

  /** A successful login clears the account's counter (not the client's). */
  async clearAccount(username: string): Promise<void> {
    await this.limiter.reset(LIMITS.loginAccount, this.accountKey(username));
  }
}
