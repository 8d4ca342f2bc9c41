import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { Case } from '../../src/cases/entities/case.entity.js';
import { ClueReport } from '../../src/clues/entities/clue-report.entity.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { MatterProposal } from '../../src/clues/entities/matter-proposal.entity.js';
import { ReportMessage } from '../../src/reports/entities/report-message.entity.js';
import type { Role } from '../../src/users/entities/user.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertTipoff, staff, submitTipoff, tipoff } from '../factories/intake.js';

type Staff = Awaited<ReturnType<typeof staff>>;
const COUNTY = '430421000000';

/**
 * The staff pages of matters (/staff/matters): work list, matter page with its forms, approvals queue,
 * overdue list and printable documents — through the real login, CSRF and rendering, on the database
 * of the run (SQLite or MariaDB).
 */
describe('matter pages', () => {
  let t: TestApp;
  let officer: Staff;
  let handler: Staff;
  let handler2: Staff;
  let leader: Staff;
  let leader2: Staff;
  let reviewer: Staff;
  let custodian: Staff;
  let outsider: Staff;
  let outsideLeader: Staff;
  const as = (roles: Role[], scope = COUNTY) => staff(t, scope, roles);
  const post = (s: Staff, path: string, body: Record<string, string> | string) =>
    typeof body === 'string' ? s.agent.post(path).type('form').send(`_csrf=${encodeURIComponent(s.csrfToken)}&${body}`) : s.agent.post(path).type('form').send({ _csrf: s.csrfToken, ...body });
  const api = (s: Staff, path: string, body: object) => s.agent.post(path).set('X-CSRF-Token', s.csrfToken).send(body);
  const page = async (s: Staff, path: string, status = 200) => (await s.agent.get(path).expect(status)).text;

  /** Accepts a fixture tip-off (submitted like the web form) and returns its report and clue ids. */
  async function acceptedClue(id: string): Promise<{ reportId: number; clueId: number }> {
    const reportId = await submitTipoff(t, id);
    const res = await api(officer, `/api/v1/intake/reports/${reportId}/accept`, {}).expect(200);
    return { reportId, clueId: res.body.clueId as number };
  }

  async function status(clueId: number): Promise<string> {
    return (await t.ds.getRepository(Clue).findOneByOrFail({ id: clueId })).status;
  }

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    officer = await as(['intake_officer']);
    handler = await as(['case_handler']);
    handler2 = await as(['case_handler']);
    leader = await as(['leader']);
    leader2 = await as(['leader']);
    reviewer = await as(['trial_reviewer']);
    custodian = await as(['identity_custodian']);
    outsider = await as(['case_handler', 'leader'], '430422000000');
    outsideLeader = await as(['leader'], '430422000000');
  });
  afterAll(async () => t?.close());

  it('walks a real-name matter through the pages: assignment, disposal approval, filing approval with the queue, filing decision document', async () => {
    const { reportId, clueId } = await acceptedClue('T02');
    // Leader assigns the handler on the matter page.
    const assignPage = await page(leader, `/staff/matters/${clueId}`);
    expect(assignPage).toContain('分配承办人');
    expect(assignPage).toContain('name="_csrf"');
    await post(leader, `/staff/matters/${clueId}/assign`, { assigneeUserId: String(handler.user.id) }).expect(303);
    expect((await t.ds.getRepository(Clue).findOneByOrFail({ id: clueId })).assignedUserId).toBe(handler.user.id);

    // The handler's work list shows the clue with its state and due status.
    const list = await page(handler, '/staff/matters');
    expect(list).toContain(`data-clue-id="${clueId}"`);
    expect(list).toContain('已登记');
    expect(list).toMatch(/提出处置意见：到期 \d{4}-\d{2}-\d{2}/);
    expect(list).toContain(tipoff('T02').subjects[0].name);
    // Not in the other handler's own list, but in the county list.
    expect(await page(handler2, '/staff/matters')).not.toContain(`data-clue-id="${clueId}"`);
    expect(await page(handler2, '/staff/matters?tab=all')).toContain(`data-clue-id="${clueId}"`);

    // A missing field comes back with a Chinese message and the typed values, nothing changed.
    const refused = await post(handler, `/staff/matters/${clueId}/transition`, { action: 'propose_disposal', method: 'preliminary_verification', reasoning: '' }).expect(422);
    expect(refused.text).toContain('请填写处置理由');
    expect(await status(clueId)).toBe('registered');
    // A transition not allowed now says what is.
    const wrong = await post(handler, `/staff/matters/${clueId}/transition`, { action: 'file_case', verificationReport: 'x', filingDecision: 'y' }).expect(409);
    expect(wrong.text).toContain('当前状态为“已登记”，可进行：提出处置意见');

    const page1 = await page(handler, `/staff/matters/${clueId}`);
    expect(page1).toContain('data-action="propose_disposal"');
    expect(page1).not.toContain('data-action="approve_disposal"');
    await post(handler, `/staff/matters/${clueId}/transition`, { action: 'propose_disposal', method: 'preliminary_verification', reasoning: '反映具体，可查' })
      .expect(303)
      .expect('location', `/staff/matters/${clueId}?done=transition#top`);
    expect(await status(clueId)).toBe('disposal_proposed');

    // The leader's queue lists the disposal; the leader approves on the matter page.
    const queue = await page(leader, '/staff/matters/approvals');
    expect(queue).toContain(`/staff/matters/${clueId}#approvals`);
    expect(queue).toContain('处置意见：初步核实');
    await page(handler, '/staff/matters/approvals', 404);
    const leaderPage = await page(leader, `/staff/matters/${clueId}`);
    expect(leaderPage).toContain('data-action="approve_disposal"');
    await post(leader, `/staff/matters/${clueId}/transition`, { action: 'approve_disposal', to: 'preliminary_verification', reason: '同意' }).expect(303);
    expect(await status(clueId)).toBe('preliminary_verification');

    // Filing is proposed (pending), shown in the queue, approved by the leader.
    await post(handler, `/staff/matters/${clueId}/transition`, { action: 'file_case', verificationReport: '初核属实：<b>粗体</b>', filingDecision: '决定对周国平立案审查调查' })
      .expect(303)
      .expect('location', `/staff/matters/${clueId}?done=proposed#top`);
    const proposal = await t.ds.getRepository(MatterProposal).findOneByOrFail({ clueId, action: 'file_case' });
    expect(proposal.status).toBe('pending');
    expect(await page(leader, '/staff/matters/approvals')).toContain('立案：已立案');
    const pendingPage = await page(leader, `/staff/matters/${clueId}`);
    expect(pendingPage).toContain(`/staff/matters/${clueId}/proposals/${proposal.id}/approve`);
    expect(pendingPage).toContain('初核属实：&lt;b&gt;粗体&lt;/b&gt;');
    // Rejecting needs a reason.
    expect((await post(leader, `/staff/matters/${clueId}/proposals/${proposal.id}/reject`, { reason: '' }).expect(422)).text).toContain('请填写不同意的理由');
    await post(leader, `/staff/matters/${clueId}/proposals/${proposal.id}/approve`, { reason: '同意立案' }).expect(303).expect('location', `/staff/matters/${clueId}?done=approved#top`);
    expect(await status(clueId)).toBe('case_filed');
    const caseRow = await t.ds.getRepository(Case).findOneByOrFail({ clueId });
    const filed = await page(handler, `/staff/matters/${clueId}`);
    expect(filed).toContain(caseRow.caseNumber);
    expect(filed).toContain('立案决定书');
    expect(filed).not.toContain(tipoff('T02').reporter!.name);
    expect(await page(leader, '/staff/matters/approvals')).not.toContain(`/staff/matters/${clueId}#approvals`);

    // Timeline: every event with its actor.
    for (const label of ['登记线索', '分配承办人', '提出处置意见', '批准处置意见', '提出申请（待领导审批）', '立案']) expect(filed).toContain(label);
    expect(filed).toContain(handler.user.displayName);
    expect(filed).toContain(leader.user.displayName);

    // The filing decision: case number, subjects, decision text escaped; printed audited; no reporter.
    const doc = await page(handler, `/staff/matters/${clueId}/documents/filing`);
    expect(doc).toContain('立案决定书');
    expect(doc).toContain(caseRow.caseNumber);
    expect(doc).toContain('决定对周国平立案审查调查');
    expect(doc).toContain('/assets/print.css');
    expect(doc).not.toContain(tipoff('T02').reporter!.name);
    expect(await t.ds.getRepository(AuditEvent).findOneBy({ action: 'clue.document_printed', recordType: 'clue', recordId: String(clueId) })).toMatchObject({ actorUserId: handler.user.id });
    // Documents not yet available are refused with a message.
    expect((await handler.agent.get(`/staff/matters/${clueId}/documents/inquiry?subject=${(await t.ds.getRepository(ClueSubject).findOneByOrFail({ clueId })).id}`).expect(409)).text).toContain('不是谈话函询');
    void reportId;
  });

  it('messages to the reporter go to the follow-up; the acknowledgement notice names the reporter only under an approved reveal', async () => {
    const { reportId, clueId } = await acceptedClue('T04');
    await api(leader, `/api/v1/matters/${clueId}/assign`, { assigneeUserId: handler.user.id }).expect(200);
    expect((await post(handler, `/staff/matters/${clueId}/messages/${reportId}`, { body: '' }).expect(422)).text).toContain('请填写留言内容');
    await post(handler, `/staff/matters/${clueId}/messages/${reportId}`, { body: '请补充<i>证明</i>材料' }).expect(303).expect('location', `/staff/matters/${clueId}?done=message#top`);
    const msg = await t.ds.getRepository(ReportMessage).findOneByOrFail({ reportId, direction: 'to_reporter', authorUserId: handler.user.id });
    expect(msg.body).toBe('请补充<i>证明</i>材料');
    const audit = await t.ds.getRepository(AuditEvent).findOneByOrFail({ action: 'report.message_sent', recordType: 'report', recordId: String(reportId) });
    expect(audit.actorUserId).toBe(handler.user.id);
    expect(JSON.stringify(audit)).not.toContain('证明');
    const p = await page(handler, `/staff/matters/${clueId}`);
    expect(p).toContain('请补充&lt;i&gt;证明&lt;/i&gt;材料');
    // A report not part of the clue is 404.
    const other = await acceptedClue('T05');
    await post(handler, `/staff/matters/${clueId}/messages/${other.reportId}`, { body: '你好' }).expect(404);

    expect(p).toContain(`/staff/custody/reports/${reportId}`);
    // Acknowledgement notice without a reveal: a blank for the name.
    const reporterName = tipoff('T04').reporter!.name;
    const blank = await page(handler, `/staff/matters/${clueId}/documents/acknowledgement?report=${reportId}`);
    expect(blank).toContain('受理告知书');
    expect(blank).toContain('doc-fill');
    expect(blank).not.toContain(reporterName);
    // Anonymous reports have no notice.
    await handler.agent.get(`/staff/matters/${other.clueId}/documents/acknowledgement?report=${other.reportId}`).expect(404);
    // After a custodian approves the handler's reveal request, the name appears (and the view is audited).
    const req = await api(handler, `/api/v1/custody/reports/${reportId}/requests`, { reason: '需当面告知受理情况' }).expect(201);
    await api(custodian, `/api/v1/custody/requests/${req.body.id}/approve`, { reason: '同意查看，限告知用' }).expect(200);
    const named = await page(handler, `/staff/matters/${clueId}/documents/acknowledgement?report=${reportId}`);
    expect(named).toContain(`<span class="reporter-name">${reporterName}</span>`);
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'custody.identity_viewed', recordId: String(reportId), actorUserId: handler.user.id })).toBe(1);
    // Another handler without a reveal still sees the blank.
    expect(await page(handler2, `/staff/matters/${clueId}/documents/acknowledgement?report=${reportId}`)).not.toContain(reporterName);
  });

  it('escapes hostile content everywhere; outside the scope or recused is 404 for pages, forms and documents', async () => {
    const r = await insertTipoff(t, 'T08', { status: 'received' });
    const clueId = (await api(officer, `/api/v1/intake/reports/${r.id}/accept`, {}).expect(200)).body.clueId as number;
    await api(leader, `/api/v1/matters/${clueId}/assign`, { assigneeUserId: handler.user.id }).expect(200);
    const html = await page(handler, `/staff/matters/${clueId}`);
    expect(html).not.toContain("<script>alert('x')</script>");
    expect(html).toContain('&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;');
    expect(await page(handler, '/staff/matters')).not.toContain('<script>alert');

    for (const s of [outsider, outsideLeader]) {
      await s.agent.get(`/staff/matters/${clueId}`).expect(404);
      await s.agent.get(`/staff/matters/${clueId}/documents/filing`).expect(404);
      expect(await page(s, '/staff/matters?tab=all')).not.toContain(`data-clue-id="${clueId}"`);
    }
    await post(outsider, `/staff/matters/${clueId}/assign`, { assigneeUserId: String(outsider.user.id) }).expect(404);
    await post(outsider, `/staff/matters/${clueId}/transition`, { action: 'propose_disposal', method: 'held', reasoning: 'x' }).expect(404);
    await handler.agent.get('/staff/matters/abc').expect(404);
    await handler.agent.get('/staff/matters/99999999').expect(404);
    // An officer without the matter roles (an auditor) gets 404 on every page.
    const auditor = await as(['auditor']);
    await auditor.agent.get('/staff/matters').expect(404);
    await auditor.agent.get(`/staff/matters/${clueId}`).expect(404);
    // The intake officer may read the matter (DESIGN.md §5) but not write to the reporter: 403 with the reason, nothing sent.
    await officer.agent.get(`/staff/matters/${clueId}`).expect(200);
    const refused = await post(officer, `/staff/matters/${clueId}/messages/${r.id}`, { body: '请补充材料' }).expect(403);
    expect(refused.text).toContain('只有承办人或领导才能给举报人留言');

    // Recused: handler2 declares recusal; the page, the form and the document are 404, and the list leaves it out.
    await handler2.agent.get(`/staff/matters/${clueId}`).expect(200);
    await api(handler2, `/api/v1/matters/${clueId}/recusal`, { reason: '与被反映人系同学' }).expect(204);
    await handler2.agent.get(`/staff/matters/${clueId}`).expect(404);
    await handler2.agent.get(`/staff/matters/${clueId}/documents/filing`).expect(404);
    await post(handler2, `/staff/matters/${clueId}/messages/${r.id}`, { body: 'x' }).expect(404);
    expect(await page(handler2, '/staff/matters?tab=all')).not.toContain(`data-clue-id="${clueId}"`);
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'recusal.blocked', recordType: 'clue', recordId: String(clueId), actorUserId: handler2.user.id })).toBeGreaterThanOrEqual(2);
    // Forms without the CSRF token are refused.
    await handler.agent.post(`/staff/matters/${clueId}/transition`).type('form').send({ action: 'propose_disposal', method: 'held', reasoning: 'x' }).expect(403);
    expect(await status(clueId)).toBe('registered');
  });

  it('talk-and-inquiry: the inquiry letter for a subject, outcomes entry, name clearing and conclusion', async () => {
    const { clueId } = await acceptedClue('T06');
    await api(leader, `/api/v1/matters/${clueId}/assign`, { assigneeUserId: handler.user.id }).expect(200);
    await post(handler, `/staff/matters/${clueId}/transition`, { action: 'propose_disposal', method: 'talk_inquiry', reasoning: '问题较轻，函询' }).expect(303);
    await post(leader, `/staff/matters/${clueId}/transition`, { action: 'approve_disposal', to: 'talk_inquiry', reason: '同意' }).expect(303);
    const subject = await t.ds.getRepository(ClueSubject).findOneByOrFail({ clueId });
    const letter = await page(handler, `/staff/matters/${clueId}/documents/inquiry?subject=${subject.id}`);
    expect(letter).toContain('函询函');
    expect(letter).toContain(subject.name);
    expect(letter).toContain('15 个工作日');
    await handler.agent.get(`/staff/matters/${clueId}/documents/inquiry?subject=99999`).expect(404);
    await handler.agent.get(`/staff/matters/${clueId}/documents/unknown`).expect(404);
    const p = await page(handler, `/staff/matters/${clueId}`);
    expect(p).toContain(`/staff/matters/${clueId}/documents/inquiry?subject=${subject.id}`);
    expect(p).toContain('data-action="conclude_talk"');
    expect(p).toContain('data-action="escalate_talk"');
    expect(p).toMatch(/报送谈话函询情况：到期/);

    // Outcomes entry: a verification conclusion per subject.
    await post(handler, `/staff/matters/${clueId}/outcomes`, { subjectId: String(subject.id), kindType: 'verification:unsubstantiated' }).expect(303);
    const withOutcome = await page(handler, `/staff/matters/${clueId}`);
    expect(withOutcome).toContain('核实结论');
    expect(withOutcome).toContain('不实');
    // Name clearing for an unsubstantiated report.
    await post(handler, `/staff/matters/${clueId}/name-clearings`, { subjectId: String(subject.id), clearedOn: '2026-11-20', method: '在村民代表会议上说明' }).expect(303);
    expect(await page(handler, `/staff/matters/${clueId}`)).toContain('在村民代表会议上说明');

    // Conclude: the conclusion is required, then recorded.
    expect((await post(handler, `/staff/matters/${clueId}/transition`, { action: 'conclude_talk', situationReport: '已函询，说明清楚' }).expect(422)).text).toContain('请选择了结结论');
    await post(handler, `/staff/matters/${clueId}/transition`, { action: 'conclude_talk', situationReport: '已函询，说明清楚', conclusion: 'cleared' }).expect(303);
    const done = await page(handler, `/staff/matters/${clueId}`);
    expect(done).toContain('予以了结（予以澄清）');
    expect(done).toContain('本线索已办结');
  });

  it('a leader who proposed cannot approve: the page says so and the server refuses', async () => {
    const hl = await as(['case_handler', 'leader']);
    const { clueId } = await acceptedClue('T09');
    await api(leader, `/api/v1/matters/${clueId}/assign`, { assigneeUserId: hl.user.id }).expect(200);
    await post(hl, `/staff/matters/${clueId}/transition`, { action: 'propose_disposal', method: 'held', reasoning: '暂无可查线索' }).expect(303);
    expect(await page(hl, `/staff/matters/${clueId}`)).toContain('这是您本人提出的处置意见，须由其他领导审批');
    expect(await page(hl, '/staff/matters/approvals')).toContain('本人提出，须其他领导审批');
    const refused = await post(hl, `/staff/matters/${clueId}/transition`, { action: 'approve_disposal', to: 'held', reason: '同意' }).expect(403);
    expect(refused.text).toContain('不能审批本人提出的处置意见');
    expect(await status(clueId)).toBe('disposal_proposed');
    await post(leader2, `/staff/matters/${clueId}/transition`, { action: 'approve_disposal', to: 'held', reason: '同意' }).expect(303);
    expect(await status(clueId)).toBe('held');
  });

  it('the overdue list per region for leaders: overdue clocks of the scope only, grouped by township, most overdue first', async () => {
    const a = await acceptedClue('T01');
    const b = await acceptedClue('T07');
    await t.ds.getRepository(Clue).update({ id: a.clueId }, { dueDate: '2026-01-05' });
    await t.ds.getRepository(Clue).update({ id: b.clueId }, { dueDate: '2026-02-10' });
    const html = await page(leader, '/staff/matters/overdue');
    expect(html).toContain('逾期清单');
    expect(html).toContain(`data-clue-id="${a.clueId}"`);
    expect(html).toContain(`data-clue-id="${b.clueId}"`);
    expect(html).toContain('data-region="430421101000"');
    expect(html).toContain('集兵镇');
    expect(html).toContain('data-region="430421103000"');
    expect(html).toMatch(/已超期 \d+ 个工作日/);
    expect(html).toContain('2026-01-05');
    expect(await page(outsideLeader, '/staff/matters/overdue')).not.toContain(`data-clue-id="${a.clueId}"`);
    await handler.agent.get('/staff/matters/overdue').expect(404);
    await reviewer.agent.get('/staff/matters/overdue').expect(404);
    // Shown as overdue in the handler's list too.
    await api(leader, `/api/v1/matters/${a.clueId}/assign`, { assigneeUserId: handler.user.id }).expect(200);
    expect(await page(handler, '/staff/matters')).toMatch(new RegExp(`data-clue-id="${a.clueId}"[\\s\\S]*?class="overdue"`));
    // The home page links to the lists.
    const home = await page(leader, '/staff');
    expect(home).toContain('/staff/matters/overdue');
    expect(home).toContain('/staff/matters/approvals');
    expect(await t.ds.getRepository(ClueReport).countBy({ clueId: a.clueId })).toBe(1);
  });
});
