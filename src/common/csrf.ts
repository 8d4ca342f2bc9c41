import { randomBytes } from 'node:crypto';
import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import type { AppConfig } from '../config/app-config.js';
import { DomainError } from './domain-error.js';

/** Cookie that ties a CSRF token to one browser when there is no staff session (citizens have none). */
export const BROWSER_COOKIE = 'qf_b';
export const CSRF_COOKIE = 'qf_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface Csrf {
  /** Middleware: sets the browser cookie and `res.locals.csrfToken`; checks urlencoded/JSON unsafe requests. */
  middleware: (req: Request, res: Response, next: NextFunction) => void;
  /** A token for a form (also in `res.locals.csrfToken`). */
  token: (req: Request, res: Response) => string;
  /** For multipart routes, after the files are parsed: is the token in the body or header valid? */
  isValid: (req: Request) => boolean;
}

/** Set on a request whose CSRF check the middleware left to the handler (a multipart body). */
const CSRF_DEFERRED = Symbol('qingfeng:csrfDeferred');
const CHECKS_MULTIPART_CSRF = 'qingfeng:checksMultipartCsrf';

/**
 * Marks a handler that parses a multipart body itself and then checks its CSRF token (`Csrf.isValid`).
 * Only such handlers accept multipart requests that need a token; see {@link MultipartCsrfGuard}.
 */
export const ChecksMultipartCsrf = (): MethodDecorator => SetMetadata(CHECKS_MULTIPART_CSRF, true);

/**
 * Global guard: a multipart request whose CSRF check the middleware deferred reaches only handlers
 * marked `@ChecksMultipartCsrf()`. Any other route (a staff action, logout, an admin form) never reads
 * a multipart body, so it would never check the token: it answers 403 `csrf_invalid` instead.
 */
@Injectable()
export class MultipartCsrfGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request & { [CSRF_DEFERRED]?: boolean }>();
    if (!req[CSRF_DEFERRED] || this.reflector.get<boolean>(CHECKS_MULTIPART_CSRF, context.getHandler())) return true;
    throw new DomainError('csrf_invalid', '页面已过期或请求无效，请刷新页面后重新提交', 403);
  }
}

/**
 * CSRF protection for every form (double-submit cookie, csrf-csrf). Multipart requests are checked by
 * their handler after parsing (`isValid`), since the token travels in the multipart body; only
 * handlers marked `@ChecksMultipartCsrf()` take such requests ({@link MultipartCsrfGuard}). API calls
 * without cookies (integrations, the public JSON submission with its CAPTCHA) carry no ambient
 * authority and are exempt; API calls that carry a staff session cookie need the `X-CSRF-Token` header.
 */
export function createCsrf(config: AppConfig): Csrf {
  const { doubleCsrfProtection, generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => config.secrets.sessionSecret,
    getSessionIdentifier: (req) => (req.cookies?.[BROWSER_COOKIE] as string | undefined) ?? '',
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'lax', path: '/', secure: config.secureCookies, httpOnly: true },
    getCsrfTokenFromRequest: (req) => (req.body?.[CSRF_FIELD] as string | undefined) ?? (req.headers[CSRF_HEADER] as string | undefined),
    skipCsrfProtection: (req) => {
      if (req.path.startsWith('/api/') && !req.cookies?.['qf_sess']) return true;
      if ((req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) {
        (req as Request & { [CSRF_DEFERRED]?: boolean })[CSRF_DEFERRED] = true;
        return true;
      }
      return false;
    },
    errorConfig: { statusCode: 403, message: 'csrf_invalid', code: 'csrf_invalid' },
  });

  const ensureBrowserCookie = (req: Request, res: Response) => {
    if (!req.cookies) req.cookies = {};
    if (!req.cookies[BROWSER_COOKIE]) {
      const v = randomBytes(18).toString('base64url');
      req.cookies[BROWSER_COOKIE] = v;
      res.cookie(BROWSER_COOKIE, v, { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, path: '/' });
    }
  };
  const token = (req: Request, res: Response) => {
    ensureBrowserCookie(req, res);
    const t = generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false });
    res.locals.csrfToken = t;
    return t;
  };
  return {
    token,
    isValid: (req) => validateRequest(req),
    middleware: (req, res, next) => {
      doubleCsrfProtection(req, res, (err?: unknown) => {
        if (err) return next(err);
        if (req.method === 'GET' || req.method === 'HEAD') {
          // Lazy: only a page that renders a form pays for a token (and sets the browser cookie).
          let cached: string | undefined;
          Object.defineProperty(res.locals, 'csrfToken', {
            configurable: true,
            enumerable: true,
            get: () => (cached ??= token(req, res)),
            set: (v: string) => {
              cached = v;
            },
          });
        }
        next();
      });
    },
  };
}
