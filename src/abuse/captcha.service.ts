import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';
import svgCaptcha from 'svg-captcha';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { hmacHex } from '../common/crypto.js';
import { CaptchaChallenge } from './entities/captcha-challenge.entity.js';

/**
 * Characters a citizen can tell apart on a small phone screen: no 0/O/Q/D, 1/I/L/J, 2/Z, 5/S, 8/B, U/V,
 * and answers are case-insensitive, so each letter is shown in one case only.
 */
export const CAPTCHA_ALPHABET = 'ACEFGHKMNPRTWXY34679';
export const CAPTCHA_LENGTH = 4;
/** A challenge lives 10 minutes. */
export const CAPTCHA_TTL_MS = 10 * 60 * 1000;
const SWEEP_EVERY_MS = 5 * 60 * 1000;
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type RenderSvg = (text: string, options: Record<string, unknown>) => string;

/**
 * Folds what a citizen typed to the form the answer is stored in: NFKC (full-width letters and digits
 * from Chinese input methods become ASCII), spaces removed, upper case.
 */
export function normaliseCaptchaAnswer(input: string): string {
  return input.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

/**
 * Self-hosted image CAPTCHA (DESIGN.md §3: no third-party service) for the tip-off form and the public
 * JSON submission.
 *
 * The answer is drawn with `crypto.randomInt` and rendered as glyph outlines by `svg-captcha` (the SVG
 * holds no text). Only `HMAC(key, id + answer)` is stored, in `captcha_challenges`, for 10 minutes.
 */
@Injectable()
export class CaptchaService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CaptchaService');
  private readonly key: Buffer;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(CaptchaChallenge) private readonly challenges: Repository<CaptchaChallenge>,
  ) {
    // A key of its own, derived so that a CAPTCHA hash can never be confused with a receipt hash.
    this.key = createHmac('sha256', config.secrets.receiptHmacKey).update('qingfeng:captcha').digest();
  }

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.sweepExpired().catch((e: Error) => this.logger.warn(`captcha sweep failed: ${e.name}`));
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * A new challenge.
   * @returns `id` (UUID, to send back with the answer) and `imageDataUri`
   *   (`data:image/svg+xml;base64,…`, 200×70 px, allowed by the CSP's `img-src 'self' data:`).
   */
  async create(): Promise<{ id: string; imageDataUri: string }> {
    let answer = '';
    for (let i = 0; i < CAPTCHA_LENGTH; i++) answer += CAPTCHA_ALPHABET[randomInt(CAPTCHA_ALPHABET.length)];
    const id = randomUUID();
    await this.challenges.insert({ id, answerHmac: this.hash(id, answer), expiresAt: Date.now() + CAPTCHA_TTL_MS });
    // Dark grey glyphs on white (svg-captcha's `background` option would switch to random, often pale colours).
    const svg = (svgCaptcha as unknown as RenderSvg)(answer, { width: 200, height: 70, fontSize: 64, noise: 2, color: false }).replace(/^(<svg[^>]*>)/, '$1<rect width="100%" height="100%" fill="#ffffff"/>');
    return { id, imageDataUri: `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}` };
  }

  /**
   * Checks an answer. Single use: the challenge is deleted on any attempt, right or wrong, so each image
   * allows one guess. Case-insensitive; full-width characters and spaces are folded.
   * @returns false for a wrong answer, an unknown/used/expired id, or a malformed input; always true in
   *   benchmark mode (refused in production by the configuration).
   */
  async verify(id: string | undefined | null, answer: string | undefined | null): Promise<boolean> {
    if (this.config.benchmarkMode) return true;
    if (typeof id !== 'string' || !ID_PATTERN.test(id) || typeof answer !== 'string' || answer.length > 32) return false;
    const row = await this.challenges.findOneBy({ id });
    if (!row) return false;
    // Only the caller whose DELETE removed the row may use it: two parallel attempts get one chance.
    const deleted = await this.challenges.delete({ id });
    if (!deleted.affected) return false;
    if (row.expiresAt <= Date.now()) return false;
    const given = Buffer.from(this.hash(id, normaliseCaptchaAnswer(answer)), 'hex');
    const stored = Buffer.from(row.answerHmac, 'hex');
    return given.length === stored.length && timingSafeEqual(given, stored);
  }

  /** Deletes expired challenges (also run every 5 minutes). @returns the number deleted. */
  async sweepExpired(now = Date.now()): Promise<number> {
    const r = await this.challenges.delete({ expiresAt: LessThan(now) });
    return r.affected ?? 0;
  }

  /** (Also used by test/factories/reports.ts to plant a challenge with a known answer.) */
  private hash(id: string, normalisedAnswer: string): string {
    return hmacHex(this.key, `${id}:${normalisedAnswer}`);
  }
}
