import { Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { CSRF } from '../common/common.module.js';
import type { Csrf } from '../common/csrf.js';
import { ValidationFailedError } from '../common/domain-error.js';
import { Public } from '../common/public.decorator.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { User } from '../users/entities/user.entity.js';
import { startStaffSession } from './auth.controller.js';
import { LoginLockedError } from './auth.errors.js';
import { AuthService } from './auth.service.js';
import { CurrentUser } from './current-user.decorator.js';
import { SESSION_COOKIE } from './session-user.middleware.js';
import { LOGIN_PATH, PASSWORD_PATH } from './staff-auth.guard.js';
import { SecondFactorRefusedError, TotpService } from './totp.service.js';
import { AllowPendingTotpEnrolment, HALF_LOGIN_MS, SECURITY_PATH, TOTP_LOGIN_PATH } from './two-factor.decorator.js';

function promisify(fn: (cb: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function field(req: Request, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

const DONE: Record<string, string> = { disabled: '两步验证已停用，其他设备上的登录已全部失效。' };

/**
 * The staff second factor: the second step of a sign-in (`/staff/login/totp`, reachable only with a
 * half-login of the last {@link HALF_LOGIN_MS}) and the user's own security page (`/staff/security`:
 * enrolment with a QR code, recovery codes, disabling). Pages only, zh-CN, no JavaScript needed.
 */
@Controller('staff')
export class TwoFactorController {
  constructor(
    private readonly totp: TotpService,
    private readonly auth: AuthService,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(CSRF) private readonly csrf: Csrf,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('login/totp')
  async secondStepPage(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (req.user) return res.redirect(303, '/staff');
    res.setHeader('Cache-Control', 'no-store');
    if (!(await this.halfLoginUser(req, res))) return res.redirect(303, LOGIN_PATH);
    res.render('pages/auth/login-totp', { title: '两步验证' });
  }

  @Public()
  @Post('login/totp')
  async secondStep(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const user = await this.halfLoginUser(req, res);
    if (!user) {
      res.status(401).render('pages/auth/login', { title: '登录', error: '验证已超时，请重新输入用户名和密码', csrfToken: this.csrf.token(req, res) });
      return;
    }
    const next = req.session.halfLogin?.next;
    let method;
    try {
      method = await this.totp.verifyForLogin(user, field(req, 'code'), clientAddress(req));
    } catch (e) {
      if (!(e instanceof SecondFactorRefusedError || e instanceof LoginLockedError)) throw e;
      if (e instanceof LoginLockedError && e.retryAfterSeconds) res.setHeader('Retry-After', String(e.retryAfterSeconds));
      res.status(e.status).render('pages/auth/login-totp', { title: '两步验证', error: e.message, csrfToken: this.csrf.token(req, res) });
      return;
    }
    await this.auth.completeLogin(user, method);
    await startStaffSession(req, user, true);
    res.redirect(303, user.mustChangePassword ? PASSWORD_PATH : (next ?? '/staff'));
  }

  /** Abandons a half-login. */
  @Public()
  @Post('login/totp/cancel')
  async cancel(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (req.session && !req.user) await this.endSession(req, res);
    res.redirect(303, LOGIN_PATH);
  }

  @Get('security')
  @AllowPendingTotpEnrolment()
  async securityPage(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User, @Query('done') done?: string): Promise<void> {
    await this.renderSecurity(req, res, user, 200, { done: done ? DONE[done] : undefined });
  }

  /** Starts (or restarts with a new secret) an enrolment, then shows it on the security page. */
  @Post('security/totp/setup')
  @AllowPendingTotpEnrolment()
  async setup(@Res() res: Response, @CurrentUser() user: User): Promise<void> {
    await this.totp.startEnrolment(user);
    res.redirect(303, SECURITY_PATH);
  }

  /** Confirms the enrolment with a code; shows the recovery codes once, in a fresh session that counts as two-factor. */
  @Post('security/totp/activate')
  @AllowPendingTotpEnrolment()
  async activate(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    try {
      const { user: updated, recoveryCodes } = await this.totp.activate(user, field(req, 'code'), clientAddress(req));
      await startStaffSession(req, updated, true);
      res.status(200).render('pages/auth/recovery-codes', { title: '恢复码', user: updated, codes: recoveryCodes, done: '两步验证已启用。此账号在其他设备上的登录已全部失效。', csrfToken: this.csrf.token(req, res) });
    } catch (e) {
      await this.renderFailure(req, res, user, e, (v) => ({ code: v.fields?.code }));
    }
  }

  /** Replaces the recovery codes (needs a current TOTP code) and shows the new ones once. */
  @Post('security/recovery-codes')
  async regenerate(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    try {
      const codes = await this.totp.regenerateRecoveryCodes(user, field(req, 'code'), clientAddress(req));
      res.status(200).render('pages/auth/recovery-codes', { title: '恢复码', user, codes, done: '已生成新的恢复码，旧的恢复码已全部作废。', csrfToken: this.csrf.token(req, res) });
    } catch (e) {
      await this.renderFailure(req, res, user, e, (v) => ({ regenerate: v.fields?.code }));
    }
  }

  /** Turns TOTP off (password + code); every session of the account ends, this one continues under a fresh id. */
  @Post('security/totp/disable')
  async disable(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    try {
      const updated = await this.totp.disable(user, field(req, 'password'), field(req, 'code'), clientAddress(req));
      await startStaffSession(req, updated, false);
      res.redirect(303, `${SECURITY_PATH}?done=disabled`);
    } catch (e) {
      await this.renderFailure(req, res, user, e, (v) => ({ disable: v.fields?.code }));
    }
  }

  // -------------------------------------------------------------------------------------------

  /**
   * The user of a current half-login: not older than {@link HALF_LOGIN_MS}, account active, its
   * sessionVersion unchanged since the password step, TOTP still enabled. Otherwise the session is ended.
   */
  private async halfLoginUser(req: Request, res: Response): Promise<User | null> {
    const h = req.session?.halfLogin;
    if (!h) return null;
    const user = Date.now() - h.at < HALF_LOGIN_MS ? await this.ds.getRepository(User).findOneBy({ id: h.userId }) : null;
    if (user && user.active && user.sessionVersion === h.sv && (await this.totp.isEnabled(user.id))) return user;
    await this.endSession(req, res);
    return null;
  }

  private async endSession(req: Request, res: Response): Promise<void> {
    await promisify((cb) => req.session.destroy(cb));
    res.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  private async renderFailure(req: Request, res: Response, user: User, e: unknown, fields: (v: ValidationFailedError) => Record<string, string | undefined>): Promise<void> {
    if (e instanceof LoginLockedError) {
      if (e.retryAfterSeconds) res.setHeader('Retry-After', String(e.retryAfterSeconds));
      return this.renderSecurity(req, res, user, e.status, { error: e.message });
    }
    if (e instanceof ValidationFailedError) return this.renderSecurity(req, res, user, 422, { error: e.message, fields: fields(e) });
    throw e;
  }

  private async renderSecurity(req: Request, res: Response, user: User, status: number, extra: { done?: string; error?: string; fields?: Record<string, string | undefined> }): Promise<void> {
    const totp = await this.totp.status(user.id);
    const pending = totp.pending ? await this.totp.pendingEnrolment(user) : null;
    res.status(status).render('pages/auth/security', {
      title: '账号安全',
      user,
      status: totp,
      pending,
      required: this.config.requireTotp && !req.session?.tfa,
      csrfToken: this.csrf.token(req, res),
      ...extra,
    });
  }
}
