import { recusalExclusionSql } from '../../recusal/recusal.policy.js';
import type { AccessPolicy } from '../access.types.js';

/**
 * Reports (举报, DESIGN.md §4–5).
 *
 * Facts of a loaded report (`subject('Report', facts)`): `id`, `regionCode`, `assignedUserId`,
 * `recused` (the viewer's recusal from it, `RecusalService.conflictOf`).
 *
 * - `read` (list, count, search, detail, clean evidence): intake officers and leaders, for reports
 *   whose region lies in their scope prefix or a granted (指定管辖) prefix.
 * - Intake actions (`accept`, `decline`, `forward`, `referOut`, `markRepeat`, `acknowledge`,
 *   `message`): in scope, and — once a report is ASSIGNED — only the assignee or a leader; an
 *   unassigned report may be handled by any intake officer in scope.
 * - `assign` (指派承办人, and reassignment with a reason): leaders in scope.
 * - `register` (登记来信/来访/电话): intake officers, for a region in scope.
 * - `custody` (ask to reveal the reporter's identity, decide on such a request, see its state —
 *   src/custody checks the finer role rules): intake officers, case handlers and identity
 *   custodians, in scope.
 * - Fields `reporterIdentity`, `reporterContact` and `originalEvidence` (whose metadata can name the
 *   reporter) are read by nobody by default; an approved reveal window (src/custody, registered with
 *   `AccessService.registerFieldGrantSource`) adds a per-report field grant until it expires.
 * - Recusal (回避) overrides everything: a recused viewer can do nothing with the report, which
 *   then answers 404 like an absent one.
 */
export const REPORT_INTAKE_ACTIONS = ['accept', 'decline', 'forward', 'referOut', 'markRepeat', 'acknowledge', 'message'] as const;
export type ReportIntakeAction = (typeof REPORT_INTAKE_ACTIONS)[number];
/** Fields of a report nobody reads without an approved reveal. */
export const REPORTER_FIELDS = ['reporterIdentity', 'reporterContact', 'originalEvidence'] as const;

export const reportsPolicy: AccessPolicy = {
  name: 'reports',
  define({ can, cannot }, ctx) {
    const inScope = { regionCode: { $prefix: ctx.regionPrefixes } };
    const officer = ctx.roles.has('intake_officer');
    const leader = ctx.roles.has('leader');
    if (officer || leader) can('read', 'Report', inScope);
    if (officer) {
      can([...REPORT_INTAKE_ACTIONS], 'Report', { ...inScope, assignedUserId: { $in: [null, ctx.user.id] } });
      can('register', 'Report', inScope);
    }
    if (leader) can([...REPORT_INTAKE_ACTIONS, 'assign'], 'Report', inScope);
    if (officer || ctx.roles.has('case_handler') || ctx.roles.has('identity_custodian')) can('custody', 'Report', inScope);
    cannot('read', 'Report', [...REPORTER_FIELDS]);
    for (const g of ctx.fieldGrants) {
      if (g.subject === 'Report' && g.until.getTime() > ctx.now.getTime()) can(g.action ?? 'read', 'Report', [...g.fields], { ...inScope, id: g.id });
    }
    cannot('manage', 'Report', { recused: true });
  },
  sql: {
    Report: (alias, ctx) => ({
      id: { column: `${alias}.id` },
      regionCode: { column: `${alias}.region_code` },
      assignedUserId: { column: `${alias}.assigned_user_id` },
      recused: { predicate: negate(recusalExclusionSql(alias, ctx.recusal)) },
    }),
  },
};

function negate(c: { sql: string; params: Record<string, unknown> }): { sql: string; params: Record<string, unknown> } {
  return { sql: `NOT (${c.sql})`, params: c.params };
}
