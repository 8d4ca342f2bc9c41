import { clueRecusalExclusionSql } from '../../clues/clue-recusal.sql.js';
import type { AccessPolicy } from '../access.types.js';

/**
 * Clues and cases (问题线索 / 案件, DESIGN.md §4–5; issue 4). One subject, `Clue`: a case is the
 * filed stage of its clue and shares its access.
 *
 * Facts of a loaded clue (`subject('Clue', facts)`): `id`, `regionCode`, `assignedUserId`,
 * `recused` (the viewer's recusal from the clue: `clueRecusalExclusionSql`).
 *
 * - `read` (work lists, counts, detail, timeline): intake officers, case handlers, trial reviewers and
 *   leaders, for clues whose region lies in their scope prefix or a granted (指定管辖) prefix.
 * - `work` (transitions, outcomes, investigation steps, feedback): case handlers, trial reviewers and
 *   leaders in scope — the state table (src/clues/matter-transitions.ts) then decides which role, and
 *   whether the assigned handler, may take each step, and which need a leader's approval.
 * - `merge` (join clues, link reports): intake officers, case handlers and leaders in scope.
 * - `assign`, `approve`, `overdue` (the overdue list), `orderRecusal`: leaders in scope.
 * - Recusal (回避) overrides everything: a recused viewer can do nothing with the clue, which then
 *   answers 404 like an absent one and is left out of lists and counts.
 */
export const cluesPolicy: AccessPolicy = {
  name: 'clues',
  define({ can, cannot }, ctx) {
    const inScope = { regionCode: { $prefix: ctx.regionPrefixes } };
    const officer = ctx.roles.has('intake_officer');
    const handler = ctx.roles.has('case_handler');
    const reviewer = ctx.roles.has('trial_reviewer');
    const leader = ctx.roles.has('leader');
    if (officer || handler || reviewer || leader) can('read', 'Clue', inScope);
    if (handler || reviewer || leader) can('work', 'Clue', inScope);
    if (officer || handler || leader) can('merge', 'Clue', inScope);
    if (leader) can(['assign', 'approve', 'overdue', 'orderRecusal'], 'Clue', inScope);
    cannot('manage', 'Clue', { recused: true });
  },
  sql: {
    Clue: (alias, ctx) => {
      const notRecused = clueRecusalExclusionSql(alias, ctx.recusal);
      return {
        id: { column: `${alias}.id` },
        regionCode: { column: `${alias}.region_code` },
        assignedUserId: { column: `${alias}.assigned_user_id` },
        recused: { predicate: { sql: `NOT (${notRecused.sql})`, params: notRecused.params } },
      };
    },
  },
};
