import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import sharp from 'sharp';
import { CAPTCHA_ALPHABET, CAPTCHA_LENGTH, CaptchaService } from '../../src/abuse/captcha.service.js';
import { CaptchaChallenge } from '../../src/abuse/entities/captcha-challenge.entity.js';
import { RateLimitBucket } from '../../src/abuse/entities/rate-limit-bucket.entity.js';
import { RateLimiterService } from '../../src/abuse/rate-limiter.service.js';
import { RateLimitBucketRepository } from '../../src/abuse/rate-limit-bucket.repository.js';
import { LIMITS } from '../../src/abuse/limits.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { hmacHex } from '../../src/common/crypto.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/** Finds a challenge's answer the slow way (only its HMAC is stored): 20^4 candidates. */
async function solve(t: TestApp, id: string): Promise<string> {
  const row = await t.ds.getRepository(CaptchaChallenge).findOneByOrFail({ id });
  const key = createHmac('sha256', t.config.secrets.receiptHmacKey).update('qingfeng:captcha').digest();
  const n = CAPTCHA_ALPHABET.length;
  for (let i = 0; i < n ** CAPTCHA_LENGTH; i++) {
    let s = '';
    for (let j = 0, x = i; j < CAPTCHA_LENGTH; j++, x = Math.floor(x / n)) s += CAPTCHA_ALPHABET[x % n];
    if (hmacHex(key, `${id}:${s}`) === row.answerHmac) return s;
  }
  throw new Error('no answer found');
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CAPTCHA', () => {
  let t: TestApp;
  let captcha: CaptchaService;
  beforeAll(async () => {
    t = await createTestApp();
    captcha = t.app.get(CaptchaService);
  });
  afterAll(async () => t?.close());

  it('creates an SVG data URI and stores only an HMAC of the answer, expiring in 10 minutes', async () => {
    const before = Date.now();
    const c = await captcha.create();
    expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.imageDataUri).toMatch(/^data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+$/);
    const svg = Buffer.from(c.imageDataUri.split(',')[1], 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).not.toMatch(/<script|<text|on\w+=/i);
    // A valid image: librsvg (through sharp) renders it at 200×70 on a white background.
    const raster = await sharp(Buffer.from(svg)).metadata();
    expect([raster.width, raster.height]).toEqual([200, 70]);
    const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let white = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255) white++;
    expect(white / (info.width * info.height)).toBeGreaterThan(0.5);
    const row = await t.ds.getRepository(CaptchaChallenge).findOneByOrFail({ id: c.id });
    const answer = await solve(t, c.id);
    expect(row.answerHmac).toMatch(/^[0-9a-f]{64}$/);
    expect(row.answerHmac).not.toContain(answer);
    expect(svg).not.toContain(answer);
    expect(row.expiresAt).toBeGreaterThanOrEqual(before + 10 * 60 * 1000);
    expect(row.expiresAt).toBeLessThanOrEqual(Date.now() + 10 * 60 * 1000);
    expect(answer).toMatch(/^[ACEFGHKMNPRTWXY34679]{4}$/);
  });

  it('accepts the right answer once, case-insensitively, with full-width characters and spaces folded', async () => {
    const c = await captcha.create();
    const answer = await solve(t, c.id);
    const typed = ` ${answer.toLowerCase().slice(0, 2)} ${answer.slice(2).replace(/[A-Z0-9]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0))}`;
    expect(await captcha.verify(c.id, typed)).toBe(true);
    expect(await captcha.verify(c.id, answer)).toBe(false);
    expect(await t.ds.getRepository(CaptchaChallenge).countBy({ id: c.id })).toBe(0);
  });

  it('a wrong answer uses the challenge up: the right one afterwards fails', async () => {
    const c = await captcha.create();
    const answer = await solve(t, c.id);
    const wrong = answer[0] === 'A' ? 'C' + answer.slice(1) : 'A' + answer.slice(1);
    expect(await captcha.verify(c.id, wrong)).toBe(false);
    expect(await captcha.verify(c.id, answer)).toBe(false);
  });

  it('two parallel attempts with the right answer: exactly one passes', async () => {
    const c = await captcha.create();
    const answer = await solve(t, c.id);
    const results = await Promise.all([captcha.verify(c.id, answer), captcha.verify(c.id, answer), captcha.verify(c.id, answer)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('an expired challenge fails even with the right answer, and the sweep deletes expired rows', async () => {
    const repo = t.ds.getRepository(CaptchaChallenge);
    const c = await captcha.create();
    const answer = await solve(t, c.id);
    await repo.update({ id: c.id }, { expiresAt: Date.now() - 1 });
    expect(await captcha.verify(c.id, answer)).toBe(false);

    const old = await captcha.create();
    const fresh = await captcha.create();
    await repo.update({ id: old.id }, { expiresAt: Date.now() - 1000 });
    expect(await captcha.sweepExpired()).toBeGreaterThanOrEqual(1);
    expect(await repo.countBy({ id: old.id })).toBe(0);
    expect(await repo.countBy({ id: fresh.id })).toBe(1);
  });

  it('refuses malformed or unknown ids and missing answers without error', async () => {
    expect(await captcha.verify('not-an-id', 'ABCD')).toBe(false);
    expect(await captcha.verify('00000000-0000-4000-8000-000000000000', 'ABCD')).toBe(false);
    expect(await captcha.verify(undefined, undefined)).toBe(false);
    const c = await captcha.create();
    expect(await captcha.verify(c.id, null)).toBe(false);
  });

  it('passes everything in benchmark mode (a switch production refuses)', async () => {
    const bench = new CaptchaService({ ...t.config, benchmarkMode: true }, t.ds.getRepository(CaptchaChallenge));
    expect(await bench.verify('whatever', 'x')).toBe(true);
  });

  it('GET /api/v1/captcha answers { id, image } with no-store, usable for one verification', async () => {
    const res = await request(t.server).get('/api/v1/captcha').expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'image']);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.image).toMatch(/^data:image\/svg\+xml;base64,/);
    const answer = await solve(t, res.body.id);
    expect(await captcha.verify(res.body.id, answer)).toBe(true);
  });

  it('limits how many CAPTCHA images one client can fetch', async () => {
    const limiter = t.app.get(RateLimiterService);
    const key = limiter.clientKey({ ip: '::ffff:127.0.0.1' });
    // Use the client's window up (the requests above used a few of its 60).
    for (let i = 0; i < 60; i++) await limiter.consume(LIMITS.captcha, key, { points: 60, windowSeconds: 900 });
    const res = await request(t.server).get('/api/v1/captcha').expect(429);
    expect(res.body.error.code).toBe('rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

/** The shared contract of both backends. */
function rateLimiterContract(name: string, opts: { overrides?: Partial<AppConfig> }, backend: 'redis' | 'database') {
  describe(name, () => {
    let t: TestApp;
    let limiter: RateLimiterService;
    const runId = Math.random().toString(36).slice(2);
    beforeAll(async () => {
      t = await createTestApp({ overrides: opts.overrides });
      limiter = t.app.get(RateLimiterService);
    });
    afterAll(async () => t?.close());

    it(`counts on the ${backend}`, () => {
      expect(limiter.backend).toBe(backend);
    });

    it('50 parallel consumes with 10 points: exactly 10 allowed, the rest told when to retry', async () => {
      const key = limiter.clientKey({ ip: `198.51.100.${Math.floor(Math.random() * 250)}` }) + runId;
      const results = await Promise.all(Array.from({ length: 50 }, () => limiter.consume('test-parallel', key, { points: 10, windowSeconds: 300 })));
      const allowed = results.filter((r) => r.allowed);
      expect(allowed).toHaveLength(10);
      expect(allowed.map((r) => r.remaining).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const r of results.filter((x) => !x.allowed)) {
        expect(r.remaining).toBe(0);
        expect(r.retryAfterSeconds).toBeGreaterThan(0);
        expect(r.retryAfterSeconds).toBeLessThanOrEqual(300);
      }
      expect((await limiter.peek('test-parallel', key, { points: 10, windowSeconds: 300 })).allowed).toBe(false);
    });

    it('20 wrong lookups from one client: throttled after the limit, another client unaffected', async () => {
      const a = limiter.clientKey({ ip: '203.0.113.7' }) + runId;
      const b = limiter.clientKey({ ip: '203.0.113.8' }) + runId;
      expect(a).not.toBe(b);
      const seen: boolean[] = [];
      for (let i = 0; i < 20; i++) seen.push((await limiter.consume(LIMITS.receiptLookup, a, { points: t.config.limits.receiptTries, windowSeconds: t.config.limits.receiptWindowSeconds })).allowed);
      expect(seen).toEqual([...Array(10).fill(true), ...Array(10).fill(false)]);
      const other = await limiter.consume(LIMITS.receiptLookup, b, { points: 10, windowSeconds: 900 });
      expect(other).toEqual({ allowed: true, remaining: 9, retryAfterSeconds: 0 });
      // Another limit of the same client is separate too.
      expect((await limiter.consume(LIMITS.submission, a, { points: 10, windowSeconds: 900 })).allowed).toBe(true);
    });

    it('a window ends: the client is allowed again', async () => {
      const key = `expiry-${runId}`;
      const o = { points: 2, windowSeconds: 1 };
      expect((await limiter.consume('test-expiry', key, o)).allowed).toBe(true);
      expect((await limiter.consume('test-expiry', key, o)).allowed).toBe(true);
      const refused = await limiter.consume('test-expiry', key, o);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBe(1);
      await tick(1100);
      expect(await limiter.consume('test-expiry', key, o)).toEqual({ allowed: true, remaining: 1, retryAfterSeconds: 0 });
    });

    it('surge alarm: one warning line and one audit event per window, nobody blocked', async () => {
      const logger = (limiter as unknown as { logger: { warn: (m: string) => void } }).logger;
      const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
      const limit = `${LIMITS.receiptLookup}-${runId}`;
      const results = await Promise.all(Array.from({ length: 12 }, () => limiter.recordGlobal(limit, 60, 5)));
      expect(results.filter((r) => r.alarmed)).toHaveLength(1);
      expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      for (let i = 0; i < 5; i++) expect((await limiter.recordGlobal(limit, 60, 5)).alarmed).toBe(false);
      const surgeLines = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('surge'));
      expect(surgeLines).toHaveLength(1);
      expect(surgeLines[0]).toMatch(new RegExp(`^receipt lookup ${runId} surge: count=5 threshold=5 windowSeconds=60$`));
      expect(surgeLines[0]).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
      warn.mockRestore();
      const events = await t.ds.getRepository(AuditEvent).findBy({ action: 'rate_limit_surge', recordId: limit });
      expect(events).toHaveLength(1);
      expect(events[0].actorKind).toBe('system');
      expect(JSON.parse(events[0].details!)).toMatchObject({ count: 5, threshold: 5, windowSeconds: 60 });
      // Every client still gets its own allowance.
      expect((await limiter.consume(limit, `after-surge-${runId}`, { points: 10, windowSeconds: 60 })).allowed).toBe(true);
    });

    it('the surge message for receipt lookups reads “receipt lookup surge”', async () => {
      const logger = (limiter as unknown as { logger: { warn: (m: string) => void } }).logger;
      const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
      // A window of its own: the real limit name, threshold 1.
      await limiter.recordGlobal(LIMITS.receiptLookup, 1 + Math.floor(Math.random() * 100000), 1);
      expect(warn.mock.calls.some((c) => String(c[0]).startsWith('receipt lookup surge: count=1'))).toBe(true);
      warn.mockRestore();
    });

    it('client keys are HMACs: no address stored or derivable in clear', async () => {
      const ip = '192.0.2.55';
      const k = limiter.clientKey({ ip });
      expect(k).toMatch(/^[0-9a-f]{64}$/);
      expect(limiter.clientKey({ ip: `::ffff:${ip}` })).toBe(k);
      expect(limiter.clientKey({ ip: '2001:db8:1:2:aaaa::1' })).toBe(limiter.clientKey({ ip: '2001:db8:1:2:bbbb:cccc:dddd:eeee' }));
      expect(limiter.clientKey({ ip: '2001:db8:1:3::1' })).not.toBe(limiter.clientKey({ ip: '2001:db8:1:2::1' }));
      await limiter.consume('test-clear', k, { points: 5, windowSeconds: 60 });
      const rows = await t.ds.getRepository(RateLimitBucket).find();
      for (const r of rows) {
        expect(r.key).toMatch(/^[0-9a-f]{64}$/);
        expect(r.key).not.toContain(ip);
        expect(r.key).not.toBe(k);
      }
    });

    it('benchmark mode lifts per-client limits', async () => {
      const bench = new RateLimiterService({ ...t.config, benchmarkMode: true, redisUrl: undefined }, t.app.get(RateLimitBucketRepository), t.app.get(AuditService), t.ds);
      for (let i = 0; i < 5; i++) expect((await bench.consume('test-bench', 'k', { points: 1, windowSeconds: 60 })).allowed).toBe(true);
    });
  });
}

rateLimiterContract('rate limiter on the database', {}, 'database');
rateLimiterContract('rate limiter on Redis (127.0.0.1:6379)', { overrides: { redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' } }, 'redis');

describe('rate limiter database backend details', () => {
  let t: TestApp;
  let limiter: RateLimiterService;
  beforeAll(async () => {
    t = await createTestApp();
    limiter = t.app.get(RateLimiterService);
  });
  afterAll(async () => t?.close());

  it('sweeps ended windows and keeps running ones', async () => {
    const repo = t.ds.getRepository(RateLimitBucket);
    await limiter.consume('test-sweep', 'ended', { points: 3, windowSeconds: 60 });
    await limiter.consume('test-sweep', 'running', { points: 3, windowSeconds: 600 });
    expect(await repo.count()).toBe(2);
    expect(await limiter.sweepExpired(Date.now() + 120_000)).toBe(1);
    expect(await repo.count()).toBe(1);
    const left = await repo.find();
    expect(left[0].hits).toBe(1);
    expect(left[0].expiresAt).toBeGreaterThan(Date.now() + 500_000);
  });

  it('falls back to the database when Redis does not answer', async () => {
    const broken = new RateLimiterService({ ...t.config, redisUrl: 'redis://127.0.0.1:1' }, t.app.get(RateLimitBucketRepository), t.app.get(AuditService), t.ds);
    const logger = (broken as unknown as { logger: { warn: (m: string) => void } }).logger;
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    await broken.onModuleInit();
    try {
      const o = { points: 1, windowSeconds: 60 };
      expect((await broken.consume('test-fallback', 'k', o)).allowed).toBe(true);
      expect((await broken.consume('test-fallback', 'k', o)).allowed).toBe(false);
    } finally {
      await broken.onModuleDestroy();
    }
  });
});
