import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { User } from '../../src/users/entities/user.entity.js';
import { createUser } from '../factories/users.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs } from '../utils/login-as.js';
import { ensureScopeRegions } from './auth-support.js';

/** The one-time password on the page that shows it once. */
function otpFrom(html: string): string {
  return /id="one-time-password">([^<]+)</.exec(html)![1];
}

describe('administration (role admin)', () => {
  let t: TestApp;
  let admin: { agent: request.Agent; csrfToken: string; id: number };
  beforeAll(async () => {
    t = await createTestApp();
    await ensureScopeRegions(t);
    const a = await createUser(t, { roles: ['admin'], scopeRegionCode: '430000000000', displayName: '管理员甲' });
    admin = { ...(await loginAs(t, a.user.username, a.password)), id: a.user.id };
  });
  afterAll(async () => t?.close());

  it('creates a user from the form and shows the one-time password once (no-store), which must be changed', async () => {
    await admin.agent.get('/staff/admin').expect(200);
    const form = await admin.agent.get('/staff/admin/users/new').expect(200);
    expect(form.text).toContain('信访举报受理');
    const res = await admin.agent
      .post('/staff/admin/users')
      .type('form')
      .send(`_csrf=${encodeURIComponent(admin.csrfToken)}&username=Zhao.Liu&displayName=${encodeURIComponent('<b>赵六</b>')}&roles=intake_officer&roles=leader&scopeRegionCode=430421100000`)
      .expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const otp = otpFrom(res.text);
    expect(otp.length).toBeGreaterThanOrEqual(16);
    const user = await t.ds.getRepository(User).findOneByOrFail({ username: 'zhao.liu' });
    expect(user.roleList()).toEqual(['intake_officer', 'leader']);
    expect(user).toMatchObject({ scopeRegionCode: '430421100000', scopeRegionLevel: 4, scopePrefix: '430421100', mustChangePassword: true });
    const list = await admin.agent.get('/staff/admin/users').expect(200);
    expect(list.text).toContain('&lt;b&gt;赵六&lt;/b&gt;');
    expect(list.text).not.toContain('<b>赵六</b>');
    expect(list.text).not.toContain(otp);
    const s = await loginAs(t, 'zhao.liu', otp);
    expect((await s.agent.get('/staff').expect(303)).headers.location).toBe('/staff/password');
    const [event] = await t.ds.getRepository(AuditEvent).findBy({ action: 'user.create', recordId: String(user.id) });
    expect(event.actorUserId).toBe(admin.id);
    expect(event.details).not.toContain(otp);
  });

  it('re-renders the create form with Chinese field messages and the typed values', async () => {
    const res = await admin.agent
      .post('/staff/admin/users')
      .type('form')
      .send({ _csrf: admin.csrfToken, username: 'ab', displayName: '测试', scopeRegionCode: '439999000000' })
      .expect(422);
    expect(res.text).toContain('用户名须为 3–32 位');
    expect(res.text).toContain('请至少选择一个角色');
    expect(res.text).toContain('没有这个区划代码');
    expect(res.text).toContain('value="439999000000"');
    const taken = await admin.agent.post('/staff/admin/users').type('form').send({ _csrf: admin.csrfToken, username: 'ZHAO.LIU', roles: 'intake_officer', scopeRegionCode: '430421000000' }).expect(422);
    expect(taken.text).toContain('该用户名已被使用');
  });

  it('edits roles and scope, refuses to lock the administrator out, deactivates and reactivates', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    await admin.agent.post(`/staff/admin/users/${u.user.id}/roles`).type('form').send(`_csrf=${encodeURIComponent(admin.csrfToken)}&roles=intake_officer&roles=case_handler`).expect(303);
    const bad = await admin.agent.post(`/staff/admin/users/${u.user.id}/scope`).type('form').send({ _csrf: admin.csrfToken, scopeRegionCode: '12345' }).expect(422);
    expect(bad.text).toContain('区划代码须为 2、4、6、9 或 12 位数字');
    const ok = await admin.agent.post(`/staff/admin/users/${u.user.id}/scope`).type('form').send({ _csrf: admin.csrfToken, scopeRegionCode: '430400000000' }).expect(303);
    expect(ok.headers.location).toBe(`/staff/admin/users/${u.user.id}?done=scope`);
    expect((await admin.agent.get(ok.headers.location).expect(200)).text).toContain('管辖范围已更新');
    const after = await t.ds.getRepository(User).findOneByOrFail({ id: u.user.id });
    expect(after.roleList()).toEqual(['intake_officer', 'case_handler']);
    expect(after).toMatchObject({ scopeRegionCode: '430400000000', scopeRegionLevel: 2, scopePrefix: '4304' });
    expect(after.sessionVersion).toBe(u.user.sessionVersion + 2);

    const self = await admin.agent.post(`/staff/admin/users/${admin.id}/deactivate`).type('form').send({ _csrf: admin.csrfToken }).expect(409);
    expect(self.text).toContain('不能停用自己的账号');
    await admin.agent.post(`/staff/admin/users/${admin.id}/roles`).type('form').send({ _csrf: admin.csrfToken, roles: 'intake_officer' }).expect(409);
    await admin.agent.get('/staff/admin/users').expect(200);

    await admin.agent.post(`/staff/admin/users/${u.user.id}/deactivate`).type('form').send({ _csrf: admin.csrfToken }).expect(303);
    await expect(loginAs(t, u.user.username, u.password)).rejects.toThrow(/401/);
    await admin.agent.post(`/staff/admin/users/${u.user.id}/activate`).type('form').send({ _csrf: admin.csrfToken }).expect(303);
    await loginAs(t, u.user.username, u.password);
    const actions = (await t.ds.getRepository(AuditEvent).findBy({ recordType: 'user', recordId: String(u.user.id) })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.roles_changed', 'user.scope_changed', 'user.deactivated', 'user.activated']));
  });

  it('resets a password: a new one-time password, the old password stops working', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const res = await admin.agent.post(`/staff/admin/users/${u.user.id}/reset-password`).type('form').send({ _csrf: admin.csrfToken }).expect(200);
    const otp = otpFrom(res.text);
    await expect(loginAs(t, u.user.username, u.password)).rejects.toThrow(/401/);
    const s = await loginAs(t, u.user.username, otp);
    expect((await s.agent.get('/staff').expect(303)).headers.location).toBe('/staff/password');
    const [event] = await t.ds.getRepository(AuditEvent).findBy({ action: 'user.password_reset', recordId: String(u.user.id) });
    expect(event.details ?? '').not.toContain(otp);
  });

  it('offers the same through /api/v1/admin/users, without password hashes, refusing unknown fields', async () => {
    const list = await admin.agent.get('/api/v1/admin/users').expect(200);
    expect(list.body.users.length).toBeGreaterThan(0);
    expect(JSON.stringify(list.body)).not.toMatch(/passwordHash|argon2|sessionVersion/);
    const unknown = await admin.agent.post('/api/v1/admin/users').set('X-CSRF-Token', admin.csrfToken).send({ username: 'api.user', roles: ['intake_officer'], scopeRegionCode: '430421000000', isRoot: true }).expect(422);
    expect(unknown.body.error).toMatchObject({ code: 'validation_failed', fields: { isRoot: '不允许的字段' } });
    const badRole = await admin.agent.post('/api/v1/admin/users').set('X-CSRF-Token', admin.csrfToken).send({ username: 'api.user', roles: ['superuser'], scopeRegionCode: '430421000000' }).expect(422);
    expect(badRole.body.error.fields.roles).toContain('未知的角色');
    const noCsrf = await admin.agent.post('/api/v1/admin/users').send({ username: 'api.user', roles: ['intake_officer'], scopeRegionCode: '430421000000' }).expect(403);
    expect(noCsrf.body.error.code).toBe('csrf_invalid');
    const created = await admin.agent.post('/api/v1/admin/users').set('X-CSRF-Token', admin.csrfToken).send({ username: 'api.user', roles: ['intake_officer'], scopeRegionCode: '430421' }).expect(201);
    expect(created.body.user).toMatchObject({ username: 'api.user', roles: ['intake_officer'], scopeRegionCode: '430421000000', scopePrefix: '430421', mustChangePassword: true, active: true });
    const id = created.body.user.id;
    await admin.agent.put(`/api/v1/admin/users/${id}/scope`).set('X-CSRF-Token', admin.csrfToken).send({ scopeRegionCode: '430422000000' }).expect(200);
    const reset = await admin.agent.post(`/api/v1/admin/users/${id}/reset-password`).set('X-CSRF-Token', admin.csrfToken).expect(200);
    expect(reset.body.oneTimePassword).not.toBe(created.body.oneTimePassword);
    await admin.agent.post(`/api/v1/admin/users/${id}/deactivate`).set('X-CSRF-Token', admin.csrfToken).expect(200);
    expect((await admin.agent.get(`/api/v1/admin/users/${id}`).expect(200)).body.user).toMatchObject({ active: false, scopeRegionCode: '430422000000' });
    await admin.agent.get('/api/v1/admin/users/999999').expect(404);
    await admin.agent.get('/api/v1/admin/users/abc').expect(404);
  });

  it('creates offices (page and API) and refuses a second office for a region', async () => {
    const page = await admin.agent.post('/staff/admin/offices').type('form').send({ _csrf: admin.csrfToken, regionCode: '430421000000', name: '' }).expect(303);
    expect(page.headers.location).toBe('/staff/admin/offices?done=created');
    const shown = await admin.agent.get(page.headers.location).expect(200);
    expect(shown.text).toContain('430421000000');
    const dup = await admin.agent.post('/staff/admin/offices').type('form').send({ _csrf: admin.csrfToken, regionCode: '430421000000' }).expect(409);
    expect(dup.text).toContain('该区划已设有纪委监委');
    const api = await admin.agent.post('/api/v1/admin/offices').set('X-CSRF-Token', admin.csrfToken).send({ regionCode: '430422000000', name: '衡南县纪委监委' }).expect(201);
    expect(api.body.office).toMatchObject({ regionCode: '430422000000', regionLevel: 3, name: '衡南县纪委监委' });
    const list = await admin.agent.get('/api/v1/admin/offices').expect(200);
    expect(list.body.offices.map((o: { regionCode: string }) => o.regionCode)).toEqual(expect.arrayContaining(['430421000000', '430422000000']));
  });

  it('loads a year of the official holiday calendar from pasted dates', async () => {
    const before = await admin.agent.get('/staff/admin/calendar').expect(200);
    expect(before.text).toContain('已有法定节假日安排的年份');
    const bad = await admin.agent.post('/staff/admin/calendar').type('form').send({ _csrf: admin.csrfToken, year: '2031', holidays: '2030-01-01', workdays: '' }).expect(422);
    expect(bad.text).toContain('节假日安排有误');
    expect(bad.text).toContain('2030-01-01');
    const ok = await admin.agent
      .post('/staff/admin/calendar')
      .type('form')
      .send({ _csrf: admin.csrfToken, year: '2031', holidays: '2031-01-01\n2031-10-01, 2031-10-02 2031-10-03', workdays: '2031-09-28' })
      .expect(303);
    expect(ok.headers.location).toBe('/staff/admin/calendar?done=2031');
    const after = await admin.agent.get(ok.headers.location).expect(200);
    expect(after.text).toContain('2031 年：放假 4 天，调休上班 1 天');
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'calendar.schedule_loaded', recordId: '2031', actorUserId: admin.id })).toBe(1);
  });

  it('answers 404 on every administration route to a user without the admin role', async () => {
    const u = await createUser(t, { roles: ['intake_officer', 'leader', 'auditor'], scopeRegionCode: '430000000000' });
    const s = await loginAs(t, u.user.username, u.password);
    for (const path of ['/staff/admin', '/staff/admin/users', '/staff/admin/users/new', `/staff/admin/users/${admin.id}`, '/staff/admin/offices', '/staff/admin/calendar']) {
      const res = await s.agent.get(path);
      expect([path, res.status]).toEqual([path, 404]);
    }
    await s.agent.post(`/staff/admin/users/${admin.id}/reset-password`).type('form').send({ _csrf: s.csrfToken }).expect(404);
    await s.agent.get('/api/v1/admin/offices').expect(404);
    expect((await s.agent.get('/staff').expect(200)).text).not.toContain('/staff/admin');
  });
});
