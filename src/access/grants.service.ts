import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { NotFoundError, ValidationFailedError, type FieldErrors } from '../common/domain-error.js';
import { Region } from '../regions/entities/region.entity.js';
import { InvalidRegionCodeError, isRegionLevel, padRegionCode, scopePrefix } from '../regions/region-code.js';
import { ROLES, User, type Role } from '../users/entities/user.entity.js';
import { UsersService, type Actor } from '../users/users.service.js';
import { AccessGrant } from './entities/access-grant.entity.js';
import { cleanTypedText } from '../common/invisible-chars.js';

/** A grant as pages and the API show it (times ISO-8601 UTC). */
export interface GrantView {
  id: number;
  userId: number;
  username: string;
  regionCode: string;
  regionPrefix: string;
  regionName: string;
  reason: string;
  grantedByUserId: number | null;
  validFrom: string;
  validUntil: string | null;
  revokedAt: string | null;
  revokeReason: string | null;
  /** In force now. */
  active: boolean;
}

const REASON_MIN = 2;
const REASON_MAX = 500;

function reasonOf(raw: unknown, field: string, fields: FieldErrors, label: string): string {
  const r = cleanTypedText(raw);
  const n = [...r].length;
  if (n < REASON_MIN || n > REASON_MAX) fields[field] = `请填写${label}（${REASON_MIN} 至 ${REASON_MAX} 字）`;
  return r;
}

/** Is `YYYY-MM-DD` a real calendar day (no 2026-02-30, no month 13)? */
function isCalendarDay(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * `YYYY-MM-DD` (a day in Asia/Shanghai, from its start) or an ISO-8601 instant; empty → null.
 * An impossible day (2026-02-30) is refused, never rolled over into the next month.
 */
function instantOf(raw: unknown, field: string, fields: FieldErrors): Date | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const s = String(raw).trim();
  const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T00:00:00+08:00`) : /^\d{4}-\d{2}-\d{2}T/.test(s) ? new Date(s) : new Date(NaN);
  if (Number.isNaN(d.getTime())) fields[field] = '日期格式应为 YYYY-MM-DD';
  else if (!isCalendarDay(s.slice(0, 10))) fields[field] = `没有这一天：${s.slice(0, 10)}`;
  return d;
}

/** Roles for which a region grant means something: everyone who handles matters (not `admin`, not `auditor`). */
const HANDLING_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'admin' && r !== 'auditor');

/**
 * Explicit grants (指定管辖, DESIGN.md §5): an administrator lets a user handle matters of another
 * region, for a reason, from a date until a date (or until revoked). A grant widens the user's lists,
 * counts, reads and actions exactly like their own scope (src/access). Creating or revoking one is a
 * change of authority: in one transaction the grant row, the user's session version (their sessions
 * end at once) and an audit event (`access.grant_created` / `access.grant_revoked`).
 */
@Injectable()
export class GrantsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly users: UsersService,
  ) {}

  /** Grants, newest first; only those of `userId` when given. */
  async list(userId?: number): Promise<GrantView[]> {
    const rows = await this.ds.getRepository(AccessGrant).find({ where: userId ? { userId } : {}, order: { id: 'DESC' }, take: 500 });
    return this.views(rows);
  }

  /** @throws NotFoundError */
  async get(id: number): Promise<GrantView> {
    const row = await this.ds.getRepository(AccessGrant).findOneBy({ id });
    if (!row) throw new NotFoundError('未找到该授权');
    return (await this.views([row]))[0];
  }

  /**
   * Grants `userId` the region `regionCode` (2/4/6/9/12 digits, must exist; prefix cut by its level).
   * @throws ValidationFailedError (fields userId — unknown, or no handling role; regionCode; reason;
   *   validFrom/validUntil — malformed or impossible day, end not after start, whole window past).
   */
  async create(input: { userId: unknown; regionCode: unknown; reason: unknown; validFrom?: unknown; validUntil?: unknown }, actor: Actor): Promise<GrantView> {
    const fields: FieldErrors = {};
    const userId = Number(input.userId);
    const reason = reasonOf(input.reason, 'reason', fields, '指定管辖的理由');
    const validFrom = instantOf(input.validFrom, 'validFrom', fields) ?? new Date();
    const validUntil = instantOf(input.validUntil, 'validUntil', fields);
    if (validUntil && !fields.validUntil && !fields.validFrom && validUntil.getTime() <= validFrom.getTime()) fields.validUntil = '截止日期应晚于起始日期';
    else if (validUntil && !fields.validUntil && validUntil.getTime() <= Date.now()) fields.validUntil = '截止日期已过：整个授权期限都在过去，授权不会生效';
    let code = '';
    try {
      code = padRegionCode(String(input.regionCode ?? '').trim());
    } catch (e) {
      if (!(e instanceof InvalidRegionCodeError)) throw e;
      fields.regionCode = '区划代码须为 2、4、6、9 或 12 位数字';
    }
    const region = code ? await this.ds.getRepository(Region).findOneBy({ code }) : null;
    if (code && (!region || !isRegionLevel(region.level))) fields.regionCode = '没有这个区划代码';
    const target = Number.isSafeInteger(userId) && userId > 0 ? await this.ds.getRepository(User).findOneBy({ id: userId }) : null;
    if (!target) fields.userId = '没有这个用户';
    else if (!target.roleList().some((r) => HANDLING_ROLES.includes(r))) fields.userId = '该用户没有办理角色（如仅为系统管理员），指定管辖对其没有意义';
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    const prefix = scopePrefix(code, region!.level as 1 | 2 | 3 | 4 | 5);
    const id = await this.ds.transaction(async (m) => {
      const row = await m.getRepository(AccessGrant).save(
        m.getRepository(AccessGrant).create({ userId, regionCode: code, regionLevel: region!.level, regionPrefix: prefix, reason, grantedByUserId: actor.userId, validFrom, validUntil, revokedAt: null, revokedByUserId: null, revokeReason: null, createdAt: new Date() }),
      );
      await this.users.changeIn(m, userId, actor, 'access.grant_created', () => ({ grantId: row.id, regionCode: code, validFrom: validFrom.toISOString(), validUntil: validUntil?.toISOString() ?? null, reason }));
      return row.id;
    });
    return this.get(id);
  }

  /**
   * Revokes a grant (from now), with a reason. Revoking a revoked grant changes nothing.
   * @throws NotFoundError; ValidationFailedError (field reason).
   */
  async revoke(id: number, rawReason: unknown, actor: Actor): Promise<GrantView> {
    const fields: FieldErrors = {};
    const reason = reasonOf(rawReason, 'reason', fields, '撤销理由');
    const row = await this.ds.getRepository(AccessGrant).findOneBy({ id });
    if (!row) throw new NotFoundError('未找到该授权');
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    if (row.revokedAt) return this.get(id);
    await this.ds.transaction(async (m) => {
      const res = await m.getRepository(AccessGrant).update({ id, revokedAt: IsNull() }, { revokedAt: new Date(), revokedByUserId: actor.userId, revokeReason: reason });
      if (res.affected === 0) return;
      await this.users.changeIn(m, row.userId, actor, 'access.grant_revoked', () => ({ grantId: id, regionCode: row.regionCode, reason }));
    });
    return this.get(id);
  }

  private async views(rows: AccessGrant[]): Promise<GrantView[]> {
    const userIds = [...new Set(rows.map((r) => r.userId))];
    const codes = [...new Set(rows.map((r) => r.regionCode))];
    const [users, regions] = await Promise.all([
      userIds.length ? this.ds.getRepository(User).find({ where: { id: In(userIds) }, select: { id: true, username: true } }) : [],
      codes.length ? this.ds.getRepository(Region).find({ where: { code: In(codes) } }) : [],
    ]);
    const names = new Map(users.map((u) => [u.id, u.username]));
    const regionNames = new Map(regions.map((r) => [r.code, r.name]));
    const now = new Date();
    return rows.map((g) => ({
      id: g.id,
      userId: g.userId,
      username: names.get(g.userId) ?? '',
      regionCode: g.regionCode,
      regionPrefix: g.regionPrefix,
      regionName: regionNames.get(g.regionCode) ?? '',
      reason: g.reason,
      grantedByUserId: g.grantedByUserId,
      validFrom: g.validFrom.toISOString(),
      validUntil: g.validUntil?.toISOString() ?? null,
      revokedAt: g.revokedAt?.toISOString() ?? null,
      revokeReason: g.revokeReason,
      active: g.activeAt(now),
    }));
  }
}
