import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { createCsrf, MultipartCsrfGuard } from './csrf.js';

/** Injection token of the {@link Csrf} helpers (token for a form; `isValid` for multipart handlers). */
export const CSRF = Symbol('CSRF');

@Global()
@Module({
  providers: [
    { provide: CSRF, useFactory: (config: AppConfig) => createCsrf(config), inject: [APP_CONFIG] },
    { provide: APP_GUARD, useClass: MultipartCsrfGuard },
  ],
  exports: [CSRF],
})
export class CommonModule {}
