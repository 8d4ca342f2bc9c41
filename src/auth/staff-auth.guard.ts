import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DomainError, NotFoundError } from '../common/domain-error.js';
import { IS_PUBLIC } from '../common/public.decorator.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import type { Role, User } from '../users/entities/user.entity.js';
import { ALLOW_PENDING_PASSWORD_CHANGE, ROLES_KEY } from './roles.decorator.js';
import { ALLOW_PENDING_TOTP_ENROLMENT, SECURITY_PATH, TOTP_LOGIN_PATH } from './two-factor.decorator.js';

export const LOGIN_PATH = '/staff/login';
export const PASSWORD_PATH = '/staff/password';

/**
 * The global guard (APP_GUARD), deny by default:
 * - `@Public()` routes are open;
 * - anything else needs a signed-in, active user whose session is current (checked per request by
 *   the session middleware, which sets `req.user`): without one, `/api/*` answers 401
 *   `{error:{code:'unauthenticated'}}` and pages redirect to the login page (to the second step
 *   when the session holds a half-login);
 * - a user who must change their password reaches only `@AllowPendingPasswordChange()` routes
 *   (pages redirect to the change-password page; the API answers 403 `password_change_required`);
 * - when config.requireTotp is on, a session opened without a second factor reaches only
 *   `@AllowPendingTotpEnrolment()` routes (pages redirect to the security page; the API answers 403
 *   `totp_enrolment_required`);
 * - `@Roles(...)` needs at least one of the roles, else 404 (never 403: DESIGN.md §5).
 * Responses to signed-in requests are marked `Cache-Control: no-store`.
 */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const api = req.originalUrl.startsWith('/api/');
    const user = req.user as User | undefined;
    if (!user) {
      if (api) throw new DomainError('unauthenticated', '请先登录', 401);
      if (req.session?.halfLogin) {
        res.redirect(303, TOTP_LOGIN_PATH);
        return false;
      }
      const next = req.method === 'GET' && /^\/staff(\/[A-Za-z0-9/_-]*)?$/.test(req.path) ? `?next=${encodeURIComponent(req.path)}` : '';
      res.redirect(303, LOGIN_PATH + next);
      return false;
    }
    res.setHeader('Cache-Control', 'no-store');
    if (user.mustChangePassword && !this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_PASSWORD_CHANGE, targets)) {
      if (api) throw new DomainError('password_change_required', '请先修改初始密码', 403);
      res.redirect(303, PASSWORD_PATH);
      return false;
    }
    if (this.config.requireTotp && !req.session?.tfa && !user.mustChangePassword && !this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_TOTP_ENROLMENT, targets)) {
      if (api) throw new DomainError('totp_enrolment_required', '请先设置两步验证', 403);
      res.redirect(303, SECURITY_PATH);
      return false;
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles?.length && !roles.some((r) => user.hasRole(r))) throw new NotFoundError();
    return true;
  }
}
