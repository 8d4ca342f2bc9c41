import { Controller, Get, Header, Req } from '@nestjs/common';
import type { Request } from 'express';
import { Public } from '../common/public.decorator.js';
import { TooManyRequestsError } from '../common/domain-error.js';
import { CaptchaService } from './captcha.service.js';
import { RateLimiterService } from './rate-limiter.service.js';
import { LIMITS } from './limits.js';

/** CAPTCHA images per client per 15 minutes from the JSON endpoint (each stores a row for 10 minutes). */
const CAPTCHA_PER_WINDOW = 60;
const CAPTCHA_WINDOW_SECONDS = 15 * 60;

/** The CAPTCHA for the public JSON submission API. */
@Controller('api/v1/captcha')
export class CaptchaController {
  constructor(
    private readonly captcha: CaptchaService,
    private readonly limiter: RateLimiterService,
  ) {}

  /**
   * `GET /api/v1/captcha` → `{ id, image }`: `image` is a `data:image/svg+xml;base64,…` URI; send `id`
   * and the characters read with the submission. Single use, valid 10 minutes.
   * @throws TooManyRequestsError (429 `rate_limited`) past 60 images per client per 15 minutes.
   */
  @Public()
  @Get()
  @Header('Cache-Control', 'no-store')
  async create(@Req() req: Request): Promise<{ id: string; image: string }> {
    const d = await this.limiter.consume(LIMITS.captcha, this.limiter.clientKey(req), { points: CAPTCHA_PER_WINDOW, windowSeconds: CAPTCHA_WINDOW_SECONDS });
    if (!d.allowed) throw new TooManyRequestsError('获取验证码过于频繁，请稍后再试', d.retryAfterSeconds);
    const c = await this.captcha.create();
    return { id: c.id, image: c.imageDataUri };
  }
}
