import { reverseKinTypes, type RecusalViewer } from '../recusal/recusal.policy.js';

/**
 * The SQL condition "clue `alias` is NOT recused for the viewer" (回避, DESIGN.md §5; 监察法 art. 67),
 * portable SQLite/MySQL, with its named parameters (`mv*`):
 *  - no declared/ordered recusal of the viewer on the clue or on any of its reports;
 *  - the reporter of none of its reports is the viewer or a 近亲属 (by ID HMAC);
 *  - no subject is linked to the viewer's person or a 近亲属's;
 *  - no free-text subject bears a 近亲属's full name, unless a leader cleared it on the clue.
 * Read by the clues access policy (`recused` = NOT this).
 */
export function clueRecusalExclusionSql(alias: string, v: RecusalViewer): { sql: string; params: Record<string, unknown> } {
  if (!Number.isSafeInteger(v.userId)) throw new Error('recusal viewer without a user id');
  const params: Record<string, unknown> = { mvUser: v.userId };
  const reportsOf = `SELECT mv_cr.report_id FROM clue_reports mv_cr WHERE mv_cr.clue_id = ${alias}.id`;
  const parts = [
    `NOT EXISTS (SELECT 1 FROM clue_recusals mv_d WHERE mv_d.clue_id = ${alias}.id AND mv_d.user_id = :mvUser AND mv_d.kind IN ('declared', 'ordered'))`,
    `NOT EXISTS (SELECT 1 FROM recusals mv_rd WHERE mv_rd.user_id = :mvUser AND mv_rd.kind IN ('declared', 'ordered') AND mv_rd.report_id IN (${reportsOf}))`,
  ];
  if (v.personId !== null) {
    if (!Number.isSafeInteger(v.personId)) throw new Error('malformed person id');
    const rev = reverseKinTypes(v.kinTypes);
    Object.assign(params, { mvPerson: v.personId, mvFwd: v.kinTypes.length ? [...v.kinTypes] : ['-'], mvRev: rev.length ? rev : ['-'] });
    const relatives =
      `SELECT mv_k1.relative_person_id FROM kin_relations mv_k1 WHERE mv_k1.person_id = :mvPerson AND mv_k1.type IN (:...mvFwd) ` +
      `UNION SELECT mv_k2.person_id FROM kin_relations mv_k2 WHERE mv_k2.relative_person_id = :mvPerson AND mv_k2.type IN (:...mvRev)`;
    parts.push(
      `NOT EXISTS (SELECT 1 FROM reporter_identities mv_ri JOIN persons mv_p ON mv_p.id_hmac = mv_ri.id_hmac ` +
        `WHERE mv_ri.report_id IN (${reportsOf}) AND (mv_p.id = :mvPerson OR mv_p.id IN (${relatives})))`,
      `NOT EXISTS (SELECT 1 FROM clue_subjects mv_s WHERE mv_s.clue_id = ${alias}.id AND (mv_s.person_id = :mvPerson OR mv_s.person_id IN (${relatives})))`,
      `NOT EXISTS (SELECT 1 FROM clue_subjects mv_sn JOIN persons mv_sp ON mv_sp.name = mv_sn.name WHERE mv_sn.clue_id = ${alias}.id AND mv_sn.person_id IS NULL AND mv_sp.id IN (${relatives}) ` +
        `AND NOT EXISTS (SELECT 1 FROM clue_recusals mv_c WHERE mv_c.clue_id = ${alias}.id AND mv_c.user_id = :mvUser AND mv_c.kind = 'cleared'))`,
    );
  }
  return { sql: parts.map((p) => `(${p})`).join(' AND '), params };
}
