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
});
