import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generate } from 'otplib';
import request from 'supertest';
import { loadConfig } from '../../src/config/app-config.js';
import { UsersService } from '../../src/users/users.service.js';
import { enrolTotp } from '../factories/totp.js';
import { createUser } from '../factories/users.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs, loginWithTotp, nextTotpCode } from '../utils/login-as.js';
import { ensureScopeRegions } from './auth-support.js';

interface Route {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
}

/** Every route the running app serves (read from the Express router, so routes added later are covered too), `:params` filled with 1. */
function allRoutes(t: TestApp): Route[] {
  const app = t.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } };
  const routes: Route[] = [];
  for (const layer of app.router.stack) {
    if (!layer.route || typeof layer.route.path !== 'string') continue;
    for (const method of Object.keys(layer.route.methods)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) routes.push({ method: method as Route['method'], path: layer.route.path.replace(/:[A-Za-z]+/g, '1') });
    }
  }
  return routes;
}

function send(agent: request.Agent, r: Route, csrf: string) {
  const req = agent[r.method](r.path).redirects(0).set('X-CSRF-Token', csrf);
  return r.method === 'get' ? req : req.type('form').send({ _csrf: csrf });
}

const key = (r: Route) => `${r.method.toUpperCase()} ${r.path}`;

/** Public sign-in routes whose own answers to a stranger look like the guard's redirect to the login page. */
const PUBLIC_SIGN_IN = new Set(['GET /staff/login', 'POST /staff/login', 'GET /staff/login/totp', 'POST /staff/login/totp', 'POST /staff/login/totp/cancel']);

/** Whether the guard refused an anonymous request: the API answers 401 `unauthenticated`, pages redirect to the login page. */
function refusedAsAnonymous(r: Route, res: request.Response): boolean {
  if (PUBLIC_SIGN_IN.has(key(r))) return false;
  if (r.path.startsWith('/api/')) return res.status === 401 && res.body?.error?.code === 'unauthenticated';
  return res.status === 303 && String(res.headers.location).startsWith('/staff/login');
}

describe('REQUIRE_TOTP setting', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qf-totp-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is on by default in production and off otherwise; 1/0 override either way', () => {
    const secret = Buffer.alloc(32, 7).toString('base64');
    const production = {
      NODE_ENV: 'production',
      DATA_DIR: dir,
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
      ROOT_OFFICE_REGION: '430400000000',
      SESSION_SECRET: 'x'.repeat(40),
      ENCRYPTION_KEY: secret,
      RECEIPT_HMAC_KEY: secret,
      ID_HMAC_KEY: secret,
      CLIENT_HASH_KEY: secret,
    };
    expect(loadConfig(production).requireTotp).toBe(true);
    expect(loadConfig({ ...production, REQUIRE_TOTP: '0' }).requireTotp).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir }).requireTotp).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: dir }).requireTotp).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, REQUIRE_TOTP: '1' }).requireTotp).toBe(true);
  });
});

describe('second-factor gates', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { REQUIRE_TOTP: '1' }, overrides: { trustProxy: 1 } });
    await ensureScopeRegions(t);
  });
  afterAll(async () => t?.close());

  it('a half-login reaches nothing but the second step: every other route answers as to an anonymous visitor, or refuses', async () => {
    const u = await createUser(t, { roles: ['admin', 'intake_officer', 'auditor', 'registry_clerk'], scopeRegionCode: '430000000000' });
    const { secret } = await enrolTotp(t, u.user);
    const half = request.agent(t.server);
    const halfCsrf = csrfFromHtml((await half.get('/staff/login').set('X-Forwarded-For', '192.0.2.100').expect(200)).text)!;
    const pw = await half.post('/staff/login').set('X-Forwarded-For', '192.0.2.100').type('form').send({ _csrf: halfCsrf, username: u.user.username, password: u.password }).expect(303);
    expect(pw.headers.location).toBe('/staff/login/totp');
    const anon = request.agent(t.server);
    const anonCsrf = csrfFromHtml((await anon.get('/staff/login').set('X-Forwarded-For', '192.0.2.101').expect(200)).text)!;

    const allowed = new Set(['GET /staff/login/totp', 'POST /staff/login/totp', 'POST /staff/login/totp/cancel']);
    const routes = allRoutes(t).filter((r) => !allowed.has(key(r)));
    expect(routes.length).toBeGreaterThan(20);
    const staffRoutes = routes.filter((r) => r.path.startsWith('/staff') || r.path.startsWith('/api/v1/admin') || r.path.startsWith('/api/v1/intake'));
    expect(staffRoutes.map(key)).toEqual(expect.arrayContaining(['GET /staff', 'GET /staff/security', 'POST /staff/security/totp/setup', 'POST /staff/logout', 'GET /staff/csrf', 'GET /api/v1/admin/users']));

    const problems: string[] = [];
    let refused = 0;
    for (const r of routes) {
      const a = await send(anon, r, anonCsrf).set('X-Forwarded-For', '192.0.2.101');
      const h = await send(half, r, halfCsrf).set('X-Forwarded-For', '192.0.2.100');
      const anonRefused = refusedAsAnonymous(r, a);
      if (anonRefused) {
        // not public: the half-login is refused the same way (pages: to the second step; API: 401)
        const ok = r.path.startsWith('/api/') ? h.status === 401 && h.body?.error?.code === 'unauthenticated' : h.status === 303 && h.headers.location === '/staff/login/totp';
        if (ok) refused++;
        else problems.push(`${key(r)}: half-login got ${h.status} ${h.headers.location ?? ''}`);
      } else if (h.status !== a.status) {
        // public: the half-login must not change the answer
        problems.push(`${key(r)}: half-login got ${h.status}, anonymous ${a.status}`);
      }
    }
    expect(problems).toEqual([]);
    expect(refused).toBeGreaterThan(20);

    // the half-login was not used up by the sweep: the code still completes it
    const done = await half.post('/staff/login/totp').set('X-Forwarded-For', '192.0.2.100').type('form').send({ _csrf: halfCsrf, code: await nextTotpCode(t, u.user.id, secret) }).expect(303);
    expect(done.headers.location).toBe('/staff');
    await half.get('/staff/admin/users').expect(200);
  });

  it('with REQUIRE_TOTP on, a user without a second factor reaches only enrolment, logout and the CSRF token', async () => {
    expect(t.config.requireTotp).toBe(true);
    const u = await createUser(t, { roles: ['admin', 'intake_officer', 'auditor', 'registry_clerk'], scopeRegionCode: '430000000000' });
    const s = await loginAs(t, u.user.username, u.password);
    const otherDevice = await loginAs(t, u.user.username, u.password);

    const allowed = new Set(['GET /staff/security', 'POST /staff/security/totp/setup', 'POST /staff/security/totp/activate', 'POST /staff/logout', 'GET /staff/csrf']);
    const anon = request.agent(t.server);
    const anonCsrf = csrfFromHtml((await anon.get('/staff/login').expect(200)).text)!;
    const problems: string[] = [];
    let gated = 0;
    for (const r of allRoutes(t).filter((x) => !allowed.has(key(x)))) {
      const a = await send(anon, r, anonCsrf);
      const anonRefused = refusedAsAnonymous(r, a);
      if (!anonRefused) continue; // public routes are open to anyone
      const res = await send(s.agent, r, s.csrfToken);
      const ok = r.path.startsWith('/api/') ? res.status === 403 && res.body?.error?.code === 'totp_enrolment_required' : res.status === 303 && res.headers.location === '/staff/security';
      if (ok) gated++;
      else problems.push(`${key(r)}: got ${res.status} ${res.headers.location ?? ''}`);
    }
    expect(problems).toEqual([]);
    expect(gated).toBeGreaterThan(20);
    const page = await s.agent.get('/staff/security').expect(200);
    expect(page.text).toContain('必须先启用两步验证');
    await s.agent.get('/staff/csrf').expect(200);

    // enrolment through the page lifts the gate for this session; the other device's session ends
    await s.agent.post('/staff/security/totp/setup').type('form').send({ _csrf: s.csrfToken }).expect(303);
    const secret = /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec((await s.agent.get('/staff/security').expect(200)).text)![1].replace(/ /g, '');
    await s.agent.post('/staff/security/totp/activate').type('form').send({ _csrf: s.csrfToken, code: await generate({ secret }) }).expect(200);
    await s.agent.get('/staff').expect(200);
    await s.agent.get('/api/v1/admin/users').expect(200);
    expect((await s.agent.get('/staff/security').expect(200)).text).not.toContain('必须先启用两步验证');
    expect((await otherDevice.agent.get('/staff').expect(303)).headers.location).toMatch(/^\/staff\/login/);

    // the next sign-in needs the code and is not confined
    const next = await loginWithTotp(t, u.user.username, u.password, secret);
    await next.agent.get('/staff/admin').expect(200);
  });

  it('disabling the second factor while it is required confines the session again', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret, recoveryCodes } = await enrolTotp(t, u.user);
    const s = await loginWithTotp(t, u.user.username, u.password, secret);
    await s.agent.get('/staff/intake').expect(200);
    await s.agent.post('/staff/security/totp/disable').type('form').send({ _csrf: s.csrfToken, password: u.password, code: recoveryCodes[0] }).expect(303);
    expect((await s.agent.get('/staff/intake').expect(303)).headers.location).toBe('/staff/security');
    expect((await s.agent.get('/api/v1/intake/reports').expect(403)).body.error.code).toBe('totp_enrolment_required');
  });

  it('a user who must change the password does that first, then enrols (no redirect loop)', async () => {
    const { user, password } = await t.app.get(UsersService).create({ username: `otp-${Date.now() % 100000}`, roles: ['intake_officer'], scopeRegionCode: '430421000000' }, { userId: null, kind: 'system' });
    const agent = request.agent(t.server);
    const csrf = csrfFromHtml((await agent.get('/staff/login').expect(200)).text)!;
    expect((await agent.post('/staff/login').type('form').send({ _csrf: csrf, username: user.username, password }).expect(303)).headers.location).toBe('/staff/password');
    expect((await agent.get('/staff').expect(303)).headers.location).toBe('/staff/password');
    await agent.get('/staff/password').expect(200);
    await agent.post('/staff/password').type('form').send({ _csrf: csrf, currentPassword: password, newPassword: 'a-brand-new-pass-9', confirmPassword: 'a-brand-new-pass-9' }).expect(303);
    expect((await agent.get('/staff').expect(303)).headers.location).toBe('/staff/security');
    await agent.get('/staff/security').expect(200);
  });

  it('a password change keeps a two-factor session two-factor', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret } = await enrolTotp(t, u.user);
    const s = await loginWithTotp(t, u.user.username, u.password, secret);
    await s.agent.post('/staff/password').type('form').send({ _csrf: s.csrfToken, currentPassword: u.password, newPassword: 'changed-pass-word-7', confirmPassword: 'changed-pass-word-7' }).expect(303);
    await s.agent.get('/staff/intake').expect(200);
  });
});
