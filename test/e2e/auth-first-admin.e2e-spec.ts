import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { JsonLogger } from '../../src/common/logger.js';
import { User } from '../../src/users/entities/user.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs } from '../utils/login-as.js';

describe('first administrator on first start', () => {
  let t: TestApp;
  let printed = '';
  beforeAll(async () => {
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      printed += String(chunk);
      return true;
    });
    try {
      // Outside NODE_ENV=test the portal creates the first administrator at start-up.
      t = await createTestApp({ env: { NODE_ENV: 'development' } });
    } finally {
      spy.mockRestore();
    }
  });
  afterAll(async () => t?.close());

  it('creates admin with a one-time password printed once and kept in a 0600 file', async () => {
    const file = join(t.config.dataDir, 'initial-admin-password.txt');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = /密码 \/ password: (\S+)/.exec(readFileSync(file, 'utf8'))![1];
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(printed.split(password).length - 1).toBe(1);
    expect(printed).toContain('一次性密码 / one-time password');
    const admin = await t.ds.getRepository(User).findOneByOrFail({ username: 'admin' });
    expect(admin.roleList()).toEqual(['admin']);
    expect(admin).toMatchObject({ scopeRegionCode: t.config.rootOfficeRegion, scopeRegionLevel: 1, scopePrefix: '43', mustChangePassword: true, active: true });
    const [event] = await t.ds.getRepository(AuditEvent).findBy({ action: 'user.create', recordId: String(admin.id) });
    expect(event.actorKind).toBe('system');
    expect(event.details).not.toContain(password);
  });

  it('does not create another administrator or print again on the next start', async () => {
    let again = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      again += String(chunk);
      return true;
    });
    const second = await createApp(t.config, new JsonLogger('silent'));
    try {
      await second.init();
    } finally {
      spy.mockRestore();
      await second.close();
    }
    expect(again).not.toContain('one-time password');
    expect(await t.ds.getRepository(User).count()).toBe(1);
  });

  it('the password works once, must be changed, and the file is deleted when it is', async () => {
    const file = join(t.config.dataDir, 'initial-admin-password.txt');
    const password = /密码 \/ password: (\S+)/.exec(readFileSync(file, 'utf8'))![1];
    const s = await loginAs(t, 'admin', password);
    expect((await s.agent.get('/staff/admin').expect(303)).headers.location).toBe('/staff/password');
    const page = await s.agent.get('/staff/password').expect(200);
    await s.agent
      .post('/staff/password')
      .type('form')
      .send({ _csrf: csrfFromHtml(page.text), currentPassword: password, newPassword: 'the-admins-own-secret', confirmPassword: 'the-admins-own-secret' })
      .expect(303);
    expect(existsSync(file)).toBe(false);
    await s.agent.get('/staff/admin').expect(200);
    await expect(loginAs(t, 'admin', password)).rejects.toThrow(/401/);
    const fresh = await loginAs(t, 'admin', 'the-admins-own-secret');
    await fresh.agent.get('/staff/admin/users').expect(200);
    await request(t.server).get('/staff/admin').expect(303);
  });
});
