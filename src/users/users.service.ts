import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { SessionRecord } from '../auth/entities/session.entity.js';
import { InvalidStateError, NotFoundError, ValidationFailedError } from '../common/domain-error.js';
import { Region } from '../regions/entities/region.entity.js';
import { InvalidRegionCodeError, isRegionLevel, padRegionCode, scopePrefix, type RegionLevel } from '../regions/region-code.js';
import { ROLES, User, type Role } from './entities/user.entity.js';
import { InitialPasswordFile } from './initial-password-file.js';
import { hashPassword, passwordPolicyProblem, randomOneTimePassword, verifyPassword } from './passwords.js';

/** Who makes a change to an account: a signed-in user, the command line, or the portal itself (first start). */
export interface Actor {
  userId: number | null;
  kind: 'user' | 'cli' | 'system';
}

export interface CreateUserInput {
  username: string;
  displayName?: string;
  roles: readonly string[];
  /** A division code of 2/4/6/9/12 digits that exists in `regions` (padded to 12). */
  scopeRegionCode: string;
  /**
   * A chosen password (must meet the policy). Without one, a random one-time password is generated
   * and the account must change it at first login.
   */
  password?: string;
  /** Defaults to true when no password is given, false otherwise. */
  mustChangePassword?: boolean;
}

const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,31}$/;

/** Lower-cases and trims a user name (MySQL compares with utf8mb4_bin, so case is folded in code). */
export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}

/**
 * Staff accounts: creation, roles, region scope, activation and passwords. Every change is written
 * with an audit event in the same transaction (never the password), and every change that affects
 * authority — password, roles, scope, deactivation — bumps `sessionVersion` and deletes the
 * account's stored sessions, so a session opened before the change is refused on its next request.
 *
 * Errors: {@link ValidationFailedError} (422, Chinese field messages) for bad input,
 * {@link NotFoundError} (404) for an unknown id, {@link InvalidStateError} (409) for a change that
 * would lock the acting administrator out.
 */
@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly initialPasswordFile: InitialPasswordFile,
  ) {}

  /**
   * Creates an account. The user name is folded to lower case; roles are checked against ROLES; the
   * scope level and prefix come from the stored region row.
   * @returns the user and its password (the given one, or the generated one-time password — show it once).
   */
  async create(input: CreateUserInput, actor: Actor): Promise<{ user: User; password: string }> {
    const fields: Record<string, string> = {};
    const username = normaliseUsername(input.username ?? '');
    if (!USERNAME_PATTERN.test(username)) fields.username = '用户名须为 3–32 位小写字母、数字或 . _ -，并以字母或数字开头';
    const displayName = (input.displayName ?? '').trim() || username;
    if ([...displayName].length > 100) fields.displayName = '姓名不能超过 100 个字符';
    const roles = this.checkRoles(input.roles, fields);
    const generated = input.password === undefined;
    const password = input.password ?? randomOneTimePassword();
    if (!generated) {
      const problem = passwordPolicyProblem(password, username);
      if (problem) fields.password = problem;
    }
    return this.ds.transaction(async (m) => {
      const scope = await this.resolveScope(m, input.scopeRegionCode, fields);
      if (!fields.username && (await m.getRepository(User).existsBy({ username }))) fields.username = '该用户名已被使用';
      if (Object.keys(fields).length || !scope) throw new ValidationFailedError(fields);
      const user = m.getRepository(User).create({
        username,
        displayName,
        passwordHash: await hashPassword(password),
        roles: roles.join(','),
        scopeRegionCode: scope.code,
        scopeRegionLevel: scope.level,
        scopePrefix: scope.prefix,
        mustChangePassword: input.mustChangePassword ?? generated,
        active: true,
        sessionVersion: 1,
        // set in code: the portable migrations give datetime columns no database default
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      await m.getRepository(User).save(user);
      await this.audit.record(m, {
        actorUserId: actor.userId,
        actorKind: actor.kind,
        action: 'user.create',
        recordType: 'user',
        recordId: user.id,
        details: { roles, scopeRegionCode: scope.code },
      });
      return { user, password };
    });
  }

  /** Every account, ordered by user name. */
  list(): Promise<User[]> {
    return this.ds.getRepository(User).find({ order: { username: 'ASC' } });
  }

  /** Whether any account exists at all (first start creates the administrator when none does). */
  async anyExists(): Promise<boolean> {
    return (await this.ds.getRepository(User).count()) > 0;
  }

  /** @throws NotFoundError */
  async get(id: number): Promise<User> {
    const user = Number.isInteger(id) && id > 0 ? await this.ds.getRepository(User).findOneBy({ id }) : null;
    if (!user) throw new NotFoundError('未找到该用户');
    return user;
  }

  /** The account with this user name (any case), or null. */
  findByUsername(username: string): Promise<User | null> {
    return this.ds.getRepository(User).findOneBy({ username: normaliseUsername(username) });
  }

  /** @throws NotFoundError */
  async getByUsername(username: string): Promise<User> {
    const user = await this.findByUsername(username);
    if (!user) throw new NotFoundError('未找到该用户');
    return user;
  }

  /** Replaces the roles. An administrator cannot remove `admin` from their own account. */
  async setRoles(id: number, roles: readonly string[], actor: Actor): Promise<User> {
    const fields: Record<string, string> = {};
    const checked = this.checkRoles(roles, fields);
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    return this.change(id, actor, 'user.roles_changed', (user) => {
      if (actor.userId === user.id && user.hasRole('admin') && !checked.includes('admin')) {
        throw new InvalidStateError('不能取消自己的管理员角色', 'self_lockout');
      }
      const before = user.roleList();
      user.roles = checked.join(',');
      return { before, after: checked };
    });
  }

  /** Moves the account's region scope to `regionCode` (must exist in `regions`). */
  async setScope(id: number, regionCode: string, actor: Actor): Promise<User> {
    return this.ds.transaction(async (m) => {
      const fields: Record<string, string> = {};
      const scope = await this.resolveScope(m, regionCode, fields);
      if (!scope) throw new ValidationFailedError(fields);
      return this.changeIn(m, id, actor, 'user.scope_changed', (user) => {
        const before = user.scopeRegionCode;
        user.scopeRegionCode = scope.code;
        user.scopeRegionLevel = scope.level;
        user.scopePrefix = scope.prefix;
        return { before, after: scope.code };
      });
    });
  }

  /** Deactivates the account: its sessions end at once and it can no longer sign in. Not one's own. */
  deactivate(id: number, actor: Actor): Promise<User> {
    return this.change(id, actor, 'user.deactivated', (user) => {
      if (actor.userId === user.id) throw new InvalidStateError('不能停用自己的账号', 'self_lockout');
      user.active = false;
      return null;
    });
  }

  /** Reactivates a deactivated account (its old sessions stay ended). */
  activate(id: number, actor: Actor): Promise<User> {
    return this.change(id, actor, 'user.activated', (user) => {
      user.active = true;
      return null;
    });
  }

  /**
   * The user changes their own password: the current one must match; the new one must meet the
   * policy and differ from the current one. Clears `mustChangePassword`.
   * @throws ValidationFailedError with fields `currentPassword` / `newPassword`.
   */
  async changePassword(id: number, currentPassword: string, newPassword: string): Promise<User> {
    const user = await this.get(id);
    const fields: Record<string, string> = {};
    if (!(await verifyPassword(user.passwordHash, currentPassword ?? ''))) fields.currentPassword = '当前密码不正确';
    else {
      const problem = passwordPolicyProblem(newPassword ?? '', user.username);
      if (problem) fields.newPassword = problem;
      else if (newPassword === currentPassword) fields.newPassword = '新密码不能与当前密码相同';
    }
    if (Object.keys(fields).length) throw new ValidationFailedError(fields, '密码未修改，请按提示修改');
    const passwordHash = await hashPassword(newPassword);
    const changed = await this.change(id, { userId: id, kind: 'user' }, 'user.password_changed', (u) => {
      u.passwordHash = passwordHash;
      u.mustChangePassword = false;
      return null;
    });
    this.initialPasswordFile.removeFor(changed.username);
    return changed;
  }

  /**
   * Administrator or command line: replaces the password with a random one-time password that must
   * be changed at next login.
   * @returns the user and the one-time password (show it once, never log it).
   */
  async resetPassword(id: number, actor: Actor): Promise<{ user: User; password: string }> {
    const password = randomOneTimePassword();
    const passwordHash = await hashPassword(password);
    const user = await this.change(id, actor, 'user.password_reset', (u) => {
      u.passwordHash = passwordHash;
      u.mustChangePassword = true;
      return null;
    });
    this.initialPasswordFile.removeFor(user.username);
    return { user, password };
  }

  /** Validates and orders roles (order of ROLES, no duplicates, at least one). */
  private checkRoles(roles: readonly string[] | undefined, fields: Record<string, string>): Role[] {
    const given = [...new Set((roles ?? []).map((r) => String(r).trim()).filter(Boolean))];
    const unknown = given.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown.length) fields.roles = `未知的角色：${unknown.join('、').slice(0, 100)}`;
    else if (!given.length) fields.roles = '请至少选择一个角色';
    return ROLES.filter((r) => given.includes(r));
  }

  /** Pads and looks up the scope region; level from the stored row, prefix cut by level. */
  private async resolveScope(m: EntityManager, raw: string | undefined, fields: Record<string, string>): Promise<{ code: string; level: RegionLevel; prefix: string } | null> {
    let code: string;
    try {
      code = padRegionCode(String(raw ?? ''));
    } catch (e) {
      if (!(e instanceof InvalidRegionCodeError)) throw e;
      fields.scopeRegionCode = '区划代码须为 2、4、6、9 或 12 位数字';
      return null;
    }
    const region = await m.getRepository(Region).findOneBy({ code });
    if (!region || !isRegionLevel(region.level)) {
      fields.scopeRegionCode = '没有这个区划代码';
      return null;
    }
    return { code, level: region.level, prefix: scopePrefix(code, region.level) };
  }

  private change(id: number, actor: Actor, action: string, apply: (user: User) => unknown): Promise<User> {
    return this.ds.transaction((m) => this.changeIn(m, id, actor, action, apply));
  }

  /**
   * Loads the user under a row lock, applies the change, bumps the session version, deletes the
   * stored sessions, saves and audits (`action`, record `user`, details = what `apply` returns) — all
   * in the caller's transaction. Also used for changes of authority kept elsewhere, such as explicit
   * grants (指定管辖, src/access/grants.service.ts).
   * @throws NotFoundError for an unknown id.
   */
  async changeIn(m: EntityManager, id: number, actor: Actor, action: string, apply: (user: User) => unknown): Promise<User> {
    const repo = m.getRepository(User);
    let user: User | null = null;
    if (Number.isInteger(id) && id > 0) {
      const qb = repo.createQueryBuilder('u').where('u.id = :id', { id });
      // TypeORM refuses row locks on better-sqlite3; SQLite serialises writers on the file anyway.
      if (m.connection.options.type !== 'better-sqlite3') qb.setLock('pessimistic_write');
      user = await qb.getOne();
    }
    if (!user) throw new NotFoundError('未找到该用户');
    const details = apply(user);
    user.sessionVersion += 1;
    user.updatedAt = new Date();
    await repo.save(user);
    await m.getRepository(SessionRecord).delete({ userId: user.id });
    await this.audit.record(m, {
      actorUserId: actor.userId,
      actorKind: actor.kind,
      action,
      recordType: 'user',
      recordId: user.id,
      details: (details as Record<string, unknown> | null) ?? null,
    });
    return user;
  }
}
