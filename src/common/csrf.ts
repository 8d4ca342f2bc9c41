import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import type { AppConfig } from '../config/app-config.js';

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

/**
 * CSRF protection for every form (double-submit cookie, csrf-csrf). Multipart requests are checked by
 * their handler after parsing (`isValid`), since the token travels in the multipart body. API calls
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
      if ((req.headers['content-type'] ?? '').startsWith('multipart/form-data')) return true;
      if (req.path.startsWith('/api/')) return !req.cookies?.['qf_sess'];
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
