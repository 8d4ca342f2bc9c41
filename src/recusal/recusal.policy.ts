import { DEFAULT_CLOSE_KIN_TYPES, INVERSE_KIN_TYPE, KIN_TYPES, type KinType } from '../registry/kin-types.js';

/**
 * The recusal rule (回避, DESIGN.md §5; 监察法 art. 67, 政务处分法 art. 47) in two equal forms: a SQL
 * condition for the scope of every list, count and single read ({@link recusalExclusionSql}) and a
 * check of a loaded record ({@link recusalConflict}). A user is recused from a report when
 *  (a) the reporter IS the user (reporter ID HMAC = the user's person's ID HMAC);
 *  (b) the reporter is one of the user's 近亲属 (an edge of the configured set, in either direction),
 *      or a subject's full name equals such a relative's name — subjects are free text, so a name
 *      match is a conflict until a leader clears it (`cleared`);
 *  (c) the user declared recusal on the report, or a leader ordered it.
 */

/** The 近亲属 sets of `KIN_SET`. `wide` = default + in-laws, parents' siblings, siblings' children, step/adoptive ties. */
export const KIN_SETS: Readonly<Record<'default' | 'wide', readonly KinType[]>> = {
  default: DEFAULT_CLOSE_KIN_TYPES,
  // Every kin tie except guardianship (not a family tie).
  wide: KIN_TYPES.filter((t) => t !== 'guardian'),
};


/** Who is looking, for the recusal part of a scope. */
export interface RecusalViewer {
  userId: number;
  /** The user's own `Person`, or null when they have not declared their ID number. */
  personId: number | null;
  /** Edge types `person → relative` that make `relative` a 近亲属 of `person` (the configured set). */
  kinTypes: readonly KinType[];
}

/**
 * Edge types read backwards: an edge `X → person : T` makes X a 近亲属 of `person` when the reverse
 * of T is in the set (刘建国 → 刘建业 : sibling makes 刘建国 刘建业's sibling).
 */
export function reverseKinTypes(kinTypes: readonly KinType[]): KinType[] {
  return (Object.keys(INVERSE_KIN_TYPE) as KinType[]).filter((t) => kinTypes.includes(INVERSE_KIN_TYPE[t]!));
}

/**
 * The SQL condition "report `alias` is NOT recused for the viewer" (portable: SQLite and MySQL), with
 * its named parameters (`rv_*`). Every part is a NOT EXISTS subquery keyed by the report id.
 */
export function recusalExclusionSql(alias: string, v: RecusalViewer): { sql: string; params: Record<string, unknown> } {
  if (!Number.isSafeInteger(v.userId)) throw new Error('recusal viewer without a user id');
  const params: Record<string, unknown> = { rv_user: v.userId };
  const parts = [
    `NOT EXISTS (SELECT 1 FROM recusals rv_d WHERE rv_d.report_id = ${alias}.id AND rv_d.user_id = :rv_user AND rv_d.kind IN ('declared', 'ordered'))`,
  ];
  if (v.personId !== null) {
    if (!Number.isSafeInteger(v.personId)) throw new Error('malformed person id');
    const rel = relativesSql(v);
    Object.assign(params, rel.params);
    const relatives = rel.sql;
    parts.push(
      `NOT EXISTS (SELECT 1 FROM reporter_identities rv_ri JOIN persons rv_p ON rv_p.id_hmac = rv_ri.id_hmac ` +
        `WHERE rv_ri.report_id = ${alias}.id AND (rv_p.id = :rv_person OR rv_p.id IN (${relatives})))`,
      `NOT EXISTS (SELECT 1 FROM report_subjects rv_s JOIN persons rv_sp ON rv_sp.name = rv_s.name ` +
        `WHERE rv_s.report_id = ${alias}.id AND rv_sp.id IN (${relatives}) ` +
        `AND NOT EXISTS (SELECT 1 FROM recusals rv_c WHERE rv_c.report_id = ${alias}.id AND rv_c.user_id = :rv_user AND rv_c.kind = 'cleared'))`,
    );
  }
  return { sql: parts.map((p) => `(${p})`).join(' AND '), params };
}

/** What the check of a loaded report needs to know about it. */
export interface ReportFacts {
  subjectNames: string[];
  reporterIdHmac: string | null;
  /** Kinds of the recusal rows of this user on this report. */
  recusalKinds: string[];
}

/** The user's side: their own ID HMAC and their 近亲属 (already filtered by the configured set). */
export interface ViewerKin {
  selfIdHmac: string | null;
  relatives: { idHmac: string | null; name: string }[];
}

/** Why a user is recused (never shown to anyone but the audit trail), or null. */
export type RecusalGround = 'declared' | 'ordered' | 'self_reporter' | 'kin_reporter' | 'kin_subject_name';

/** The check of a loaded record; must agree with {@link recusalExclusionSql}. */
export function recusalConflict(report: ReportFacts, viewer: ViewerKin): RecusalGround | null {
  if (report.recusalKinds.includes('declared')) return 'declared';
  if (report.recusalKinds.includes('ordered')) return 'ordered';
  const h = report.reporterIdHmac;
  if (h && viewer.selfIdHmac === h) return 'self_reporter';
  if (h && viewer.relatives.some((r) => r.idHmac === h)) return 'kin_reporter';
  if (!report.recusalKinds.includes('cleared')) {
    const names = new Set(viewer.relatives.map((r) => r.name));
    if (report.subjectNames.some((n) => names.has(n))) return 'kin_subject_name';
  }
  return null;
}

/**
 * SQL of "the person ids of the viewer's 近亲属" (edges of the configured set in either direction),
 * with its parameters `rv_person`, `rv_fwd`, `rv_rev`. The viewer must have a person.
 */
function relativesSql(v: RecusalViewer): { sql: string; params: Record<string, unknown> } {
  if (v.personId === null || !Number.isSafeInteger(v.personId)) throw new Error('recusal viewer without a person');
  const fwd = v.kinTypes.length ? v.kinTypes : ['-'];
  const rev = reverseKinTypes(v.kinTypes);
  return {
    sql:
      `SELECT rv_k1.relative_person_id FROM kin_relations rv_k1 WHERE rv_k1.person_id = :rv_person AND rv_k1.type IN (:...rv_fwd) ` +
      `UNION SELECT rv_k2.person_id FROM kin_relations rv_k2 WHERE rv_k2.relative_person_id = :rv_person AND rv_k2.type IN (:...rv_rev)`,
    params: { rv_person: v.personId, rv_fwd: fwd, rv_rev: rev.length ? rev : ['-'] },
  };
}

/**
 * Findings (比对疑点, issue 5): the SQL condition "the viewer IS recused from finding `alias`" —
 * the viewer's own person, or one of their 近亲属 (configured set), is the finding's official, the
 * finding's person, or a member of the finding's household. A viewer without a declared person is
 * never recused by kinship. Must agree with {@link findingRecusalConflict}.
 */
export function findingRecusalSql(alias: string, v: RecusalViewer): { sql: string; params: Record<string, unknown> } {
  if (v.personId === null) return { sql: '1 = 0', params: {} };
  const rel = relativesSql(v);
  const who = (col: string) => `(${col} = :rv_person OR ${col} IN (${rel.sql}))`;
  return {
    sql:
      `EXISTS (SELECT 1 FROM officials rf_o WHERE rf_o.id = ${alias}.official_id AND ${who('rf_o.person_id')}) ` +
      `OR ${who(`${alias}.person_id`)} ` +
      `OR EXISTS (SELECT 1 FROM household_members rf_m WHERE rf_m.household_id = ${alias}.household_id AND ${who('rf_m.person_id')})`,
    params: rel.params,
  };
}

/** The persons a finding concerns: its official's person, its recipient person, its household's members. */
export interface FindingFacts {
  officialPersonId: number;
  personId: number;
  memberPersonIds: number[];
}

/** The check of a loaded finding; must agree with {@link findingRecusalSql}. */
export function findingRecusalConflict(f: FindingFacts, viewer: { selfPersonId: number | null; relativeIds: readonly number[] }): 'self' | 'kin' | null {
  if (viewer.selfPersonId === null) return null;
  const concerned = [f.officialPersonId, f.personId, ...f.memberPersonIds];
  if (concerned.includes(viewer.selfPersonId)) return 'self';
  return concerned.some((id) => viewer.relativeIds.includes(id)) ? 'kin' : null;
}
