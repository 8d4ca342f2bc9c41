import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { AuditService } from '../../src/audit/audit.service.js';
import { createUser } from '../factories/users.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs } from '../utils/login-as.js';

const HOSTILE = '<script>alert("审计")</script>&"\'';
const SCOPE = '430421000000';

/** Ids of the event cards of a rendered list page, in page order. */
function idsOnPage(html: string): number[] {
  return [...html.matchAll(/<h2>#(\d+) /g)].map((m) => Number(m[1]));
}

function shanghaiDay(offsetDays = 0): string {
  return new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

describe('auditor pages and JSON API', () => {
  let t: TestApp;
  let auditor: { agent: request.Agent; csrfToken: string };
  let admin: { agent: request.Agent; csrfToken: string };
  let officer: { agent: request.Agent; csrfToken: string };
  let auditorId: number;
  let officerId: number;
  let total: number;
  const count = async () => Number((await t.ds.query('SELECT COUNT(*) AS n FROM audit_events'))[0].n);

  beforeAll(async () => {
    t = await createTestApp();
    const a = await createUser(t, { roles: ['auditor'], scopeRegionCode: SCOPE });
    const ad = await createUser(t, { roles: ['admin'], scopeRegionCode: SCOPE });
    const o = await createUser(t, { roles: ['intake_officer', 'leader', 'case_handler'], scopeRegionCode: SCOPE });
    auditorId = a.user.id;
    officerId = o.user.id;
    // 60 more events of three kinds, one by a known actor, with hostile text in reason and details.
    const audit = t.app.get(AuditService);
    for (let i = 1; i <= 60; i++) {
      await t.ds.transaction((m) =>
        audit.record(m, {
          actorUserId: i % 3 === 0 ? o.user.id : null,
          actorKind: i % 3 === 0 ? 'user' : 'system',
          action: i % 2 === 0 ? 'test.even' : 'test.odd',
          recordType: 'report',
          recordId: String(1000 + (i % 5)),
          reason: i === 7 ? HOSTILE : null,
          details: i === 8 ? { note: HOSTILE } : { i },
        }),
      );
    }
    auditor = await loginAs(t, a.user.username, a.password);
    admin = await loginAs(t, ad.user.username, ad.password);
    officer = await loginAs(t, o.user.username, o.password);
    total = await count(); // logins are audited too
  }, 120_000);

  afterAll(async () => t?.close());

  it('links the audit pages from the staff home of auditors, and only theirs', async () => {
    const home = await auditor.agent.get('/staff').expect(200);
    expect(home.text).toContain('href="/staff/audit"');
    expect(home.text).not.toContain('暂无可用的业务功能');
    expect((await officer.agent.get('/staff').expect(200)).text).not.toContain('href="/staff/audit"');
  });

  it('nobody but an auditor gets in: admin and officers see 404, anonymous callers 401 / the login page', async () => {
    for (const who of [admin, officer]) {
      expect((await who.agent.get('/staff/audit')).status).toBe(404);
      expect((await who.agent.get('/api/v1/audit/events')).status).toBe(404);
      const v = await who.agent.post('/api/v1/audit/verify').set('X-CSRF-Token', who.csrfToken);
      expect([v.status, v.body.error?.code]).toEqual([404, 'not_found']);
      expect((await who.agent.post('/staff/audit/verify').type('form').send({ _csrf: who.csrfToken })).status).toBe(404);
    }
    expect((await request(t.server).get('/api/v1/audit/events')).status).toBe(401);
    const page = await request(t.server).get('/staff/audit');
    expect([page.status, page.headers.location]).toEqual([303, '/staff/login?next=%2Fstaff%2Faudit']);
  });

  it('lists events newest first, 50 a page, with a link to older ones; values escaped; not cached', async () => {
    const res = await auditor.agent.get('/staff/audit');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toContain('no-store');
    const ids = idsOnPage(res.text);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => total - i));
    // Handlebars escapes '=' in attributes too (&#x3D;), which browsers decode.
    const next = /href="(\/staff\/audit\?[^"]*before&#x3D;(\d+))"/.exec(res.text)!;
    expect(Number(next[2])).toBe(total - 49);
    const older = await auditor.agent.get(next[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'));
    expect(idsOnPage(older.text)).toEqual(Array.from({ length: total - 50 }, (_, i) => total - 50 - i));
    expect(older.text).not.toContain('更早的事件');

    const hostile = await auditor.agent.get('/staff/audit?action=test.odd');
    expect(hostile.text).not.toContain('<script>alert');
    expect(hostile.text).toContain('&lt;script&gt;alert(&quot;审计&quot;)&lt;/script&gt;&amp;&quot;&#x27;');
    const details = await auditor.agent.get('/staff/audit?action=test.even');
    expect(details.text).not.toContain('<script>alert');
    expect(details.text).toContain('&lt;script&gt;');
  });

  it('filters by action, record type and id, actor and Asia/Shanghai dates (page and API agree)', async () => {
    const byAction = await auditor.agent.get('/staff/audit?action=test.even');
    const evenIds = idsOnPage(byAction.text);
    expect(evenIds).toHaveLength(30);
    const api = await auditor.agent.get('/api/v1/audit/events').query({ action: 'test.even', limit: 200 });
    expect(api.status).toBe(200);
    expect(api.body.events.map((e: { id: number }) => e.id)).toEqual(evenIds);
    expect(api.body.events.every((e: { action: string }) => e.action === 'test.even')).toBe(true);
    expect(api.body.nextBefore).toBeNull();

    const rec = await auditor.agent.get('/api/v1/audit/events').query({ recordType: 'report', recordId: '1002', limit: 200 });
    expect(rec.body.events).toHaveLength(12);
    expect(rec.body.events.every((e: { recordType: string; recordId: string }) => e.recordType === 'report' && e.recordId === '1002')).toBe(true);
    expect(idsOnPage((await auditor.agent.get('/staff/audit?recordType=report&recordId=1002')).text)).toEqual(rec.body.events.map((e: { id: number }) => e.id));

    const officerEvents = await auditor.agent.get('/api/v1/audit/events').query({ actorUserId: officerId, limit: 200 });
    // 20 test events and the officer's own login.
    expect(officerEvents.body.events).toHaveLength(21);
    expect(officerEvents.body.events.every((e: { actorUserId: number }) => e.actorUserId === officerId)).toBe(true);
    const reports = officerEvents.body.events.filter((e: { recordType: string }) => e.recordType === 'report');
    expect(reports).toHaveLength(20);
    expect(reports[0]).toMatchObject({ actorUserId: officerId, actorKind: 'user', action: 'test.even', details: { i: 60 } });
    expect(reports[0].hash).toMatch(/^[0-9a-f]{64}$/);

    const today = await auditor.agent.get('/api/v1/audit/events').query({ from: shanghaiDay(-1), to: shanghaiDay(0), limit: 200 });
    expect(today.body.events).toHaveLength(Math.min(total, 200));
    const past = await auditor.agent.get('/api/v1/audit/events').query({ from: '2020-01-01', to: shanghaiDay(-2) });
    expect(past.body.events).toEqual([]);
    expect(idsOnPage((await auditor.agent.get(`/staff/audit?from=2020-01-01&to=${shanghaiDay(-2)}`)).text)).toEqual([]);
  });

  it('API pages through everything with nextBefore, each event once', async () => {
    const seen: number[] = [];
    let before: number | null | undefined;
    do {
      const res = await auditor.agent.get('/api/v1/audit/events').query(before ? { limit: 17, before } : { limit: 17 });
      expect(res.status).toBe(200);
      seen.push(...res.body.events.map((e: { id: number }) => e.id));
      before = res.body.nextBefore;
    } while (before);
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => total - i));
  });

  it('refuses bad filters: 422 with fields in Chinese (API, unknown parameters too), the page re-renders with the messages', async () => {
    const bad = await auditor.agent.get('/api/v1/audit/events').query({ actorUserId: 'abc', from: '2026-02-30', recordId: '5', limit: 500, sort: 'asc' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['actorUserId', 'from', 'limit', 'recordType', 'sort']);
    const weird = await auditor.agent.get('/api/v1/audit/events').query({ action: '<x>' });
    expect([weird.status, Object.keys(weird.body.error.fields)]).toEqual([422, ['action']]);
    const page = await auditor.agent.get('/staff/audit').query({ actorUserId: '<b>x</b>', to: '2026-01-01', from: '2026-02-01' });
    expect(page.status).toBe(422);
    expect(page.text).toContain('操作人编号应为正整数');
    expect(page.text).toContain('截止日期不能早于起始日期');
    expect(page.text).toContain('value="&lt;b&gt;x&lt;/b&gt;"');
    expect(page.text).not.toContain('<b>x</b>');
  });

  it('verify on demand: API and button show ok, then the first bad event after tampering; reads are not audited', async () => {
    const before = await count();
    const ok = await auditor.agent.post('/api/v1/audit/verify').set('X-CSRF-Token', auditor.csrfToken);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, events: total, lastId: total });
    const list = await auditor.agent.get('/staff/audit');
    const form = csrfFromHtml(list.text)!;
    const okPage = await auditor.agent.post('/staff/audit/verify').type('form').send({ _csrf: form });
    expect(okPage.status).toBe(200);
    expect(okPage.text).toContain(`审计链完好：共 ${total} 个事件`);
    expect((await auditor.agent.post('/staff/audit/verify').type('form').send({})).status).toBe(403);

    const [orig] = await t.ds.query('SELECT reason FROM audit_events WHERE id = 20');
    await t.ds.query("UPDATE audit_events SET reason = 'x' WHERE id = 20");
    try {
      const broken = await auditor.agent.post('/api/v1/audit/verify').set('X-CSRF-Token', auditor.csrfToken);
      expect(broken.body).toMatchObject({ ok: false, events: 19, firstBadId: 20, problem: 'content_altered' });
      const brokenPage = await auditor.agent.post('/staff/audit/verify').type('form').send({ _csrf: form });
      expect(brokenPage.text).toContain('第一个有问题的事件是 #20');
      expect(brokenPage.text).toContain('内容被改动');
      expect(brokenPage.text).toContain('href="/staff/audit?before&#x3D;21"');
    } finally {
      await t.ds.query('UPDATE audit_events SET reason = ? WHERE id = 20', [orig.reason]);
    }
    // Reading the trail and verifying it append nothing (documented in AuditApiController).
    expect(await count()).toBe(before);
    expect(auditorId).toBeGreaterThan(0);
  });
});
