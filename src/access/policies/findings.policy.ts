import { findingRecusalSql } from '../../recusal/recusal.policy.js';
import type { AccessPolicy } from '../access.types.js';

/**
 * Findings of cross-matching (比对疑点, DESIGN.md §6; issue 5).
 *
 * Facts of a loaded finding (`subject('Finding', facts)`): `id`, `regionCode` (the household's),
 * `recused` (`RecusalService.findingConflictOf`).
 *
 * - `read` (list, counts per village, detail) and `dismiss`: registry clerks and case handlers, for
 *   findings whose region lies in their scope prefix or a granted (指定管辖) prefix.
 * - `card`: intake officers and leaders see open findings about an official on the person card of a
 *   report they may read (same scope).
 * - Recusal (回避) overrides everything: a viewer who is, or is a 近亲属 (configured `KIN_SET`) of,
 *   the official, the recipient or a member of the household cannot list, count or open it (404).
 */
export const findingsPolicy: AccessPolicy = {
  name: 'findings',
  define({ can, cannot }, ctx) {
    const inScope = { regionCode: { $prefix: ctx.regionPrefixes } };
    if (ctx.roles.has('registry_clerk') || ctx.roles.has('case_handler')) can(['read', 'dismiss'], 'Finding', inScope);
    if (ctx.roles.has('intake_officer') || ctx.roles.has('leader')) can('card', 'Finding', inScope);
    cannot('manage', 'Finding', { recused: true });
  },
  sql: {
    Finding: (alias, ctx) => ({
      id: { column: `${alias}.id` },
      regionCode: { column: `${alias}.region_code` },
      recused: { predicate: findingRecusalSql(alias, ctx.recusal) },
    }),
  },
};
