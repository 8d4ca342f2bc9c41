import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClueEvent } from '../../src/clues/entities/clue-event.entity.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { InquiryLetter } from '../../src/clues/entities/inquiry-letter.entity.js';
import { shanghaiNoon } from '../../src/clues/inquiry-letter-rules.js';
import { dueDateOf } from '../../src/clues/matter-clocks.js';
import { CalendarService } from '../../src/regions/calendar.service.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertTipoff, staff, tipoff } from '../factories/intake.js';
import { accept, assign, clueAudit, dispose, matterCast, post, transition, type Cast, type Staff } from '../factories/matters-flow.js';

/**
 * The 函询 step (DESIGN.md §4 clock “reply to an inquiry letter: 15 working days from receipt”;
 * 监督执纪工作规则 2019 arts. 28–29): letters sent, received and answered through the JSON API and the
 * matter page, the reply clock on the official calendar, the leaders' overdue list, every refusal, and
 * the recomputation when a year's holiday schedule is loaded — on the database of the run.
 */
describe('matters: inquiry letters (函询) and their reply clock', () => {
  let t: TestApp;
  let c: Cast;
  let calendar: CalendarService;
  let outsideHandler: Staff;
  let outsideLeader: Staff;

  const letters = (clueId: number) => t.ds.getRepository(InquiryLetter).find({ where: { clueId }, order: { id: 'ASC' } });
  const subjectsOf = (clueId: number) => t.ds.getRepository(ClueSubject).find({ where: { clueId }, order: { ordinal: 'ASC', id: 'ASC' } });
  const send = (s: Staff, clueId: number, body: object) => post(s, `/api/v1/matters/${clueId}/inquiry-letters`, body);
  const receipt = (s: Staff, clueId: number, lid: number, body: object) => post(s, `/api/v1/matters/${clueId}/inquiry-letters/${lid}/receipt`, body);
  const reply = (s: Staff, clueId: number, lid: number, body: object) => post(s, `/api/v1/matters/${clueId}/inquiry-letters/${lid}/reply`, body);
  const overdueIds = async (s: Staff, today: string) => ((await s.agent.get(`/api/v1/matters/overdue?today=${today}`).expect(200)).body.items as { inquiryLetterId?: number }[]).map((r) => r.inquiryLetterId).filter((x) => x !== undefined);
  const form = (s: Staff, path: string, body: Record<string, string>) => s.agent.post(path).type('form').send({ _csrf: s.csrfToken, ...body });
  const page = async (s: Staff, path: string) => (await s.agent.get(path).expect(200)).text;

  /** A fixture tip-off accepted, assigned to the cast's handler and approved for 谈话函询. */
  async function talking(id: string): Promise<{ clueId: number; subjectId: number }> {
    const clueId = await accept(c, (await insertTipoff(t, id)).id);
    await assign(c, clueId);
    await dispose(c, clueId, 'talk_inquiry');
    return { clueId, subjectId: (await subjectsOf(clueId))[0].id };
  }

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    c = await matterCast(t);
    calendar = t.app.get(CalendarService);
    outsideHandler = await staff(t, '430422000000', ['case_handler']);
    outsideLeader = await staff(t, '430422000000', ['leader']);
  });
  afterAll(async () => t?.close());

  it('15 working days from receipt across the 2026 National Day holiday (1–7 October off, Saturday 10 October worked)', () => {
    // Received Monday 28 September 2026: 29, 30 Sep; 8, 9, 10 (make-up Saturday), 12–16, 19–23 October → 23 October.
    expect(dueDateOf(calendar, 'inquiry_reply', shanghaiNoon('2026-09-28'))).toEqual({ due: '2026-10-23', fallbackYears: [] });
    expect(dueDateOf(calendar, 'inquiry_reply', shanghaiNoon('2026-09-30'))).toEqual({ due: '2026-10-27', fallbackYears: [] });
  });

  it('happy path (T01): letter sent, received later, replied; clock, overdue list, timeline, audit; then the talk concludes', async () => {
    const { clueId, subjectId } = await talking('T01');
    const sent = await send(c.handler, clueId, { subjectId, sentOn: '2026-09-25' }).expect(201);
    const lid = sent.body.id as number;
    expect(sent.body).toMatchObject({ clueId, subjectId, sentOn: '2026-09-25', receivedOn: null, replyDue: null });
    expect(await letters(clueId)).toEqual([expect.objectContaining({ id: lid, subjectId, sentOn: '2026-09-25', receivedOn: null, replyDue: null, repliedOn: null, sentRecordedByUserId: c.handler.user.id })]);

    // Before receipt there is no clock; the matter JSON says the handler may record, the leader may not.
    const d0 = (await c.handler.agent.get(`/api/v1/matters/${clueId}`).expect(200)).body;
    expect(d0.mayRecordInquiry).toBe(true);
    expect(d0.inquiryLetters).toEqual([expect.objectContaining({ id: lid, subjectName: tipoff('T01').subjects[0].name, clock: null })]);
    expect((await c.leader.agent.get(`/api/v1/matters/${clueId}`).expect(200)).body.mayRecordInquiry).toBe(false);

    // The talk cannot end while the letter awaits its reply (art. 29: the situation report comes after the reply).
    const noConclude = await transition(c.handler, clueId, { action: 'conclude_talk', situationReport: '已函询', conclusion: 'cleared' }).expect(409);
    expect(noConclude.body.error.code).toBe('inquiry_reply_pending');

    // 签收 recorded later: the reply due date is stored (15 working days, the day of receipt not counted).
    const rec = await receipt(c.handler, clueId, lid, { receivedOn: '2026-09-28' }).expect(200);
    expect(rec.body).toMatchObject({ receivedOn: '2026-09-28', replyDue: '2026-10-23', replyDueFallbackYears: '' });
    expect(await t.ds.getRepository(InquiryLetter).findOneByOrFail({ id: lid })).toMatchObject({ receivedOn: '2026-09-28', replyDue: '2026-10-23', receivedRecordedByUserId: c.handler.user.id });
    const d1 = (await c.handler.agent.get(`/api/v1/matters/${clueId}`).expect(200)).body;
    expect(d1.inquiryLetters[0].clock).toMatchObject({ clock: 'inquiry_reply', label: '函询回复', due: '2026-10-23', status: expect.stringMatching(/^(due|due_soon|overdue)$/), fallbackNotice: null });

    // The leaders' overdue list: not on the due day (ends 24:00), the day after — labelled 函询回复.
    expect(await overdueIds(c.leader, '2026-10-23')).not.toContain(lid);
    const items = (await c.leader.agent.get('/api/v1/matters/overdue?today=2026-10-26').expect(200)).body.items;
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining({ clueId, inquiryLetterId: lid, status: 'talk_inquiry', clock: expect.objectContaining({ clock: 'inquiry_reply', label: '函询回复', due: '2026-10-23', status: 'overdue', workingDaysLeft: -1 }) })]));
    expect(await overdueIds(outsideLeader, '2026-10-26')).not.toContain(lid);

    // The reply (text cleaned: invisible characters removed, trimmed) closes the letter and its clock.
    const rep = await reply(c.handler, clueId, lid, { repliedOn: '2026-10-20', summary: '  刘建国书面说明：\u200b亲属低保按程序评议，无优亲厚友。 ' }).expect(200);
    expect(rep.body).toMatchObject({ repliedOn: '2026-10-20', replySummary: '刘建国书面说明：亲属低保按程序评议，无优亲厚友。' });
    expect(await t.ds.getRepository(InquiryLetter).findOneByOrFail({ id: lid })).toMatchObject({ repliedOn: '2026-10-20', replyRecordedByUserId: c.handler.user.id });
    expect((await c.handler.agent.get(`/api/v1/matters/${clueId}`).expect(200)).body.inquiryLetters[0].clock).toBeNull();
    expect(await overdueIds(c.leader, '2026-10-26')).not.toContain(lid);

    // A second letter to the same subject is allowed once the first is answered.
    const second = (await send(c.handler, clueId, { subjectId, sentOn: '2026-10-26', receivedOn: '2026-10-27' }).expect(201)).body;
    expect(second).toMatchObject({ receivedOn: '2026-10-27', replyDue: dueDateOf(calendar, 'inquiry_reply', shanghaiNoon('2026-10-27')).due });
    await reply(c.handler, clueId, second.id, { repliedOn: '2026-11-02', summary: '补充说明' }).expect(200);

    await transition(c.handler, clueId, { action: 'conclude_talk', situationReport: '经函询，刘建国如实说明，所反映问题不属实', conclusion: 'cleared' }).expect(200);
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: clueId })).toMatchObject({ status: 'concluded', conclusion: 'cleared' });

    const events = await t.ds.getRepository(ClueEvent).find({ where: { clueId }, order: { id: 'ASC' } });
    const steps = events.filter((e) => e.action.startsWith('inquiry_'));
    expect(steps.map((e) => [e.action, e.actorUserId])).toEqual([
      ['inquiry_sent', c.handler.user.id],
      ['inquiry_received', c.handler.user.id],
      ['inquiry_replied', c.handler.user.id],
      ['inquiry_sent', c.handler.user.id],
      ['inquiry_replied', c.handler.user.id],
    ]);
    expect(JSON.parse(steps[1].details!)).toEqual({ letterId: lid, subjectId, receivedOn: '2026-09-28', replyDue: '2026-10-23' });
    expect(JSON.parse(steps[2].details!)).toEqual({ letterId: lid, subjectId, repliedOn: '2026-10-20', onTime: true });
    const audit = await clueAudit(t, clueId);
    expect(audit.filter((a) => a.startsWith('clue.inquiry_') || a === 'clue.conclude_talk')).toEqual(['clue.inquiry_sent', 'clue.inquiry_received', 'clue.inquiry_replied', 'clue.inquiry_sent', 'clue.inquiry_replied', 'clue.conclude_talk']);

    // Concluded: no more letters.
    expect((await send(c.handler, clueId, { subjectId, sentOn: '2026-11-20' }).expect(409)).body.error.code).toBe('invalid_transition');
  });

  it('refusals: state, role, assignment, scope, recusal, dates, a second open letter, a subject of another clue, unknown letters — nothing written', async () => {
    const { clueId, subjectId } = await talking('T05');
    const other = await talking('T06');
    const registered = await accept(c, (await insertTipoff(t, 'T10')).id);
    await assign(c, registered);
    const registeredSubject = (await subjectsOf(registered))[0].id;
    const ok = { subjectId, sentOn: '2026-11-02' };
    const eventsBefore = await t.ds.getRepository(ClueEvent).countBy({ clueId });

    // Wrong state (registered, not yet disposed of).
    expect((await send(c.handler, registered, { subjectId: registeredSubject, sentOn: '2026-11-02' }).expect(409)).body.error.code).toBe('invalid_transition');
    // Wrong role (in scope: leader, intake officer, trial reviewer); not the assigned handler; outside scope → 404.
    for (const s of [c.leader, c.officer, c.reviewer]) expect((await send(s, clueId, ok).expect(403)).body.error.code).toBe('role_not_allowed');
    expect((await send(c.handler2, clueId, ok).expect(403)).body.error.code).toBe('not_assigned');
    await send(outsideHandler, clueId, ok).expect(404);
    // Dates: impossible, future, receipt before sending, missing.
    const bad = async (body: object, field: string) => expect((await send(c.handler, clueId, body).expect(422)).body.error.fields).toHaveProperty(field);
    await bad({ subjectId, sentOn: '2026-02-30' }, 'sentOn');
    await bad({ subjectId, sentOn: '2999-01-04' }, 'sentOn');
    await bad({ subjectId }, 'sentOn');
    await bad({ subjectId, sentOn: '2026-11-02', receivedOn: '2026-11-01' }, 'receivedOn');
    await bad({ subjectId, sentOn: '2026-11-02', receivedOn: '2999-01-04' }, 'receivedOn');
    // A subject of another clue, or none.
    await bad({ subjectId: other.subjectId, sentOn: '2026-11-02' }, 'subjectId');
    await bad({ subjectId: 'x', sentOn: '2026-11-02' }, 'subjectId');
    expect((await send(c.handler, clueId, { ...ok, note: 'x' }).expect(400)).body.error.code).toBe('unknown_field');
    expect(await letters(clueId)).toEqual([]);
    expect(await t.ds.getRepository(ClueEvent).countBy({ clueId })).toBe(eventsBefore);

    const lid = (await send(c.handler, clueId, ok).expect(201)).body.id as number;
    // One open letter per subject.
    const again = await send(c.handler, clueId, { subjectId, sentOn: '2026-11-03' }).expect(409);
    expect(again.body.error).toMatchObject({ code: 'inquiry_letter_open', message: expect.stringContaining('尚未回复') });
    // Reply before receipt; receipt refusals.
    expect((await reply(c.handler, clueId, lid, { repliedOn: '2026-11-05', summary: '说明' }).expect(409)).body.error.code).toBe('inquiry_receipt_missing');
    expect((await receipt(c.handler, clueId, lid, { receivedOn: '2026-11-01' }).expect(422)).body.error.fields).toHaveProperty('receivedOn');
    expect((await receipt(c.handler, clueId, lid, { receivedOn: '2999-01-04' }).expect(422)).body.error.fields).toHaveProperty('receivedOn');
    expect((await receipt(c.handler, clueId, lid, {}).expect(422)).body.error.fields).toHaveProperty('receivedOn');
    expect((await receipt(c.handler2, clueId, lid, { receivedOn: '2026-11-03' }).expect(403)).body.error.code).toBe('not_assigned');
    expect((await receipt(c.leader, clueId, lid, { receivedOn: '2026-11-03' }).expect(403)).body.error.code).toBe('role_not_allowed');
    // A letter id of another clue (same handler) is not found on this one.
    await receipt(c.handler, other.clueId, lid, { receivedOn: '2026-11-03' }).expect(404);
    await receipt(c.handler, clueId, 999999, { receivedOn: '2026-11-03' }).expect(404);
    expect(await t.ds.getRepository(InquiryLetter).findOneByOrFail({ id: lid })).toMatchObject({ receivedOn: null, replyDue: null });
    await receipt(c.handler, clueId, lid, { receivedOn: '2026-11-03' }).expect(200);
    expect((await receipt(c.handler, clueId, lid, { receivedOn: '2026-11-04' }).expect(409)).body.error.code).toBe('inquiry_receipt_recorded');
    // Reply refusals: before receipt, future, no summary, summary too long.
    expect((await reply(c.handler, clueId, lid, { repliedOn: '2026-11-02', summary: '说明' }).expect(422)).body.error.fields).toHaveProperty('repliedOn');
    expect((await reply(c.handler, clueId, lid, { repliedOn: '2999-01-04', summary: '说明' }).expect(422)).body.error.fields).toHaveProperty('repliedOn');
    expect((await reply(c.handler, clueId, lid, { repliedOn: '2026-11-05', summary: ' \u200b ' }).expect(422)).body.error.fields).toHaveProperty('summary');
    expect((await reply(c.handler, clueId, lid, { repliedOn: '2026-11-05', summary: '字'.repeat(2001) }).expect(422)).body.error.fields.summary).toContain('2000');
    expect((await reply(c.handler2, clueId, lid, { repliedOn: '2026-11-05', summary: '说明' }).expect(403)).body.error.code).toBe('not_assigned');
    expect(await t.ds.getRepository(InquiryLetter).findOneByOrFail({ id: lid })).toMatchObject({ repliedOn: null, replySummary: null });
    await reply(c.handler, clueId, lid, { repliedOn: '2026-11-05', summary: '字'.repeat(2000) }).expect(200);
    expect((await reply(c.handler, clueId, lid, { repliedOn: '2026-11-06', summary: '再说明' }).expect(409)).body.error.code).toBe('inquiry_reply_recorded');
    expect(await letters(clueId)).toHaveLength(1);

    // Recusal: a handler who declares recusal no longer reaches the matter (404), like outside scope.
    await post(c.handler2, `/api/v1/matters/${clueId}/recusal`, { reason: '近亲属' }).expect(204);
    await send(c.handler2, clueId, ok).expect(404);
  });

  it('a letter never signed for holds escalation back only for the reply period counted from its sending', async () => {
    const { clueId, subjectId } = await talking('T04');
    const today = calendar.today();
    const letter = (await send(c.handler, clueId, { subjectId, sentOn: today }).expect(201)).body;
    expect(letter.receivedOn).toBeNull();
    const held = await transition(c.handler, clueId, { action: 'escalate_talk', situationReport: '未签收' }).expect(409);
    expect(held.body.error).toMatchObject({ code: 'inquiry_reply_pending', message: expect.stringContaining('未登记签收的自发出之日起计算') });
    expect((await transition(c.handler, clueId, { action: 'conclude_talk', situationReport: '未签收', conclusion: 'cleared' }).expect(409)).body.error.code).toBe('inquiry_reply_pending');
    // Sent on 25 September and never signed for: 15 working days from sending ran out in October.
    await t.ds.getRepository(InquiryLetter).update({ id: letter.id }, { sentOn: '2026-09-25' });
    await transition(c.handler, clueId, { action: 'escalate_talk', situationReport: '被函询人拒不签收，转初步核实' }).expect(200);
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: clueId })).toMatchObject({ status: 'preliminary_verification' });
  });

  it('escalate_talk after the reply period ran out; the letter then leaves the overdue list. Overdue list: scope and recusal', async () => {
    const { clueId, subjectId } = await talking('T03');
    const today = calendar.today();
    // A letter received today is within its period: no escalation yet.
    const fresh = (await send(c.handler, clueId, { subjectId, sentOn: today, receivedOn: today }).expect(201)).body;
    expect(fresh.replyDue > today).toBe(true);
    expect((await transition(c.handler, clueId, { action: 'escalate_talk', situationReport: '未回复' }).expect(409)).body.error.code).toBe('inquiry_reply_pending');
    // Its receipt moved back to 28 September (due 23 October, as the first test shows): overdue since 24 October.
    await t.ds.getRepository(InquiryLetter).update({ id: fresh.id }, { sentOn: '2026-09-25', receivedOn: '2026-09-28', replyDue: '2026-10-23' });
    expect(await overdueIds(c.leader, today)).toContain(fresh.id);
    expect(await overdueIds(outsideLeader, today)).not.toContain(fresh.id);
    await post(c.leader2, `/api/v1/matters/${clueId}/recusal`, { reason: '近亲属' }).expect(204);
    expect(await overdueIds(c.leader2, today)).not.toContain(fresh.id);
    // The overdue page shows it to the leader in scope.
    const html = await page(c.leader, '/staff/matters/overdue');
    expect(html).toMatch(new RegExp(`data-clue-id="${clueId}"[\\s\\S]*?函询函 #${fresh.id}[\\s\\S]*?函询回复[\\s\\S]*?2026-10-23`));
    expect(await page(outsideLeader, '/staff/matters/overdue')).not.toContain(`函询函 #${fresh.id}`);

    // Conclusion still refused (no reply), escalation allowed (the subject did not answer in time).
    expect((await transition(c.handler, clueId, { action: 'conclude_talk', situationReport: '未回复', conclusion: 'cleared' }).expect(409)).body.error.code).toBe('inquiry_reply_pending');
    await transition(c.handler, clueId, { action: 'escalate_talk', situationReport: '被函询人逾期未回复，转初步核实' }).expect(200);
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: clueId })).toMatchObject({ status: 'preliminary_verification' });
    expect(await overdueIds(c.leader, today)).not.toContain(fresh.id);
    expect((await receipt(c.handler, clueId, fresh.id, { receivedOn: today }).expect(409)).body.error.code).toBe('invalid_transition');
  });

  it('the matter page: 函询 section with the clock, the three forms with CSRF, errors in the form, the letter document link; forms only for the assigned handler', async () => {
    const { clueId, subjectId } = await talking('T09');
    const base = `/staff/matters/${clueId}`;
    const p0 = await page(c.handler, base);
    expect(p0).toContain('id="inquiry"');
    expect(p0).toContain(`action="${base}/inquiry-letters"`);
    expect(p0).toContain('尚未发出函询函');
    const leaderPage = await page(c.leader, base);
    expect(leaderPage).toContain('id="inquiry"');
    expect(leaderPage).not.toContain(`action="${base}/inquiry-letters"`);
    // Without the CSRF token: refused, nothing stored.
    await c.handler.agent.post(`${base}/inquiry-letters`).type('form').send({ subjectId: String(subjectId), sentOn: '2026-11-02' }).expect(403);
    // A bad date comes back in the form with the typed values.
    const badRes = await form(c.handler, `${base}/inquiry-letters`, { subjectId: String(subjectId), sentOn: '2026-11-02', receivedOn: '2026-11-01' }).expect(422);
    expect(badRes.text).toContain('签收日期不能早于发函日期');
    expect(badRes.text).toMatch(/id="inq-sent" name="sentOn" value="2026-11-02"/);
    expect(await letters(clueId)).toEqual([]);

    await form(c.handler, `${base}/inquiry-letters`, { subjectId: String(subjectId), sentOn: '2026-09-25', receivedOn: '' }).expect(303);
    const [letter] = await letters(clueId);
    expect(letter).toMatchObject({ subjectId, sentOn: '2026-09-25', receivedOn: null });
    const p1 = await page(c.handler, `${base}?done=inquiry`);
    expect(p1).toContain('已登记函询。');
    expect(p1).toContain('待签收');
    expect(p1).toContain(`${base}/documents/inquiry?subject=${subjectId}`);
    expect(p1).toContain(`action="${base}/inquiry-letters/${letter.id}/receipt"`);
    expect(p1).toContain('尚有函询函未收到回复');

    const badReceipt = await form(c.handler, `${base}/inquiry-letters/${letter.id}/receipt`, { receivedOn: '2026-02-30' }).expect(422);
    expect(badReceipt.text).toContain('日期应为真实的日历日期');
    await form(c.handler, `${base}/inquiry-letters/${letter.id}/receipt`, { receivedOn: '2026-09-28' }).expect(303);
    expect(await t.ds.getRepository(InquiryLetter).findOneByOrFail({ id: letter.id })).toMatchObject({ receivedOn: '2026-09-28', replyDue: '2026-10-23' });
    const p2 = await page(c.handler, base);
    expect(p2).toContain('函询回复：到期 2026-10-23');
    expect(p2).toContain(`action="${base}/inquiry-letters/${letter.id}/reply"`);
    // Another handler sees the letter but no form; a post is refused with the reason on the page.
    expect(await page(c.handler2, base)).not.toContain(`action="${base}/inquiry-letters/${letter.id}/reply"`);
    expect((await form(c.handler2, `${base}/inquiry-letters/${letter.id}/reply`, { repliedOn: '2026-10-20', summary: 'x' }).expect(403)).text).toContain('只有本线索的承办人才能登记函询');

    const noSummary = await form(c.handler, `${base}/inquiry-letters/${letter.id}/reply`, { repliedOn: '2026-10-20', summary: '' }).expect(422);
    expect(noSummary.text).toContain('请填写回复内容摘要');
    await form(c.handler, `${base}/inquiry-letters/${letter.id}/reply`, { repliedOn: '2026-10-20', summary: '书面说明：情况属实部分已整改' }).expect(303);
    expect(await t.ds.getRepository(InquiryLetter).findOneByOrFail({ id: letter.id })).toMatchObject({ repliedOn: '2026-10-20', replySummary: '书面说明：情况属实部分已整改' });
    const p3 = await page(c.handler, base);
    expect(p3).toContain('已回复');
    expect(p3).toContain('书面说明：情况属实部分已整改');
    expect(p3).not.toContain('尚有函询函未收到回复');
    // The timeline names the steps.
    expect(p3).toContain('发出函询函');
    expect(p3).toContain('被函询人签收函询函');
    expect(p3).toContain('收到函询回复');
  });

  it('a held clue reopened for 谈话函询 takes that method and can record its letters (T05)', async () => {
    const clueId = await accept(c, (await insertTipoff(t, 'T05')).id);
    await assign(c, clueId);
    await dispose(c, clueId, 'held');
    const subjectId = (await subjectsOf(clueId))[0].id;
    expect((await send(c.handler, clueId, { subjectId, sentOn: '2026-11-20' }).expect(409)).body.error.code).toBe('invalid_transition');
    await transition(c.handler, clueId, { action: 'reopen', to: 'talk_inquiry', ground: 'periodic_review', reason: '定期清理，决定函询' }).expect(200);
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: clueId })).toMatchObject({ status: 'talk_inquiry', disposalMethod: 'talk_inquiry' });
    const sent = await send(c.handler, clueId, { subjectId, sentOn: '2026-11-20', receivedOn: '2026-11-23' }).expect(201);
    expect(await letters(clueId)).toEqual([expect.objectContaining({ id: sent.body.id, receivedOn: '2026-11-23', replyDue: sent.body.replyDue })]);
  });

  it('the OpenAPI document lists the three steps with their refusal codes', async () => {
    const doc = (await c.handler.agent.get('/api/v1/openapi.json').expect(200)).body;
    const paths = ['/api/v1/matters/{id}/inquiry-letters', '/api/v1/matters/{id}/inquiry-letters/{lid}/receipt', '/api/v1/matters/{id}/inquiry-letters/{lid}/reply'];
    for (const path of paths) expect([path, Object.keys(doc.paths[path] ?? {})]).toEqual([path, ['post']]);
    expect(JSON.stringify(doc.paths[paths[0]])).toContain('inquiry_letter_open');
    expect(JSON.stringify(doc.paths['/api/v1/matters/{id}/transitions'])).toContain('inquiry_reply_pending');
  });

  it('loading a year’s holiday schedule recomputes the reply due date of an unreplied letter (and says when none was known)', async () => {
    const { clueId, subjectId } = await talking('T07');
    const lid = (await send(c.handler, clueId, { subjectId, sentOn: '2026-11-20', receivedOn: '2026-11-20' }).expect(201)).body.id as number;
    // Received Monday 28 December 2026 (set directly: the API refuses future dates): 2027 has no schedule yet.
    const due = dueDateOf(calendar, 'inquiry_reply', shanghaiNoon('2026-12-28'));
    expect(due).toEqual({ due: '2027-01-18', fallbackYears: [2027] });
    await t.ds.getRepository(InquiryLetter).update({ id: lid }, { sentOn: '2026-12-28', receivedOn: '2026-12-28', replyDue: due.due, replyDueFallbackYears: '2027' });
    const before = (await c.handler.agent.get(`/api/v1/matters/${clueId}`).expect(200)).body;
    expect(before.inquiryLetters[0].clock.fallbackNotice).toBe('2027年的法定节假日安排尚未载入，期限暂按周末休息计算');

    const result = await calendar.loadYearSchedule(2027, { holidays: ['2027-01-01', '2027-02-01', '2027-02-02', '2027-02-03', '2027-02-04', '2027-02-05'], workdays: ['2027-01-30'] }, { actorUserId: null, actorKind: 'system' });
    expect(result.othersRecomputed?.matters).toBeGreaterThanOrEqual(1);
    // 29–31 December; 1 January off; 4–8, 11–15, 18, 19 January → 19 January.
    expect(await t.ds.getRepository(InquiryLetter).findOneByOrFail({ id: lid })).toMatchObject({ replyDue: '2027-01-19', replyDueFallbackYears: '' });
  });

  it('a clue whose inquiry letter awaits its reply cannot be merged into another (409 inquiry_letter_open): the reply clock stays on the overdue list; once replied it may', async () => {
    const { clueId, subjectId } = await talking('T06');
    const lid = (await send(c.handler, clueId, { subjectId, sentOn: '2026-09-25', receivedOn: '2026-09-28' }).expect(201)).body.id as number;
    const target = await accept(c, (await insertTipoff(t, 'T07')).id);
    const merge = () => post(c.leader, `/api/v1/matters/${target}/merge`, { sourceClueId: clueId, reason: '同一事项' });
    expect((await merge().expect(409)).body.error.code).toBe('inquiry_letter_open');
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: clueId })).toMatchObject({ mergedIntoId: null, status: 'talk_inquiry' });
    expect(await overdueIds(c.leader, '2026-10-26')).toContain(lid);
    await reply(c.handler, clueId, lid, { repliedOn: '2026-10-20', summary: '书面说明' }).expect(200);
    await merge().expect(200);
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: clueId })).toMatchObject({ mergedIntoId: target });
  });
});
