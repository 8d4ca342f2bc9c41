import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { ReportFeedback } from '../../src/clues/entities/report-feedback.entity.js';
import { dueDateOf } from '../../src/clues/matter-clocks.js';
import { CalendarService } from '../../src/regions/calendar.service.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertTipoff, shanghai, staff } from '../factories/intake.js';
import { accept, assign, matterCast, post, transition, type Cast } from '../factories/matters-flow.js';

/**
 * Statutory clocks of matters (DESIGN.md §4; 民法典 arts. 200–203): the day of the event is not
 * counted, months end on the same date or the month's last day, working days on the official
 * calendar with 调休, a rest-day deadline moves to the next working day.
 */
describe('matters: statutory clocks, overdue lists, holiday schedule loads', () => {
  let t: TestApp;
  let c: Cast;
  let calendar: CalendarService;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    c = await matterCast(t);
    calendar = t.app.get(CalendarService);
  });
  afterAll(async () => t?.close());

  it('15 working days across the 2026 National Day holiday (1–7 October off, Saturday 10 October worked)', () => {
    // Closed on Monday 28 September 2026: 29, 30 Sep; 8, 9, 10 (make-up), 12–16, 19–23 October.
    expect(dueDateOf(calendar, 'feedback_result', shanghai('2026-09-28 16:00'))).toEqual({ due: '2026-10-23', fallbackYears: [] });
    expect(dueDateOf(calendar, 'inquiry_reply', shanghai('2026-09-30 09:00'))).toEqual({ due: '2026-10-27', fallbackYears: [] });
  });

  it('one month from 31 January ends on the last day of February (a worked Saturday in 2026; 29 February in 2028)', () => {
    expect(dueDateOf(calendar, 'propose_disposal', shanghai('2026-01-31 10:00')).due).toBe('2026-02-28');
    // 2028 has no official schedule yet: weekends only, and the result says so.
    expect(dueDateOf(calendar, 'propose_disposal', shanghai('2028-01-31 10:00'))).toEqual({ due: '2028-02-29', fallbackYears: [2028] });
    // The day of the event is Asia/Shanghai's: 23:30 UTC on 30 January is already 31 January there.
    expect(dueDateOf(calendar, 'trial', new Date('2026-01-30T23:30:00Z')).due).toBe('2026-02-28');
  });

  it('a deadline on a Sunday moves to the Monday; two months for a 复核 decision', () => {
    expect(dueDateOf(calendar, 'announce_decision', shanghai('2025-07-31 10:00')).due).toBe('2025-09-01');
    expect(dueDateOf(calendar, 're_review_decision', shanghai('2026-03-31 10:00')).due).toBe('2026-06-01');
  });

  it('the overdue list of a region: only the leader’s scope, recusal respected, feedback clocks included; clocks shown due/due soon/overdue', async () => {
    const ours = await accept(c, (await insertTipoff(t, 'T01')).id);
    const other = await staff(t, '430422000000', ['intake_officer']);
    const theirsReport = await insertTipoff(t, 'T02', { regionCode: '430422000000' });
    const theirs = (await post(other, `/api/v1/intake/reports/${theirsReport.id}/accept`).expect(200)).body.clueId as number;
    const leaderB = await staff(t, '430422000000', ['leader']);
    const clue = await t.ds.getRepository(Clue).findOneByOrFail({ id: ours });
    const today = clue.dueDate!;
    const dayAfter = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

    // On the due day itself nothing is overdue (the period ends at 24:00).
    expect((await c.leader.agent.get(`/api/v1/matters/overdue?today=${today}`).expect(200)).body.items.map((r: { clueId: number }) => r.clueId)).not.toContain(ours);
    const a = (await c.leader.agent.get(`/api/v1/matters/overdue?today=${dayAfter}`).expect(200)).body.items;
    expect(a).toEqual(expect.arrayContaining([expect.objectContaining({ clueId: ours, status: 'registered', clock: expect.objectContaining({ clock: 'propose_disposal', due: today, status: 'overdue' }) })]));
    expect(a.map((r: { clueId: number }) => r.clueId)).not.toContain(theirs);
    const b = (await leaderB.agent.get(`/api/v1/matters/overdue?today=${dayAfter}`).expect(200)).body.items;
    expect(b.filter((r: { clueId: number | null }) => r.clueId !== null).map((r: { clueId: number }) => r.clueId)).toEqual([theirs]);
    // The real-name report behind it, accepted but never acknowledged, is owed its 告知受理情况 (test/e2e/matters-overdue-reports.e2e-spec.ts).
    expect(b.filter((r: { clueId: number | null }) => r.clueId === null)).toEqual([expect.objectContaining({ reportId: theirsReport.id, reportClock: 'report_acknowledge' })]);
    // Handlers do not get the leaders' list.
    await c.handler.agent.get('/api/v1/matters/overdue').expect(404);
    // A leader recused from the matter does not see it in the list.
    await post(c.leader2, `/api/v1/matters/${ours}/recusal`, { reason: '近亲属' }).expect(204);
    expect((await c.leader2.agent.get(`/api/v1/matters/overdue?today=${dayAfter}`).expect(200)).body.items.map((r: { clueId: number }) => r.clueId)).not.toContain(ours);

    // A concluded matter leaves the list; an unsent result feedback enters it once overdue.
    await assign(c, ours);
    await transition(c.handler, ours, { action: 'propose_disposal', method: 'concluded', reasoning: '已处理过' }).expect(200);
    await transition(c.leader, ours, { action: 'approve_disposal', conclusion: 'already_handled', reason: '同意了结' }).expect(200);
    await t.ds.getRepository(ReportFeedback).insert({ reportId: theirsReport.id, clueId: theirs, dueFrom: new Date(), dueDate: today, dueFallbackYears: '', publicText: null, sentAt: null, sentByUserId: null, objectionText: null, objectedAt: null, answerText: null, answeredAt: null, answeredByUserId: null, createdAt: new Date() });
    const after = (await c.leader.agent.get(`/api/v1/matters/overdue?today=${dayAfter}`).expect(200)).body.items;
    expect(after.map((r: { clueId: number }) => r.clueId)).not.toContain(ours);
    const b2 = (await leaderB.agent.get(`/api/v1/matters/overdue?today=${dayAfter}`).expect(200)).body.items;
    expect(b2).toEqual(expect.arrayContaining([expect.objectContaining({ clueId: theirs, reportId: theirsReport.id, clock: expect.objectContaining({ clock: 'feedback_result', status: 'overdue' }) })]));

    // The work list shows the clock of each open matter.
    const list = (await leaderB.agent.get('/api/v1/matters').expect(200)).body.items;
    expect(list[0].clock).toMatchObject({ clock: 'propose_disposal', label: '提出处置意见', status: expect.stringMatching(/^(due|due_soon|overdue)$/) });
  });

  it('loading a year’s holiday schedule recomputes the due dates of open matters (and says when none was known)', async () => {
    const id = await accept(c, (await insertTipoff(t, 'T03')).id);
    // Registered on 31 December 2026: one month → 31 January 2027, a Sunday; without a 2027 schedule → Monday 1 February.
    const enteredAt = shanghai('2026-12-31 10:00');
    const due = dueDateOf(calendar, 'propose_disposal', enteredAt);
    expect(due).toEqual({ due: '2027-02-01', fallbackYears: [2027] });
    await t.ds.getRepository(Clue).update({ id }, { stateEnteredAt: enteredAt, registeredAt: enteredAt, dueDate: due.due, dueFallbackYears: '2027' });
    const detail = (await c.leader.agent.get(`/api/v1/matters/${id}`).expect(200)).body;
    expect(detail.clock.fallbackNotice).toBe('2027年的法定节假日安排尚未载入，期限暂按周末休息计算');

    const result = await calendar.loadYearSchedule(2027, { holidays: ['2027-01-01', '2027-02-01', '2027-02-02', '2027-02-03', '2027-02-04', '2027-02-05'], workdays: ['2027-01-30'] }, { actorUserId: null, actorKind: 'system' });
    expect(result.othersRecomputed?.matters).toBeGreaterThanOrEqual(1);
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id })).toMatchObject({ dueDate: '2027-02-08', dueFallbackYears: '' });
  });
});
