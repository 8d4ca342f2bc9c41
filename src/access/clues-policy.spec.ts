import { describe, expect, it } from '@jest/globals';
import type { Role } from '../users/entities/user.entity.js';
import type { AccessContext } from './access.types.js';
import { buildAccess } from './access.service.js';
import { ACCESS_POLICIES } from './policies/index.js';

function ctx(roles: Role[]): AccessContext {
  return {
    user: { id: 7, personId: 70, scopePrefix: '430421' },
    roles: new Set(roles),
    regionPrefixes: ['430421', '430423'],
    recusal: { userId: 7, personId: 70, kinTypes: ['spouse', 'sibling'] },
    fieldGrants: [],
    now: new Date('2026-01-01T00:00:00Z'),
  };
}

const clue = (o: Record<string, unknown> = {}) => ({ id: 1, regionCode: '430421101200', assignedUserId: null, recused: false, ...o });

describe('access: the clues policy', () => {
  it('matter roles read clues in scope and grants; admins and others read nothing', () => {
    for (const r of ['intake_officer', 'case_handler', 'trial_reviewer', 'leader'] as Role[]) {
      const a = buildAccess(ctx([r]), ACCESS_POLICIES);
      expect([r, a.can('read', 'Clue', clue()), a.can('read', 'Clue', clue({ regionCode: '430423100000' })), a.can('read', 'Clue', clue({ regionCode: '430422100000' }))]).toEqual([r, true, true, false]);
    }
    for (const r of ['admin', 'auditor', 'registry_clerk', 'publisher', 'identity_custodian'] as Role[]) {
      expect([r, buildAccess(ctx([r]), ACCESS_POLICIES).where('read', 'Clue', 'c').sql]).toEqual([r, '1 = 0']);
    }
  });

  it('work, merge, assign and approve follow the roles; recusal overrides all', () => {
    const handler = buildAccess(ctx(['case_handler']), ACCESS_POLICIES);
    expect(handler.can('work', 'Clue', clue())).toBe(true);
    expect(handler.can('assign', 'Clue', clue())).toBe(false);
    const officer = buildAccess(ctx(['intake_officer']), ACCESS_POLICIES);
    expect([officer.can('merge', 'Clue', clue()), officer.can('work', 'Clue', clue())]).toEqual([true, false]);
    const leader = buildAccess(ctx(['leader']), ACCESS_POLICIES);
    expect(['assign', 'approve', 'overdue', 'orderRecusal', 'work'].map((x) => leader.can(x, 'Clue', clue()))).toEqual([true, true, true, true, true]);
    expect(['read', 'assign', 'work'].map((x) => leader.can(x, 'Clue', clue({ recused: true })))).toEqual([false, false, false]);
  });

  it('the SQL reads region, roles and recusal from the same rules', () => {
    const read = buildAccess(ctx(['case_handler']), ACCESS_POLICIES).where('read', 'Clue', 'c');
    expect(read.sql).toContain('c.region_code LIKE');
    expect(read.sql).toContain('clue_recusals');
    expect(read.sql).toContain('reporter_identities');
    expect(Object.values(read.params)).toEqual(expect.arrayContaining(['430421%', '430423%', 7, 70]));
  });
});
