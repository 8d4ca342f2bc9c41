import type { AbilityBuilder, Ability } from '@casl/ability';
import type { RecusalViewer } from '../recusal/recusal.policy.js';
import type { Role, User } from '../users/entities/user.entity.js';
import type { Conditions, SubjectSql } from './conditions.js';

/** Actions of the policies. `manage` means every action (CASL's wildcard). */
export type Action = string;
/** Subject type names: `Report`, `Finding`, and those of later features (`Clue`, `Case`, …). */
export type SubjectName = string;

/** The ability of one user: checks loaded records (`can(action, subject(type, facts))`). */
export type AppAbility = Ability<[Action, SubjectName | Record<string, unknown>], Conditions>;

/**
 * A per-record field permission from another workflow, e.g. the reveal of a reporter's identity
 * (custody): `can read <subject> <fields> where id = <id>` while `until` (UTC) has not passed.
 */
export interface FieldGrant {
  subject: SubjectName;
  id: number;
  action?: Action;
  fields: readonly string[];
  until: Date;
}

/** Everything a policy may look at, loaded once per user and request. */
export interface AccessContext {
  user: Pick<User, 'id' | 'personId' | 'scopePrefix'>;
  roles: ReadonlySet<Role>;
  /** The user's own scope prefix followed by the prefixes of their active grants (指定管辖). */
  regionPrefixes: readonly string[];
  /** The recusal side (回避): user, own person, configured 近亲属 set. */
  recusal: RecusalViewer;
  /** Active field grants from registered sources (reveal windows …). */
  fieldGrants: readonly FieldGrant[];
  /** The instant the ability was built (UTC). */
  now: Date;
}

/**
 * One feature's access rules — THE extension point. A feature adds a file
 * `src/access/policies/<feature>.policy.ts` exporting an AccessPolicy and lists it in
 * `src/access/policies/index.ts` (ACCESS_POLICIES). `define` adds CASL rules with the conditions of
 * `conditions.ts`; `sql` tells, for each subject it defines, how SQL reads every field its
 * conditions test (columns of `alias`, or predicates such as recusal), so list and count queries
 * apply the very same rules (`UserAccess.where`). Outside the rules is 404 for the user.
 */
export interface AccessPolicy {
  name: string;
  define(builder: AbilityBuilder<AppAbility>, ctx: AccessContext): void;
  sql: Readonly<Record<SubjectName, (alias: string, ctx: AccessContext) => SubjectSql>>;
}

/** A source of {@link FieldGrant}s (registered by a feature module at start, e.g. custody's reveal windows). */
export type FieldGrantSource = (user: Pick<User, 'id'>, now: Date) => Promise<FieldGrant[]>;
