import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { JsonLogger } from '../../src/common/logger.js';
import { SessionRecord } from '../../src/auth/entities/session.entity.js';
import { createUser } from '../factories/users.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs } from '../utils/login-as.js';
import { ensureScopeRegions, setCookies } from './auth-support.js';

describe('staff sessions and the global guard', () => {
  let t: TestApp;
  let admin: { agent: request.Agent; csrfToken: string; id: number };
  beforeAll(async () => {
    t = await createTestApp();
    await ensureScopeRegions(t);
    const a = await createUser(t, { roles: ['admin'], scopeRegionCode: '430000000000' });
    admin = { ...(await loginAs(t, a.user.username, a.password)), id: a.user.id };
  });
  afterAll(async () => t?.close());

  it('denies by default: a page redirects to the login page, the API answers 401 unauthenticated', async () => {
    const page = await request(t.server).get('/staff').expect(303);
    expect(page.headers.location).toBe('/staff/login?next=%2Fstaff');
    const api = await request(t.server).get('/api/v1/admin/users').expect(401);
    expect(api.body).toEqual({ error: { code: 'unauthenticated', message: '请先登录' } });
    // public routes stay open and give citizens no session
    const health = await request(t.server).get('/health/live').expect(200);
    expect(setCookies(health)).not.toContain('qf_sess');
  });

  it('stores sessions under an HMAC of the id, with the user and a rolling expiry', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const agent = request.agent(t.server);
    const token = csrfFromHtml((await agent.get('/staff/login')).text)!;
    const res = await agent.post('/staff/login').type('form').send({ _csrf: token, username: u.user.username, password: u.password }).expect(303);
    const sid = decodeURIComponent(/qf_sess=([^;]+)/.exec(setCookies(res))![1]).replace(/^s:/, '').split('.')[0];
    const rows = await t.ds.getRepository(SessionRecord).findBy({ userId: u.user.id });
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].id).not.toContain(sid);
    expect(rows[0].data).not.toContain(sid);
    const remaining = rows[0].expiresAt - Date.now();
    expect(remaining).toBeGreaterThan(29 * 60 * 1000);
    expect(remaining).toBeLessThanOrEqual(30 * 60 * 1000);
  });

  it('regenerates the session id at login (no fixation)', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const first = await loginAs(t, u.user.username, u.password);
    const before = (await t.ds.getRepository(SessionRecord).findBy({ userId: u.user.id })).map((r) => r.id);
    const token = csrfFromHtml((await first.agent.get('/staff/login').redirects(0)).text ?? '') ?? first.csrfToken;
    await first.agent.post('/staff/login').type('form').send({ _csrf: token, username: u.user.username, password: u.password }).expect(303);
    const after = (await t.ds.getRepository(SessionRecord).findBy({ userId: u.user.id })).map((r) => r.id);
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]);
  });

  it('ends a session after the idle timeout and after the absolute lifetime', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const idle = await loginAs(t, u.user.username, u.password);
    await t.ds.getRepository(SessionRecord).update({ userId: u.user.id }, { expiresAt: Date.now() - 1000 });
    expect((await idle.agent.get('/staff').expect(303)).headers.location).toMatch(/^\/staff\/login/);

    const old = await loginAs(t, u.user.username, u.password);
    const [row] = await t.ds.getRepository(SessionRecord).findBy({ userId: u.user.id });
    const data = JSON.parse(row.data);
    data.loginAt = Date.now() - 13 * 60 * 60 * 1000;
    await t.ds.getRepository(SessionRecord).update({ id: row.id }, { data: JSON.stringify(data) });
    expect((await old.agent.get('/staff').expect(303)).headers.location).toMatch(/^\/staff\/login/);
    expect(await t.ds.getRepository(SessionRecord).countBy({ userId: u.user.id })).toBe(0);
  });

  it('a user with a one-time password reaches only the change-password page until it is changed', async () => {
    const created = await admin.agent.post('/api/v1/admin/users').set('X-CSRF-Token', admin.csrfToken).send({ username: 'Li.Si', displayName: '李四', roles: ['intake_officer'], scopeRegionCode: '430421000000' }).expect(201);
    const otp: string = created.body.oneTimePassword;
    expect(otp.length).toBeGreaterThanOrEqual(16);
    const agent = request.agent(t.server);
    const token = csrfFromHtml((await agent.get('/staff/login')).text)!;
    const login = await agent.post('/staff/login').type('form').send({ _csrf: token, username: 'li.si', password: otp }).expect(303);
    expect(login.headers.location).toBe('/staff/password');
    expect((await agent.get('/staff').expect(303)).headers.location).toBe('/staff/password');
    const page = await agent.get('/staff/password').expect(200);
    expect(page.text).toContain('请先设置新密码');
    const csrf = csrfFromHtml(page.text)!;
    const apiRes = await agent.get('/api/v1/admin/users').expect(403);
    expect(apiRes.body.error.code).toBe('password_change_required');

    const wrong = await agent.post('/staff/password').type('form').send({ _csrf: csrf, currentPassword: 'not-it-at-all', newPassword: 'a-new-password-1', confirmPassword: 'a-new-password-1' }).expect(422);
    expect(wrong.text).toContain('当前密码不正确');
    const short = await agent.post('/staff/password').type('form').send({ _csrf: csrf, currentPassword: otp, newPassword: 'short', confirmPassword: 'short' }).expect(422);
    expect(short.text).toContain('密码至少需要 10 个字符');
    const same = await agent.post('/staff/password').type('form').send({ _csrf: csrf, currentPassword: otp, newPassword: 'LI.SI', confirmPassword: 'LI.SI' }).expect(422);
    expect(same.text).toMatch(/密码至少需要|不能与用户名相同/);
    const mismatch = await agent.post('/staff/password').type('form').send({ _csrf: csrf, currentPassword: otp, newPassword: 'a-new-password-1', confirmPassword: 'a-new-password-2' }).expect(422);
    expect(mismatch.text).toContain('两次输入的新密码不一致');

    const ok = await agent.post('/staff/password').type('form').send({ _csrf: csrf, currentPassword: otp, newPassword: '新的密码-good-1', confirmPassword: '新的密码-good-1' }).expect(303);
    expect(ok.headers.location).toBe('/staff?done=password');
    expect((await agent.get('/staff?done=password').expect(200)).text).toContain('密码已修改');
    await expect(loginAs(t, 'li.si', otp)).rejects.toThrow(/401/);
    await loginAs(t, 'li.si', '新的密码-good-1');
  });

  it('a password change ends the other sessions of the account on their very next request', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const a = await loginAs(t, u.user.username, u.password);
    const b = await loginAs(t, u.user.username, u.password);
    await b.agent.get('/staff').expect(200);
    const page = await a.agent.get('/staff/password').expect(200);
    await a.agent.post('/staff/password').type('form').send({ _csrf: csrfFromHtml(page.text), currentPassword: u.password, newPassword: 'changed-password-42', confirmPassword: 'changed-password-42' }).expect(303);
    expect((await b.agent.get('/staff').expect(303)).headers.location).toMatch(/^\/staff\/login/);
    await a.agent.get('/staff').expect(200);
  });

  it('deactivation ends the sessions at once and refuses later logins with the generic message', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const s = await loginAs(t, u.user.username, u.password);
    await s.agent.get('/staff').expect(200);
    await admin.agent.post(`/staff/admin/users/${u.user.id}/deactivate`).type('form').send({ _csrf: admin.csrfToken }).expect(303);
    expect((await s.agent.get('/staff').expect(303)).headers.location).toMatch(/^\/staff\/login/);
    const agent = request.agent(t.server);
    const token = csrfFromHtml((await agent.get('/staff/login')).text)!;
    const refused = await agent.post('/staff/login').type('form').send({ _csrf: token, username: u.user.username, password: u.password }).expect(401);
    expect(refused.text).toContain('用户名或密码不正确');
  });

  it('a role change ends the sessions; the new roles apply at the next login (missing role → 404)', async () => {
    const u = await createUser(t, { roles: ['admin'], scopeRegionCode: '430000000000' });
    const s = await loginAs(t, u.user.username, u.password);
    await s.agent.get('/staff/admin/users').expect(200);
    await admin.agent.put(`/api/v1/admin/users/${u.user.id}/roles`).set('X-CSRF-Token', admin.csrfToken).send({ roles: ['intake_officer'] }).expect(200);
    expect((await s.agent.get('/staff/admin/users').expect(303)).headers.location).toMatch(/^\/staff\/login/);
    const again = await loginAs(t, u.user.username, u.password);
    const page = await again.agent.get('/staff/admin/users').expect(404);
    expect(page.text).toContain('未找到');
    const api = await again.agent.get('/api/v1/admin/users').expect(404);
    expect(api.body.error.code).toBe('not_found');
    await again.agent.post('/api/v1/admin/users').set('X-CSRF-Token', again.csrfToken).send({ username: 'sneaky', roles: ['admin'], scopeRegionCode: '430000000000' }).expect(404);
  });

  it('the administrator reaches no report content (intake routes answer 404)', async () => {
    for (const path of ['/staff/intake', '/api/v1/intake/reports']) {
      const res = await admin.agent.get(path);
      expect(res.status).toBe(404);
    }
  });

  it('a second instance on the same database accepts the session cookie', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const agent = request.agent(t.server);
    const token = csrfFromHtml((await agent.get('/staff/login')).text)!;
    const res = await agent.post('/staff/login').type('form').send({ _csrf: token, username: u.user.username, password: u.password }).expect(303);
    const cookie = /qf_sess=[^;]+/.exec(setCookies(res))![0];
    const second = await createApp(t.config, new JsonLogger('silent'));
    await second.init();
    try {
      const home = await request(second.getHttpServer()).get('/staff').set('Cookie', cookie).expect(200);
      expect(home.text).toContain(u.user.displayName);
      // and a logout on the first instance ends it on the second
      const csrf = (await agent.get('/staff/csrf').expect(200)).body.token;
      await agent.post('/staff/logout').type('form').send({ _csrf: csrf }).expect(303);
      await request(second.getHttpServer()).get('/staff').set('Cookie', cookie).expect(303);
    } finally {
      await second.close();
    }
  });
});
