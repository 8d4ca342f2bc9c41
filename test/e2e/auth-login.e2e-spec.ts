import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { createUser } from '../factories/users.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs } from '../utils/login-as.js';
import { ensureScopeRegions, setCookies } from './auth-support.js';

describe('staff login', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ overrides: { trustProxy: 1 } });
    await ensureScopeRegions(t);
  });
  afterAll(async () => t?.close());

  async function loginForm(ip = '203.0.113.1') {
    const agent = request.agent(t.server);
    const page = await agent.get('/staff/login').set('X-Forwarded-For', ip).expect(200);
    return { agent, token: csrfFromHtml(page.text)!, page };
  }

  it('renders a neutral zh-CN login page with a CSRF field', async () => {
    const { page, token } = await loginForm();
    expect(page.text).toContain('<title>登录</title>');
    expect(token).toBeTruthy();
    expect(setCookies(page)).not.toContain('qf_sess');
  });

  it('signs in with the right password: session cookie flags, audit row, staff home', async () => {
    const { user, password } = await createUser(t, { username: 'Zhang.San', roles: ['intake_officer'], scopeRegionCode: '430421000000', displayName: '张三' });
    expect(user.username).toBe('zhang.san');
    expect(user.scopePrefix).toBe('430421');
    const { agent, token } = await loginForm();
    const res = await agent.post('/staff/login').set('X-Forwarded-For', '203.0.113.1').type('form').send({ _csrf: token, username: 'ZHANG.SAN', password }).expect(303);
    expect(res.headers.location).toBe('/staff');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('qf_sess='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // config.secureCookies is off in tests
    const home = await agent.get('/staff').expect(200);
    expect(home.text).toContain('工作台');
    expect(home.text).toContain('/staff/intake');
    expect(home.text).not.toContain('/staff/admin');
    expect(home.headers['cache-control']).toBe('no-store');
    const events = await t.ds.getRepository(AuditEvent).findBy({ action: 'auth.login', recordId: String(user.id) });
    expect(events).toHaveLength(1);
    expect(events[0].actorUserId).toBe(user.id);
    expect(JSON.stringify(events[0])).not.toContain(password);
  });

  it('refuses a wrong password with a generic Chinese message and audits it without the password', async () => {
    const { user } = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { agent, token } = await loginForm('203.0.113.2');
    const res = await agent.post('/staff/login').set('X-Forwarded-For', '203.0.113.2').type('form').send({ _csrf: token, username: user.username, password: 'wrong-password-123' }).expect(401);
    expect(res.text).toContain('用户名或密码不正确');
    expect(res.text).toContain(`value="${user.username}"`);
    expect(setCookies(res)).not.toContain('qf_sess');
    const unknown = await agent.post('/staff/login').set('X-Forwarded-For', '203.0.113.2').type('form').send({ _csrf: token, username: 'nobody-here', password: 'wrong-password-123' }).expect(401);
    expect(unknown.text).toContain('用户名或密码不正确');
    const failed = await t.ds.getRepository(AuditEvent).findBy({ action: 'auth.login_failed' });
    const mine = failed.find((e) => e.recordId === String(user.id))!;
    expect(JSON.parse(mine.details!)).toEqual({ reason: 'bad_password' });
    const anon = failed.find((e) => e.recordId === 'unknown')!;
    expect(JSON.parse(anon.details!)).toEqual({ reason: 'unknown_user', usernameHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    for (const e of failed) {
      expect(e.details).not.toContain('wrong-password-123');
      expect(e.details).not.toContain('nobody-here');
      expect(e.details).not.toContain('203.0.113');
    }
  });

  it('refuses the login form without a CSRF token with the Chinese error page (403)', async () => {
    const { user, password } = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { agent } = await loginForm();
    const res = await agent.post('/staff/login').type('form').send({ username: user.username, password }).expect(403);
    expect(res.text).toMatch(/页面已过期或请求无效|请求被拒绝，请刷新页面后重试/);
    expect(setCookies(res)).not.toContain('qf_sess');
  });

  it('locks one account after 5 failures in 15 minutes while other accounts still sign in', async () => {
    const victim = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const other = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    for (let i = 0; i < 5; i++) {
      // a different client each time: the account counter alone locks
      const { agent, token } = await loginForm(`198.51.100.${i + 1}`);
      await agent.post('/staff/login').set('X-Forwarded-For', `198.51.100.${i + 1}`).type('form').send({ _csrf: token, username: victim.user.username, password: 'not-the-password' }).expect(401);
    }
    const { agent, token } = await loginForm('198.51.100.50');
    const locked = await agent.post('/staff/login').set('X-Forwarded-For', '198.51.100.50').type('form').send({ _csrf: token, username: victim.user.username, password: victim.password }).expect(429);
    expect(locked.text).toContain('登录失败次数过多，请稍后再试');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(setCookies(locked)).not.toContain('qf_sess');
    await loginAs(t, other.user.username, other.password);
    const lockedEvents = (await t.ds.getRepository(AuditEvent).findBy({ action: 'auth.login_failed', recordId: String(victim.user.id) })).filter((e) => e.details?.includes('locked'));
    expect(lockedEvents).toHaveLength(1);
  });

  it('locks one client after 20 failures while another client signs in to the same account', async () => {
    const target = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const names = Array.from({ length: 5 }, (_, i) => `probe-${i}`);
    const { agent, token } = await loginForm('192.0.2.7');
    for (let i = 0; i < 20; i++) {
      await agent.post('/staff/login').set('X-Forwarded-For', '192.0.2.7').type('form').send({ _csrf: token, username: names[i % 5], password: 'guess-guess-guess' }).expect(401);
    }
    await agent.post('/staff/login').set('X-Forwarded-For', '192.0.2.7').type('form').send({ _csrf: token, username: target.user.username, password: target.password }).expect(429);
    const other = await loginForm('192.0.2.8');
    const ok = await other.agent.post('/staff/login').set('X-Forwarded-For', '192.0.2.8').type('form').send({ _csrf: other.token, username: target.user.username, password: target.password }).expect(303);
    expect(ok.headers.location).toBe('/staff');
  });

  it('logs out: the session row is gone and the old cookie no longer works', async () => {
    const { user, password } = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { agent, csrfToken } = await loginAs(t, user.username, password);
    await agent.get('/staff').expect(200);
    const res = await agent.post('/staff/logout').type('form').send({ _csrf: csrfToken }).expect(303);
    expect(res.headers.location).toBe('/staff/login');
    const after = await agent.get('/staff').expect(303);
    expect(after.headers.location).toBe('/staff/login?next=%2Fstaff');
    expect(await t.ds.query('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?', [user.id])).toEqual([{ n: expect.anything() }]);
    const [{ n }] = await t.ds.query('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?', [user.id]);
    expect(Number(n)).toBe(0);
    expect((await t.ds.getRepository(AuditEvent).findBy({ action: 'auth.logout', recordId: String(user.id) })).length).toBe(1);
  });
});
