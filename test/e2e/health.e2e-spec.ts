import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('answers liveness and readiness with a correlation id and security headers', async () => {
    const live = await request(t.server).get('/health/live').expect(200);
    expect(live.body).toEqual({ status: 'ok' });
    expect(live.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(live.headers['content-security-policy']).toContain("default-src 'self'");
    expect(live.headers['x-powered-by']).toBeUndefined();
    const ready = await request(t.server).get('/health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('reports not ready when the database is gone', async () => {
    const t2 = await createTestApp();
    await t2.ds.destroy();
    const res = await request(t2.server).get('/health/ready').expect(503);
    expect(res.body.status).toBe('unavailable');
    await t2.close().catch(() => undefined);
  });

  it('answers unknown API paths with a stable JSON error code and no stack', async () => {
    const res = await request(t.server).get('/api/v1/nope').expect(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});
