import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { createUser } from '../factories/users.js';
import { loginAs } from '../utils/login-as.js';

describe('CSRF', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('refuses a form post without a token with the Chinese page and code csrf_invalid', async () => {
    const res = await request(t.server).post('/followup').type('form').send({ receiptCode: '1234567812345678' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('页面已过期或请求无效');
  });

  it('refuses a session-authenticated API call without the X-CSRF-Token header with code csrf_invalid', async () => {
    await createUser(t, { username: 'csrf-officer', password: 'a-long-password-1', roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { agent, csrfToken } = await loginAs(t, 'csrf-officer', 'a-long-password-1');
    const res = await agent.post('/api/v1/intake/reports/1/accept').send({});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_invalid');
    const ok = await agent.post('/api/v1/intake/reports/999999/accept').set('X-CSRF-Token', csrfToken).send({});
    expect(ok.status).toBe(404);
  });

  it('refuses a multipart post without a token on a route that does not read multipart bodies (staff action, logout)', async () => {
    await createUser(t, { username: 'csrf-multipart', password: 'a-long-password-2', roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { agent } = await loginAs(t, 'csrf-multipart', 'a-long-password-2');
    // A cross-site form can send multipart/form-data; only handlers that parse it check its token.
    const accept = await agent.post('/staff/intake/reports/999999/accept').field('reason', 'x');
    expect(accept.status).toBe(403);
    expect(accept.text).toContain('页面已过期或请求无效');
    const api = await agent.post('/api/v1/intake/reports/999999/accept').field('reason', 'x');
    expect(api.status).toBe(403);
    expect(api.body.error.code).toBe('csrf_invalid');
    const logout = await agent.post('/staff/logout').field('x', '1');
    expect(logout.status).toBe(403);
    // Still signed in.
    const home = await agent.get('/staff');
    expect(home.status).toBe(200);
  });

  it('still takes a multipart form with its token on the routes that check it (the tip-off form)', async () => {
    const agent = request.agent(t.server);
    const page = await agent.get('/report');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const noToken = await agent.post('/report').field('action', 'refresh');
    expect(noToken.status).toBe(403);
    const ok = await agent.post('/report').field('_csrf', token).field('action', 'refresh');
    expect(ok.status).toBe(200);
  });
});
