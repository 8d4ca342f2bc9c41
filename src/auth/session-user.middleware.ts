import { Injectable, type NestMiddleware } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { User } from '../users/entities/user.entity.js';

/** Absolute lifetime of a staff session from sign-in, whatever the activity: 12 hours. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
/** Idle timeout (rolling cookie and stored expiry): 30 minutes. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** Name of the staff session cookie (src/common/csrf.ts looks for it on API calls). */
export const SESSION_COOKIE = 'qf_sess';

/**
 * Runs after express-session: when the session names a user, loads that user (one primary-key read)
 * and sets `req.user` — but only if the account is active, its `sessionVersion` still equals the one
 * recorded at sign-in, and the session is younger than {@link SESSION_ABSOLUTE_MS}. Otherwise the
 * session is destroyed and the request continues as anonymous (the guard then refuses it).
 */
@Injectable()
export class SessionUserMiddleware implements NestMiddleware {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const s = req.session;
    if (!s?.userId) return next();
    try {
      const user = await this.ds.getRepository(User).findOneBy({ id: s.userId });
      const current = !!user && user.active && user.sessionVersion === s.sv && Date.now() - (s.loginAt ?? 0) < SESSION_ABSOLUTE_MS;
      if (current) {
        req.user = user;
        return next();
      }
      await new Promise<void>((resolve, reject) => s.destroy((err) => (err ? reject(err) : resolve())));
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      next();
    } catch (e) {
      next(e);
    }
  }
}
