/**
 * Explicit grants (指定管辖) and sessions: an administrator grants and revokes a region through the API
 * and the pages; a grant widens lists, counts and reads; granting, revoking and changing roles end
 * the user's existing sessions on the very next request; everything is audited.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { AccessGrant } from '../../src/access/entities/access-grant.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs } from '../utils/login-as.js';
import { createUser } from '../factories/users.js';
import { ensureIntakeOffices, ensureOffice, insertReport } from '../factories/intake.js';

describe('explicit grants (指定管辖) and the sessions they end', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let officer: { id: number; username: string; password: string };
  let granted: number;
  let home: number;

  const totalFor = async (agent: Awaited<ReturnType<typeof loginAs>>['agent']) => (await agent.get('/api/v1/intake/reports').query({ status: 'all' }).expect(200)).body.total as number;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    await ensureOffice(t, '430423000000');
    const a = await createUser(t, { roles: ['admin'], scopeRegionCode: '430000000000' });
    admin = await loginAs(t, a.user.username, a.password);
    const o = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    officer = { id: o.user.id, username: o.user.username, password: o.password };
    home = (await insertReport(t, { regionCode: '430421101200' })).id;
    granted = (await insertReport(t, { regionCode: '430423000000', subjects: [{ name: '衡山某某' }] })).id;
  });
  afterAll(async () => t?.close());

  it('without a grant the other county is out of scope (404, not listed, not counted)', async () => {
    const s = await loginAs(t, officer.username, officer.password);
    expect(await totalFor(s.agent)).toBe(1);
    await s.agent.get(`/api/v1/intake/reports/${granted}`).expect(404);
    await s.agent.get(`/api/v1/intake/reports/${home}`).expect(200);
  });

  it('a grant through the API ends the session at once, then widens list, count and read; audited', async () => {
    const before = await loginAs(t, officer.username, officer.password);
    await before.agent.get('/api/v1/intake/reports').expect(200);
    const res = await admin.agent.post('/api/v1/admin/grants').set('X-CSRF-Token', admin.csrfToken).send({ userId: officer.id, regionCode: '430423', reason: '市纪委指定管辖（衡纪指〔2026〕3号）' }).expect(201);
    expect(res.body.grant).toMatchObject({ userId: officer.id, regionCode: '430423000000', regionPrefix: '430423', active: true, revokedAt: null });
    const stale = await before.agent.get('/api/v1/intake/reports');
    expect([stale.status, stale.body.error.code]).toEqual([401, 'unauthenticated']);
    const after = await loginAs(t, officer.username, officer.password);
    expect(await totalFor(after.agent)).toBe(2);
    await after.agent.get(`/api/v1/intake/reports/${granted}`).expect(200);
    const search = await after.agent.get('/api/v1/intake/reports').query({ status: 'all', q: '衡山某某' }).expect(200);
    expect(search.body.items.map((i: { id: number }) => i.id)).toEqual([granted]);
    const audit = await t.ds.getRepository(AuditEvent).findOneByOrFail({ action: 'access.grant_created', recordId: String(officer.id) });
    expect(audit.actorUserId).not.toBeNull();
    expect((await admin.agent.get('/api/v1/admin/grants').query({ userId: officer.id }).expect(200)).body.grants).toHaveLength(1);
  });

  it('revoking ends the session again and the region is gone', async () => {
    const s = await loginAs(t, officer.username, officer.password);
    const [g] = (await admin.agent.get('/api/v1/admin/grants').query({ userId: officer.id }).expect(200)).body.grants;
    await admin.agent.post(`/api/v1/admin/grants/${g.id}/revoke`).set('X-CSRF-Token', admin.csrfToken).send({}).expect(422);
    const r = await admin.agent.post(`/api/v1/admin/grants/${g.id}/revoke`).set('X-CSRF-Token', admin.csrfToken).send({ reason: '案件已移交' }).expect(200);
    expect(r.body.grant).toMatchObject({ active: false, revokeReason: '案件已移交' });
    expect((await s.agent.get('/api/v1/intake/reports')).status).toBe(401);
    const again = await loginAs(t, officer.username, officer.password);
    expect(await totalFor(again.agent)).toBe(1);
    await again.agent.get(`/api/v1/intake/reports/${granted}`).expect(404);
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'access.grant_revoked', recordId: String(officer.id) })).toBe(1);
  });

  it('a grant outside its validity window widens nothing; one whose whole window is past is refused', async () => {
    const past = await admin.agent.post('/api/v1/admin/grants').set('X-CSRF-Token', admin.csrfToken).send({ userId: officer.id, regionCode: '430423000000', reason: '已到期的指定管辖', validFrom: '2020-01-01', validUntil: '2020-02-01' }).expect(422);
    expect(Object.keys(past.body.error.fields)).toEqual(['validUntil']);
    await admin.agent.post('/api/v1/admin/grants').set('X-CSRF-Token', admin.csrfToken).send({ userId: officer.id, regionCode: '430423000000', reason: '尚未开始的指定管辖', validFrom: '2099-01-01', validUntil: '2099-02-01' }).expect(201);
    const s = await loginAs(t, officer.username, officer.password);
    await s.agent.get(`/api/v1/intake/reports/${granted}`).expect(404);
    expect(await totalFor(s.agent)).toBe(1);
  });

  it('refuses impossible days (never rolled over), a user without a handling role, and strips invisible characters from the reason', async () => {
    const before = await t.ds.getRepository(AccessGrant).count();
    const send = (body: Record<string, unknown>) => admin.agent.post('/api/v1/admin/grants').set('X-CSRF-Token', admin.csrfToken).send({ userId: officer.id, regionCode: '430423', reason: '测试理由', ...body });
    const feb30 = await send({ validFrom: '2026-02-30' }).expect(422);
    expect(feb30.body.error.fields).toEqual({ validFrom: '没有这一天：2026-02-30' });
    expect((await send({ validFrom: '2099-01-01', validUntil: '2099-13-01' }).expect(422)).body.error.fields.validUntil).toBeTruthy();
    expect((await send({ validFrom: '2099-04-31T00:00:00Z' }).expect(422)).body.error.fields.validFrom).toBeTruthy();
    const adminOnly = await createUser(t, { roles: ['admin'], scopeRegionCode: '430421000000' });
    expect((await send({ userId: adminOnly.user.id }).expect(422)).body.error.fields.userId).toMatch(/没有办理角色/);
    expect((await send({ reason: '\u202E\u200B\u200B' }).expect(422)).body.error.fields.reason).toBeTruthy();
    expect(await t.ds.getRepository(AccessGrant).count()).toBe(before);
    const ok = await send({ reason: '指定\u202E管辖\u200B', validFrom: '2099-02-28', validUntil: '2099-03-01' }).expect(201);
    expect(ok.body.grant.reason).toBe('指定管辖');
    await admin.agent.post(`/api/v1/admin/grants/${ok.body.grant.id}/revoke`).set('X-CSRF-Token', admin.csrfToken).send({ reason: '\u200B' }).expect(422);
  });

  it('refuses bad input with field messages, and is for administrators only (404 to others)', async () => {
    const bad = await admin.agent.post('/api/v1/admin/grants').set('X-CSRF-Token', admin.csrfToken).send({ userId: officer.id, regionCode: '999999', reason: '' }).expect(422);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['reason', 'regionCode']);
    await admin.agent.post('/api/v1/admin/grants').set('X-CSRF-Token', admin.csrfToken).send({ userId: officer.id, regionCode: '430423', reason: '测试理由', validFrom: '2026-02-01', validUntil: '2026-01-01' }).expect(422);
    await admin.agent.post('/api/v1/admin/grants').set('X-CSRF-Token', admin.csrfToken).send({ userId: 999999, regionCode: '430423', reason: '测试理由' }).expect(422);
    const s = await loginAs(t, officer.username, officer.password);
    await s.agent.get('/api/v1/admin/grants').expect(404);
    await s.agent.get('/staff/admin/grants').expect(404);
  });

  it('the administration page lists grants and grants through a CSRF-protected form', async () => {
    const page = await admin.agent.get('/staff/admin/grants').expect(200);
    expect(page.text).toContain('指定管辖');
    expect(page.text).toContain('案件已移交');
    const token = csrfFromHtml(page.text)!;
    await admin.agent.post('/staff/admin/grants').type('form').send({ userId: String(officer.id), regionCode: '430423000000', reason: '' }).expect(403);
    const invalid = await admin.agent.post('/staff/admin/grants').type('form').send({ _csrf: token, userId: String(officer.id), regionCode: '430423000000', reason: '' }).expect(422);
    expect(invalid.text).toContain('请填写指定管辖的理由');
    const done = await admin.agent.post('/staff/admin/grants').type('form').send({ _csrf: token, userId: String(officer.id), regionCode: '430423000000', reason: '页面授予' }).expect(303);
    expect(done.headers.location).toBe('/staff/admin/grants?done=created');
    const s = await loginAs(t, officer.username, officer.password);
    await s.agent.get(`/api/v1/intake/reports/${granted}`).expect(200);
  });

  it('a role change ends existing sessions on the next request', async () => {
    const s = await loginAs(t, officer.username, officer.password);
    await s.agent.get('/api/v1/intake/reports').expect(200);
    await admin.agent.put(`/api/v1/admin/users/${officer.id}/roles`).set('X-CSRF-Token', admin.csrfToken).send({ roles: ['intake_officer', 'leader'] }).expect(200);
    expect((await s.agent.get('/api/v1/intake/reports')).status).toBe(401);
    expect((await s.agent.get('/staff/intake')).status).toBe(303);
  });
});
