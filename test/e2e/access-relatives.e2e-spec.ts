/**
 * The user's own page /staff/relatives: register one's ID number and declare close relatives
 * (server-rendered, CSRF, no inline script), with the effect on recusal: a report naming a declared
 * relative leaves the user's inbox.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml } from '../utils/login-as.js';
import { ensureIntakeOffices, insertReport, staff } from '../factories/intake.js';

describe('/staff/relatives: own ID number and declared relatives', () => {
  let t: TestApp;
  let s: Awaited<ReturnType<typeof staff>>;
  let report: number;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    s = await staff(t, '430421000000');
    report = (await insertReport(t, { regionCode: '430421101200', subjects: [{ name: '赵关系', position: '村主任' }] })).id;
  });
  afterAll(async () => t?.close());

  it('renders in Chinese with CSRF-protected forms and no inline script', async () => {
    const page = await s.agent.get('/staff/relatives').expect(200);
    expect(page.text).toContain('本人及近亲属');
    expect(page.text).toContain('尚未登记');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.headers['content-security-policy'] ?? '').not.toContain("'unsafe-inline'");
    await s.agent.post('/staff/relatives/person').type('form').send({ name: '钱本人', idNumber: '430421196803120112' }).expect(403);
  });

  it('refuses a relative before one’s own number, and a bad number, with Chinese messages', async () => {
    const token = csrfFromHtml((await s.agent.get('/staff/relatives')).text)!;
    const early = await s.agent.post('/staff/relatives').type('form').send({ _csrf: token, name: '赵关系', type: 'sibling' }).expect(409);
    expect(early.text).toContain('请先登记本人的身份证号码');
    const bad = await s.agent.post('/staff/relatives/person').type('form').send({ _csrf: token, name: '钱本人', idNumber: '430421196803120113' }).expect(422);
    expect(bad.text).toMatch(/校验|身份证/);
  });

  it('registers the number (shown masked), declares a sibling, and the report naming him leaves the inbox', async () => {
    await s.agent.get(`/api/v1/intake/reports/${report}`).expect(200);
    const token = csrfFromHtml((await s.agent.get('/staff/relatives')).text)!;
    const linked = await s.agent.post('/staff/relatives/person').type('form').send({ _csrf: token, name: '钱本人', idNumber: '430421196803120112' }).expect(303);
    expect(linked.headers.location).toBe('/staff/relatives?done=person');
    const page = await s.agent.get('/staff/relatives?done=person').expect(200);
    expect(page.text).toContain('430421********0112');
    expect(page.text).not.toContain('430421196803120112');
    const declared = await s.agent.post('/staff/relatives').type('form').send({ _csrf: token, name: '赵关系', type: 'sibling' }).expect(303);
    expect(declared.headers.location).toBe('/staff/relatives?done=relative');
    const after = await s.agent.get('/staff/relatives').expect(200);
    expect(after.text).toContain('赵关系');
    expect(after.text).toContain('兄弟姐妹');
    await s.agent.get(`/api/v1/intake/reports/${report}`).expect(404);
    expect((await s.agent.get('/api/v1/intake/reports').query({ status: 'all' }).expect(200)).body.total).toBe(0);
  });
});
