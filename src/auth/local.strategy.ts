import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request, Response } from 'express';
import passport from 'passport';
import { Strategy } from 'passport-local';
import type { User } from '../users/entities/user.entity.js';
import { LoginRefusedError } from './auth.errors.js';
import { AuthService } from './auth.service.js';

/** passport-local: `username` and `password` from the form, checked by {@link AuthService.authenticate}. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly auth: AuthService) {
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true });
  }

  validate(req: Request, username: string, password: string): Promise<User> {
    return this.auth.authenticate(username, password, req.ip ?? req.socket.remoteAddress ?? 'unknown');
  }
}

/**
 * Runs the local strategy for this request without passport's own session handling (the controller
 * opens the session itself, with a fresh id).
 * @throws LoginRefusedError when a field is missing; whatever {@link AuthService.authenticate} throws.
 */
export function authenticateLocal(req: Request, res: Response): Promise<User> {
  return new Promise((resolve, reject) => {
    passport.authenticate('local', { session: false }, (err: unknown, user: User | false) => {
      if (err) return reject(err);
      if (!user) return reject(new LoginRefusedError());
      resolve(user);
    })(req, res, (err?: unknown) => reject(err ?? new LoginRefusedError()));
  });
}
