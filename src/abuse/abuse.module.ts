import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CaptchaChallenge } from './entities/captcha-challenge.entity.js';
import { RateLimitBucket } from './entities/rate-limit-bucket.entity.js';
import { CaptchaService } from './captcha.service.js';
import { CaptchaController } from './captcha.controller.js';
import { RateLimiterService } from './rate-limiter.service.js';
import { RateLimitBucketRepository } from './rate-limit-bucket.repository.js';

/** Abuse controls of the public side: self-hosted CAPTCHA and per-client rate limits (DESIGN.md §3). */
@Module({
  imports: [TypeOrmModule.forFeature([CaptchaChallenge, RateLimitBucket])],
  controllers: [CaptchaController],
  providers: [CaptchaService, RateLimiterService, RateLimitBucketRepository],
  exports: [CaptchaService, RateLimiterService],
})
export class AbuseModule {}
