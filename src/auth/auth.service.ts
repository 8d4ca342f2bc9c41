import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { hmacHex } from '../common/crypto.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import type { User } from '../users/entities/user.entity.js';
import { burnVerificationTime, verifyPassword } from '../users/passwords.js';
import { normaliseUsername, UsersService } from '../users/users.service.js';
import { LoginLockedError, LoginRefusedError } from './auth.errors.js';
import { LoginThrottle } from './login-throttle.service.js';

/**
 * Checks staff credentials with the login lockout, and audits every attempt (the user id when the
 * account exists, else an HMAC of the typed name; never the password, never the client address).
 */
@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly users: UsersService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * @param clientAddress the request's address (used only to key the transient failure counter).
   * On success nothing is recorded yet: the caller finishes the sign-in with {@link completeLogin}
   * (at once, or after the second factor — so a right password alone never clears the account's
   * failure counter of a user with TOTP).
   * @returns the active user whose password matches.
   * @throws LoginLockedError (429) while the account or the client is locked out — the password is not even checked;
   *   LoginRefusedError (401) for an unknown name, a wrong password or a deactivated account.
   */
  async authenticate(usernameInput: string, password: string, clientAddress: string): Promise<User> {
    const username = normaliseUsername(String(usernameInput ?? '')).slice(0, 64);
    const locked = await this.throttle.lockedFor(username, clientAddress);
    const user = username ? await this.users.findByUsername(username) : null;
    if (locked) {
      await this.recordAttempt(user, username, 'auth.login_failed', 'locked');
      throw new LoginLockedError(locked);
    }
    let ok = false;
    if (user) ok = await verifyPassword(user.passwordHash, String(password ?? ''));
    else await burnVerificationTime(String(password ?? ''));
    if (!user || !ok || !user.active) {
      await this.throttle.recordFailure(username, clientAddress);
      await this.recordAttempt(user, username, 'auth.login_failed', !user ? 'unknown_user' : !ok ? 'bad_password' : 'inactive');
      throw new LoginRefusedError();
    }
    return user;
  }

  /**
   * Finishes a sign-in: clears the account's failure counter and audits `auth.login` (with the
   * second factor used, if any).
   */
  async completeLogin(user: User, secondFactor: 'totp' | 'recovery_code' | null): Promise<void> {
    await this.throttle.clearAccount(user.username);
    await this.ds.transaction((m) =>
      this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'auth.login', recordType: 'user', recordId: user.id, details: secondFactor ? { secondFactor } : null }),
    );
  }

  /** Audits a right password of a user who must still give the second factor (`login.totp_required`). */
  async recordHalfLogin(user: User): Promise<void> {
    await this.ds.transaction((m) => this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'login.totp_required', recordType: 'user', recordId: user.id }));
  }

  /** Audits a logout. */
  async recordLogout(user: User): Promise<void> {
    await this.ds.transaction((m) => this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'auth.logout', recordType: 'user', recordId: user.id }));
  }

  private async recordAttempt(user: User | null, username: string, action: string, reason: string | null): Promise<void> {
    await this.ds.transaction((m) =>
      this.audit.record(m, {
        actorUserId: user?.id ?? null,
        actorKind: user ? 'user' : 'system',
        action,
        recordType: 'user',
        recordId: user?.id ?? 'unknown',
        details: reason ? { reason, ...(user ? {} : { usernameHash: hmacHex(this.config.secrets.clientHashKey, `audit-username:${username}`) }) } : null,
      }),
    );
  }
}
