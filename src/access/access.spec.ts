import { describe, expect, it } from '@jest/globals';
import type { Role } from '../users/entities/user.entity.js';
import type { AccessContext } from './access.types.js';
import { buildAccess } from './access.service.js';
import { ACCESS_POLICIES } from './policies/index.js';

function ctx(roles: Role[], extra: Partial<AccessContext> = {}): AccessContext {
  return {
    user: { id: 7, personId: null, scopePrefix: '430421' },
    roles: new Set(roles),
    regionPrefixes: ['430421', '430423'],
    recusal: { userId: 7, personId: null, kinTypes: ['spouse'] },
    fieldGrants: [],
    now: new Date('2026-01-01T00:00:00Z'),
    ...extra,
  };
}

const report = (o: Record<string, unknown> = {}) => ({ id: 1, regionCode: '430421101200', assignedUserId: null, recused: false, ...o });

describe('access: abilities from the policies', () => {
  it('intake officer: reads in scope and grants, acts only when unassigned or assigned to them', () => {
    const a = buildAccess(ctx(['intake_officer']), ACCESS_POLICIES);
    expect(a.can('read', 'Report', report())).toBe(true);
    expect(a.can('read', 'Report', report({ regionCode: '430423100000' }))).toBe(true);
    expect(a.can('read', 'Report', report({ regionCode: '430422100000' }))).toBe(false);
    expect(a.can('read', 'Report', report({ regionCode: '430400000000' }))).toBe(false);
    expect(a.can('accept', 'Report', report())).toBe(true);
    expect(a.can('accept', 'Report', report({ assignedUserId: 7 }))).toBe(true);
    expect(a.can('accept', 'Report', report({ assignedUserId: 8 }))).toBe(false);
    expect(a.can('read', 'Report', report({ assignedUserId: 8 }))).toBe(true);
    expect(a.can('assign', 'Report', report())).toBe(false);
    expect(a.can('read', 'Report', report({ recused: true }))).toBe(false);
    expect(a.can('accept', 'Report', report({ recused: true }))).toBe(false);
  });

  it('reporter identity is a field nobody reads without a field grant; a grant opens it for one report only', () => {
    const plain = buildAccess(ctx(['intake_officer', 'leader']), ACCESS_POLICIES);
    expect(plain.can('read', 'Report', report(), 'reporterIdentity')).toBe(false);
    expect(plain.can('read', 'Report', report(), 'description')).toBe(true);
    const granted = buildAccess(ctx(['intake_officer'], { fieldGrants: [{ subject: 'Report', id: 1, fields: ['reporterIdentity'], until: new Date('2026-01-02T00:00:00Z') }] }), ACCESS_POLICIES);
    expect(granted.can('read', 'Report', report(), 'reporterIdentity')).toBe(true);
    expect(granted.can('read', 'Report', report(), 'reporterContact')).toBe(false);
    expect(granted.can('read', 'Report', report({ id: 2 }), 'reporterIdentity')).toBe(false);
    expect(granted.can('read', 'Report', report({ recused: true }), 'reporterIdentity')).toBe(false);
    // The field grant neither widens nor narrows the list.
    expect(granted.where('read', 'Report', 'r').sql).toBe(plain.where('read', 'Report', 'r').sql.replace(/acc_r_/g, 'acc_r_'));
    const expired = buildAccess(ctx(['intake_officer'], { fieldGrants: [{ subject: 'Report', id: 1, fields: ['reporterIdentity'], until: new Date('2025-12-31T00:00:00Z') }] }), ACCESS_POLICIES);
    expect(expired.can('read', 'Report', report(), 'reporterIdentity')).toBe(false);
  });

  it('derives the SQL from the same rules; no rule is 1 = 0', () => {
    const a = buildAccess(ctx(['intake_officer']), ACCESS_POLICIES);
    const read = a.where('read', 'Report', 'r');
    expect(read.sql).toContain('r.region_code LIKE');
    expect(Object.values(read.params)).toEqual(expect.arrayContaining(['430421%', '430423%']));
    expect(read.sql).toContain('NOT (');
    const accept = a.where('accept', 'Report', 'r');
    expect(accept.sql).toContain('r.assigned_user_id IS NULL OR r.assigned_user_id IN');
    expect(a.where('assign', 'Report', 'r').sql).toBe('1 = 0');
    expect(buildAccess(ctx(['admin']), ACCESS_POLICIES).where('read', 'Report', 'r').sql).toBe('1 = 0');
    expect(buildAccess(ctx(['auditor']), ACCESS_POLICIES).where('read', 'Finding', 'f').sql).toBe('1 = 0');
  });

  it('findings: clerks and handlers read and dismiss in scope; recusal overrides', () => {
    const a = buildAccess(ctx(['registry_clerk']), ACCESS_POLICIES);
    expect(a.can('read', 'Finding', { id: 1, regionCode: '430421101200', recused: false })).toBe(true);
    expect(a.can('dismiss', 'Finding', { id: 1, regionCode: '430423101200', recused: false })).toBe(true);
    expect(a.can('read', 'Finding', { id: 1, regionCode: '430421101200', recused: true })).toBe(false);
    expect(a.can('read', 'Finding', { id: 1, regionCode: '430422101200', recused: false })).toBe(false);
    expect(buildAccess(ctx(['intake_officer']), ACCESS_POLICIES).can('read', 'Finding', { id: 1, regionCode: '430421101200', recused: false })).toBe(false);
  });

  it('a loaded record without every fact the policies read is refused as a bug', () => {
    const a = buildAccess(ctx(['intake_officer']), ACCESS_POLICIES);
    expect(() => a.can('read', 'Report', { id: 1, regionCode: '430421101200', assignedUserId: null })).toThrow(/lack recused/);
  });
});
