import { subject as tag } from '@casl/ability';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { AccessContext, AccessPolicy, Action, AppAbility, SubjectName } from './access.types.js';
import { rulesToSql, type SqlCondition } from './conditions.js';

/**
 * One user's access, built once per request by `AccessService.forUser`: the CASL ability assembled
 * from every policy, the context it was built from, and the SQL readings of the policies' fields.
 *
 * - `can(action, 'Report', facts)`: the check of a loaded record (facts as the policy documents).
 * - `where(action, 'Report', 'r')` / `scope(qb, …)`: the same rules as a SQL condition for lists,
 *   counts and single reads, so a record outside the rules is never found (404).
 */
export class UserAccess {
  constructor(
    readonly ability: AppAbility,
    readonly ctx: AccessContext,
    private readonly policies: readonly AccessPolicy[],
  ) {}

  /** Whether the user may `action` the record described by `facts` (and, when given, its `field`). */
  can(action: Action, subjectType: SubjectName, facts: Record<string, unknown>, field?: string): boolean {
    // Every fact the policies read must be given: a missing `recused` would let a `cannot` pass by.
    const reading = this.reading(subjectType);
    const missing = Object.keys(reading('x', this.ctx)).filter((k) => !Object.hasOwn(facts, k));
    if (missing.length) throw new Error(`facts of ${subjectType} lack ${missing.join(', ')}`);
    return this.ability.can(action, tag(subjectType, { ...facts }), field);
  }

  /** Whether the user may `action` some record of the type at all (route-level hint; records still checked). */
  canAny(action: Action, subjectType: SubjectName): boolean {
    return this.ability.can(action, subjectType);
  }

  /**
   * The SQL condition of `action` on `subjectType` rows aliased `alias`.
   * @throws Error when no policy gives the SQL reading of the subject (a policy without SQL is a bug).
   */
  where(action: Action, subjectType: SubjectName, alias: string, opts: { ignoreRecusal?: boolean } = {}): SqlCondition {
    const reading = { ...this.reading(subjectType)(alias, this.ctx) };
    // "Visible but for recusal": only to tell a recused access (audited) from an absent one.
    if (opts.ignoreRecusal && reading.recused) reading.recused = { predicate: { sql: '1 = 0', params: {} } };
    return rulesToSql(this.ability, action, subjectType, reading, `acc_${alias}`);
  }

  private reading(subjectType: SubjectName) {
    const reading = this.policies.find((p) => p.sql[subjectType])?.sql[subjectType];
    if (!reading) throw new Error(`no SQL reading for subject ${subjectType}`);
    return reading;
  }

  /** Adds {@link where} to a query builder (AND). */
  scope<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, action: Action, subjectType: SubjectName, alias: string, opts: { ignoreRecusal?: boolean } = {}): SelectQueryBuilder<T> {
    const { sql, params } = this.where(action, subjectType, alias, opts);
    return qb.andWhere(`(${sql})`, params);
  }

  /** Whether a 12-digit region code lies in the user's scope or one of their active grants. */
  regionInScope(regionCode: string): boolean {
    return this.ctx.regionPrefixes.some((p) => regionCode.startsWith(p));
  }
}
