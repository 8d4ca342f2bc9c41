import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { AuditVerifier } from '../../src/audit/audit-verifier.js';
import { Case } from '../../src/cases/entities/case.entity.js';
import { EntitlementChange, MatterOutcome, NameClearing, Recovery } from '../../src/cases/entities/outcomes.entity.js';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { ClueEvent } from '../../src/clues/entities/clue-event.entity.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { ReportFeedback } from '../../src/clues/entities/report-feedback.entity.js';
import { MatterProposal } from '../../src/clues/entities/matter-proposal.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertReport, insertTipoff, tipoff } from '../factories/intake.js';
import { insertHousehold, insertOfficial } from '../factories/matters.js';
import { hiddenField } from '../factories/reports.js';
import { dueDateOf } from '../../src/clues/matter-clocks.js';
import { CalendarService } from '../../src/regions/calendar.service.js';
import { accept, assign, clueAudit, dispose, matterCast, post, submitPublic, transition, type Cast } from '../factories/matters-flow.js';

/**
 * The paths of issue 4's acceptance, through the JSON API with real users, on tip-offs from
 * test/fixtures/tipoffs.json: each step asserts the stored facts and the audit trail.
 */
describe('matters: the paths from tip-off to closure', () => {
  let t: TestApp;
  let c: Cast;
  let ip = 20;
  const clue = (id: number) => t.ds.getRepository(Clue).findOneByOrFail({ id });
  const detail = async (id: number) => (await c.handler.agent.get(`/api/v1/matters/${id}`).expect(200)).body;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '1', RECEIPT_TRIES_PER_WINDOW: '1000' } });
    await ensureIntakeOffices(t);
    c = await matterCast(t);
  });
  afterAll(async () => t?.close());

  it('talk-and-inquiry → concluded, cleared (T01)', async () => {
    const r = await insertTipoff(t, 'T01');
    const id = await accept(c, r.id);
    expect(await clue(id)).toMatchObject({ status: 'registered', dueClock: 'propose_disposal' });
    await assign(c, id);
    expect(await clue(id)).toMatchObject({ assignedUserId: c.handler.user.id });

    const proposed = await transition(c.handler, id, { action: 'propose_disposal', method: 'talk_inquiry', reasoning: '反映优亲厚友，先谈话函询' }).expect(200);
    expect(proposed.body).toMatchObject({ status: 'disposal_proposed', proposalId: null });
    expect(await clue(id)).toMatchObject({ status: 'disposal_proposed', disposalMethod: 'talk_inquiry', dueClock: null });

    await transition(c.leader, id, { action: 'approve_disposal', reason: '同意谈话函询' }).expect(200);
    const talking = await clue(id);
    expect(talking).toMatchObject({ status: 'talk_inquiry', dueClock: 'talk_report' });
    expect(talking.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    await transition(c.handler, id, { action: 'conclude_talk', situationReport: '经谈话，刘建国如实说明，所反映问题不属实', conclusion: 'cleared' }).expect(200);
    expect(await clue(id)).toMatchObject({ status: 'concluded', conclusion: 'cleared', dueClock: null, dueDate: null });

    const events = await t.ds.getRepository(ClueEvent).find({ where: { clueId: id }, order: { id: 'ASC' } });
    expect(events.map((e) => [e.action, e.fromStatus, e.toStatus, e.actorUserId])).toEqual([
      ['registered', null, 'registered', c.officer.user.id],
      ['assigned', null, null, c.leader.user.id],
      ['propose_disposal', 'registered', 'disposal_proposed', c.handler.user.id],
      ['approve_disposal', 'disposal_proposed', 'talk_inquiry', c.leader.user.id],
      ['conclude_talk', 'talk_inquiry', 'concluded', c.handler.user.id],
    ]);
    expect(JSON.parse(events[4].details!)).toMatchObject({ situationReport: expect.stringContaining('不属实'), conclusion: 'cleared' });
    expect(await clueAudit(t, id)).toEqual(['clue.registered', 'clue.assigned', 'clue.propose_disposal', 'clue.approve_disposal', 'clue.conclude_talk']);
    const d = await detail(id);
    expect(d).toMatchObject({ status: 'concluded', conclusion: 'cleared', conclusionLabel: '予以澄清', allowedActions: [] });
    expect(d.timeline).toHaveLength(5);
  });

  it('preliminary verification → filed → investigation → trial → returned → decided (party + government sanction, money, household) → closed → feedback → objection → answer (T02, real name)', async () => {
    const { reportId, receiptCode } = await submitPublic(t, 'T02', `198.51.100.${ip++}`);
    const id = await accept(c, reportId);
    await assign(c, id);
    await dispose(c, id, 'preliminary_verification');
    expect(await clue(id)).toMatchObject({ status: 'preliminary_verification' });

    // The subjects are identified: the party secretary (a party member) and the village accountant (not one).
    const secretary = await insertOfficial(t, { name: '周国平', role: 'village_party_branch', partyMember: true, regionCode: tipoff('T02').regionCode, position: '村党支部书记' });
    const accountant = await insertOfficial(t, { name: '村会计', role: 'village_committee', partyMember: false, regionCode: tipoff('T02').regionCode, position: '村会计' });
    const [s1, s2] = await t.ds.getRepository(ClueSubject).find({ where: { clueId: id }, order: { ordinal: 'ASC' } });
    await post(c.handler, `/api/v1/matters/${id}/subjects/${s1.id}`, { officialId: secretary.id }).expect(200);
    await post(c.handler, `/api/v1/matters/${id}/subjects/${s2.id}`, { officialId: accountant.id }).expect(200);
    expect(await t.ds.getRepository(ClueSubject).findOneByOrFail({ id: s1.id })).toMatchObject({ officialId: secretary.id, partyMember: true, officialRole: 'village_party_branch' });

    // Filing: the handler proposes, a leader approves; the number is taken then.
    const filing = await transition(c.handler, id, { action: 'file_case', verificationReport: '初核查明周国平将低保名额在村干部亲属间轮流分配', filingDecision: '对周国平等人立案审查调查' }).expect(200);
    expect(filing.body).toMatchObject({ status: 'preliminary_verification', proposalId: expect.any(Number), caseNumber: null });
    expect(await t.ds.getRepository(Case).countBy({ clueId: id })).toBe(0);
    const approved = await post(c.leader, `/api/v1/matters/${id}/proposals/${filing.body.proposalId}/approve`, { reason: '同意立案' }).expect(200);
    expect(approved.body).toMatchObject({ status: 'case_filed', caseNumber: expect.stringMatching(/^430421-\d{4}-\d{4}$/) });
    const filed = await t.ds.getRepository(Case).findOneByOrFail({ clueId: id });
    expect(filed).toMatchObject({ caseNumber: approved.body.caseNumber, countyCode: '430421', proposedByUserId: c.handler.user.id, approvedByUserId: c.leader.user.id });
    expect(await t.ds.getRepository(MatterProposal).findOneByOrFail({ id: filing.body.proposalId })).toMatchObject({ status: 'approved', decidedByUserId: c.leader.user.id });

    // Investigation with a second investigator; an investigation step by two people.
    await transition(c.handler, id, { action: 'start_investigation', investigationPlan: '调取低保审批材料，询问评议小组成员', coHandlerUserId: c.handler2.user.id }).expect(200);
    expect(await t.ds.getRepository(Case).findOneByOrFail({ clueId: id })).toMatchObject({ coHandlerUserId: c.handler2.user.id });
    await post(c.handler, `/api/v1/matters/${id}/investigation-steps`, { kind: '询问', on: '2026-11-20', staffUserIds: [c.handler.user.id, c.handler2.user.id] }).expect(201);

    // Trial; returned once; back to investigation; trial again; decided.
    await transition(c.handler, id, { action: 'submit_for_trial', investigationReport: '查明事实清楚' }).expect(200);
    expect(await clue(id)).toMatchObject({ status: 'trial', dueClock: 'trial' });
    await transition(c.reviewer, id, { action: 'return_case', trialOpinion: '轮流分配的户数证据不足，退回补充调查' }).expect(200);
    expect(await clue(id)).toMatchObject({ status: 'returned' });
    await transition(c.handler, id, { action: 'resume_investigation', reason: '补充调取 2023 年评议记录' }).expect(200);
    await transition(c.handler, id, { action: 'submit_for_trial', investigationReport: '补充证据后事实清楚' }).expect(200);
    // The trial clock is extended once by a leader (2 months from the start of the trial).
    const trialStart = await clue(id);
    await post(c.leader, `/api/v1/matters/${id}/extend-trial`, {}).expect(422);
    const ext = await post(c.leader, `/api/v1/matters/${id}/extend-trial`, { reason: '案情复杂，需补充审理' }).expect(200);
    expect(ext.body.dueDate).toBe(dueDateOf(t.app.get(CalendarService), 'trial_extended', trialStart.stateEnteredAt).due);
    expect(await clue(id)).toMatchObject({ dueClock: 'trial_extended', dueDate: ext.body.dueDate });
    await post(c.leader, `/api/v1/matters/${id}/extend-trial`, { reason: '再延' }).expect(409);

    // Outcomes per subject (sanctions in trial or after the decision).
    const out = (body: object) => post(c.reviewer, `/api/v1/matters/${id}/outcomes`, body);
    await out({ subjectId: s1.id, kind: 'verification', type: 'substantiated' }).expect(201);
    await out({ subjectId: s2.id, kind: 'verification', type: 'partly_substantiated' }).expect(201);
    const party = await out({ subjectId: s1.id, kind: 'party_sanction', type: 'serious_warning', decidedOn: '2026-11-25' }).expect(201);
    expect(party.body).toMatchObject({ effectMonths: 18, effectFrom: '2026-11-25', effectTo: '2028-05-25' });
    const gov = await out({ subjectId: s1.id, kind: 'government_sanction', type: 'dismissal_from_post', decidedOn: '2026-11-25', receivedOn: '2026-11-26' }).expect(201);
    expect(gov.body).toMatchObject({ effectMonths: 24, effectTo: '2028-11-25' });
    await out({ subjectId: s2.id, kind: 'government_sanction', type: 'demerit', decidedOn: '2026-11-25' }).expect(201);
    await transition(c.reviewer, id, { action: 'decide', trialOpinion: '事实清楚，证据确凿，定性准确，处分恰当' }).expect(200);
    expect(await clue(id)).toMatchObject({ status: 'decided', dueClock: 'announce_decision' });

    const household = await insertHousehold(t, '周某亲属', tipoff('T02').regionCode);
    await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 1_234_500, recoveredOn: '2026-11-26', subjectId: s1.id }).expect(201);
    await post(c.handler, `/api/v1/matters/${id}/entitlement-changes`, { change: 'removed', effectiveMonth: '2026-12', householdId: household.id }).expect(201);
    await post(c.handler, `/api/v1/matters/${id}/rectifications`, { task: '重新开展低保民主评议并公示', ownerUnit: '集兵镇人民政府', dueDate: '2027-01-31' }).expect(201);
    expect(await t.ds.getRepository(Recovery).findOneByOrFail({ clueId: id })).toMatchObject({ amountFen: 1_234_500 });
    expect(await t.ds.getRepository(EntitlementChange).findOneByOrFail({ clueId: id })).toMatchObject({ householdId: household.id, change: 'removed', effectiveMonth: '2026-12' });

    // 政务处分 review request with its clock.
    const review = await post(c.handler, `/api/v1/matters/${id}/sanction-reviews`, { outcomeId: gov.body.id, kind: 'review', requestedOn: '2026-11-27' }).expect(201);
    expect(review.body).toMatchObject({ requestDue: '2026-12-28', decisionDue: '2026-12-28' });
    // Both appear on the leaders' overdue list once past their dates.
    const late = (await c.leader.agent.get('/api/v1/matters/overdue?today=2027-02-01').expect(200)).body.items.filter((r: { clueId: number }) => r.clueId === id);
    expect(late).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rectificationId: expect.any(Number), clock: expect.objectContaining({ label: '整改期限', due: '2027-01-31', status: 'overdue' }) }),
        expect.objectContaining({ sanctionReviewId: review.body.id, clock: expect.objectContaining({ clock: 'review_decision', due: '2026-12-28', status: 'overdue' }) }),
      ]),
    );

    // Closing: proposal by the handler, approval by a leader.
    const closing = await transition(c.handler, id, { action: 'close', announcedOn: '2026-11-27' }).expect(200);
    await post(c.leader2, `/api/v1/matters/${id}/proposals/${closing.body.proposalId}/approve`, {}).expect(200);
    expect(await clue(id)).toMatchObject({ status: 'closed' });
    expect(await t.ds.getRepository(Case).findOneByOrFail({ clueId: id })).toMatchObject({ announcedOn: '2026-11-27', closedAt: expect.any(Date) });

    // The real-name reporter is owed the result within 15 working days.
    const owed = await t.ds.getRepository(ReportFeedback).findOneByOrFail({ reportId });
    expect(owed).toMatchObject({ clueId: id, sentAt: null });
    expect((await detail(id)).feedback[0].clock).toMatchObject({ clock: 'feedback_result', status: expect.stringMatching(/^due/) });
    const followup = (code: string) => request(t.server).post('/api/v1/followup').set('X-Forwarded-For', '198.51.100.250').send({ receiptCode: code }).expect(200);
    await request(t.server).post('/api/v1/followup/objection').set('X-Forwarded-For', '198.51.100.250').send({ receiptCode, body: '还没有结果' }).expect(409);

    const wording = '经查，您反映的问题基本属实，已对相关人员作出处理，追缴违规资金，并督促整改。';
    await post(c.handler, `/api/v1/matters/${id}/feedback/${reportId}`, { text: wording }).expect(200);
    let view = (await followup(receiptCode)).body;
    expect(view.messages.map((m: { body: string }) => m.body)).toContain(wording);
    expect(view.resultFeedback).toEqual({ result: wording, canObject: true, objection: null, answer: null });
    expect(JSON.stringify(view)).not.toContain(approved.body.caseNumber);

    // The follow-up page shows the result and the objection form; the citizen objects there, once.
    const agent = request.agent(t.server);
    const lookup = await agent.get('/followup').set('X-Forwarded-For', '198.51.100.251').expect(200);
    const page = await agent.post('/followup').set('X-Forwarded-For', '198.51.100.251').type('form').send({ _csrf: hiddenField(lookup.text, '_csrf'), receiptCode }).expect(200);
    expect(page.text).toContain(wording);
    expect(page.text).toContain('action="/followup/objection"');
    const objection = (body: string) => agent.post('/followup/objection').set('X-Forwarded-For', '198.51.100.251').type('form').send({ _csrf: hiddenField(page.text, '_csrf'), token: hiddenField(page.text, 'token'), body });
    const empty = await objection('').expect(422);
    expect(empty.text).toContain('请填写异议内容');
    const objected = await objection('处理太轻，轮流吃低保的户没有全部清退').expect(200);
    expect(objected.text).toContain('已收到您的异议');
    expect(objected.text).not.toContain('action="/followup/objection"');
    expect(objected.text).toContain('已办结');
    // The same form replayed: refused (409) with the reason shown on the page.
    const replayed = await objection('再提一次异议').expect(409);
    expect(replayed.text).toContain('对处理结果只能在收到反馈后提出一次异议');
    await request(t.server).post('/api/v1/followup/objection').set('X-Forwarded-For', '198.51.100.250').send({ receiptCode, body: '再提一次' }).expect(409);
    const answer = '经复查，涉及的 3 户均已停保，您的异议不成立。';
    await post(c.handler, `/api/v1/matters/${id}/feedback/${reportId}/answer`, { text: answer }).expect(200);
    view = (await followup(receiptCode)).body;
    expect(view.resultFeedback).toEqual({ result: wording, canObject: false, objection: '处理太轻，轮流吃低保的户没有全部清退', answer });
    expect(await t.ds.getRepository(ReportFeedback).findOneByOrFail({ reportId })).toMatchObject({ objectedAt: expect.any(Date), answeredByUserId: c.handler.user.id });

    expect(await clueAudit(t, id)).toEqual([
      'clue.registered',
      'clue.assigned',
      'clue.propose_disposal',
      'clue.approve_disposal',
      'clue.subject_identified',
      'clue.subject_identified',
      'clue.proposed',
      'clue.file_case',
      'clue.start_investigation',
      'case.investigation_step',
      'clue.submit_for_trial',
      'clue.return_case',
      'clue.resume_investigation',
      'clue.submit_for_trial',
      'clue.trial_extended',
      'clue.outcome_recorded',
      'clue.outcome_recorded',
      'clue.outcome_recorded',
      'clue.outcome_recorded',
      'clue.outcome_recorded',
      'clue.decide',
      'clue.recovery_recorded',
      'clue.entitlement_changed',
      'clue.rectification_added',
      'clue.review_requested',
      'clue.proposed',
      'clue.close',
      'clue.view',
    ]);
    const reportAudit = (await t.ds.getRepository(AuditEvent).find({ where: { recordType: 'report', recordId: String(reportId) }, order: { id: 'ASC' } })).map((a) => a.action);
    expect(reportAudit).toEqual(expect.arrayContaining(['report.result_fed_back', 'report.objection_raised', 'report.objection_answered']));
    const all = JSON.stringify(await t.ds.getRepository(AuditEvent).find({ where: { recordType: 'clue', recordId: String(id) } }));
    expect(all).not.toContain('周国平');
    expect((await new AuditVerifier(t.ds).verify({ batchSize: 500 })).ok).toBe(true);
    expect(await t.ds.getRepository(MatterOutcome).countBy({ clueId: id })).toBe(5);
  });

  it('held → reopened by a new report joining the clue (T05)', async () => {
    const r = await insertTipoff(t, 'T05');
    const id = await accept(c, r.id);
    await assign(c, id);
    await dispose(c, id, 'held');
    expect(await clue(id)).toMatchObject({ status: 'held', disposalMethod: 'held' });
    // Without a new lead, "new report" is not a ground.
    const refused = await transition(c.handler, id, { action: 'reopen', to: 'preliminary_verification', ground: 'new_report', reason: '有新举报' }).expect(422);
    expect(refused.body.error.fields.ground).toContain('没有新的举报');

    const f = tipoff('T05');
    const again = await insertReport(t, { regionCode: f.regionCode, subjects: f.subjects, description: '陈秀英仍在冒领已故村民的低保金，本月又领了一次，请组织调查。' });
    const suggestions = (await c.officer.agent.get(`/api/v1/matters/suggestions?reportId=${again.id}`).expect(200)).body.items;
    expect(suggestions[0]).toMatchObject({ clueId: id, status: 'held' });
    expect(await accept(c, again.id, id)).toBe(id);
    await transition(c.handler, id, { action: 'reopen', to: 'preliminary_verification', ground: 'new_report', reason: '新举报提供了冒领的具体时间' }).expect(200);
    expect(await clue(id)).toMatchObject({ status: 'preliminary_verification', disposalMethod: 'preliminary_verification' });
    expect((await t.ds.getRepository(ClueEvent).find({ where: { clueId: id }, order: { id: 'ASC' } })).map((e) => e.action)).toEqual([
      'registered',
      'assigned',
      'propose_disposal',
      'approve_disposal',
      'report_linked',
      'reopen',
    ]);
    expect(await clueAudit(t, id)).toEqual(['clue.registered', 'clue.assigned', 'clue.propose_disposal', 'clue.approve_disposal', 'clue.report_linked', 'clue.reopen']);
    const reopened = await t.ds.getRepository(ClueEvent).findOneByOrFail({ clueId: id, action: 'reopen' });
    expect(JSON.parse(reopened.details!)).toMatchObject({ ground: 'new_report', previousMethod: 'held' });
  });

  it('withdrawal needs a leader: a rejected proposal leaves the state, an approved one withdraws; transfer names the organ (T06, T07)', async () => {
    const id = await accept(c, (await insertTipoff(t, 'T06')).id);
    await assign(c, id);
    await dispose(c, id, 'preliminary_verification');
    const p = await transition(c.handler, id, { action: 'file_case', verificationReport: '初核属实', filingDecision: '立案' }).expect(200);
    await post(c.leader, `/api/v1/matters/${id}/proposals/${p.body.proposalId}/approve`, { reason: '同意' }).expect(200);
    await transition(c.handler, id, { action: 'start_investigation', investigationPlan: '方案', coHandlerUserId: c.handler2.user.id }).expect(200);
    // The two-person rule: one investigator alone is refused.
    const alone = await post(c.handler, `/api/v1/matters/${id}/investigation-steps`, { kind: '谈话', on: '2026-11-20', staffUserIds: [c.handler.user.id] }).expect(422);
    expect(alone.body.error.fields.staffUserIds).toBe('调查措施须由两名以上工作人员进行');
    const w1 = await transition(c.handler, id, { action: 'withdraw', investigationReport: '证据不足', reason: '主要事实不存在' }).expect(200);
    await post(c.leader, `/api/v1/matters/${id}/proposals/${w1.body.proposalId}/reject`, {}).expect(422);
    await post(c.leader, `/api/v1/matters/${id}/proposals/${w1.body.proposalId}/reject`, { reason: '继续调查' }).expect(200);
    expect(await clue(id)).toMatchObject({ status: 'investigation' });
    const w2 = await transition(c.handler, id, { action: 'withdraw', investigationReport: '补充调查后证据仍不足', reason: '主要事实不存在' }).expect(200);
    await post(c.leader2, `/api/v1/matters/${id}/proposals/${w2.body.proposalId}/approve`, { reason: '同意撤案' }).expect(200);
    expect(await clue(id)).toMatchObject({ status: 'withdrawn', dueClock: null });
    expect((await t.ds.getRepository(MatterProposal).find({ where: { clueId: id }, order: { id: 'ASC' } })).map((x) => [x.action, x.status])).toEqual([
      ['file_case', 'approved'],
      ['withdraw', 'rejected'],
      ['withdraw', 'approved'],
    ]);
    expect((await clueAudit(t, id)).slice(-5)).toEqual(['clue.start_investigation', 'clue.proposed', 'clue.proposal_rejected', 'clue.proposed', 'clue.withdraw']);

    const id2 = await accept(c, (await insertTipoff(t, 'T07')).id);
    await assign(c, id2);
    await dispose(c, id2, 'preliminary_verification');
    await transition(c.handler, id2, { action: 'transfer', verificationReport: '属于乡镇政府履职问题' }).expect(422);
    await transition(c.handler, id2, { action: 'transfer', verificationReport: '属于乡镇政府履职问题', transferredTo: '衡阳县民政局' }).expect(200);
    expect(await clue(id2)).toMatchObject({ status: 'transferred', transferredTo: '衡阳县民政局' });
  });

  it('政务处分 复审 then 复核 with their clocks; a late request is refused; rectification completed with evidence', async () => {
    const id = await accept(c, (await insertTipoff(t, 'T09')).id);
    await assign(c, id);
    await dispose(c, id, 'preliminary_verification');
    const p = await transition(c.handler, id, { action: 'file_case', verificationReport: '初核属实', filingDecision: '立案' }).expect(200);
    await post(c.leader, `/api/v1/matters/${id}/proposals/${p.body.proposalId}/approve`, { reason: '同意' }).expect(200);
    await transition(c.handler, id, { action: 'start_investigation', investigationPlan: '方案', coHandlerUserId: c.handler2.user.id }).expect(200);
    await transition(c.handler, id, { action: 'submit_for_trial', investigationReport: '报告' }).expect(200);
    const [s] = await t.ds.getRepository(ClueSubject).findBy({ clueId: id });
    const gov = await post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'government_sanction', type: 'warning', decidedOn: '2026-01-05', receivedOn: '2026-01-06' }).expect(201);
    expect(gov.body).toMatchObject({ effectMonths: 6, effectTo: '2026-07-05' });
    // One month from receipt on 6 January: 6 February 2026 (a Friday).
    const late = await post(c.handler, `/api/v1/matters/${id}/sanction-reviews`, { outcomeId: gov.body.id, kind: 'review', requestedOn: '2026-02-09' }).expect(409);
    expect(late.body.error).toEqual({ code: 'request_out_of_time', message: '申请已超过期限（应于 2026-02-06 前提出）。' });
    await post(c.handler, `/api/v1/matters/${id}/sanction-reviews`, { outcomeId: gov.body.id, kind: 're_review', requestedOn: '2026-01-20' }).expect(409);
    const review = await post(c.handler, `/api/v1/matters/${id}/sanction-reviews`, { outcomeId: gov.body.id, kind: 'review', requestedOn: '2026-01-20' }).expect(201);
    expect(review.body).toMatchObject({ requestDue: '2026-02-06', decisionDue: '2026-02-24' }); // 20 Feb falls in the Spring Festival holiday (15–23 Feb)
    await post(c.handler, `/api/v1/matters/${id}/sanction-reviews/${review.body.id}/decision`, { result: 'upheld', decidedOn: '2026-02-10' }).expect(200);
    const re = await post(c.handler, `/api/v1/matters/${id}/sanction-reviews`, { outcomeId: gov.body.id, kind: 're_review', requestedOn: '2026-03-02' }).expect(201);
    expect(re.body).toMatchObject({ requestDue: '2026-03-10', decisionDue: '2026-05-06' }); // 2 May falls in the Labour Day holiday (1–5 May)

    const task = await post(c.handler, `/api/v1/matters/${id}/rectifications`, { task: '重新公示', ownerUnit: '集兵村委会', dueDate: '2026-12-31' }).expect(201);
    await post(c.handler, `/api/v1/matters/${id}/rectifications/${task.body.id}/complete`, { completedOn: '2026-11-20' }).expect(422);
    const done = await post(c.handler, `/api/v1/matters/${id}/rectifications/${task.body.id}/complete`, { evidence: '公示照片及评议记录', completedOn: '2026-11-20' }).expect(200);
    expect(done.body).toMatchObject({ status: 'done', completedOn: '2026-11-20', evidence: '公示照片及评议记录' });
    const ev = await t.ds.getRepository(ClueEvent).findOneByOrFail({ clueId: id, action: 'rectification_completed' });
    expect(JSON.parse(ev.details!)).toMatchObject({ onTime: true });
  });

  it('the OpenAPI document lists the matters API', async () => {
    const doc = (await request(t.server).get('/api/v1/openapi.json').expect(200)).body;
    for (const path of ['/api/v1/matters', '/api/v1/matters/{id}', '/api/v1/matters/{id}/transitions', '/api/v1/matters/{id}/proposals/{pid}/approve', '/api/v1/matters/overdue', '/api/v1/matters/{id}/outcomes', '/api/v1/followup/objection']) {
      expect([path, Object.keys(doc.paths[path] ?? {}).length > 0]).toEqual([path, true]);
    }
    expect(JSON.stringify(doc.paths['/api/v1/matters/{id}/transitions'])).toContain('invalid_transition');
  });

  it('false accusation → name clearing (T10)', async () => {
    const r = await insertTipoff(t, 'T10');
    const id = await accept(c, r.id);
    await assign(c, id);
    await dispose(c, id, 'preliminary_verification');
    const [subject] = await t.ds.getRepository(ClueSubject).findBy({ clueId: id });
    // Name clearing needs an unsubstantiated or false verification conclusion.
    await post(c.handler, `/api/v1/matters/${id}/name-clearings`, { subjectId: subject.id, clearedOn: '2026-11-28', method: '召开澄清会' }).expect(409);
    await post(c.handler, `/api/v1/matters/${id}/outcomes`, { subjectId: subject.id, kind: 'verification', type: 'false_accusation', note: '举报人捏造事实' }).expect(201);
    await transition(c.handler, id, { action: 'conclude_verification', verificationReport: '经初核，王德福家庭收入符合低保条件，举报系捏造', conclusion: 'no_substance' }).expect(200);
    expect(await clue(id)).toMatchObject({ status: 'concluded', conclusion: 'no_substance' });
    await post(c.handler, `/api/v1/matters/${id}/name-clearings`, { subjectId: subject.id, clearedOn: '2026-11-28', method: '在村民代表会议上澄清' }).expect(201);
    expect(await t.ds.getRepository(NameClearing).findOneByOrFail({ clueId: id })).toMatchObject({ subjectId: subject.id, clearedOn: '2026-11-28', method: '在村民代表会议上澄清' });
    expect((await clueAudit(t, id)).slice(-3)).toEqual(['clue.outcome_recorded', 'clue.conclude_verification', 'clue.name_cleared']);
  });
});
