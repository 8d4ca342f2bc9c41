import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { Region } from '../../src/regions/entities/region.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertReport, insertTipoff, shanghai, staff } from '../factories/intake.js';

/** The inbox entry of report `id` in an inbox page (its `<article data-report-id=…>`), or null. */
function rowOf(html: string, id: number): string | null {
  const m = new RegExp(`<article class="card inbox-item" data-report-id="${id}">([\\s\\S]*?)</article>`).exec(html);
  return m ? m[1] : null;
}

describe('intake inbox: scope, clocks, search', () => {
  let t: TestApp;
  let t01: number;
  let t07: number;
  let t05: number;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    t01 = (await insertTipoff(t, 'T01')).id;
    t05 = (await insertTipoff(t, 'T05')).id;
    t07 = (await insertTipoff(t, 'T07')).id;
  });
  afterAll(async () => t?.close());

  it('has the regions the scope tests rely on (衡南县 is a real county of 衡阳市)', async () => {
    const r = await t.ds.getRepository(Region).findOneByOrFail({ code: '430422000000' });
    expect(r).toMatchObject({ name: '衡南县', level: 3, parentCode: '430400000000' });
    expect(await t.ds.getRepository(Region).findOneByOrFail({ code: '430421100000' })).toMatchObject({ name: '西渡镇', level: 4 });
  });

  it('shows T01 to the county officer and to the township officer, with category, region path, anonymity and channel', async () => {
    for (const scope of ['430421000000', '430421101000']) {
      const { agent } = await staff(t, scope);
      const res = await agent.get('/staff/intake').expect(200);
      expect(res.headers['cache-control']).toContain('no-store');
      const row = rowOf(res.text, t01);
      expect(row).not.toBeNull();
      expect(row).toContain('优亲厚友、人情保、关系保');
      expect(row).toContain('湖南省 衡阳市 衡阳县 集兵镇');
      expect(row).toContain('匿名');
      expect(row).toContain('网络举报');
      expect(row).toContain('集兵镇纪委监委');
      expect(res.text).toMatch(/<title>[^<]*<\/title>/);
      expect(/<title>([^<]*)<\/title>/.exec(res.text)![1]).not.toContain('刘建国');
    }
  });

  it('hides T01 from an officer of another county, whose detail request answers exactly like a missing id', async () => {
    const { agent } = await staff(t, '430422000000');
    const inbox = await agent.get('/staff/intake').expect(200);
    expect(rowOf(inbox.text, t01)).toBeNull();
    expect(inbox.text).not.toContain('刘建国');
    const hidden = await agent.get(`/staff/intake/reports/${t01}`).expect(404);
    const missing = await agent.get('/staff/intake/reports/999999').expect(404);
    expect(hidden.text).toBe(missing.text);
    const apiHidden = await agent.get(`/api/v1/intake/reports/${t01}`).expect(404);
    const apiMissing = await agent.get('/api/v1/intake/reports/999999').expect(404);
    expect(apiHidden.body).toEqual(apiMissing.body);
    expect(apiHidden.body.error.code).toBe('not_found');
    // No audit event of a read was written for the refused request.
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'report.view', recordId: String(t01) })).toBe(0);
  });

  it('cuts scopes by level: the 西渡镇 officer (430421100) does not see 集兵镇 (430421101…) reports', async () => {
    const { agent } = await staff(t, '430421100000');
    const inbox = await agent.get('/staff/intake?status=all').expect(200);
    expect(rowOf(inbox.text, t01)).toBeNull();
    await agent.get(`/staff/intake/reports/${t01}`).expect(404);
    const own = await insertReport(t, { regionCode: '430421100203' });
    expect(rowOf((await agent.get('/staff/intake').expect(200)).text, own.id)).not.toBeNull();
  });

  it('audits the reading of a report’s details (report.view)', async () => {
    const { agent, user } = await staff(t, '430421000000');
    await agent.get(`/staff/intake/reports/${t01}`).expect(200);
    const events = await t.ds.getRepository(AuditEvent).findBy({ action: 'report.view', recordId: String(t01) });
    expect(events.map((e) => e.actorUserId)).toContain(user.id);
  });

  it('lists newest first, received by default, paginated by 20', async () => {
    const { agent } = await staff(t, '430421103000'); // 杉桥镇: only T07 so far
    for (let i = 0; i < 21; i++) await insertReport(t, { regionCode: '430421103200', receivedAt: new Date(Date.UTC(2026, 5, 1 + i, 2)) });
    await insertReport(t, { regionCode: '430421103200', status: 'accepted' });
    const p1 = await agent.get('/staff/intake').expect(200);
    expect(p1.text).toContain('共 22 件');
    const ids = [...p1.text.matchAll(/<article class="card inbox-item" data-report-id="(\d+)">/g)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(20);
    expect(ids[0]).toBe(t07); // received now, the newest
    expect(p1.text).toContain('下一页');
    const p2 = await agent.get('/staff/intake?status=received&page=2').expect(200);
    expect([...p2.text.matchAll(/<article class="card inbox-item" data-report-id="(\d+)">/g)]).toHaveLength(2);
    const all = await agent.get('/staff/intake?status=all').expect(200);
    expect(all.text).toContain('共 23 件');
  });

  it('shows the working-day clocks across the 2026 Spring Festival and National Day with their make-up working days', async () => {
    const { agent } = await staff(t, '430421104000'); // 井头镇 (no office of its own: the county handles it)
    // Received Fri 13 Feb 2026: 14 Feb (Sat) is worked, 15–23 Feb are holidays, 28 Feb (Sat) is worked.
    const spring = await insertReport(t, { regionCode: '430421104001', receivedAt: shanghai('2026-02-13 10:00'), anonymous: false });
    // Received Wed 30 Sep 2026: 1–7 Oct are holidays, 10 Oct (Sat) is worked.
    const national = await insertReport(t, { regionCode: '430421104001', receivedAt: shanghai('2026-09-30 16:00'), anonymous: false });
    // Received Fri 18 Sep 2026: Sun 20 Sep is a make-up working day.
    const makeUpSunday = await insertReport(t, { regionCode: '430421104001', receivedAt: shanghai('2026-09-18 09:00') });
    const fresh = await insertReport(t, { regionCode: '430421104001' });
    expect([spring.forwardDue, spring.ackDue]).toEqual(['2026-02-27', '2026-03-12']);
    expect([national.forwardDue, national.ackDue]).toEqual(['2026-10-13', '2026-10-27']);
    expect(makeUpSunday.forwardDue).toBe('2026-09-24');

    const html = (await agent.get('/staff/intake?status=received&page=1').expect(200)).text;
    const s = rowOf(html, spring.id)!;
    expect(s).toContain('2026-02-13 10:00');
    expect(s).toMatch(/告知受理情况（15个工作日）<\/span><br>到期 2026-03-12 · <span class="overdue">已超期 \d+ 个工作日<\/span>/);
    expect(s).toMatch(/转送\/转办（5个工作日）<\/span><br>到期 2026-02-27 · <span class="overdue">已超期 \d+ 个工作日<\/span>/);
    const n = rowOf(html, national.id)!;
    expect(n).toContain('到期 2026-10-27');
    expect(n).toContain('到期 2026-10-13');
    expect(rowOf(html, makeUpSunday.id)).toContain('到期 2026-09-24');
    expect(rowOf(html, makeUpSunday.id)).not.toContain('告知受理情况'); // anonymous: no acknowledgement clock
    expect(rowOf(html, fresh.id)).toMatch(/<span class="due">剩 5 个工作日<\/span>/);
    expect(html).not.toContain('按周末计算');

    // The API gives the same figures.
    const api = await agent.get('/api/v1/intake/reports').expect(200);
    const item = api.body.items.find((i: { id: number }) => i.id === spring.id);
    expect(item.clocks).toEqual([
      expect.objectContaining({ kind: 'acknowledge', due: '2026-03-12', status: 'overdue' }),
      expect.objectContaining({ kind: 'forward', due: '2026-02-27', status: 'overdue' }),
    ]);
    expect(item.receivedAt).toBe('2026-02-13T02:00:00.000Z');
    expect(item.calendarFallback).toBe(false);
  });

  it('says on screen when a due date depends on a year the calendar does not cover', async () => {
    const { agent } = await staff(t, '430421104000'); // 井头镇 (no office of its own: the county handles it)
    // Mon 28 Dec 2026 + 5 working days runs into 2027, which chinese-days does not publish yet.
    const r = await insertReport(t, { regionCode: '430421104001', receivedAt: shanghai('2026-12-28 09:00') });
    expect(r.dueFallbackYears).toBe('2027');
    expect(r.forwardDue).toBe('2027-01-04');
    const html = (await agent.get('/staff/intake').expect(200)).text;
    expect(rowOf(html, r.id)).toContain('该年度节假日安排尚未载入，按周末计算（2027年）');
    const detail = await agent.get(`/staff/intake/reports/${r.id}`).expect(200);
    expect(detail.text).toContain('该年度节假日安排尚未载入，按周末计算');
    const api = await agent.get('/api/v1/intake/reports').expect(200);
    expect(api.body.items.find((i: { id: number }) => i.id === r.id)).toMatchObject({ calendarFallback: true });
  });

  it('searches subject names, beneficiary names and text within scope, exactly (王𠮷 finds T07, 王😡 does not)', async () => {
    const { agent } = await staff(t, '430421000000');
    const ids = async (q: string) =>
      [...(await agent.get(`/staff/intake?status=all&q=${encodeURIComponent(q)}`).expect(200)).text.matchAll(/<article class="card inbox-item" data-report-id="(\d+)">/g)].map((m) => Number(m[1]));
    expect(await ids('王𠮷')).toEqual([t07]);
    expect(await ids('王😡')).toEqual([]);
    expect(await ids('刘建民')).toEqual([t01]); // beneficiary
    expect(await ids('社保卡')).toEqual([t05]); // text
    expect(await ids('😡😡')).toEqual([t05]);
    expect(await ids('%')).toEqual([]); // a wildcard is a plain character
    expect(await ids('_')).toEqual([]);
    const api = await agent.get(`/api/v1/intake/reports?status=all&q=${encodeURIComponent('王𠮷')}`).expect(200);
    expect(api.body.items.map((i: { id: number }) => i.id)).toEqual([t07]);
    // Out of scope: the 衡南县 officer finds nothing.
    const other = await staff(t, '430422000000');
    const res = await other.agent.get(`/staff/intake?status=all&q=${encodeURIComponent('王𠮷')}`).expect(200);
    expect(res.text).not.toContain(`data-report-id="${t07}"`);
  });

  it('answers 404 on the inbox, details and actions to a user without intake_officer (admin)', async () => {
    const { agent, csrfToken } = await staff(t, '430000000000', ['admin']);
    await agent.get('/staff/intake').expect(404);
    await agent.get(`/staff/intake/reports/${t01}`).expect(404);
    await agent.get('/staff/intake/register').expect(404);
    await agent.post(`/staff/intake/reports/${t01}/accept`).type('form').send({ _csrf: csrfToken }).expect(404);
    expect((await agent.get('/api/v1/intake/reports').expect(404)).body.error.code).toBe('not_found');
    await agent.get(`/api/v1/intake/reports/${t01}`).expect(404);
    await agent.post(`/api/v1/intake/reports/${t01}/accept`).set('X-CSRF-Token', csrfToken).send({}).expect(404);
    const handler = await staff(t, '430421000000', ['case_handler']);
    await handler.agent.get('/staff/intake').expect(404);
  });
});
