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
    const fwd = v.kinTypes.length ? v.kinTypes : ['-'];
    const rev = reverseKinTypes(v.kinTypes);
    Object.assign(params, { rv_person: v.personId, rv_fwd: fwd, rv_rev: rev.length ? rev : ['-'] });
    const relatives =
      `SELECT rv_k1.relative_person_id FROM kin_relations rv_k1 WHERE rv_k1.person_id = :rv_person AND rv_k1.type IN (:...rv_fwd) ` +
      `UNION SELECT rv_k2.person_id FROM kin_relations rv_k2 WHERE rv_k2.relative_person_id = :rv_person AND rv_k2.type IN (:...rv_rev)`;
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
