import { Ability, AbilityBuilder, fieldPatternMatcher } from '@casl/ability';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { KIN_SETS } from '../recusal/recusal.policy.js';
import { ROLES, type Role, type User } from '../users/entities/user.entity.js';
import type { AccessContext, AccessPolicy, AppAbility, FieldGrant, FieldGrantSource } from './access.types.js';
import { matchConditions, type Conditions } from './conditions.js';
import { AccessGrant } from './entities/access-grant.entity.js';
import { ACCESS_POLICIES } from './policies/index.js';
import { UserAccess } from './user-access.js';

const SCOPE_PREFIX = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;

/**
 * Builds each user's {@link UserAccess} from the policies of `policies/index.ts`: roles, the scope
 * prefix, active explicit grants (指定管辖, `access_grants`), the recusal side (回避, `KIN_SET`) and
 * field grants from registered sources. Built once per request (cached on the request's User object).
 *
 * Extension points: a new feature's policy goes into ACCESS_POLICIES; a workflow that opens a
 * per-record field for a time (custody's reveal) calls {@link registerFieldGrantSource} at start.
 */
@Injectable()
export class AccessService {
  private readonly sources = new Map<string, FieldGrantSource>();
  private readonly cache = new WeakMap<object, Promise<UserAccess>>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Registers a source of per-record field permissions (e.g. `custody` → the reporter identity of
   * report N for user U until T). Called by the owning module's `onModuleInit`; `name` is unique.
   */
  registerFieldGrantSource(name: string, source: FieldGrantSource): void {
    this.sources.set(name, source);
  }

  /**
   * The access of `user` (cached for this User object, i.e. for one request). Pass `fresh` to
   * rebuild it, e.g. inside a transaction that must see grants as they are now.
   */
  forUser(user: User, opts: { fresh?: boolean; manager?: EntityManager } = {}): Promise<UserAccess> {
    if (!opts.fresh) {
      const hit = this.cache.get(user);
      if (hit) return hit;
    }
    const built = this.build(user, opts.manager ?? this.ds.manager);
    this.cache.set(user, built);
    built.catch(() => this.cache.delete(user));
    return built;
  }

  /**
   * The access of the portal itself (command line, background work, test set-up): the rules of every
   * staff role but `admin`, within `prefix`, with nobody to recuse. Never for a signed-in request.
   */
  forSystem(prefix: string): UserAccess {
    if (!SCOPE_PREFIX.test(prefix)) throw new Error('malformed scope prefix');
    return buildAccess(
      {
        user: { id: 0, personId: null, scopePrefix: prefix },
        roles: new Set<Role>(ROLES.filter((r) => r !== 'admin')),
        regionPrefixes: [prefix],
        recusal: { userId: 0, personId: null, kinTypes: KIN_SETS[this.config.kinSet] },
        fieldGrants: [],
        now: new Date(),
      },
      ACCESS_POLICIES,
    );
  }

  /** Active grants (指定管辖) of a user at `now`, oldest first. */
  async activeGrants(userId: number, now = new Date(), manager: EntityManager = this.ds.manager): Promise<AccessGrant[]> {
    const rows = await manager.getRepository(AccessGrant).find({ where: { userId, revokedAt: IsNull() }, order: { id: 'ASC' } });
    return rows.filter((g) => g.activeAt(now));
  }

  private async build(user: User, m: EntityManager): Promise<UserAccess> {
    if (!SCOPE_PREFIX.test(user.scopePrefix)) throw new Error('malformed scope prefix');
    const now = new Date();
    const grants = await this.activeGrants(user.id, now, m);
    const fieldGrants: FieldGrant[] = [];
    for (const source of this.sources.values()) fieldGrants.push(...(await source(user, now)));
    const ctx: AccessContext = {
      user: { id: user.id, personId: user.personId ?? null, scopePrefix: user.scopePrefix },
      roles: new Set<Role>(user.roleList()),
      regionPrefixes: [...new Set([user.scopePrefix, ...grants.map((g) => g.regionPrefix).filter((p) => SCOPE_PREFIX.test(p))])],
      recusal: { userId: user.id, personId: user.personId ?? null, kinTypes: KIN_SETS[this.config.kinSet] },
      fieldGrants,
      now,
    };
    return buildAccess(ctx, ACCESS_POLICIES);
  }
}

/** Assembles the ability of `ctx` from `policies` (pure; unit-testable). */
export function buildAccess(ctx: AccessContext, policies: readonly AccessPolicy[]): UserAccess {
  const builder = new AbilityBuilder<AppAbility>(Ability);
  for (const p of policies) p.define(builder, ctx);
  const ability = builder.build({
    conditionsMatcher: (c: Conditions) => matchConditions(c),
    fieldMatcher: fieldPatternMatcher,
  });
  return new UserAccess(ability, ctx, policies);
}
