import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CSRF } from '../common/common.module.js';
import type { Csrf } from '../common/csrf.js';
import { ValidationFailedError } from '../common/domain-error.js';
import { Public } from '../common/public.decorator.js';
import type { User } from '../users/entities/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { LoginLockedError, LoginRefusedError } from './auth.errors.js';
import { AuthService } from './auth.service.js';
import { CurrentUser } from './current-user.decorator.js';
import { LocalStrategy } from './local.strategy.js';
import { AllowPendingPasswordChange } from './roles.decorator.js';
import { SESSION_COOKIE } from './session-user.middleware.js';
import { LOGIN_PATH, PASSWORD_PATH } from './staff-auth.guard.js';
import { TotpService } from './totp.service.js';
import { AllowPendingTotpEnrolment, TOTP_LOGIN_PATH } from './two-factor.decorator.js';

/** A `next` target after login: only a plain path under /staff (no open redirect). */
export function safeNext(next: unknown): string | undefined {
  return typeof next === 'string' && /^\/staff(\/[A-Za-z0-9/_-]*)?$/.test(next) && !next.startsWith(LOGIN_PATH) ? next : undefined;
}

function promisify(fn: (cb: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

/**
 * Opens a staff session for `user` under a fresh session id (no fixation): records the user, the
 * account's current `sessionVersion`, the sign-in time and whether a second factor was given.
 */
export async function startStaffSession(req: Request, user: User, secondFactor = false): Promise<void> {
  await promisify((cb) => req.session.regenerate(cb));
  req.session.userId = user.id;
  req.session.sv = user.sessionVersion;
  req.session.loginAt = Date.now();
  if (secondFactor) req.session.tfa = true;
  await promisify((cb) => req.session.save(cb));
}

/**
 * After a right password of a user with TOTP: a fresh session that holds only a half-login (valid
 * HALF_LOGIN_MS, 5 minutes); nothing but the second step treats it as signed in.
 */
export async function startHalfLogin(req: Request, user: User, next: string | undefined): Promise<void> {
  await promisify((cb) => req.session.regenerate(cb));
  req.session.halfLogin = { userId: user.id, sv: user.sessionVersion, at: Date.now(), ...(next ? { next } : {}) };
  await promisify((cb) => req.session.save(cb));
}

/** Staff sign-in, sign-out, change of password, the staff home page and the CSRF token for scripts and tests. */
@Controller('staff')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly local: LocalStrategy,
    private readonly totp: TotpService,
    @Inject(CSRF) private readonly csrf: Csrf,
  ) {}

  @Public()
  @Get('login')
  loginPage(@Req() req: Request, @Res() res: Response, @Query('next') next?: string): void {
    if (req.user) return res.redirect(303, '/staff');
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/auth/login', { title: '登录', next: safeNext(next) });
  }

  @Public()
  @Post('login')
  async login(@Req() req: Request, @Res() res: Response): Promise<void> {
    let user: User;
    try {
      user = await this.local.authenticateRequest(req, res);
    } catch (e) {
      if (!(e instanceof LoginRefusedError || e instanceof LoginLockedError)) throw e;
      if (e instanceof LoginLockedError && e.retryAfterSeconds) res.setHeader('Retry-After', String(e.retryAfterSeconds));
      res.setHeader('Cache-Control', 'no-store');
      res.status(e.status).render('pages/auth/login', {
        title: '登录',
        error: e.message,
        username: String(req.body?.username ?? '').slice(0, 64),
        next: safeNext(req.body?.next),
        csrfToken: this.csrf.token(req, res),
      });
      return;
    }
    if (await this.totp.isEnabled(user.id)) {
      await this.auth.recordHalfLogin(user);
      await startHalfLogin(req, user, safeNext(req.body?.next));
      return res.redirect(303, TOTP_LOGIN_PATH);
    }
    await this.auth.completeLogin(user, null);
    await startStaffSession(req, user);
    res.redirect(303, user.mustChangePassword ? PASSWORD_PATH : (safeNext(req.body?.next) ?? '/staff'));
  }

  @Post('logout')
  @AllowPendingPasswordChange()
  @AllowPendingTotpEnrolment()
  async logout(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    await this.auth.recordLogout(user);
    await promisify((cb) => req.session.destroy(cb));
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, LOGIN_PATH);
  }

  @Get()
  home(@Res() res: Response, @CurrentUser() user: User, @Query('done') done?: string): void {
    res.render('pages/auth/home', {
      title: '工作台',
      user,
      done: done === 'password' ? '密码已修改。' : undefined,
      canIntake: user.hasRole('intake_officer') || user.hasRole('leader'),
      canAdmin: user.hasRole('admin'),
      canAudit: user.hasRole('auditor'),
      canRegistry: user.hasRole('registry_clerk') || user.hasRole('case_handler'),
      canImport: user.hasRole('registry_clerk'),
      canCustody: user.hasRole('identity_custodian'),
      canMatters: ['case_handler', 'trial_reviewer', 'leader', 'intake_officer'].some((r) => user.hasRole(r as never)),
      canLead: user.hasRole('leader'),
      roles: user.roleList(),
    });
  }

  @Get('password')
  @AllowPendingPasswordChange()
  passwordPage(@Res() res: Response, @CurrentUser() user: User): void {
    res.render('pages/auth/password', { title: '修改密码', user, mustChange: user.mustChangePassword });
  }

  @Post('password')
  @AllowPendingPasswordChange()
  async changePassword(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const current = typeof body.currentPassword === 'string' ? body.currentPassword : '';
    const next = typeof body.newPassword === 'string' ? body.newPassword : '';
    const confirm = typeof body.confirmPassword === 'string' ? body.confirmPassword : '';
    try {
      if (next !== confirm) throw new ValidationFailedError({ confirmPassword: '两次输入的新密码不一致' }, '密码未修改，请按提示修改');
      const changed = await this.users.changePassword(user.id, current, next);
      // The change ended every session of the account, this one included: continue under a fresh one.
      await startStaffSession(req, changed, req.session.tfa === true);
      res.redirect(303, '/staff?done=password');
    } catch (e) {
      if (!(e instanceof ValidationFailedError)) throw e;
      res.status(422).render('pages/auth/password', { title: '修改密码', user, mustChange: user.mustChangePassword, error: e.message, fields: e.fields, csrfToken: this.csrf.token(req, res) });
    }
  }

  /** `{ token }`: a CSRF token for form posts and API calls of the signed-in user (send it as `X-CSRF-Token` or `_csrf`). */
  @Get('csrf')
  @HttpCode(200)
  @AllowPendingPasswordChange()
  @AllowPendingTotpEnrolment()
  csrfToken(@Req() req: Request, @Res() res: Response): void {
    res.json({ token: (res.locals.csrfToken as string | undefined) ?? this.csrf.token(req, res) });
  }
}
