import { createHmac } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { hmacHex } from '../common/crypto.js';
import { AuditService } from '../audit/audit.service.js';
import { RateLimitBucketRepository, type WindowCount } from './rate-limit-bucket.repository.js';
import type { LimitName } from './limits.js';

/** The answer of `consume` / `peek`. */
export interface RateDecision {
  /** false once more than `points` hits fell in the current window. */
  allowed: boolean;
  /** Hits left in the current window (0 when refused). */
  remaining: number;
  /** Seconds until the window ends when refused (for `Retry-After`); 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimitOptions {
  /** Hits allowed per window. */
  points: number;
  /** Window length in seconds (a fixed window starting at the first hit). */
  windowSeconds: number;
}

const SWEEP_EVERY_MS = 10 * 60 * 1000;

/**
 * The part of a client address that identifies one client: IPv4 as is (IPv4-mapped IPv6 unwrapped),
 * IPv6 cut to its /64 (one subscriber usually holds a whole /64 and could rotate through it).
 */
export function clientAddressPrefix(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1];
  if (!isIPv6(a)) return a;
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':') + '::/64';
}

/**
 * Per-client rate limits shared across instances (DESIGN.md §3), plus a surge alarm that never blocks.
 *
 * Backend: Redis through rate-limiter-flexible when `config.redisUrl` is set (falls back to the
 * database, with a warning, while Redis does not answer); otherwise the `rate_limit_buckets` table.
 * Fixed windows that start at the first hit. Client addresses are only ever seen as
 * `HMAC(clientHashKey, address)` (see `clientKey`) and are never stored in clear nor logged.
 * `config.benchmarkMode` lifts the per-client limits (`consume` always allows).
 */
@Injectable()
export class RateLimiterService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RateLimiter');
  private readonly redis?: Redis;
  private readonly redisLimiters = new Map<string, RateLimiterRedis>();
  /** Namespace of this deployment's Redis keys (derived from its key, so two portals on one Redis never meet). */
  private readonly redisPrefix: string;
  private readonly bucketKeyKey: Buffer;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly buckets: RateLimitBucketRepository,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {
    this.bucketKeyKey = createHmac('sha256', config.secrets.clientHashKey).update('qingfeng:rate-limit-bucket').digest();
    this.redisPrefix = `qf:${hmacHex(this.bucketKeyKey, 'redis-namespace').slice(0, 12)}`;
    if (config.redisUrl) {
      this.redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: false });
      this.redis.on('error', (e: Error & { code?: string }) => this.logger.warn(`redis error: ${e.code ?? e.name}`));
    }
  }

  async onModuleInit(): Promise<void> {
    if (this.redis) {
      try {
        await this.redis.connect();
      } catch (e) {
        this.logger.warn(`redis unavailable at start (${(e as Error).name}); rate limits use the database until it answers`);
      }
    }
    this.timer = setInterval(() => {
      this.sweepExpired().catch((e: Error) => this.logger.warn(`rate-limit sweep failed: ${e.name}`));
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.redis) {
      if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
      this.redis.disconnect();
    }
  }

  /** Which backend counts: `redis` or `database`. */
  get backend(): 'redis' | 'database' {
    return this.redis ? 'redis' : 'database';
  }

  /**
   * The key of the client that sent `req`: 64 hex chars, `HMAC(clientHashKey, address)` of `req.ip`
   * (Express applies the configured `trust proxy`), IPv6 cut to /64. Use it only for limits.
   */
  clientKey(req: Pick<Request, 'ip'> & { socket?: { remoteAddress?: string } }): string {
    return this.addressKey(req.ip ?? req.socket?.remoteAddress ?? 'unknown');
  }

  /** The same key as {@link clientKey}, from an address already read off the request. */
  addressKey(address: string): string {
    return hmacHex(this.config.secrets.clientHashKey, clientAddressPrefix(address));
  }

  /**
   * Counts one hit of `key` (usually a `clientKey`) against the limit named `limit`.
   * @returns allowed while at most `opts.points` hits fell in the current window; always allowed in
   *   benchmark mode. Refused hits still count (a client hammering a closed door stays shut out).
   * @throws the database's error when neither Redis nor the database answers.
   */
  async consume(limit: LimitName, key: string, opts: RateLimitOptions): Promise<RateDecision> {
    if (this.config.benchmarkMode) return { allowed: true, remaining: opts.points, retryAfterSeconds: 0 };
    const now = Date.now();
    const w = await this.count(limit, key, opts.windowSeconds, now, 1);
    return decide(w, opts.points, now);
  }

  /** Like `consume` without counting: what the next hit would meet (remaining counts the next one too). */
  async peek(limit: LimitName, key: string, opts: RateLimitOptions): Promise<RateDecision> {
    if (this.config.benchmarkMode) return { allowed: true, remaining: opts.points, retryAfterSeconds: 0 };
    const now = Date.now();
    let w: WindowCount | null = null;
    if (this.redis && this.redis.status === 'ready') {
      try {
        const res = await this.redisLimiter(limit, opts.points, opts.windowSeconds).get(key);
        w = res ? { hits: res.consumedPoints, expiresAt: now + res.msBeforeNext } : null;
      } catch {
        w = await this.buckets.current(this.bucketKey(limit, key), now);
      }
    } else {
      w = await this.buckets.current(this.bucketKey(limit, key), now);
    }
    if (!w) return { allowed: true, remaining: opts.points, retryAfterSeconds: 0 };
    return { allowed: w.hits < opts.points, remaining: Math.max(0, opts.points - w.hits), retryAfterSeconds: w.hits < opts.points ? 0 : secondsUntil(w.expiresAt, now) };
  }

  /**
   * Surge alarm: counts one event of `limit` over all clients together in fixed windows of
   * `windowSeconds`. When the count reaches `threshold`, exactly one caller per window writes one
   * warning log line (`<limit with spaces> surge`, e.g. `receipt lookup surge`, with the count and the
   * threshold, never an address) and an audit event (`rate_limit_surge`, actorKind `system`).
   * Never blocks anyone: there is no global lock-out (DESIGN.md §3). Failures are logged, not thrown.
   * @returns the count so far in this window and whether this call raised the alarm.
   */
  async recordGlobal(limit: LimitName, windowSeconds: number, threshold: number): Promise<{ count: number; alarmed: boolean }> {
    let w: WindowCount;
    try {
      w = await this.count(`${limit}:global`, 'all', windowSeconds, Date.now(), 1);
    } catch (e) {
      this.logger.warn(`surge counter unavailable: ${(e as Error).name}`);
      return { count: 0, alarmed: false };
    }
    // Increments are atomic, so exactly one caller sees the count equal to the threshold.
    if (w.hits !== threshold) return { count: w.hits, alarmed: false };
    const what = `${String(limit).replace(/[-_]+/g, ' ')} surge`;
    this.logger.warn(`${what}: count=${w.hits} threshold=${threshold} windowSeconds=${windowSeconds}`);
    try {
      await this.ds.transaction((m) =>
        this.audit.record(m, {
          actorUserId: null,
          actorKind: 'system',
          action: 'rate_limit_surge',
          recordType: 'rate_limit',
          recordId: String(limit),
          details: { count: w.hits, threshold, windowSeconds, windowEndsAt: new Date(w.expiresAt).toISOString() },
        }),
      );
    } catch (e) {
      this.logger.error(`surge audit event not written: ${(e as Error).name}`);
    }
    return { count: w.hits, alarmed: true };
  }

  /** Ends the current window of `key` under `limit` (e.g. a successful login clears the account's failures). */
  async reset(limit: LimitName, key: string): Promise<void> {
    if (this.redis && this.redis.status === 'ready') {
      const prefix = `${this.redisPrefix}:${limit}:`;
      for (const l of this.redisLimiters.values()) if (l.keyPrefix.startsWith(prefix)) await l.delete(key).catch(() => undefined);
    }
    await this.buckets.remove(this.bucketKey(limit, key));
  }

  /** Deletes ended windows from the database (Redis keys expire by themselves; also run every 10 minutes). */
  sweepExpired(now = Date.now()): Promise<number> {
    return this.buckets.sweepExpired(now);
  }

  private async count(limit: string, key: string, windowSeconds: number, now: number, points: number): Promise<WindowCount> {
    if (this.redis && this.redis.status === 'ready') {
      try {
        // A limiter of 2^31 points never rejects: the decision is ours, the counting is the library's.
        const res = await this.redisLimiter(limit, 2 ** 31, windowSeconds).consume(key, points);
        return { hits: res.consumedPoints, expiresAt: now + res.msBeforeNext };
      } catch (e) {
        if (e instanceof RateLimiterRes) return { hits: e.consumedPoints, expiresAt: now + e.msBeforeNext };
        this.logger.warn(`redis rate limit failed (${(e as Error).name}); counting in the database`);
      }
    }
    return this.buckets.hit(this.bucketKey(limit, key), windowSeconds * 1000, now, points);
  }

  private redisLimiter(limit: string, points: number, windowSeconds: number): RateLimiterRedis {
    const id = `${limit}|${points}|${windowSeconds}`;
    let l = this.redisLimiters.get(id);
    if (!l) {
      l = new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${this.redisPrefix}:${limit}:${windowSeconds}`, points, duration: windowSeconds, rejectIfRedisNotReady: true });
      this.redisLimiters.set(id, l);
    }
    return l;
  }

  /** 64 hex chars: the column is 80 wide, and the limit name plus a client key would not fit. */
  private bucketKey(limit: string, key: string): string {
    return hmacHex(this.bucketKeyKey, `${limit}\n${key}`);
  }
}

function secondsUntil(expiresAt: number, now: number): number {
  return Math.max(1, Math.ceil((expiresAt - now) / 1000));
}

function decide(w: WindowCount, points: number, now: number): RateDecision {
  const allowed = w.hits <= points;
  return { allowed, remaining: Math.max(0, points - w.hits), retryAfterSeconds: allowed ? 0 : secondsUntil(w.expiresAt, now) };
}
