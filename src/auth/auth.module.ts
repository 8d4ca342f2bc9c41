import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Inject, Module, type MiddlewareConsumer, type NestModule, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import session from 'express-session';
import hbs from 'hbs';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { FirstAdminService } from '../users/first-admin.service.js';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { LocalStrategy } from './local.strategy.js';
import { LoginThrottle } from './login-throttle.service.js';
import { AbuseModule } from '../abuse/abuse.module.js';
import { DatabaseSessionStore } from './session-store.js';
import { SESSION_COOKIE, SESSION_IDLE_MS, SessionUserMiddleware } from './session-user.middleware.js';
import { StaffAuthGuard } from './staff-auth.guard.js';
import { TotpService } from './totp.service.js';
import { TwoFactorController } from './two-factor.controller.js';

/** How often expired session rows are deleted: every 10 minutes (each instance; deleting twice is harmless). */
const SESSION_CLEANUP_MS = 10 * 60 * 1000;

/** Repository root, from src/auth (ts-jest) or dist/src/auth (built). */
const ROOT = (() => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes(join('dist', 'src')) ? join(here, '..', '..', '..') : join(here, '..', '..');
})();

/**
 * Staff authentication: server-side sessions in the database (cookie `qf_sess`: httpOnly, SameSite=Lax,
 * Secure per config, 30-minute rolling idle timeout, 12-hour absolute lifetime), passport-local login
 * with lockout, the global deny-by-default guard with `@Roles`, and the login/logout/password pages.
 * The session middleware is mounted for every route, so `req.user` is set wherever a session is.
 */
@Module({
  imports: [UsersModule, AbuseModule],
  controllers: [AuthController, TwoFactorController],
  providers: [
    AuthService,
    LoginThrottle,
    LocalStrategy,
    TotpService,
    SessionUserMiddleware,
    { provide: APP_GUARD, useClass: StaffAuthGuard },
    {
      provide: DatabaseSessionStore,
      useFactory: (ds: DataSource, config: AppConfig) => new DatabaseSessionStore(ds, config.secrets.sessionSecret, SESSION_IDLE_MS),
      inject: [getDataSourceToken(), APP_CONFIG],
    },
  ],
  exports: [AuthService, DatabaseSessionStore, TotpService],
})
export class AuthModule implements NestModule, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private cleanup?: NodeJS.Timeout;

  constructor(
    private readonly store: DatabaseSessionStore,
    private readonly firstAdmin: FirstAdminService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    const sessions = session({
      name: SESSION_COOKIE,
      secret: this.config.secrets.sessionSecret,
      store: this.store,
      resave: false,
      // Citizens never get a session: one exists only after a staff login.
      saveUninitialized: false,
      rolling: true,
      unset: 'destroy',
      cookie: { httpOnly: true, sameSite: 'lax', secure: this.config.secureCookies, path: '/', maxAge: SESSION_IDLE_MS },
    });
    // Citizens' pages and the public API never touch a session: skip the store (and the session-id
    // generation) unless the request carries the staff cookie or is a staff page (e.g. the login).
    const staffOnly: typeof sessions = (req, res, next) =>
      req.cookies?.[SESSION_COOKIE] || req.originalUrl.startsWith('/staff') ? sessions(req, res, next) : next();
    consumer.apply(staffOnly, SessionUserMiddleware).forRoutes('{*path}');
  }

  onModuleInit(): void {
    hbs.registerPartial('staff-nav', readFileSync(join(ROOT, 'views', 'pages', 'auth', 'staff-nav.hbs'), 'utf8'));
    this.cleanup = setInterval(() => void this.store.deleteExpired().catch(() => undefined), SESSION_CLEANUP_MS);
    this.cleanup.unref();
  }

  /** First start of the portal (not under NODE_ENV=test): create the first administrator when no account exists. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.env !== 'test') await this.firstAdmin.ensureFirstAdmin();
  }

  onModuleDestroy(): void {
    if (this.cleanup) clearInterval(this.cleanup);
  }
}
