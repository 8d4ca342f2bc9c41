import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request, Response } from 'express';
import passport from 'passport';
import { Strategy } from 'passport-local';
import type { User } from '../users/entities/user.entity.js';
import { LoginRefusedError } from './auth.errors.js';
import { AuthService } from './auth.service.js';

/**
 * Each strategy registers on its own passport Authenticator rather than the process-wide one, so two
 * portal instances in one process (tests) never use each other's services. Kept outside the instance
 * because the mixin's constructor asks for it before the subclass's fields exist.
 */
const authenticators = new WeakMap<object, passport.Authenticator>();

/** passport-local: `username` and `password` from the form, checked by {@link AuthService.authenticate}. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly auth: AuthService) {
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true });
  }

  getPassportInstance(): passport.Authenticator {
    let a = authenticators.get(this);
    if (!a) authenticators.set(this, (a = new passport.Authenticator()));
    return a;
  }

  validate(req: Request, username: string, password: string): Promise<User> {
    return this.auth.authenticate(username, password, req.ip ?? req.socket.remoteAddress ?? 'unknown');
  }

  /**
   * Runs this strategy for the request without passport's own session handling (the controller
   * opens the session itself, with a fresh id).
   * @throws LoginRefusedError when a field is missing; whatever {@link AuthService.authenticate} throws.
   */
  authenticateRequest(req: Request, res: Response): Promise<User> {
    return new Promise((resolve, reject) => {
      this.getPassportInstance().authenticate('local', { session: false }, (err: unknown, user: User | false) => {
        if (err) return reject(err);
        if (!user) return reject(new LoginRefusedError());
        resolve(user);
      })(req, res, (err?: unknown) => reject(err ?? new LoginRefusedError()));
    });
  }
}
