import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { EntitlementChange, MatterOutcome, Recovery, Rectification, SanctionReview } from '../../src/cases/entities/outcomes.entity.js';
import { Case } from '../../src/cases/entities/case.entity.js';
import { RegionsService } from '../../src/regions/regions.service.js';
import { ReportFeedback } from '../../src/clues/entities/report-feedback.entity.js';
import { ClueRecusal } from '../../src/clues/entities/clue-recusal.entity.js';
import { ClueEvent } from '../../src/clues/entities/clue-event.entity.js';
import { ReportMessage } from '../../src/reports/entities/report-message.entity.js';
import request from 'supertest';
import { ensureIntakeOffices, staff } from '../factories/intake.js';
import { User } from '../../src/users/entities/user.entity.js';
import { insertHousehold } from '../factories/matters.js';
import { hiddenField } from '../factories/reports.js';
import { accept, assign, clueInTrial, dispose, matterCast, post, submitPublic, transition, type Cast, type Staff } from '../factories/matters-flow.js';

/** Bidi overrides/isolates, zero-width space, word joiner, BOM, soft hyphen, LRM (src/common/invisible-chars.ts). */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

/** Hostile or implausible input to the matters API: 422 with a code and field messages, nothing written. */
describe('matters: input limits', () => {
  let t: TestApp;
  let c: Cast;
  const count = () => t.ds.getRepository(Clue).count();
  const manual = (body: Record<string, unknown>) =>
    post(c.handler, '/api/v1/matters', { source: 'inspection', regionCode: '430421101200', subjects: [{ name: '张三' }], reason: '巡察发现', ...body });

  /** A clue of fixture `tip` in `trial`, assigned to the handler; returns it with its first subject. */
  async function inTrial(tip: string): Promise<{ id: number; s: ClueSubject }> {
    const id = await clueInTrial(t, c, tip);
    const [s] = await t.ds.getRepository(ClueSubject).find({ where: { clueId: id }, order: { ordinal: 'ASC' } });
    return { id, s };
  }

  /** A real-name tip-off (T02, through the public API) concluded by talk-and-inquiry: its result feedback is owed. */
  async function concludedRealName(): Promise<{ id: number; reportId: number; receiptCode: string }> {
    const { reportId, receiptCode } = await submitPublic(t, 'T02', '198.51.100.40');
    const id = await accept(c, reportId);
    await assign(c, id);
    await dispose(c, id, 'talk_inquiry');
    await transition(c.handler, id, { action: 'conclude_talk', situationReport: '经谈话函询，问题部分属实，已批评教育', conclusion: 'first_form_measure' }).expect(200);
    return { id, reportId, receiptCode };
  }

  beforeAll(async () => {
    // A configured cap for 减保 of households not linked to the roster (3,000 元 a month instead of the default).
    t = await createTestApp({ env: { MAX_MONTHLY_REDUCTION_FEN: '300000' } });
    await ensureIntakeOffices(t);
    c = await matterCast(t);
  });
  afterAll(async () => t?.close());

  it('manual clue: malformed subjects are 422 validation_failed (not 500), nothing written', async () => {
    const before = await count();
    for (const subjects of [[{ name: 123 }], [{ name: { a: 1 } }], [null], ['张三'], [{ name: '张三', officialId: 'x' }], [{ name: '张三', partyMember: 'yes' }]]) {
      const res = await manual({ subjects }).expect(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(Object.keys(res.body.error.fields)[0]).toMatch(/^subjects\.0/);
    }
    expect(await count()).toBe(before);
  });

  it('manual clue: lengths, number of subjects and a real division inside the scope are enforced', async () => {
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ summary: '概'.repeat(20_001) }, 'summary'],
      [{ reason: '理'.repeat(2001) }, 'reason'],
      [{ subjects: Array.from({ length: 51 }, (_, i) => ({ name: `人${i}` })) }, 'subjects'],
      [{ subjects: [{ name: '名'.repeat(101) }] }, 'subjects.0.name'],
      [{ regionCode: '430421999999' }, 'regionCode'],
      [{ regionCode: '430422101200' }, 'regionCode'],
      [{ reason: '\u200b\u202e ' }, 'reason'],
    ];
    for (const [body, field] of cases) {
      const res = await manual(body).expect(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.fields[field]).toEqual(expect.any(String));
    }
    expect(await count()).toBe(before);
    const ok = await manual({ subjects: [{ name: '名'.repeat(100) }], reason: '巡察\u202e发现' }).expect(201);
    const clue = await t.ds.getRepository(Clue).findOneOrFail({ where: { id: ok.body.clueId }, relations: { subjects: true } });
    expect(clue.subjects[0].name).toBe('名'.repeat(100));
  });

  it('dates must be real calendar dates and not in the future for events that happened (outcome, recovery, month, closing)', async () => {
    const { id, s } = await inTrial('T09');
    const out = (body: object) => post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'government_sanction', type: 'warning', ...body });
    for (const [body, field] of [[{ decidedOn: '2026-02-30' }, 'decidedOn'], [{ decidedOn: '2099-01-01' }, 'decidedOn'], [{ decidedOn: '2026-1-5' }, 'decidedOn'], [{ decidedOn: '2026-01-05', receivedOn: '2026-02-31' }, 'receivedOn']] as const) {
      const res = await out(body).expect(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.fields[field]).toEqual(expect.any(String));
    }
    expect(await t.ds.getRepository(MatterOutcome).countBy({ clueId: id })).toBe(0);
    await post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'verification', type: 'substantiated' }).expect(201);
    await transition(c.reviewer, id, { action: 'decide', trialOpinion: '同意' }).expect(200);
    expect((await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 100, recoveredOn: '2026-02-30' }).expect(422)).body.error.fields.recoveredOn).toEqual(expect.any(String));
    for (const effectiveMonth of ['2026-13', '2026-00', '26-01']) {
      const res = await post(c.handler, `/api/v1/matters/${id}/entitlement-changes`, { change: 'removed', effectiveMonth, householdLabel: '周某' }).expect(422);
      expect(res.body.error.fields.effectiveMonth).toEqual(expect.any(String));
    }
    expect(await t.ds.getRepository(Recovery).countBy({ clueId: id })).toBe(0);
    expect(await t.ds.getRepository(EntitlementChange).countBy({ clueId: id })).toBe(0);
    for (const announcedOn of ['2026-02-31', '2099-01-01']) {
      const res = await transition(c.handler, id, { action: 'close', announcedOn }).expect(422);
      expect(res.body.error.fields.announcedOn).toEqual(expect.any(String));
    }
    expect(await t.ds.getRepository(Case).findOneByOrFail({ clueId: id })).toMatchObject({ announcedOn: null, closedAt: null });

    // Recovered amounts: integer fen, at most 10^11 fen (10 亿元) per record.
    expect((await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 99_999_999_999_999, recoveredOn: '2026-11-20' }).expect(422)).body.error.fields.amountFen).toEqual(expect.any(String));
    expect((await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 100.5, recoveredOn: '2026-11-20' }).expect(422)).body.error.fields.amountFen).toEqual(expect.any(String));
    await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 100_000_000_000, recoveredOn: '2026-11-20' }).expect(201);
    const task = await post(c.handler, `/api/v1/matters/${id}/rectifications`, { task: '重新公示', ownerUnit: '集兵村委会', dueDate: '2026-12-31' }).expect(201);

    // After closing: no more recoveries, 停保/减保, outcomes or new rectification tasks; completing a task goes on.
    const closing = await transition(c.handler, id, { action: 'close', announcedOn: '2026-11-27' }).expect(200);
    await post(c.leader2, `/api/v1/matters/${id}/proposals/${closing.body.proposalId}/approve`, {}).expect(200);
    expect((await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 100, recoveredOn: '2026-11-20' }).expect(409)).body.error.code).toBe('invalid_transition');
    await post(c.handler, `/api/v1/matters/${id}/entitlement-changes`, { change: 'removed', effectiveMonth: '2026-12', householdLabel: '周某' }).expect(409);
    await post(c.handler, `/api/v1/matters/${id}/rectifications`, { task: '再整改', ownerUnit: '集兵村委会', dueDate: '2026-12-31' }).expect(409);
    await post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'first_form_measure', type: 'talk_reminder' }).expect(409);
    await post(c.handler, `/api/v1/matters/${id}/rectifications/${task.body.id}/complete`, { evidence: '公示照片', completedOn: '2026-11-28' }).expect(200);
    expect(await t.ds.getRepository(Recovery).countBy({ clueId: id })).toBe(1);
    expect(await t.ds.getRepository(EntitlementChange).countBy({ clueId: id })).toBe(0);
    // The page shows the region by name and no recording forms.
    const page = await c.handler.agent.get(`/staff/matters/${id}`).expect(200);
    const regionName = await t.app.get(RegionsService).pathLabel((await t.ds.getRepository(Clue).findOneByOrFail({ id })).regionCode);
    expect(regionName).not.toBe('');
    expect(page.text).toContain(regionName);
    expect(page.text).not.toContain('地区代码');
    expect(page.text).not.toContain(`action="/staff/matters/${id}/recoveries"`);
    expect(page.text).not.toContain(`action="/staff/matters/${id}/rectifications"`);
  });

  it('a free-text subject (position unknown) gets at most 警告/记过/记大过; one government and one party sanction per subject', async () => {
    const { id, s } = await inTrial('T04');
    const out = (body: object) => post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'government_sanction', decidedOn: '2026-11-25', ...body });
    for (const type of ['demotion', 'dismissal_from_post', 'expulsion']) {
      const res = await out({ type }).expect(422);
      expect(res.body.error.code).toBe('subject_position_unknown');
    }
    await out({ type: 'warning' }).expect(201);
    for (const type of ['warning', 'demerit']) expect((await out({ type }).expect(409)).body.error.code).toBe('sanction_already_recorded');
    await post(c.handler, `/api/v1/matters/${id}/subjects/${s.id}`, { partyMember: true }).expect(200);
    await out({ kind: 'party_sanction', type: 'warning' }).expect(201);
    expect((await out({ kind: 'party_sanction', type: 'serious_warning' }).expect(409)).body.error.code).toBe('sanction_already_recorded');
    const rows = await t.ds.getRepository(MatterOutcome).findBy({ clueId: id });
    expect(rows.map((r) => `${r.kind}:${r.type}`).sort()).toEqual(['government_sanction:warning', 'party_sanction:warning']);
  });

  it('matter texts lose bidi/zero-width characters, are capped, and a text of only such characters counts as empty', async () => {
    const { id, s } = await inTrial('T06');
    const out = (body: object) => post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'verification', type: 'substantiated', ...body });
    expect((await out({ note: '注'.repeat(2001) }).expect(422)).body.error.fields).toEqual({ note: expect.any(String) });
    const ok = await out({ note: '核实\u202e属实\u200b' }).expect(201);
    expect((await t.ds.getRepository(MatterOutcome).findOneByOrFail({ id: ok.body.id })).note).toBe('核实属实');
    expect((await post(c.leader, `/api/v1/matters/${id}/extend-trial`, { reason: '\u202e\u200b ' }).expect(422)).body.error.fields).toEqual({ reason: expect.any(String) });
    expect((await post(c.leader, `/api/v1/matters/${id}/extend-trial`, { reason: '由'.repeat(2001) }).expect(422)).body.error.fields).toEqual({ reason: expect.any(String) });
    expect(await t.ds.getRepository(MatterOutcome).countBy({ clueId: id })).toBe(1);
  });

  it('减保: at most the roster household’s monthly allowance (reduction_exceeds_allowance), else the configured cap (reduction_exceeds_cap); nothing written when refused', async () => {
    const { id } = await concludedRealName();
    const household = await insertHousehold(t, '减保户主');
    expect(household.monthlyAmountFen).toBe(58000);
    const reduce = (body: object) => post(c.handler, `/api/v1/matters/${id}/entitlement-changes`, { change: 'reduced', effectiveMonth: '2026-12', ...body });
    const over = await reduce({ householdId: household.id, monthlyReductionFen: 58001 }).expect(422);
    expect(over.body.error).toMatchObject({ code: 'reduction_exceeds_allowance', fields: { monthlyReductionFen: expect.stringContaining('580.00 元') } });
    expect(over.body.error.message).toContain('不能超过该户在低保名册中的月保障金额 580.00 元');
    // Not linked to the roster: the configured cap (MAX_MONTHLY_REDUCTION_FEN=300000) applies, not the household's amount.
    const capped = await reduce({ householdLabel: '周某', monthlyReductionFen: 300_001 }).expect(422);
    expect(capped.body.error).toMatchObject({ code: 'reduction_exceeds_cap', fields: { monthlyReductionFen: expect.stringContaining('3000.00 元') } });
    expect(await t.ds.getRepository(EntitlementChange).countBy({ clueId: id })).toBe(0);
    // Up to the limit is recorded, with its timeline event.
    await reduce({ householdId: household.id, monthlyReductionFen: 58000 }).expect(201);
    await reduce({ householdLabel: '周某', monthlyReductionFen: 300_000 }).expect(201);
    const rows = await t.ds.getRepository(EntitlementChange).find({ where: { clueId: id }, order: { id: 'ASC' } });
    expect(rows.map((r) => [r.householdId, r.monthlyReductionFen])).toEqual([[household.id, 58000], [null, 300_000]]);
    // The matter page form (yuan) shows the refusal in Chinese in the form.
    const page = await c.handler.agent.get(`/staff/matters/${id}`).expect(200);
    const form = await c.handler.agent
      .post(`/staff/matters/${id}/entitlement-changes`)
      .type('form')
      .send({ _csrf: hiddenField(page.text, '_csrf'), change: 'reduced', householdLabel: '李某', effectiveMonth: '2026-12', monthlyReductionYuan: '3000.01' })
      .expect(422);
    expect(form.text).toContain('超过上限 3000.00 元');
    expect(await t.ds.getRepository(EntitlementChange).countBy({ clueId: id })).toBe(2);
  });

  it('result feedback, the objection on the follow-up page and the answer are stored without invisible/bidi characters; invisible-only texts are refused', async () => {
    const { id, reportId, receiptCode } = await concludedRealName();
    const noise = '\u202e\u200b\u2066\ufeff\u00ad\u200f';
    const fb = (text: string) => post(c.handler, `/api/v1/matters/${id}/feedback/${reportId}`, { text });
    expect((await fb(noise).expect(422)).body.error.fields).toEqual({ text: expect.any(String) });
    await fb(`经查，\u202e您反映的问题\u200b部分属实\u2066，已批评教育。\ufeff`).expect(200);

    const agent = request.agent(t.server);
    const lookup = await agent.get('/followup').expect(200);
    const page = await agent.post('/followup').type('form').send({ _csrf: hiddenField(lookup.text, '_csrf'), receiptCode }).expect(200);
    expect(page.text).toContain('经查，您反映的问题部分属实，已批评教育。');
    const object = (body: string) => agent.post('/followup/objection').type('form').send({ _csrf: hiddenField(page.text, '_csrf'), token: hiddenField(page.text, 'token'), body });
    expect((await object(noise).expect(422)).text).toContain('请填写异议内容');
    const objected = await object(`处理\u202e太轻\u200b，\u2067没有\u00ad全部清退\u200e`).expect(200);
    expect(objected.text).toContain('处理太轻，没有全部清退');
    expect(objected.text).not.toMatch(INVISIBLE);

    const ans = (text: string) => post(c.handler, `/api/v1/matters/${id}/feedback/${reportId}/answer`, { text });
    expect((await ans(noise).expect(422)).body.error.fields).toEqual({ text: expect.any(String) });
    await ans(`经复查，\u2068异议\u202a不成立\u2069。\u2060`).expect(200);

    const row = await t.ds.getRepository(ReportFeedback).findOneByOrFail({ reportId });
    expect([row.publicText, row.objectionText, row.answerText]).toEqual(['经查，您反映的问题部分属实，已批评教育。', '处理太轻，没有全部清退', '经复查，异议不成立。']);
    const messages = await t.ds.getRepository(ReportMessage).find({ where: { reportId }, order: { id: 'ASC' } });
    const bodies = messages.filter((m) => m.direction !== 'status').map((m) => m.body);
    expect(bodies).toEqual(expect.arrayContaining(['经查，您反映的问题部分属实，已批评教育。', '处理太轻，没有全部清退', '经复查，异议不成立。']));
    for (const b of messages.map((m) => m.body)) expect(b).not.toMatch(INVISIBLE);
  });

  it('recusal order: a missing or malformed userId is 422 validation_failed (not 500), nothing written', async () => {
    const id = await accept(c, (await submitPublic(t, 'T01', '198.51.100.41')).reportId);
    for (const extra of [{}, { userId: { id: c.handler2.user.id } }, { userId: [c.handler2.user.id] }, { userId: 'abc' }, { userId: 1e400 }, { userId: -3 }, { userId: 2.5 }]) {
      const res = await post(c.leader, `/api/v1/matters/${id}/recusal-orders`, { kind: 'ordered', reason: '与被反映人有利害关系', ...extra }).expect(422);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', fields: { userId: expect.any(String) } });
    }
    expect(await t.ds.getRepository(ClueRecusal).countBy({ clueId: id })).toBe(0);
  });

  it('recusal order: only another active staff member on matters with the clue in scope (recused or not); the leader himself is sent to declaring; every other id gets the same message, nothing written', async () => {
    const id = await accept(c, (await submitPublic(t, 'T01', '198.51.100.44')).reportId);
    const order = (userId: number, kind = 'ordered') => post(c.leader, `/api/v1/matters/${id}/recusal-orders`, { userId, kind, reason: '与被反映人有利害关系' });
    const otherCounty = await staff(t, '430422000000', ['case_handler']);
    const admin = await staff(t, '430421000000', ['admin']);
    const inactive = await staff(t, '430421000000', ['case_handler']);
    await t.ds.getRepository(User).update({ id: inactive.user.id }, { active: false });
    const messages = new Set<string>();
    for (const uid of [otherCounty.user.id, admin.user.id, inactive.user.id, 9_999_999]) {
      const res = await order(uid).expect(422);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', fields: { userId: expect.any(String) } });
      messages.add(res.body.error.fields.userId);
    }
    expect([...messages]).toEqual(['未找到该工作人员（须为本辖区办理线索的在职工作人员）']);
    expect((await order(c.leader.user.id).expect(422)).body.error.fields.userId).toContain('本人申请回避');
    expect(await t.ds.getRepository(ClueRecusal).countBy({ clueId: id })).toBe(0);
    // Staff of the county on matters: ordered, then (now recused and blind to the clue) cleared again.
    await order(c.handler2.user.id).expect(204);
    await c.handler2.agent.get(`/api/v1/matters/${id}`).expect(404);
    await order(c.handler2.user.id, 'cleared').expect(204);
    await order(c.leader2.user.id).expect(204);
    expect((await t.ds.getRepository(ClueRecusal).find({ where: { clueId: id }, order: { id: 'ASC' } })).map((r) => [r.userId, r.kind])).toEqual([
      [c.handler2.user.id, 'ordered'],
      [c.handler2.user.id, 'cleared'],
      [c.leader2.user.id, 'ordered'],
    ]);
  });

  it('result feedback and the answer to an objection: only the assigned handler or a leader; other staff in scope get 403 not_assigned, nothing written', async () => {
    const { id, reportId, receiptCode } = await concludedRealName();
    const fb = `/api/v1/matters/${id}/feedback/${reportId}`;
    for (const s of [c.officer, c.handler2, c.reviewer]) {
      expect((await post(s, fb, { text: '经查，问题不属实。' }).expect(403)).body.error.code).toBe('not_assigned');
      expect((await s.agent.post(`/staff/matters/${id}/feedback/${reportId}`).type('form').send({ _csrf: s.csrfToken, text: '经查，问题不属实。' }).expect(403)).text).toContain('只有本线索的承办人或领导');
    }
    expect(await t.ds.getRepository(ReportFeedback).findOneByOrFail({ reportId })).toMatchObject({ sentAt: null, publicText: null });
    await post(c.handler, fb, { text: '经查，问题部分属实，已批评教育。' }).expect(200);
    await request(t.server).post('/api/v1/followup/objection').set('X-Forwarded-For', '198.51.100.42').send({ receiptCode, body: '处理太轻' }).expect(201);
    for (const s of [c.officer, c.handler2, c.reviewer]) expect((await post(s, `${fb}/answer`, { text: '异议不成立' }).expect(403)).body.error.code).toBe('not_assigned');
    expect(await t.ds.getRepository(ReportFeedback).findOneByOrFail({ reportId })).toMatchObject({ answeredAt: null, answerText: null });
    await post(c.leader, `${fb}/answer`, { text: '经复查，异议不成立。' }).expect(200);
    // Each step is on the matter's timeline (the texts stay in the messages, not in the event).
    const events = await t.ds.getRepository(ClueEvent).find({ where: { clueId: id }, order: { id: 'ASC' } });
    const steps = events.filter((e) => ['feedback_sent', 'objection_raised', 'objection_answered'].includes(e.action));
    expect(steps.map((e) => [e.action, e.actorUserId, JSON.parse(e.details!)])).toEqual([
      ['feedback_sent', c.handler.user.id, { reportId }],
      ['objection_raised', null, { reportId }],
      ['objection_answered', c.leader.user.id, { reportId }],
    ]);
    expect((await c.handler.agent.get(`/staff/matters/${id}`).expect(200)).text).toMatch(/向实名举报人反馈处理结果[\s\S]*举报人对处理结果提出异议[\s\S]*答复举报人异议/);
  });

  it('record ids in outcome inputs (subject, household, sanction) that are missing or not numbers are 422 validation_failed (not 500), nothing written', async () => {
    const { id } = await inTrial('T01');
    await transition(c.reviewer, id, { action: 'decide', trialOpinion: '审理意见' }).expect(200);
    const outcomes = () => t.ds.getRepository(MatterOutcome).countBy({ clueId: id });
    const bad: [string, Record<string, unknown>, string][] = [
      ['outcomes', { kind: 'verification', type: 'substantiated' }, 'subjectId'],
      ['outcomes', { kind: 'verification', type: 'substantiated', subjectId: 'x' }, 'subjectId'],
      ['recoveries', { amountFen: 500, recoveredOn: '2026-11-02', kind: 'recovered', subjectId: { id: 1 } }, 'subjectId'],
      ['entitlement-changes', { change: 'removed', effectiveMonth: '2026-12', householdId: 'abc' }, 'householdId'],
      ['name-clearings', { clearedOn: '2026-11-02', method: '书面澄清' }, 'subjectId'],
      ['sanction-reviews', { kind: 'review', requestedOn: '2026-11-02' }, 'outcomeId'],
    ];
    for (const [path, payload, field] of bad) {
      const res = await post(c.handler, `/api/v1/matters/${id}/${path}`, payload);
      expect([path, res.status, res.body.error?.code]).toEqual([path, 422, 'validation_failed']);
      expect(res.body.error.fields).toHaveProperty(field);
    }
    expect(await outcomes()).toBe(0);
    expect(await t.ds.getRepository(Recovery).countBy({ clueId: id })).toBe(0);
    expect(await t.ds.getRepository(EntitlementChange).countBy({ clueId: id })).toBe(0);
  });

  it('numbers and dates given as arrays or objects are refused on their field (422, nothing written): inquiry letters, sanction periods, assignment, merging', async () => {
    const letterClue = await accept(c, (await submitPublic(t, 'T01', '198.51.100.43')).reportId);
    await assign(c, letterClue);
    await dispose(c, letterClue, 'talk_inquiry');
    const [ls] = await t.ds.getRepository(ClueSubject).findBy({ clueId: letterClue });
    const letter = (body: Record<string, unknown>) => post(c.handler, `/api/v1/matters/${letterClue}/inquiry-letters`, { subjectId: ls.id, sentOn: '2026-11-20', ...body }).expect(422);
    for (const subjectId of [[ls.id], { id: ls.id }, `${ls.id}.0`]) expect((await letter({ subjectId })).body.error.fields).toEqual({ subjectId: expect.any(String) });
    // A present date that is not text is malformed, not missing.
    for (const sentOn of [['2026-11-20'], { d: '2026-11-20' }, 20261120]) expect((await letter({ sentOn })).body.error.fields).toEqual({ sentOn: '日期应为真实的日历日期，格式 YYYY-MM-DD' });
    expect((await letter({ sentOn: '' })).body.error.fields).toEqual({ sentOn: expect.stringContaining('请填写') });
    expect(await t.ds.getRepository(ClueEvent).countBy({ clueId: letterClue, action: 'inquiry_sent' })).toBe(0);

    const { id, s } = await inTrial('T04');
    await post(c.handler, `/api/v1/matters/${id}/subjects/${s.id}`, { partyMember: true }).expect(200);
    const out = (body: Record<string, unknown>) => post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, decidedOn: '2026-11-20', ...body });
    for (const body of [{ kind: 'party_sanction', type: 'probation', effectMonths: [24] }, { kind: 'party_sanction', type: 'probation', effectMonths: '24个月' }, { kind: 'government_sanction', type: 'warning', effectMonths: [24] }, { kind: 'government_sanction', type: 'warning', effectMonths: { m: 12 } }]) {
      expect((await out(body).expect(422)).body.error.fields).toEqual({ effectMonths: expect.any(String) });
    }
    expect(await t.ds.getRepository(MatterOutcome).countBy({ clueId: id })).toBe(0);
    expect((await out({ kind: 'party_sanction', type: 'probation', effectMonths: '24' }).expect(201)).body.effectMonths).toBe(24);

    // Sweep: the assignee and the clue to merge are record ids too.
    const free = (await manual({ subjects: [{ name: '周十' }] }).expect(201)).body.clueId as number;
    expect((await post(c.leader, `/api/v1/matters/${free}/assign`, { assigneeUserId: [c.handler.user.id] }).expect(422)).body.error.fields).toHaveProperty('assigneeUserId');
    expect((await post(c.leader, `/api/v1/matters/${free}/merge`, { sourceClueId: [letterClue], reason: '同一事项' }).expect(422)).body.error.fields).toHaveProperty('sourceClueId');
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: free })).toMatchObject({ assignedUserId: null });
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: letterClue })).toMatchObject({ mergedIntoId: null });
  });

  it('政务处分 复审/复核: a request before the decision it contests, a decision before its request and a second request of the same kind are refused, nothing written', async () => {
    const { id, s } = await inTrial('T03');
    await transition(c.reviewer, id, { action: 'decide', trialOpinion: '审理意见' }).expect(200);
    const gov = await post(c.handler, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'government_sanction', type: 'warning', decidedOn: '2026-11-10', receivedOn: '2026-11-12' }).expect(201);
    const ask = (body: Record<string, unknown>) => post(c.handler, `/api/v1/matters/${id}/sanction-reviews`, { outcomeId: gov.body.id, kind: 'review', ...body });
    const reviews = () => t.ds.getRepository(SanctionReview).find({ where: { clueId: id }, order: { id: 'ASC' } });
    expect((await ask({ requestedOn: '2026-11-11' }).expect(422)).body.error.fields).toEqual({ requestedOn: expect.stringContaining('2026-11-12') });
    expect(await reviews()).toEqual([]);
    const review = (await ask({ requestedOn: '2026-11-16' }).expect(201)).body;
    expect((await ask({ requestedOn: '2026-11-17' }).expect(409)).body.error.code).toBe('review_already_requested');
    const decide = (body: Record<string, unknown>) => post(c.handler, `/api/v1/matters/${id}/sanction-reviews/${review.id}/decision`, { result: 'upheld', ...body });
    expect((await decide({ decidedOn: '2026-11-13' }).expect(422)).body.error.fields).toEqual({ decidedOn: expect.stringContaining('2026-11-16') });
    expect(await reviews()).toEqual([expect.objectContaining({ id: review.id, decidedOn: null, result: null })]);
    await decide({ decidedOn: '2026-11-20' }).expect(200);
    expect((await ask({ kind: 're_review', requestedOn: '2026-11-19' }).expect(422)).body.error.fields).toEqual({ requestedOn: expect.stringContaining('2026-11-20') });
    await ask({ kind: 're_review', requestedOn: '2026-11-23' }).expect(201);
    expect((await ask({ kind: 're_review', requestedOn: '2026-11-24' }).expect(409)).body.error.code).toBe('review_already_requested');
    expect((await reviews()).map((r) => [r.kind, r.requestedOn])).toEqual([['review', '2026-11-16'], ['re_review', '2026-11-23']]);
  });

  it('merging: a clue with recorded results (here a rectification task with its clock) cannot be merged into another (409 outcomes_recorded); the task stays on the overdue list', async () => {
    const source = (await manual({ subjects: [{ name: '周八' }] }).expect(201)).body.clueId as number;
    await assign(c, source);
    await dispose(c, source, 'talk_inquiry');
    const target = (await manual({ subjects: [{ name: '周九' }] }).expect(201)).body.clueId as number;
    const task = (await post(c.leader, `/api/v1/matters/${source}/rectifications`, { task: '公示评议结果', ownerUnit: '村委会', dueDate: '2026-11-02' }).expect(201)).body.id as number;
    const res = await post(c.leader, `/api/v1/matters/${target}/merge`, { sourceClueId: source, reason: '同一事项' }).expect(409);
    expect(res.body.error.code).toBe('outcomes_recorded');
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: source })).toMatchObject({ mergedIntoId: null });
    const overdue = (await c.leader.agent.get('/api/v1/matters/overdue?today=2026-11-30').expect(200)).body.items as { rectificationId?: number }[];
    expect(overdue.map((r) => r.rectificationId)).toContain(task);
  });

  it('the overdue list: an impossible or malformed ?today= is 422 validation_failed on `today` (it was ignored and the list came back empty)', async () => {
    for (const today of ['2026-02-30', '2026-13-01', '2026-1-5', 'abc', '2026-11-30&today=2026-12-01']) {
      const res = await c.leader.agent.get(`/api/v1/matters/overdue?today=${today}`).expect(422);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', fields: { today: expect.stringContaining('YYYY-MM-DD') } });
    }
    await c.leader.agent.get('/api/v1/matters/overdue?today=2026-02-28').expect(200);
    await c.leader.agent.get('/api/v1/matters/overdue').expect(200);
  });

  it('rectification tasks: refused (409 invalid_transition, saying when they can be set) while the clue is registered or its disposal only proposed; accepted once the disposal is approved', async () => {
    const id = (await manual({ subjects: [{ name: '周十一' }] }).expect(201)).body.clueId as number;
    await assign(c, id);
    const add = (s: Staff) => post(s, `/api/v1/matters/${id}/rectifications`, { task: '重新公示', ownerUnit: '集兵村委会', dueDate: '2026-12-31' });
    const refused = async (status: string) => {
      expect((await t.ds.getRepository(Clue).findOneByOrFail({ id })).status).toBe(status);
      for (const s of [c.handler, c.leader]) {
        const res = await add(s).expect(409);
        expect(res.body.error).toMatchObject({ code: 'invalid_transition', message: expect.stringMatching(/不能布置整改任务[\s\S]*处置意见经领导批准/) });
      }
    };
    await refused('registered');
    await transition(c.handler, id, { action: 'propose_disposal', method: 'talk_inquiry', reasoning: '反映问题具体，有可查性' }).expect(200);
    await refused('disposal_proposed');
    expect(await t.ds.getRepository(Rectification).countBy({ clueId: id })).toBe(0);
    expect(await t.ds.getRepository(ClueEvent).countBy({ clueId: id, action: 'rectification_added' })).toBe(0);
    await transition(c.leader, id, { action: 'approve_disposal', reason: '同意' }).expect(200);
    await add(c.handler).expect(201);
    expect(await t.ds.getRepository(Rectification).countBy({ clueId: id })).toBe(1);
  });

  it('work lists with an absurd page number (1e30, Infinity) answer an empty page (or 422 from the intake API) instead of a 500 (the SQL offset overflowed)', async () => {
    for (const page of ['1e30', 'Infinity', '99999999999999999999']) {
      expect((await c.handler.agent.get(`/api/v1/matters?status=all&page=${page}`).expect(200)).body.items).toEqual([]);
      await c.handler.agent.get(`/staff/matters?tab=all&page=${page}`).expect(200);
      // The intake API validates its query (422 for what its DTO refuses); never a 500.
      const inbox = await c.officer.agent.get(`/api/v1/intake/reports?page=${page}`);
      expect([200, 422]).toContain(inbox.status);
      if (inbox.status === 200) expect(inbox.body.items).toEqual([]);
      await c.officer.agent.get(`/staff/intake?page=${page}`).expect(200);
    }
  });
});
