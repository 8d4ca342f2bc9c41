import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { SanctionReview } from '../../src/cases/entities/outcomes.entity.js';
import { ClueEvent } from '../../src/clues/entities/clue-event.entity.js';
import { ClueRecusal } from '../../src/clues/entities/clue-recusal.entity.js';
import { ClueReport } from '../../src/clues/entities/clue-report.entity.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertTipoff, staff } from '../factories/intake.js';
import { accept, assign, clueAudit, clueInTrial, form, matterCast, post, type Cast, type Staff } from '../factories/matters-flow.js';

/** A refusal page: the message in Chinese, nothing of the server's internals. */
function expectRefusal(html: string, message: string): void {
  expect(html).toContain(message);
  expect(html).not.toMatch(/\bat \S+ \(|DomainError|Error:|node_modules/);
}

/**
 * The matter-page forms for steps that first existed only in the JSON API: 政务处分 复审/复核 (request,
 * decision, clocks), extending the trial, merging clues, one's own recusal and a leader's recusal order.
 * Each form: shown only to who may use it now, CSRF, Chinese refusals in the form with the typed values,
 * PRG with a flash, and the stored facts (rows, timeline event, audit event) of the service.
 */
describe('matter pages: review, trial extension, merge and recusal forms', () => {
  let t: TestApp;
  let c: Cast;
  let outsider: Staff;
  const page = async (s: Staff, path: string, status = 200) => (await s.agent.get(path).expect(status)).text;
  const clue = (id: number) => t.ds.getRepository(Clue).findOneByOrFail({ id });
  const events = async (id: number) => (await t.ds.getRepository(ClueEvent).find({ where: { clueId: id }, order: { id: 'ASC' } })).map((e) => e.action);

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    c = await matterCast(t);
    outsider = await staff(t, '430422000000', ['case_handler', 'leader']);
  });
  afterAll(async () => t?.close());

  it('a leader extends the trial once on the page; others see no form; a second extension is refused in Chinese', async () => {
    const id = await clueInTrial(t, c, 'T09');
    expect(await clue(id)).toMatchObject({ status: 'trial', dueClock: 'trial' });
    for (const s of [c.handler, c.reviewer, c.officer]) expect(await page(s, `/staff/matters/${id}`)).not.toContain('id="extend-form"');
    const leaderPage = await page(c.leader, `/staff/matters/${id}`);
    expect(leaderPage).toContain('id="extend-form"');
    expect(leaderPage).toContain(`action="/staff/matters/${id}/extend-trial"`);

    // Without a reason: 422 in the form, nothing changed.
    expectRefusal((await form(c.leader, `/staff/matters/${id}/extend-trial`, { reason: ' ' }).expect(422)).text, '请填写延长理由');
    expect((await clue(id)).dueClock).toBe('trial');
    // A handler cannot (403 with the reason, as the API answers), without the token nobody can.
    expectRefusal((await form(c.handler, `/staff/matters/${id}/extend-trial`, { reason: '案情复杂' }).expect(403)).text, '您的角色不能批准延长审理期限');
    await c.leader.agent.post(`/staff/matters/${id}/extend-trial`).type('form').send({ reason: '案情复杂' }).expect(403);
    expect((await clue(id)).dueClock).toBe('trial');

    await form(c.leader, `/staff/matters/${id}/extend-trial`, { reason: '案情复杂，需补充审理' }).expect(303).expect('location', `/staff/matters/${id}?done=extended#top`);
    const extended = await clue(id);
    expect(extended.dueClock).toBe('trial_extended');
    expect(await events(id)).toContain('trial_extended');
    expect(await clueAudit(t, id)).toContain('clue.trial_extended');
    const after = await page(c.leader, `/staff/matters/${id}?done=extended`);
    expect(after).toContain('已批准延长审理期限');
    expect(after).toContain('审理（经批准延长）：到期 ' + extended.dueDate);
    expect(after).toContain('批准延长审理期限');
    expect(after).not.toContain('id="extend-form"');
    // Posted again anyway: the service refuses (409), shown on the page.
    const again = await form(c.leader2, `/staff/matters/${id}/extend-trial`, { reason: '再延一次' }).expect(409);
    expectRefusal(again.text, '只有审理中且尚未延长过的案件才能延长审理期限');
    // The form no longer applies: the message stands at the top, and the typed reason fills no other form.
    expect(again.text).not.toContain('id="extend-form"');
    expect(again.text).not.toContain('再延一次');
  });

  it('政务处分 复审 then 复核 through the forms, with their clocks; refusals keep the typed values', async () => {
    const id = await clueInTrial(t, c, 'T07');
    const [s] = await t.ds.getRepository(ClueSubject).findBy({ clueId: id });
    // No government sanction yet: no review form.
    expect(await page(c.handler, `/staff/matters/${id}`)).not.toContain('id="review-form"');
    const gov = await post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'government_sanction', type: 'warning', decidedOn: '2026-11-02', receivedOn: '2026-11-03' }).expect(201);
    const handlerPage = await page(c.handler, `/staff/matters/${id}`);
    expect(handlerPage).toContain('id="review-form"');
    expect(handlerPage).toContain(`<option value="${gov.body.id}"`);
    expect(handlerPage).toContain('警告');
    // An intake officer reads the matter but records no review; the server says so if posted anyway.
    expect(await page(c.officer, `/staff/matters/${id}`)).not.toContain('id="review-form"');
    expectRefusal((await form(c.officer, `/staff/matters/${id}/sanction-reviews`, { outcomeId: String(gov.body.id), kind: 'review', requestedOn: '2026-11-20' }).expect(403)).text, '只有本线索的承办人、审理人员或领导才能记录处理结果');

    // 复核 before a 复审 decision: refused, typed values kept; a missing date: the field says so.
    const early = await form(c.handler, `/staff/matters/${id}/sanction-reviews`, { outcomeId: String(gov.body.id), kind: 're_review', requestedOn: '2026-11-20', note: '本人不服' }).expect(409);
    expectRefusal(early.text, '须先经复审并作出复审决定，才能申请复核');
    expect(early.text).toContain('value="2026-11-20"');
    expect(early.text).toContain('本人不服</textarea>');
    expect(early.text).toMatch(/<option value="re_review" selected>/);
    expectRefusal((await form(c.handler, `/staff/matters/${id}/sanction-reviews`, { outcomeId: String(gov.body.id), kind: 'review', requestedOn: '' }).expect(422)).text, '请填写申请日期');
    expect(await t.ds.getRepository(SanctionReview).countBy({ clueId: id })).toBe(0);

    // 复审 requested on 20 November: the decision is due one month later (政务处分法 art. 55).
    await form(c.handler, `/staff/matters/${id}/sanction-reviews`, { outcomeId: String(gov.body.id), kind: 'review', requestedOn: '2026-11-20', note: '被处分人申请复审' }).expect(303).expect('location', `/staff/matters/${id}?done=review#top`);
    const review = await t.ds.getRepository(SanctionReview).findOneByOrFail({ clueId: id });
    expect(review).toMatchObject({ outcomeId: gov.body.id, kind: 'review', requestedOn: '2026-11-20', requestDue: '2026-12-03', decisionDue: '2026-12-21', decidedOn: null, recordedByUserId: c.handler.user.id, note: '被处分人申请复审' });
    expect(await events(id)).toContain('review_requested');
    expect(await clueAudit(t, id)).toContain('clue.review_requested');
    const listed = await page(c.handler, `/staff/matters/${id}?done=review`);
    expect(listed).toContain('已登记政务处分复审/复核申请');
    expect(listed).toContain(`data-review-id="${review.id}"`);
    expect(listed).toContain('复审决定：到期 2026-12-21');
    expect(listed).toContain(`action="/staff/matters/${id}/sanction-reviews/${review.id}/decision"`);

    // The decision: a result is required; then stored, shown, and no decision form any more.
    const noResult = await form(c.handler, `/staff/matters/${id}/sanction-reviews/${review.id}/decision`, { result: '', decidedOn: '2026-11-25' }).expect(422);
    expectRefusal(noResult.text, '请选择维持、变更或撤销');
    expect(noResult.text).toContain('value="2026-11-25"');
    await form(c.reviewer, `/staff/matters/${id}/sanction-reviews/${review.id}/decision`, { result: 'upheld', decidedOn: '2026-11-25' }).expect(303).expect('location', `/staff/matters/${id}?done=review_decided#top`);
    expect(await t.ds.getRepository(SanctionReview).findOneByOrFail({ id: review.id })).toMatchObject({ decidedOn: '2026-11-25', result: 'upheld' });
    expect(await clueAudit(t, id)).toContain('clue.review_decided');
    const decided = await page(c.handler, `/staff/matters/${id}`);
    expect(decided).toContain('已于 2026-11-25 作出决定：维持');
    expect(decided).not.toContain(`/sanction-reviews/${review.id}/decision`);
    // Deciding twice: refused by the service.
    expectRefusal((await form(c.handler, `/staff/matters/${id}/sanction-reviews/${review.id}/decision`, { result: 'changed', decidedOn: '2026-11-26' }).expect(409)).text, '已作出决定');

    // Now the 复核: two months for the decision.
    await form(c.handler, `/staff/matters/${id}/sanction-reviews`, { outcomeId: String(gov.body.id), kind: 're_review', requestedOn: '2026-11-27' }).expect(303);
    const re = await t.ds.getRepository(SanctionReview).findOneByOrFail({ clueId: id, kind: 're_review' });
    expect(re).toMatchObject({ requestedOn: '2026-11-27', decisionDue: '2027-01-27' });
    expect(await page(c.handler, `/staff/matters/${id}`)).toContain('复核决定：到期 2027-01-27');
    // Outside the scope the form is 404 like the page.
    await form(outsider, `/staff/matters/${id}/sanction-reviews`, { outcomeId: String(gov.body.id), kind: 'review', requestedOn: '2026-11-20' }).expect(404);
  });

  it('merges another clue into this one: refusals in Chinese, then the reports move over and the source leaves the lists', async () => {
    const target = await accept(c, (await insertTipoff(t, 'T01')).id);
    const sourceReport = await insertTipoff(t, 'T03');
    const source = await accept(c, sourceReport.id);
    const theirs = (await post(outsider, `/api/v1/matters`, { source: 'other', regionCode: '430422000000', subjects: [{ name: '王某' }], reason: '巡察移交' }).expect(201)).body.clueId as number;
    for (const s of [c.officer, c.handler, c.leader]) expect(await page(s, `/staff/matters/${target}`)).toContain('id="merge-form"');
    expect(await page(c.reviewer, `/staff/matters/${target}`)).not.toContain('id="merge-form"');

    const bad = await form(c.officer, `/staff/matters/${target}/merge`, { sourceClueId: '第二条', reason: '同一问题' }).expect(422);
    expectRefusal(bad.text, '请填写要并入的线索编号（数字）');
    expect(bad.text).toContain('value="第二条"');
    expect(bad.text).toContain('同一问题</textarea>');
    // (By a leader: the typed reason comes back in the merge form only, not in the assignment form's reason.)
    const self = await form(c.leader, `/staff/matters/${target}/merge`, { sourceClueId: String(target), reason: '只填在合并表单' }).expect(422);
    expectRefusal(self.text, '不能与自身合并');
    expect(self.text).toContain('name="reason" maxlength="2000">只填在合并表单</textarea>');
    expect(self.text).toContain('<textarea id="assign-reason" name="reason" maxlength="1000"></textarea>');
    expectRefusal((await form(c.officer, `/staff/matters/${target}/merge`, { sourceClueId: String(theirs), reason: '同一问题' }).expect(422)).text, '未找到该线索（只能合并本辖区的线索）');
    expectRefusal((await form(c.officer, `/staff/matters/${target}/merge`, { sourceClueId: String(source), reason: '' }).expect(422)).text, '请填写合并理由');
    expect((await clue(source)).mergedIntoId).toBeNull();
    expect((await clue(theirs)).mergedIntoId).toBeNull();

    await form(c.officer, `/staff/matters/${target}/merge`, { sourceClueId: `#${source}`, reason: '反映同一村同一问题' }).expect(303).expect('location', `/staff/matters/${target}?done=merged#top`);
    expect((await clue(source)).mergedIntoId).toBe(target);
    expect(await t.ds.getRepository(ClueReport).findOneByOrFail({ reportId: sourceReport.id })).toMatchObject({ clueId: target });
    expect(await events(target)).toContain('merged_from');
    expect(await events(source)).toContain('merged_into');
    expect(await t.ds.getRepository(AuditEvent).findOneByOrFail({ action: 'clue.merged', recordId: String(target) })).toMatchObject({ actorUserId: c.officer.user.id, reason: '反映同一村同一问题' });
    const merged = await page(c.officer, `/staff/matters/${target}?done=merged`);
    expect(merged).toContain('已将该线索并入本线索');
    expect(merged).toContain(`并入的线索：<span class="message-body">#${source}</span>`);
    expect(merged).toContain(`data-report-id="${sourceReport.id}"`);
    await c.officer.agent.get(`/staff/matters/${source}`).expect(404);
  });

  it('one’s own recusal and a leader’s recusal order: stored, audited, and the matter is 404 for the recused from then on', async () => {
    const id = await accept(c, (await insertTipoff(t, 'T05')).id);
    await assign(c, id);
    // Everyone who reads the matter may declare recusal; only leaders see the order form.
    for (const s of [c.handler, c.handler2, c.officer, c.reviewer]) {
      const html = await page(s, `/staff/matters/${id}`);
      expect(html).toContain('id="recusal-form"');
      expect(html).not.toContain('id="recusal-order-form"');
    }
    const leaderPage = await page(c.leader, `/staff/matters/${id}`);
    expect(leaderPage).toContain('id="recusal-order-form"');
    expect(leaderPage).toContain(`<option value="${c.handler2.user.id}">`);

    // The assigned handler declares recusal: back to the work list with the flash; unassigned; 404 since.
    await form(c.handler, `/staff/matters/${id}/recusal`, { reason: '被反映人系本人表兄' }).expect(303).expect('location', '/staff/matters?done=recused');
    expect(await page(c.handler, '/staff/matters?done=recused')).toContain('已登记您本人的回避申请');
    expect(await t.ds.getRepository(ClueRecusal).findOneByOrFail({ clueId: id, userId: c.handler.user.id })).toMatchObject({ kind: 'declared', byUserId: c.handler.user.id, reason: '被反映人系本人表兄' });
    expect((await clue(id)).assignedUserId).toBeNull();
    expect(await clueAudit(t, id)).toContain('recusal.declared');
    await c.handler.agent.get(`/staff/matters/${id}`).expect(404);
    await form(c.handler, `/staff/matters/${id}/recusal`, { reason: '再次' }).expect(404);

    // The leader's order: the person and a reason are required (kept in the form), then stored.
    const missing = await form(c.leader, `/staff/matters/${id}/recusal-orders`, { userId: '', kind: 'ordered', reason: '与举报人有利害关系' }).expect(422);
    expectRefusal(missing.text, '未找到该工作人员');
    expect(missing.text).toContain('与举报人有利害关系</textarea>');
    expectRefusal((await form(c.leader, `/staff/matters/${id}/recusal-orders`, { userId: String(c.handler2.user.id), kind: 'ordered', reason: '' }).expect(422)).text, '请填写理由');
    expectRefusal((await form(c.leader, `/staff/matters/${id}/recusal-orders`, { userId: String(c.handler2.user.id), kind: 'excused', reason: 'x' }).expect(422)).text, '请选择责令回避或排除同名冲突');
    await form(c.officer, `/staff/matters/${id}/recusal-orders`, { userId: String(c.handler2.user.id), kind: 'ordered', reason: 'x' }).expect(404);
    await c.leader.agent.post(`/staff/matters/${id}/recusal-orders`).type('form').send({ userId: String(c.handler2.user.id), kind: 'ordered', reason: 'x' }).expect(403);
    expect(await t.ds.getRepository(ClueRecusal).countBy({ clueId: id, userId: c.handler2.user.id })).toBe(0);

    await form(c.leader, `/staff/matters/${id}/recusal-orders`, { userId: String(c.handler2.user.id), kind: 'ordered', reason: '与举报人有利害关系' }).expect(303).expect('location', `/staff/matters/${id}?done=recusal_ordered#top`);
    expect(await t.ds.getRepository(ClueRecusal).findOneByOrFail({ clueId: id, userId: c.handler2.user.id })).toMatchObject({ kind: 'ordered', byUserId: c.leader.user.id, reason: '与举报人有利害关系' });
    expect(await t.ds.getRepository(AuditEvent).findOneByOrFail({ action: 'recusal.ordered', recordId: String(id) })).toMatchObject({ actorUserId: c.leader.user.id });
    expect(await events(id)).toEqual(expect.arrayContaining(['recusal_declared', 'recusal_ordered']));
    const timeline = await page(c.leader, `/staff/matters/${id}?done=recusal_ordered`);
    expect(timeline).toContain('已记录回避决定');
    expect(timeline).toContain(`本人申请回避</strong> · ${c.handler.user.displayName}`);
    expect(timeline).toContain(`工作人员：<span class="message-body">${c.handler.user.displayName}（已不再担任承办人）</span>`);
    expect(timeline).toContain(`工作人员：<span class="message-body">${c.handler2.user.displayName}</span>`);
    expect(timeline).toContain('领导决定回避');
    // The reasons stay in the recusal rows and the audit, not on the timeline every reader sees.
    expect(timeline.split('id="timeline"')[1]).not.toContain('表兄');
    await c.handler2.agent.get(`/staff/matters/${id}`).expect(404);
    expect(await page(c.handler2, '/staff/matters?tab=all')).not.toContain(`data-clue-id="${id}"`);
  });
});
