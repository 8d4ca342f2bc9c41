import { createHmac, randomInt } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { decryptJson, encryptJson, hmacHex } from '../common/crypto.js';
import { DomainError, InvalidStateError, NotFoundError, ValidationFailedError } from '../common/domain-error.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { User } from '../users/entities/user.entity.js';
import { verifyPassword } from '../users/passwords.js';
import { LoginLockedError } from './auth.errors.js';
import { RecoveryCode } from './entities/recovery-code.entity.js';
import { SessionRecord } from './entities/session.entity.js';
import { TotpCredential } from './entities/totp-credential.entity.js';
import { LoginThrottle } from './login-throttle.service.js';

/** TOTP parameters (RFC 6238 defaults that every authenticator app supports): SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
/** Clock drift accepted: ±30 s, i.e. the previous, current and next step. */
export const TOTP_TOLERANCE_SECONDS = 30;
/** Recovery codes issued at activation and at each regeneration. */
export const RECOVERY_CODE_COUNT = 10;
/** Issuer shown in the authenticator app. */
export const TOTP_ISSUER = '清风';

/** Letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i). */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_LENGTH = 10;

/** How a second factor was proven. */
export type SecondFactorMethod = 'totp' | 'recovery_code';

/** What the user's own security page shows. */
export interface TotpStatus {
  enabled: boolean;
  /** UTC. */
  enabledAt: Date | null;
  /** An enrolment was started and awaits confirmation with a code. */
  pending: boolean;
  /** Unused recovery codes left. */
  recoveryCodesLeft: number;
}

/** An enrolment in progress, for display: the secret for manual entry (grouped by 4), the otpauth URI and its QR code. */
export interface PendingEnrolment {
  secret: string;
  secretGrouped: string;
  uri: string;
  /** `data:image/png;base64,…` (the CSP allows `img-src data:`). */
  qrDataUri: string;
}

/** The second factor at sign-in was wrong, reused or of the wrong form (401, one generic answer). */
export class SecondFactorRefusedError extends DomainError {
  constructor() {
    super('totp_failed', '验证码不正确或已使用，请重新输入', HttpStatus.UNAUTHORIZED);
  }
}

/**
 * The staff second factor: TOTP (RFC 6238, otplib) with single-use recovery codes.
 *
 * - The secret is stored encrypted (AES-256-GCM, config.secrets.encryptionKey, associated data
 *   `totp:<userId>` so a ciphertext moved to another account does not decrypt).
 * - An accepted code's time step is stored; that step and every earlier one are refused afterwards,
 *   claimed with a conditional UPDATE so two concurrent requests with one code cannot both pass.
 * - Recovery codes (10, each ~50 bits) are stored only as HMACs under a key derived from the
 *   encryption key and bound to the user id; each is spent with a conditional UPDATE (once only).
 * - Every code check made by a signed-in or half-signed-in user counts failures toward the login
 *   lockout (per account and per client, {@link LoginThrottle}) and is refused while locked.
 * - Activation and disabling change what a session proves, so both bump `sessionVersion` and delete
 *   the stored sessions of the account (the caller restarts its own session).
 * Audit actions: totp.enrolled, totp.disabled, login.totp_failed, login.recovery_code_used,
 * recovery_code.used (outside a login), recovery_codes.regenerated, totp.verification_failed — never
 * the secret or a code.
 */
@Injectable()
export class TotpService {
  private readonly recoveryKey: Buffer;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // A key of its own for recovery-code HMACs, derived from the encryption key (losing that key loses the secrets anyway).
    this.recoveryKey = createHmac('sha256', config.secrets.encryptionKey).update('qingfeng/recovery-codes/v1', 'utf8').digest();
  }

  /** Whether the user has an activated TOTP credential (a pending enrolment does not count). */
  async isEnabled(userId: number): Promise<boolean> {
    const cred = await this.ds.getRepository(TotpCredential).findOneBy({ userId });
    return !!cred?.enabledAt;
  }

  /** The state of the user's second factor, for their security page. */
  async status(userId: number): Promise<TotpStatus> {
    const cred = await this.ds.getRepository(TotpCredential).findOneBy({ userId });
    const recoveryCodesLeft = cred?.enabledAt ? await this.ds.getRepository(RecoveryCode).countBy({ userId, usedAt: IsNull() }) : 0;
    return { enabled: !!cred?.enabledAt, enabledAt: cred?.enabledAt ?? null, pending: !!cred && !cred.enabledAt, recoveryCodesLeft };
  }

  /**
   * Starts (or restarts) an enrolment: a new random secret (20 bytes, base32) replaces any pending one.
   * @throws InvalidStateError (409 `totp_already_enabled`) when TOTP is already active — disable it first.
   */
  async startEnrolment(user: User): Promise<void> {
    const repo = this.ds.getRepository(TotpCredential);
    const existing = await repo.findOneBy({ userId: user.id });
    if (existing?.enabledAt) throw new InvalidStateError('两步验证已启用；如需更换设备，请先停用再重新设置', 'totp_already_enabled');
    const now = new Date();
    await repo.save({ userId: user.id, secretCiphertext: this.seal(user.id, generateSecret()), enabledAt: null, lastUsedStep: null, createdAt: existing?.createdAt ?? now, updatedAt: now });
  }

  /** The enrolment in progress (secret, otpauth URI, QR code), or null when none was started or TOTP is active. */
  async pendingEnrolment(user: User): Promise<PendingEnrolment | null> {
    const cred = await this.ds.getRepository(TotpCredential).findOneBy({ userId: user.id });
    if (!cred || cred.enabledAt) return null;
    const secret = this.open(cred);
    const uri = generateURI({ issuer: TOTP_ISSUER, label: user.username, secret });
    const qrDataUri = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
    return { secret, secretGrouped: secret.match(/.{1,4}/g)!.join(' '), uri, qrDataUri };
  }

  /**
   * Confirms the pending enrolment with a current code from the app: activates TOTP, issues
   * {@link RECOVERY_CODE_COUNT} recovery codes (replacing any old ones), bumps `sessionVersion`,
   * deletes the account's stored sessions and audits `totp.enrolled` — one transaction.
   * @returns the updated user and the recovery codes in clear (show them once; they are not kept).
   * @throws InvalidStateError (409 `totp_not_pending`) without a pending enrolment;
   *   ValidationFailedError (field `code`) for a wrong code; LoginLockedError (429) while locked out.
   */
  async activate(user: User, codeInput: string, clientAddress: string): Promise<{ user: User; recoveryCodes: string[] }> {
    const cred = await this.ds.getRepository(TotpCredential).findOneBy({ userId: user.id });
    if (!cred || cred.enabledAt) throw new InvalidStateError('请先开始设置两步验证', 'totp_not_pending');
    await this.refuseWhileLocked(user, clientAddress);
    if (!(await this.claimTotp(cred, normaliseCode(codeInput)))) {
      await this.countFailure(user, clientAddress, 'enrol');
      throw new ValidationFailedError({ code: '验证码不正确，请核对手机时间后重新输入' }, '两步验证未启用');
    }
    const codes = newRecoveryCodes();
    const updated = await this.ds.transaction(async (m) => {
      await m.getRepository(TotpCredential).update({ userId: user.id }, { enabledAt: new Date(), updatedAt: new Date() });
      await this.replaceRecoveryCodes(m, user.id, codes);
      const u = await this.endSessions(m, user.id);
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'totp.enrolled', recordType: 'user', recordId: user.id, details: { recoveryCodes: codes.length } });
      return u;
    });
    await this.throttle.clearAccount(user.username);
    return { user: updated, recoveryCodes: codes };
  }

  /**
   * The second step of a sign-in: a 6-digit TOTP code or an unused recovery code.
   * Failures count toward the lockout and are audited (`login.totp_failed`); a spent recovery code is
   * audited (`login.recovery_code_used`, with how many are left).
   * @returns how the factor was proven.
   * @throws LoginLockedError (429) while the account or client is locked out (the code is not checked);
   *   SecondFactorRefusedError (401) for a wrong, reused or malformed code.
   */
  async verifyForLogin(user: User, input: string, clientAddress: string): Promise<SecondFactorMethod> {
    const locked = await this.throttle.lockedFor(user.username, clientAddress);
    if (locked) {
      await this.record(user, 'login.totp_failed', { reason: 'locked' });
      throw new LoginLockedError(locked);
    }
    const method = await this.checkSecondFactor(user, input, 'login');
    if (!method) {
      await this.throttle.recordFailure(user.username, clientAddress);
      await this.record(user, 'login.totp_failed', { reason: 'bad_code' });
      throw new SecondFactorRefusedError();
    }
    return method;
  }

  /**
   * Replaces the recovery codes; needs a current TOTP code (not a recovery code). Audits `recovery_codes.regenerated`.
   * @returns the new codes in clear (show once).
   * @throws InvalidStateError (409 `totp_not_enabled`); ValidationFailedError (field `code`); LoginLockedError (429).
   */
  async regenerateRecoveryCodes(user: User, codeInput: string, clientAddress: string): Promise<string[]> {
    const cred = await this.ds.getRepository(TotpCredential).findOneBy({ userId: user.id });
    if (!cred?.enabledAt) throw new InvalidStateError('两步验证尚未启用', 'totp_not_enabled');
    await this.refuseWhileLocked(user, clientAddress);
    if (!(await this.claimTotp(cred, normaliseCode(codeInput)))) {
      await this.countFailure(user, clientAddress, 'regenerate');
      throw new ValidationFailedError({ code: '验证码不正确或已使用' }, '恢复码未更换');
    }
    const codes = newRecoveryCodes();
    await this.ds.transaction(async (m) => {
      await this.replaceRecoveryCodes(m, user.id, codes);
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'recovery_codes.regenerated', recordType: 'user', recordId: user.id, details: { recoveryCodes: codes.length } });
    });
    return codes;
  }

  /**
   * Turns TOTP off: needs the password and a current code (TOTP or recovery code); one generic
   * message when either is wrong. Deletes the credential and the recovery codes, bumps
   * `sessionVersion`, deletes the stored sessions and audits `totp.disabled` — one transaction.
   * @returns the updated user (the caller restarts its own session).
   * @throws InvalidStateError (409 `totp_not_enabled`); ValidationFailedError (field `code`); LoginLockedError (429).
   */
  async disable(user: User, password: string, codeInput: string, clientAddress: string): Promise<User> {
    if (!(await this.isEnabled(user.id))) throw new InvalidStateError('两步验证尚未启用', 'totp_not_enabled');
    await this.refuseWhileLocked(user, clientAddress);
    const current = await this.ds.getRepository(User).findOneByOrFail({ id: user.id });
    const passwordOk = await verifyPassword(current.passwordHash, String(password ?? ''));
    // Only check (and so spend) the code when the password is right.
    const method = passwordOk ? await this.checkSecondFactor(user, codeInput, 'disable') : null;
    if (!method) {
      await this.countFailure(user, clientAddress, 'disable');
      throw new ValidationFailedError({ code: '密码或验证码不正确' }, '两步验证未停用');
    }
    return this.ds.transaction(async (m) => {
      await m.getRepository(RecoveryCode).delete({ userId: user.id });
      await m.getRepository(TotpCredential).delete({ userId: user.id });
      const u = await this.endSessions(m, user.id);
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'totp.disabled', recordType: 'user', recordId: user.id, details: { method } });
      return u;
    });
  }

  /**
   * An administrator removes a user's second factor (lost phone and lost recovery codes): the
   * credential and every recovery code are deleted, the user's sessions end, and the reset is audited
   * with the administrator as actor. The user enrols again at next sign-in (required where REQUIRE_TOTP).
   * @throws NotFoundError when the user does not exist; InvalidStateError `totp_not_enabled` when
   *   the user has no second factor.
   */
  async resetByAdministrator(userId: number, actorUserId: number | null): Promise<User> {
    const target = await this.ds.getRepository(User).findOneBy({ id: userId });
    if (!target) throw new NotFoundError();
    if (!(await this.ds.getRepository(TotpCredential).existsBy({ userId }))) throw new InvalidStateError('该用户没有设置两步验证', 'totp_not_enabled');
    return this.ds.transaction(async (m) => {
      await m.getRepository(RecoveryCode).delete({ userId });
      await m.getRepository(TotpCredential).delete({ userId });
      const u = await this.endSessions(m, userId);
      await this.audit.record(m, { actorUserId, actorKind: actorUserId === null ? 'cli' : 'user', action: 'totp.reset', recordType: 'user', recordId: userId });
      return u;
    });
  }

  // -------------------------------------------------------------------------------------------

  /** Checks a TOTP code, or (unless `purpose` is 'regenerate') an unused recovery code; spends what it accepts. */
  private async checkSecondFactor(user: User, input: string, purpose: 'login' | 'disable'): Promise<SecondFactorMethod | null> {
    const code = normaliseCode(input);
    const cred = await this.ds.getRepository(TotpCredential).findOneBy({ userId: user.id });
    if (!cred?.enabledAt) return null;
    if (/^\d{6}$/.test(code)) return (await this.claimTotp(cred, code)) ? 'totp' : null;
    if (code.length !== RECOVERY_LENGTH || ![...code].every((c) => RECOVERY_ALPHABET.includes(c))) return null;
    const codeHash = this.recoveryHash(user.id, code);
    return this.ds.transaction(async (m) => {
      const r = await m
        .createQueryBuilder()
        .update(RecoveryCode)
        .set({ usedAt: new Date() })
        .where('user_id = :userId AND code_hash = :codeHash AND used_at IS NULL', { userId: user.id, codeHash })
        .execute();
      if (r.affected !== 1) return null;
      const remaining = await m.getRepository(RecoveryCode).countBy({ userId: user.id, usedAt: IsNull() });
      await this.audit.record(m, {
        actorUserId: user.id,
        actorKind: 'user',
        action: purpose === 'login' ? 'login.recovery_code_used' : 'recovery_code.used',
        recordType: 'user',
        recordId: user.id,
        details: { purpose, remaining },
      });
      return 'recovery_code' as const;
    });
  }

  /**
   * Verifies a 6-digit code against the credential's secret (±{@link TOTP_TOLERANCE_SECONDS}) and
   * claims its time step: refused when that step is not later than the last accepted one.
   */
  private async claimTotp(cred: TotpCredential, code: string): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const result = await verify({
      secret: this.open(cred),
      token: code,
      period: TOTP_PERIOD_SECONDS,
      epochTolerance: TOTP_TOLERANCE_SECONDS,
      ...(cred.lastUsedStep !== null ? { afterTimeStep: cred.lastUsedStep } : {}),
    });
    // (the functional API types a TOTP or HOTP result; a TOTP one carries the matched time step)
    if (!result.valid || !('timeStep' in result)) return false;
    const r = await this.ds
      .createQueryBuilder()
      .update(TotpCredential)
      .set({ lastUsedStep: result.timeStep, updatedAt: new Date() })
      .where('user_id = :userId AND (last_used_step IS NULL OR last_used_step < :step)', { userId: cred.userId, step: result.timeStep })
      .execute();
    return r.affected === 1;
  }

  private async refuseWhileLocked(user: User, clientAddress: string): Promise<void> {
    const locked = await this.throttle.lockedFor(user.username, clientAddress);
    if (locked) throw new LoginLockedError(locked);
  }

  private async countFailure(user: User, clientAddress: string, purpose: string): Promise<void> {
    await this.throttle.recordFailure(user.username, clientAddress);
    await this.record(user, 'totp.verification_failed', { purpose });
  }

  private record(user: User, action: string, details: Record<string, unknown>): Promise<unknown> {
    return this.ds.transaction((m) => this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action, recordType: 'user', recordId: user.id, details }));
  }

  private async replaceRecoveryCodes(m: EntityManager, userId: number, codes: string[]): Promise<void> {
    const repo = m.getRepository(RecoveryCode);
    await repo.delete({ userId });
    const createdAt = new Date();
    await repo.insert(codes.map((c) => ({ userId, codeHash: this.recoveryHash(userId, normaliseCode(c)), usedAt: null, createdAt })));
  }

  /** Bumps the session version and deletes the stored sessions (as every change of authority does). */
  private async endSessions(m: EntityManager, userId: number): Promise<User> {
    await m.getRepository(User).increment({ id: userId }, 'sessionVersion', 1);
    await m.getRepository(SessionRecord).delete({ userId });
    return m.getRepository(User).findOneByOrFail({ id: userId });
  }

  private recoveryHash(userId: number, normalisedCode: string): string {
    return hmacHex(this.recoveryKey, `recovery:${userId}:${normalisedCode}`);
  }

  private seal(userId: number, secret: string): string {
    return encryptJson(this.config.secrets.encryptionKey, secret, `totp:${userId}`);
  }

  private open(cred: TotpCredential): string {
    return decryptJson<string>(this.config.secrets.encryptionKey, cred.secretCiphertext, `totp:${cred.userId}`);
  }
}

/** As typed: full-width characters folded (NFKC), spaces and dashes removed, lower case. */
export function normaliseCode(input: unknown): string {
  return String(input ?? '')
    .slice(0, 64)
    .normalize('NFKC')
    .replace(/[\s\-\u2010-\u2015\u2212]/g, '')
    .toLowerCase();
}

/** {@link RECOVERY_CODE_COUNT} fresh recovery codes, shown as `xxxxx-xxxxx`. */
function newRecoveryCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) {
    let c = '';
    for (let i = 0; i < RECOVERY_LENGTH; i++) c += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
    codes.add(`${c.slice(0, 5)}-${c.slice(5)}`);
  }
  return [...codes];
}
