/**
 * Assignment of reports (指派承办人): a leader in scope assigns; a recused or out-of-scope assignee is
 * refused with one message that reveals nothing; reassignment needs a reason; once assigned, intake
 * actions are for the assignee or a leader (others: 409 `not_assignee`); everything is audited.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { ReportEvent } from '../../src/reports/entities/report-event.entity.js';
import { ReportMessage } from '../../src/reports/entities/report-message.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertReport, staff } from '../factories/intake.js';
import { insertRecusal } from '../factories/access.js';

type Staff = Awaited<ReturnType<typeof staff>>;

describe('assignment of reports', () => {
  let t: TestApp;
  let leader: Staff;
  let a: Staff;
  let b: Staff;
  let outsider: Staff;
  let recusedOfficer: Staff;
  let farLeader: Staff;
  let id: number;

  const post = (s: Staff, path: string, body: Record<string, unknown>) => s.agent.post(`/api/v1/intake/reports/${id}/${path}`).set('X-CSRF-Token', s.csrfToken).send(body);

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    leader = await staff(t, '430421000000', ['leader']);
    a = await staff(t, '430421000000');
    b = await staff(t, '430421101000');
    outsider = await staff(t, '430422000000');
    recusedOfficer = await staff(t, '430421000000');
    farLeader = await staff(t, '430422000000', ['leader']);
    id = (await insertReport(t, { regionCode: '430421101200', anonymous: false })).id;
    await insertRecusal(t, recusedOfficer.user.id, id);
  });
  afterAll(async () => t?.close());

  it('only a leader in scope may assign (an officer, or a leader elsewhere, gets 404)', async () => {
    expect((await post(a, 'assign', { userId: a.user.id })).status).toBe(404);
    expect((await post(farLeader, 'assign', { userId: a.user.id })).status).toBe(404);
  });

  it('a leader without the intake role uses the inbox and report pages, but not offline registration', async () => {
    const inbox = await leader.agent.get('/staff/intake').query({ status: 'all' }).expect(200);
    expect(inbox.text).toContain(`/staff/intake/reports/${id}`);
    expect(inbox.text).not.toContain('/staff/intake/register');
    expect((await a.agent.get('/staff/intake').expect(200)).text).toContain('/staff/intake/register');
    await leader.agent.get('/staff/intake/register').expect(404);
    const page = await leader.agent.get(`/staff/intake/reports/${id}`).expect(200);
    expect(page.text).toContain('指派承办人');
  });

  it('refuses an out-of-scope or recused assignee with the same message', async () => {
    const far = await post(leader, 'assign', { userId: outsider.user.id });
    const recused = await post(leader, 'assign', { userId: recusedOfficer.user.id });
    expect([far.status, recused.status]).toEqual([422, 422]);
    expect(far.body).toEqual(recused.body);
    expect(far.body.error.fields.userId).toContain('不能指派');
  });

  it('assigns, audits, and keeps the citizen page free of it', async () => {
    const messagesBefore = await t.ds.getRepository(ReportMessage).countBy({ reportId: id });
    const res = await post(leader, 'assign', { userId: a.user.id }).expect(200);
    expect(res.body).toMatchObject({ id, assignedUserId: a.user.id, publicMessage: '' });
    expect(await t.ds.getRepository(ReportMessage).countBy({ reportId: id })).toBe(messagesBefore);
    expect(await t.ds.getRepository(ReportEvent).countBy({ reportId: id, action: 'assigned' })).toBe(1);
    const audit = await t.ds.getRepository(AuditEvent).findOneByOrFail({ action: 'report.assigned', recordId: String(id) });
    expect(JSON.parse(String(audit.details))).toMatchObject({ from: null, to: a.user.id });
    const detail = await a.agent.get(`/api/v1/intake/reports/${id}`).expect(200);
    expect(detail.body).toMatchObject({ assignedUserId: a.user.id });
    expect(detail.body.allowedActions).toMatchObject({ accept: true, assign: false });
    const page = await a.agent.get(`/staff/intake/reports/${id}`).expect(200);
    expect(page.text).toContain('承办人');
  });

  it('once assigned, another officer in scope still reads it but may not act (409 not_assignee); the assignee and a leader may', async () => {
    await b.agent.get(`/api/v1/intake/reports/${id}`).expect(200);
    expect((await b.agent.get(`/api/v1/intake/reports/${id}`)).body.allowedActions.accept).toBe(false);
    const refused = await post(b, 'accept', {});
    expect([refused.status, refused.body.error.code]).toEqual([409, 'not_assignee']);
    const msg = await post(b, 'messages', { message: '请补充材料' });
    expect([msg.status, msg.body.error.code]).toEqual([409, 'not_assignee']);
    await post(leader, 'messages', { message: '请补充公示栏照片。' }).expect(201);
    await post(a, 'acknowledge', { message: '您的举报已收到，正在办理。' }).expect(200);
    await post(a, 'accept', {}).expect(200);
  });

  it('reassignment needs a reason and is audited with both ends', async () => {
    const noReason = await post(leader, 'assign', { userId: b.user.id });
    expect([noReason.status, Object.keys(noReason.body.error.fields)]).toEqual([422, ['reason']]);
    await post(leader, 'assign', { userId: b.user.id, reason: '原承办人休假' }).expect(200);
    const audit = await t.ds.getRepository(AuditEvent).findOneByOrFail({ action: 'report.reassigned', recordId: String(id) });
    expect([audit.reason, JSON.parse(String(audit.details))]).toEqual(['原承办人休假', expect.objectContaining({ from: a.user.id, to: b.user.id })]);
    const res = await post(a, 'messages', { message: '还在办理中' });
    expect(res.body.error.code).toBe('not_assignee');
  });

  it('the recused officer cannot see it at all (404 like an absent report)', async () => {
    await recusedOfficer.agent.get(`/api/v1/intake/reports/${id}`).expect(404);
    const act = await post(recusedOfficer, 'messages', { message: 'x' });
    expect([act.status, act.body.error.code]).toEqual([404, 'not_found']);
  });
});
