import { createHash } from 'node:crypto';
import session, { type SessionData } from 'express-session';
import { LessThanOrEqual, type DataSource } from 'typeorm';
import { hmacHex } from '../common/crypto.js';
import { SessionRecord } from './entities/session.entity.js';

declare module 'express-session' {
  interface SessionData {
    /** The signed-in staff user. */
    userId?: number;
    /** The user's `sessionVersion` at sign-in: a later change of authority makes it stale. */
    sv?: number;
    /** Sign-in time, epoch milliseconds (UTC), for the absolute lifetime. */
    loginAt?: number;
    /** The session was opened with a second factor (TOTP or a recovery code). */
    tfa?: boolean;
    /**
     * A half-login: the password of `userId` was accepted, the second factor is still due
     * (two-factor.controller.ts). `userId` above stays unset until then, so no route but the
     * second step treats the session as signed in. `sv` is the account's sessionVersion then,
     * `at` the time (epoch ms, UTC), `next` the page to go to afterwards.
     */
    halfLogin?: { userId: number; sv: number; at: number; next?: string };
  }
}

type Callback = (err?: unknown) => void;

/**
 * express-session store over the `sessions` table, so every instance on the same database shares
 * sessions. The primary key is an HMAC of the session id (a leaked table holds no live cookie);
 * `expiresAt` (epoch ms, UTC) follows the cookie's rolling expiry; expired rows are ignored on read
 * and deleted by {@link DatabaseSessionStore.deleteExpired}, which the auth module runs periodically.
 */
export class DatabaseSessionStore extends session.Store {
  private readonly key: Buffer;

  constructor(
    private readonly ds: DataSource,
    sessionSecret: string,
    /** Fallback lifetime (ms) for a session whose cookie has no expiry. */
    private readonly defaultTtlMs: number,
  ) {
    super();
    // A key of its own, derived from the session secret, for hashing ids at rest.
    this.key = createHash('sha256').update(`qingfeng/session-id/${sessionSecret}`, 'utf8').digest();
  }

  /** The stored key of a session id. */
  hashId(sid: string): string {
    return hmacHex(this.key, sid);
  }

  private get repo() {
    return this.ds.getRepository(SessionRecord);
  }

  private expiryOf(sess: SessionData): number {
    const expires = sess.cookie?.expires;
    return expires ? new Date(expires).getTime() : Date.now() + this.defaultTtlMs;
  }

  override get(sid: string, cb: (err: unknown, session?: SessionData | null) => void): void {
    this.repo
      .findOneBy({ id: this.hashId(sid) })
      .then((row) => {
        if (!row) return cb(null, null);
        if (row.expiresAt <= Date.now()) {
          // expired: forget it now rather than at the next periodic clean-up
          return void this.repo.delete({ id: row.id }).then(() => cb(null, null), (e) => cb(e));
        }
        cb(null, JSON.parse(row.data) as SessionData);
      })
      .catch((e) => cb(e));
  }

  override set(sid: string, sess: SessionData, cb?: Callback): void {
    this.repo
      .upsert({ id: this.hashId(sid), userId: sess.userId ?? null, expiresAt: this.expiryOf(sess), data: JSON.stringify(sess) }, ['id'])
      .then(() => cb?.())
      .catch((e) => cb?.(e));
  }

  override touch(sid: string, sess: SessionData, cb?: Callback): void {
    this.repo
      .update({ id: this.hashId(sid) }, { expiresAt: this.expiryOf(sess) })
      .then(() => cb?.())
      .catch((e) => cb?.(e));
  }

  override destroy(sid: string, cb?: Callback): void {
    this.repo
      .delete({ id: this.hashId(sid) })
      .then(() => cb?.())
      .catch((e) => cb?.(e));
  }

  /** Deletes expired rows. @returns how many were deleted. */
  async deleteExpired(now = Date.now()): Promise<number> {
    const r = await this.repo.delete({ expiresAt: LessThanOrEqual(now) });
    return r.affected ?? 0;
  }
}
