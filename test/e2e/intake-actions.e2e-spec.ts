import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { CalendarService } from '../../src/regions/calendar.service.js';
import { Report } from '../../src/reports/entities/report.entity.js';
import { ReportEvent } from '../../src/reports/entities/report-event.entity.js';
import { ReportMessage } from '../../src/reports/entities/report-message.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml } from '../utils/login-as.js';
import { ensureIntakeOffices, insertReport, shanghai, staff } from '../factories/intake.js';

type Staff = Awaited<ReturnType<typeof staff>>;

describe('intake actions: state checks, history, audit, public wording', () => {
  let t: TestApp;
  let offices: Awaited<ReturnType<typeof ensureIntakeOffices>>;
  let county: Staff;
  let township: Staff;

  /** The citizen's view through the public follow-up API (no cookies: a different client). */
  const followup = async (receiptCode: string) => (await request(t.server).post('/api/v1/followup').send({ receiptCode }).expect(200)).body;
  const reload = (id: number) => t.ds.getRepository(Report).findOneByOrFail({ id });
  const events = (id: number) => t.ds.getRepository(ReportEvent).find({ where: { reportId: id }, order: { id: 'ASC' } });
  const audits = (id: number) => t.ds.getRepository(AuditEvent).find({ where: { recordType: 'report', recordId: String(id) }, order: { id: 'ASC' } });
  const post = (s: Staff, id: number, action: string, body: Record<string, string>) =>
    s.agent.post(`/staff/intake/reports/${id}/${action}`).type('form').send({ _csrf: s.csrfToken, ...body });
  const api = (s: Staff, id: number, action: string, body: object) => s.agent.post(`/api/v1/intake/reports/${id}/${action}`).set('X-CSRF-Token', s.csrfToken).send(body);

  beforeAll(async () => {
    t = await createTestApp({ env: { RECEIPT_TRIES_PER_WINDOW: '1000' } });
    offices = await ensureIntakeOffices(t);
    county = await staff(t, '430421000000');
    township = await staff(t, '430421101000');
  });
  afterAll(async () => t?.close());

  it('accepts from the detail page form: status, history with actor, audit in the same change, public wording on the follow-up', async () => {
    const r = await insertReport(t, {});
    const page = await county.agent.get(`/staff/intake/reports/${r.id}`).expect(200);
    expect(page.text).toContain(`action="/staff/intake/reports/${r.id}/accept"`);
    const token = csrfFromHtml(page.text)!;
    const res = await county.agent.post(`/staff/intake/reports/${r.id}/accept`).type('form').send({ _csrf: token, reason: '线索具体，可查' }).expect(303);
    expect(res.headers.location).toBe(`/staff/intake/reports/${r.id}?done=accepted`);
    expect((await county.agent.get(res.headers.location).expect(200)).text).toContain('已受理。');

    expect(await reload(r.id)).toMatchObject({ status: 'accepted' });
    const ev = (await events(r.id)).at(-1)!;
    expect(ev).toMatchObject({ action: 'accepted', actorUserId: county.user.id, fromOfficeId: offices.jibing.id, reason: '线索具体，可查' });
    const audit = (await audits(r.id)).find((a) => a.action === 'report.accepted')!;
    expect(audit).toMatchObject({ action: 'report.accepted', actorUserId: county.user.id, actorKind: 'user', reason: '线索具体，可查' });
    const msgs = await t.ds.getRepository(ReportMessage).findBy({ reportId: r.id });
    expect(msgs.map((m) => [m.direction, m.body])).toEqual([['status', '您反映的问题已受理，我们将依规依纪处理。']]);

    const f = await followup(r.receiptCode);
    expect(f.status).toBe('accepted');
    expect(f.messages.map((m: { body: string }) => m.body)).toEqual(['您反映的问题已受理，我们将依规依纪处理。']);
    expect(JSON.stringify(f)).not.toContain('线索具体'); // the internal reason stays internal
    expect(JSON.stringify(f)).not.toContain(county.user.username);
  });

  it('refuses a second intake action with invalid_state and a Chinese message saying what is allowed, changing nothing', async () => {
    const r = await insertReport(t, {});
    await api(county, r.id, 'accept', {}).expect(200);
    const before = (await events(r.id)).length;
    const page = await post(county, r.id, 'decline', { ground: 'out_of_scope', reason: '不属于' }).expect(409);
    expect(page.text).toContain('只有“已收到，待受理”的举报才能作此处理');
    expect(page.text).toContain('该举报已受理');
    for (const [action, body] of [
      ['accept', {}],
      ['decline', { ground: 'out_of_scope', reason: 'x' }],
      ['forward', { toOfficeId: offices.county.id }],
      ['refer-out', { organ: 'public_security', reason: 'x' }],
      ['mark-repeat', { repeatOfId: 1 }],
    ] as const) {
      const res = await api(county, r.id, action, body).expect(409);
      expect(res.body.error.code).toBe('invalid_state');
      expect(res.body.error.message).toMatch(/已受理/);
    }
    expect(await events(r.id)).toHaveLength(before);
    expect(await reload(r.id)).toMatchObject({ status: 'accepted' });
  });

  it('leaves nothing half-written when the audit write fails inside the action', async () => {
    const r = await insertReport(t, {});
    const audit = t.app.get(AuditService);
    const spy = jest.spyOn(audit, 'record').mockRejectedValueOnce(new Error('disk full'));
    try {
      const res = await api(county, r.id, 'accept', {}).expect(500);
      expect(res.body.error.code).toBe('internal_error');
    } finally {
      spy.mockRestore();
    }
    expect(await reload(r.id)).toMatchObject({ status: 'received' });
    expect(await events(r.id)).toHaveLength(1);
    expect(await t.ds.getRepository(ReportMessage).countBy({ reportId: r.id })).toBe(0);
  });

  it('needs the CSRF token on forms and on the API with a session cookie', async () => {
    const r = await insertReport(t, {});
    await county.agent.post(`/staff/intake/reports/${r.id}/accept`).type('form').send({}).expect(403);
    const res = await county.agent.post(`/api/v1/intake/reports/${r.id}/accept`).send({}).expect(403);
    // The common filter currently reports middleware CSRF failures as `forbidden` (see the report).
    expect(['csrf_invalid', 'forbidden']).toContain(res.body.error.code);
    await county.agent.post(`/api/v1/intake/reports/${r.id}/accept`).set('X-CSRF-Token', 'forged').send({}).expect(403);
    expect(await reload(r.id)).toMatchObject({ status: 'received' });
  });

  it('declines only with a ground and a reason; the citizen reads the neutral sentence of the ground, never the reason', async () => {
    const r = await insertReport(t, {});
    const bad = await post(county, r.id, 'decline', { ground: 'not_specific', reason: '  ' }).expect(422);
    expect(bad.text).toContain('请填写不予受理的理由');
    expect(bad.text).toContain('举报 #'); // the detail page re-rendered with the message
    const bad2 = await api(county, r.id, 'decline', { ground: 'nonsense', reason: 'x' }).expect(422);
    expect(bad2.body.error).toMatchObject({ code: 'validation_failed', fields: { ground: '请选择不予受理的依据' } });
    expect(await events(r.id)).toHaveLength(1);

    const reason = '据村民李四反映，该户已于去年退保，所反映问题不存在';
    await post(county, r.id, 'decline', { ground: 'not_specific', reason }).expect(303);
    expect(await reload(r.id)).toMatchObject({ status: 'declined' });
    expect((await events(r.id)).at(-1)).toMatchObject({ action: 'declined', reason, actorUserId: county.user.id });
    expect((await audits(r.id)).at(-1)).toMatchObject({ action: 'report.declined', reason });
    const f = await followup(r.receiptCode);
    expect(f.status).toBe('declined');
    expect(f.messages.at(-1).body).toBe('经审查，所反映的问题缺乏具体事实和线索，暂不予受理。如有新的具体情况，欢迎继续反映。');
    expect(JSON.stringify(f)).not.toContain('李四');
  });

  it('forwards down from the county office to the township office and up again: clocks recomputed, history kept, the citizen told which level handles it', async () => {
    const r = await insertReport(t, { officeId: offices.county.id, anonymous: false, receivedAt: shanghai('2026-02-13 10:00') });
    expect([r.forwardDue, r.ackDue]).toEqual(['2026-02-27', '2026-03-12']);
    const detail = await county.agent.get(`/staff/intake/reports/${r.id}`).expect(200);
    expect(detail.text).toContain(`<option value="${offices.jibing.id}">转办下级：集兵镇纪委监委</option>`);
    expect(detail.text).not.toContain(`value="${offices.hengnan.id}"`);

    // A sideways office is not a forwarding target.
    expect((await api(county, r.id, 'forward', { toOfficeId: offices.hengnan.id }).expect(422)).body.error.fields.toOfficeId).toBe('只能转给上一级机关或下一级机关');

    const before = Date.now();
    await post(county, r.id, 'forward', { toOfficeId: String(offices.jibing.id), reason: '属地办理' }).expect(303);
    const down = await reload(r.id);
    const due = t.app.get(CalendarService).intakeDueDates(down.receivedAt, true);
    expect(down).toMatchObject({ status: 'received', officeId: offices.jibing.id, forwardDue: due.forwardDue, ackDue: due.ackDue });
    expect(down.receivedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(down.forwardDue).not.toBe('2026-02-27');
    let f = await followup(r.receiptCode);
    expect(f.messages.at(-1).body).toBe('已转交 集兵镇纪委监委 办理。');
    expect(f.handlingLevel).toBe('乡镇（街道）纪检监察组织');

    // The township office now has it in its inbox as received, with its own clock (5 working days from now).
    const inbox = await township.agent.get('/staff/intake').expect(200);
    expect(inbox.text).toContain(`<article class="card inbox-item" data-report-id="${r.id}">`);
    expect(inbox.text).toContain(`到期 ${due.forwardDue}`);

    // …and forwards it up again.
    const up = await api(township, r.id, 'forward', { toOfficeId: offices.county.id, reason: '涉及县级职能部门' }).expect(200);
    expect(up.body).toMatchObject({ status: 'received', officeId: offices.county.id, publicMessage: '已转交 衡阳县纪委监委 办理。' });
    f = await followup(r.receiptCode);
    expect(f.handlingLevel).toBe('县级纪检监察机关');
    // The citizen's follow-up page (HTML form) says it too.
    const citizen = request.agent(t.server);
    const lookup = await citizen.get('/followup').expect(200);
    const statusPage = (await citizen.post('/followup').type('form').send({ _csrf: csrfFromHtml(lookup.text), receiptCode: r.receiptCode }).expect(200)).text;
    expect(statusPage).toContain('已转交 集兵镇纪委监委 办理。');
    expect(statusPage).toContain('已转交 衡阳县纪委监委 办理。');
    expect(statusPage).toContain('县级纪检监察机关');
    expect(statusPage).not.toContain('属地办理'); // internal reasons stay internal

    const history = await events(r.id);
    expect(history.map((e) => [e.action, e.fromOfficeId, e.toOfficeId, e.actorUserId])).toEqual([
      ['received', null, offices.county.id, null],
      ['forwarded', offices.county.id, offices.jibing.id, county.user.id],
      ['forwarded', offices.jibing.id, offices.county.id, township.user.id],
    ]);
    expect((await audits(r.id)).filter((a) => a.action === 'report.forwarded').map((a) => JSON.parse(a.details!))).toEqual([
      expect.objectContaining({ direction: 'down', fromOfficeId: offices.county.id, toOfficeId: offices.jibing.id }),
      expect.objectContaining({ direction: 'up', fromOfficeId: offices.jibing.id, toOfficeId: offices.county.id }),
    ]);
    const page = (await county.agent.get(`/staff/intake/reports/${r.id}`).expect(200)).text;
    expect(page).toContain('衡阳县纪委监委 → 集兵镇纪委监委');
    expect(page).toContain('集兵镇纪委监委 → 衡阳县纪委监委');
    expect(page).toContain('涉及县级职能部门');

    // The township office gave it away: it may still read it, but no longer act on it.
    const refused = await api(township, r.id, 'accept', {}).expect(409);
    expect(refused.body.error).toMatchObject({ code: 'not_handling_office' });
    expect(refused.body.error.message).toContain('衡阳县纪委监委');
  });

  it('refers out to another organ with organ and reason required', async () => {
    const r = await insertReport(t, { category: 'applicant_fraud' });
    const bad = await api(county, r.id, 'refer-out', { organ: 'other', reason: '' }).expect(422);
    expect(bad.body.error.fields).toEqual({ organName: '请填写接收机关名称', reason: '请填写移交的理由' });
    await post(county, r.id, 'refer-out', { organ: 'civil_affairs', organName: '衡阳县民政局', reason: '普通群众骗保，不属纪检监察管辖' }).expect(303);
    expect(await reload(r.id)).toMatchObject({ status: 'referred_out', referredTo: '衡阳县民政局' });
    expect((await events(r.id)).at(-1)).toMatchObject({ action: 'referred_out', reason: '普通群众骗保，不属纪检监察管辖' });
    expect((await audits(r.id)).at(-1)).toMatchObject({ action: 'report.referred_out' });
    const f = await followup(r.receiptCode);
    expect(f.messages.at(-1).body).toBe('您反映的问题不属于纪检监察机关职责范围，已移交民政部门依法处理。');
    expect(f.statusText).toBe('已移交有关部门');
  });

  it('marks a repeat only of an existing report in scope', async () => {
    const first = await insertReport(t, {});
    const outside = await insertReport(t, { regionCode: '430422000000' }) // 衡南县: another county;
    const r = await insertReport(t, {});
    for (const other of [999999, outside.id]) {
      const res = await api(county, r.id, 'mark-repeat', { repeatOfId: other }).expect(422);
      expect(res.body.error.fields).toEqual({ repeatOfId: '未找到该编号的举报（只能选择本辖区的举报）' });
    }
    expect((await api(county, r.id, 'mark-repeat', { repeatOfId: r.id }).expect(422)).body.error.fields.repeatOfId).toBe('不能标记为自身的重复件');
    await post(county, r.id, 'mark-repeat', { repeatOfId: `#${first.id}` }).expect(303);
    expect(await reload(r.id)).toMatchObject({ status: 'repeat', repeatOfId: first.id });
    expect((await audits(r.id)).at(-1)).toMatchObject({ action: 'report.marked_repeat' });
    const f = await followup(r.receiptCode);
    expect(f.messages.at(-1).body).toBe('您反映的问题此前已有人反映，正在一并办理，不再重复受理。');
    const page = (await county.agent.get(`/staff/intake/reports/${r.id}`).expect(200)).text;
    expect(page).toContain(`原举报 <a href="/staff/intake/reports/${first.id}">#${first.id}</a>`);
  });

  it('acknowledges a real-name report once: a message for the reporter, the clock stops; anonymous reports cannot be acknowledged', async () => {
    const anon = await insertReport(t, {});
    const res = await api(county, anon.id, 'acknowledge', { message: '已收到' }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'invalid_state', message: '匿名举报没有可告知的举报人，只有实名举报需要告知受理情况。' });

    const r = await insertReport(t, { anonymous: false });
    let inbox = (await county.agent.get('/staff/intake').expect(200)).text;
    expect(new RegExp(`<article class="card inbox-item" data-report-id="${r.id}">[\\s\\S]*?告知受理情况[\\s\\S]*?</article>`).test(inbox)).toBe(true);
    const detail = (await county.agent.get(`/staff/intake/reports/${r.id}`).expect(200)).text;
    expect(detail).toContain('您的实名举报我们已经收到并登记'); // the standard text is offered
    await post(county, r.id, 'accept', {}).expect(303);
    await post(county, r.id, 'acknowledge', { message: '您的实名举报已受理，我们将依规办理，结果将及时告知。' }).expect(303);
    const after = await reload(r.id);
    expect(after.acknowledgedAt).not.toBeNull();
    expect((await events(r.id)).at(-1)).toMatchObject({ action: 'acknowledged', actorUserId: county.user.id });
    expect((await audits(r.id)).at(-1)).toMatchObject({ action: 'report.acknowledged' });
    const f = await followup(r.receiptCode);
    expect(f.acknowledged).toBe(true);
    expect(f.messages.at(-1)).toMatchObject({ direction: 'to_reporter', body: '您的实名举报已受理，我们将依规办理，结果将及时告知。' });
    inbox = (await county.agent.get('/staff/intake?status=accepted').expect(200)).text;
    expect(new RegExp(`<article class="card inbox-item" data-report-id="${r.id}">[\\s\\S]*?</article>`).exec(inbox)![0]).not.toContain('告知受理情况');
    const again = await api(county, r.id, 'acknowledge', { message: '再次告知' }).expect(409);
    expect(again.body.error.message).toBe('已经告知过受理情况，不能重复告知。');
  });

  it('API: validates the body shape (unknown fields → unknown_field, wrong types → validation_failed), ids → 404', async () => {
    const r = await insertReport(t, {});
    const unknown = await api(county, r.id, 'accept', { reason: 'ok', status: 'accepted' }).expect(400);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_field', fields: { status: '不允许的字段' } });
    const wrongType = await api(county, r.id, 'forward', { toOfficeId: 'abc' }).expect(422);
    expect(wrongType.body.error).toMatchObject({ code: 'validation_failed', fields: { toOfficeId: expect.any(String) } });
    const reg = await county.agent.post('/api/v1/intake/registrations').set('X-CSRF-Token', county.csrfToken).send({ channel: 'letter', subjects: [{ name: '甲', secret: 1 }] }).expect(400);
    expect(reg.body.error.code).toBe('unknown_field');
    expect(reg.body.error.fields).toHaveProperty(['subjects[0].secret']);
    await api(county, 999999, 'accept', {}).expect(404);
    await county.agent.get('/api/v1/intake/reports/abc').expect(404);
    const q = await county.agent.get('/api/v1/intake/reports?colour=red').expect(400);
    expect(q.body.error.code).toBe('unknown_field');
    expect(await reload(r.id)).toMatchObject({ status: 'received' });
  });

  it('serves the OpenAPI document publicly, listing submission, follow-up and intake action paths', async () => {
    const res = await request(t.server).get('/api/v1/openapi.json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(res.body.paths);
    for (const p of [
      '/api/v1/reports',
      '/api/v1/followup',
      '/api/v1/intake/reports',
      '/api/v1/intake/reports/{id}',
      '/api/v1/intake/reports/{id}/accept',
      '/api/v1/intake/reports/{id}/decline',
      '/api/v1/intake/reports/{id}/forward',
      '/api/v1/intake/reports/{id}/refer-out',
      '/api/v1/intake/reports/{id}/mark-repeat',
      '/api/v1/intake/reports/{id}/acknowledge',
      '/api/v1/intake/registrations',
    ]) {
      expect(paths).toContain(p);
    }
    expect(paths.every((p) => p.startsWith('/api/v1/'))).toBe(true);
    expect(res.body.paths['/api/v1/intake/reports/{id}/decline'].post.requestBody).toBeDefined();
    expect(res.body.components.schemas.DeclineDto.required).toEqual(expect.arrayContaining(['ground', 'reason']));
  });
});

