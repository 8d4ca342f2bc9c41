/**
 * The small condition language of the access policies, read in two ways from ONE rule set:
 * {@link matchConditions} checks a loaded record (the CASL conditions matcher) and
 * {@link rulesToSql} turns the same rules into a SQL condition for lists and counts (via CASL's
 * `rulesToCondition`, which flattens rule priority: a `can` holds unless a later `cannot` matches).
 *
 * A condition is an object `{ field: test }`, all tests must hold (AND). A test is
 *  - a scalar (`string | number | boolean | null`): equality (`null` = no value);
 *  - `{ $in: [..] }`: one of the values (`null` allowed: no value);
 *  - `{ $prefix: ['4304', '430421100'] }`: a string starting with one of the prefixes (region scope;
 *    prefixes are division codes cut by level, digits only).
 * A field is either a column of the subject's row or a predicate (a boolean computed in SQL, such as
 * "the viewer is recused from this record"), tested only with `true` / `false`.
 */
import type { AnyAbility } from '@casl/ability';
import { rulesToCondition } from '@casl/ability/extra';

export type Scalar = string | number | boolean | null;
export type FieldTest = Scalar | { $in: readonly Scalar[] } | { $prefix: readonly string[] };
export type Conditions = Readonly<Record<string, FieldTest>>;

/** How SQL reads a field of a subject: a column expression, or a boolean predicate with its parameters. */
export type FieldSql = { column: string } | { predicate: { sql: string; params: Record<string, unknown> } };
export type SubjectSql = Readonly<Record<string, FieldSql>>;

export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

const PREFIX = /^\d{1,12}$/;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function testValue(test: FieldTest, value: unknown): boolean {
  if (isObj(test)) {
    if ('$in' in test) return (test.$in as readonly Scalar[]).some((x) => (x === null ? value === null || value === undefined : x === value));
    if ('$prefix' in test) return typeof value === 'string' && (test.$prefix as readonly string[]).some((p) => PREFIX.test(p) && value.startsWith(p));
    throw new Error(`unknown condition operator ${Object.keys(test).join(',')}`);
  }
  if (test === null) return value === null || value === undefined;
  return value === test;
}

/** CASL conditions matcher: the check of a loaded record (plain object of facts). Unknown fields fail closed. */
export function matchConditions(conditions: Conditions): (object: Record<string, unknown>) => boolean {
  const entries = Object.entries(conditions);
  return (object) => entries.every(([field, test]) => Object.hasOwn(object, field) && testValue(test, object[field]));
}

/** SQL of one rule's conditions (AND of its field tests), parameters named `${prefix}_<n>`. */
function conditionsSql(conditions: Conditions, map: SubjectSql, next: () => string): SqlCondition {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  for (const [field, test] of Object.entries(conditions)) {
    const f = map[field];
    if (!f) throw new Error(`no SQL reading of field "${field}"`);
    if ('predicate' in f) {
      if (test !== true && test !== false) throw new Error(`predicate field "${field}" is tested with true/false only`);
      Object.assign(params, f.predicate.params);
      parts.push(test ? `(${f.predicate.sql})` : `NOT (${f.predicate.sql})`);
      continue;
    }
    const col = f.column;
    if (isObj(test) && '$prefix' in test) {
      const prefixes = (test.$prefix as readonly string[]).filter((p) => PREFIX.test(p));
      if (!prefixes.length) {
        parts.push('1 = 0');
        continue;
      }
      parts.push(
        `(${prefixes
          .map((p) => {
            const name = next();
            params[name] = `${p}%`;
            return `${col} LIKE :${name}`;
          })
          .join(' OR ')})`,
      );
    } else if (isObj(test) && '$in' in test) {
      const values = test.$in as readonly Scalar[];
      const nonNull = values.filter((v) => v !== null);
      const ors: string[] = [];
      if (values.some((v) => v === null)) ors.push(`${col} IS NULL`);
      if (nonNull.length) {
        const name = next();
        params[name] = nonNull;
        ors.push(`${col} IN (:...${name})`);
      }
      parts.push(ors.length ? `(${ors.join(' OR ')})` : '1 = 0');
    } else if (test === null) {
      parts.push(`${col} IS NULL`);
    } else if (isObj(test)) {
      throw new Error(`unknown condition operator on "${field}"`);
    } else {
      const name = next();
      params[name] = test;
      parts.push(`${col} = :${name}`);
    }
  }
  return { sql: parts.length ? parts.join(' AND ') : '1 = 1', params };
}

/**
 * The SQL condition equal to `ability.can(action, <record of subjectType>)` for every row, from the
 * very rules the ability checks loaded records with. Field-level rules (those naming `fields`) do not
 * widen or narrow which records are listed. No rule → `1 = 0` (deny by default).
 * @throws Error when a rule tests a field `map` cannot read (a policy without its SQL is a bug).
 */
export function rulesToSql(ability: AnyAbility, action: string, subjectType: string, map: SubjectSql, paramPrefix = 'acc'): SqlCondition {
  const rules = ability.rulesFor(action, subjectType).filter((r) => !r.fields);
  let n = 0;
  const next = () => `${paramPrefix}_${n++}`;
  const params: Record<string, unknown> = {};
  const result = rulesToCondition(
    rules,
    (rule) => {
      const c = conditionsSql((rule.conditions ?? {}) as Conditions, map, next);
      Object.assign(params, c.params);
      return rule.inverted ? `NOT (${c.sql})` : `(${c.sql})`;
    },
    {
      and: (xs: string[]) => (xs.length ? `(${xs.join(' AND ')})` : '1 = 1'),
      or: (xs: string[]) => (xs.length ? `(${xs.join(' OR ')})` : '1 = 0'),
      empty: () => '1 = 1',
    },
  );
  return { sql: result ?? '1 = 0', params };
}
