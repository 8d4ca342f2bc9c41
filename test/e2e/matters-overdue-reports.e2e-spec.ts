import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccessService } from '../../src/access/access.service.js';
import { MatterClocksService } from '../../src/clues/matter-clocks.service.js';
import { Report } from '../../src/reports/entities/report.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertTipoff, shanghai, staff } from '../factories/intake.js';
import { post, type Staff } from '../factories/matters-flow.js';

const COUNTY = '430421000000';
const OTHER_COUNTY = '430422000000';

interface Row {
  clueId: number | null;
  reportId: number | null;
  reportClock?: string;
  regionCode: string;
  status: string;
  statusLabel: string;
  clock: { clock: string; label: string; due: string; status: string };
}

/**
 * The leaders' overdue list also carries the intake obligations of reports (DESIGN.md §4; 检举控告工作规则
 * 2020): 告知受理情况 of a real-name report (15 working days) and 转送/转办 of a report still waiting at the
 * office (5 working days) — in the leader's scope only, never a report the leader is recused from, and
 * gone once acknowledged / handled. Through the JSON API and the page, on the database of the run.
 */
describe('matters: overdue report obligations on the leaders’ overdue list', () => {
  let t: TestApp;
  let officer: Staff;
  let leader: Staff;
  let leader2: Staff;
  let otherLeader: Staff;
  // Received on Friday 9 October 2026 (after National Day): acknowledgement due 29 October, forwarding due 15 October (Saturday 10 October is a make-up working day).
  const receivedAt = shanghai('2026-10-09 10:00');
  const today = '2026-11-02';

  const overdue = async (s: Staff, on = today): Promise<Row[]> => (await s.agent.get(`/api/v1/matters/overdue?today=${on}`).expect(200)).body.items as Row[];
  const reportRows = (rows: Row[], reportId: number) => rows.filter((r) => r.reportId === reportId && r.reportClock).map((r) => r.reportClock).sort();

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    officer = await staff(t, COUNTY, ['intake_officer']);
    leader = await staff(t, COUNTY, ['leader']);
    leader2 = await staff(t, COUNTY, ['leader']);
    otherLeader = await staff(t, OTHER_COUNTY, ['leader']);
  });
  afterAll(async () => t?.close());

  it('lists unacknowledged real-name reports and reports still waiting to be handled, in scope, not recused; acknowledged and handled ones drop off', async () => {
    const named = await insertTipoff(t, 'T02', { receivedAt });
    const anonymous = await insertTipoff(t, 'T01', { receivedAt });
    const recent = await insertTipoff(t, 'T04', { receivedAt: shanghai('2026-10-30 10:00') });
    const theirs = await insertTipoff(t, 'T05', { receivedAt, anonymous: false, regionCode: OTHER_COUNTY });
    expect(named).toMatchObject({ anonymous: false, ackDue: '2026-10-29', forwardDue: '2026-10-15' });

    // Not yet overdue on the due day itself (the period ends at 24:00).
    expect(reportRows(await overdue(leader, '2026-10-29'), named.id)).toEqual(['report_forward']);
    const rows = await overdue(leader);
    expect(rows.find((r) => r.reportId === named.id && r.reportClock === 'report_acknowledge')).toMatchObject({
      clueId: null,
      regionCode: named.regionCode,
      status: 'received',
      statusLabel: '已收到，待受理',
      clock: { clock: 'report_acknowledge', label: '告知受理情况（15个工作日）', due: '2026-10-29', status: 'overdue' },
    });
    expect(rows.find((r) => r.reportId === named.id && r.reportClock === 'report_forward')).toMatchObject({ clock: { clock: 'report_forward', label: '转送/转办（5个工作日）', due: '2026-10-15', status: 'overdue' } });
    // An anonymous report owes no acknowledgement, only its handling; a recent one owes nothing yet.
    expect(reportRows(rows, anonymous.id)).toEqual(['report_forward']);
    expect(reportRows(rows, recent.id)).toEqual([]);
    // Another county's report: only its own leader sees it.
    expect(reportRows(rows, theirs.id)).toEqual([]);
    expect(reportRows(await overdue(otherLeader), theirs.id)).toEqual(['report_acknowledge', 'report_forward']);
    expect(reportRows(await overdue(otherLeader), named.id)).toEqual([]);
    // Most overdue first across matters and reports.
    const dues = rows.map((r) => r.clock.due);
    expect(dues).toEqual([...dues].sort());

    // A leader recused from the report (本人申请回避) does not see it; the other leader still does.
    await post(leader2, '/api/v1/me/recusals', { reportId: named.id, reason: '与举报人系近亲属' }).expect(201);
    expect(reportRows(await overdue(leader2), named.id)).toEqual([]);
    expect(reportRows(await overdue(leader2), anonymous.id)).toEqual(['report_forward']);

    // Acknowledged: the 告知受理情况 row drops off; accepted: the forwarding row too.
    await post(officer, `/api/v1/intake/reports/${named.id}/acknowledge`, { message: '您的举报已收到，正在办理。' }).expect(200);
    expect((await t.ds.getRepository(Report).findOneByOrFail({ id: named.id })).acknowledgedAt).not.toBeNull();
    expect(reportRows(await overdue(leader), named.id)).toEqual(['report_forward']);
    await post(officer, `/api/v1/intake/reports/${named.id}/accept`, {}).expect(200);
    expect(reportRows(await overdue(leader), named.id)).toEqual([]);
    // Handlers do not get the leaders' list.
    await officer.agent.get('/api/v1/matters/overdue').expect(404);
  });

  it('the overdue page shows report rows labelled with their obligation, linked to the intake page', async () => {
    const r = await insertTipoff(t, 'T04', { receivedAt: shanghai('2026-09-01 10:00') });
    const html = (await leader.agent.get('/staff/matters/overdue').expect(200)).text;
    expect(html).toContain(`data-report-id="${r.id}" data-report-clock="report_acknowledge"`);
    expect(html).toContain(`data-report-id="${r.id}" data-report-clock="report_forward"`);
    expect(html).toContain(`<a href="/staff/intake/reports/${r.id}">举报 #${r.id}</a>`);
    expect(html).not.toContain(`href="/staff/matters/${r.id}"`);
    expect(html).toContain('告知受理情况（15个工作日）');
    expect(html).toContain('转送/转办（5个工作日）');
    expect(html).toContain(`data-region="${r.regionCode.slice(0, 9)}000"`);
    // The link opens the report for the leader; another county's leader sees neither row nor report.
    await leader.agent.get(`/staff/intake/reports/${r.id}`).expect(200);
    expect((await otherLeader.agent.get('/staff/matters/overdue').expect(200)).text).not.toContain(`data-report-id="${r.id}"`);
  });

  it('is cut at its limit across all kinds together: the most overdue rows of every kind, no more (page and API say when there are more)', async () => {
    await insertTipoff(t, 'T02', { receivedAt: shanghai('2026-08-03 10:00') });
    const clocks = t.app.get(MatterClocksService);
    const all = await clocks.overdue(leader.user, today);
    expect(all.length).toBeGreaterThan(3);
    expect(new Set(all.map((r) => r.clock.clock)).size).toBeGreaterThan(1);
    expect(await clocks.overdue(leader.user, today, 3)).toEqual(all.slice(0, 3));
    const api = (await leader.agent.get(`/api/v1/matters/overdue?today=${today}`).expect(200)).body;
    expect(api).toMatchObject({ limited: false });
    expect(api.items).toHaveLength(all.length);
  });

  it('reads result feedback through its overdue index, on both databases', async () => {
    const table = await t.ds.createQueryRunner().getTable('report_feedbacks');
    expect((table?.indices ?? []).find((i) => i.name === 'idx_report_feedbacks_due')?.columnNames).toEqual(['sent_at', 'due_date']);
  });

  it('reads reports through the overdue indexes, on both databases', async () => {
    const table = await t.ds.createQueryRunner().getTable('reports');
    const idx = Object.fromEntries((table?.indices ?? []).map((i) => [i.name, i.columnNames]));
    expect(idx.idx_reports_ack_open).toEqual(['acknowledged_at', 'ack_due']);
    expect(idx.idx_reports_status_forward).toEqual(['status', 'forward_due']);
    if (t.ds.options.type === 'better-sqlite3') {
      // The leader's own query (scope and recusal from the access layer) walks the index in due-date order.
      const access = await t.app.get(AccessService).forUser(leader.user);
      const plan = async (dueColumn: string, where: string) => {
        const qb = t.ds.getRepository(Report).createQueryBuilder('r').select('r.id');
        access.scope(qb, 'read', 'Report', 'r');
        const [sql, params] = qb.andWhere(where, { today }).orderBy(`r.${dueColumn}`, 'ASC').addOrderBy('r.id', 'ASC').limit(200).getQueryAndParameters();
        return JSON.stringify(await t.ds.query(`EXPLAIN QUERY PLAN ${sql}`, params));
      };
      expect(await plan('ack_due', 'r.acknowledged_at IS NULL AND r.ack_due < :today')).toContain('USING INDEX idx_reports_ack_open');
      expect(await plan('forward_due', "r.status = 'received' AND r.forward_due < :today")).toContain('USING INDEX idx_reports_status_forward');
    }
  });
});
