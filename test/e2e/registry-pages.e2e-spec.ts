import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml } from '../utils/login-as.js';
import { ImportWorker } from '../../src/registry/imports/import-worker.js';
import { MatcherService } from '../../src/registry/matcher.service.js';
import { EXPECTED, FIXTURES, readCsv, writeCsv, loginRegistryActors, type Session } from './registry-support.js';

const fx = (name: string) => join(FIXTURES, name);
const PAGES = '/staff/registry';

/** No inline script or style (the CSP forbids them): scripts only by src, no style attributes or blocks. */
function expectNoInline(html: string): void {
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/\sstyle=|<style[\s>]|\son[a-z]+=/i);
}

describe('registry pages (/staff/registry)', () => {
  let t: TestApp;
  let clerk: Session;
  let handler: Session;
  let outsider: Session;
  let intake: Session;
  let rosterJobId: number;
  const tmp = mkdtempSync(join(tmpdir(), 'qf-registry-pages-'));


  /** The import form as a browser sends it: the token comes from the rendered page. */
  const submitForm = async (s: Session, kind: string, path: string, fields: Record<string, string>) => {
    const page = await s.agent.get(`${PAGES}/imports`);
    expect(page.status).toBe(200);
    let req = s.agent.post(`${PAGES}/imports`).field('_csrf', csrfFromHtml(page.text)!).field('kind', kind);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req.attach('file', path);
  };

  const jobIdOf = (location: string | undefined): number => {
    const m = /^\/staff\/registry\/imports\/(\d+)$/.exec(location ?? '');
    expect(m).not.toBeNull();
    return Number(m![1]);
  };

  const importAndWait = async (kind: string, path: string, fields: Record<string, string>) => {
    const res = await submitForm(clerk, kind, path, fields);
    expect(res.status).toBe(303);
    const id = jobIdOf(res.headers.location);
    await t.app.get(ImportWorker).idle();
    return id;
  };

  beforeAll(async () => {
    t = await createTestApp();
    ({ clerk, handler, outsider, intake } = await loginRegistryActors(t));
  });
  afterAll(async () => t?.close());

  it('links the registry pages from the staff home by role, and closes them to others', async () => {
    const home = await clerk.agent.get('/staff');
    expect(home.text).toContain('href="/staff/registry/imports"');
    expect(home.text).toContain('href="/staff/registry/findings"');
    const handlerHome = await handler.agent.get('/staff');
    expect(handlerHome.text).not.toContain('href="/staff/registry/imports"');
    expect(handlerHome.text).toContain('href="/staff/registry/findings"');
    expect((await handler.agent.get(`${PAGES}/imports`)).status).toBe(404);
    expect((await intake.agent.get(`${PAGES}/findings`)).status).toBe(404);
    const anon = await request(t.server).get(`${PAGES}/findings`);
    expect([303, 302, 401]).toContain(anon.status);
  });

  it('shows the import form in Chinese with the CSRF token and without inline script or style', async () => {
    const page = await clerk.agent.get(`${PAGES}/imports`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('数据导入');
    expect(page.text).toContain('enctype="multipart/form-data"');
    expect(page.text).toMatch(/<option value="roster"[^>]*>低保名册<\/option>/);
    expect(csrfFromHtml(page.text)).toBeDefined();
    expect(page.text).toContain('name="regionPrefix" value="430421"');
    expectNoInline(page.text);
  });

  it('refuses an upload without the CSRF token and re-renders bad input with Chinese messages', async () => {
    const noToken = await clerk.agent.post(`${PAGES}/imports`).field('kind', 'officials').field('regionPrefix', '430421').attach('file', fx('officials.csv'));
    expect(noToken.status).toBe(403);
    const noMonth = await submitForm(clerk, 'roster', fx('roster.csv'), { regionPrefix: '430421', programme: '农村低保', month: '' });
    expect(noMonth.status).toBe(422);
    expect(noMonth.text).toContain('低保名册导入需要注明名册月份');
    expect(noMonth.text).toContain('value="430421"');
    const outside = await submitForm(clerk, 'officials', fx('officials.csv'), { regionPrefix: '430422' });
    expect(outside.status).toBe(422);
    expect(outside.text).toContain('导入范围必须在您的管辖范围之内');
  });

  it('imports the sample through the pages, with a column-mapping step for differing headers', async () => {
    await importAndWait('officials', fx('officials.csv'), { regionPrefix: '430421' });
    await importAndWait('kin', fx('kin-declarations.csv'), { regionPrefix: '430421' });

    const rows = readCsv(fx('roster-gbk.csv'), 'gbk');
    rows[0] = rows[0].map((h) => (h === '身份证号码' ? '证件号码' : h === '户编号' ? '家庭户码' : h));
    const renamed = writeCsv(join(tmp, '名册<一月>.csv'), rows);
    const step = await submitForm(clerk, 'roster', renamed, { regionPrefix: '430421', programme: '农村低保', month: '2025-01' });
    expect(step.status).toBe(422);
    expect(step.text).toContain('列对应');
    expect(step.text).toContain('缺少必需的列：户编号、身份证号码');
    expect(step.text).toContain('名册&lt;一月&gt;.csv');
    expect(step.text).not.toContain('名册<一月>');
    expectNoInline(step.text);
    // Standard headers are preselected; the renamed ones are offered as options.
    expect(step.text).toMatch(/<select id="m-name" name="map\[name\]">[\s\S]*?<option value="姓名" selected>/);
    expect(step.text).toMatch(/<select id="m-idNumber" name="map\[idNumber\]">\s*<option value="">（不导入）<\/option>(?:(?!<\/select>)[\s\S])*<option value="证件号码">/);
    const form: Record<string, string> = {};
    for (const m of step.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form[m[1]] = m[2].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    for (const m of step.text.matchAll(/<select id="m-(\w+)" name="map\[\w+\]">[\s\S]*?<\/select>/g)) {
      const sel = /<option value="([^"]*)" selected>/.exec(m[0]);
      if (sel) form[`map[${m[1]}]`] = sel[1];
    }
    expect(form.token).toMatch(/^[a-f0-9]{24}$/);

    // A mapping that still lacks a required column shows the step again.
    const partial = await clerk.agent.post(`${PAGES}/imports/mapping`).type('form').send({ ...form, 'map[idNumber]': '证件号码' });
    expect(partial.status).toBe(422);
    expect(partial.text).toContain('缺少必需的列：户编号');
    // Another user cannot use the token.
    const stolen = await outsider.agent.post(`${PAGES}/imports/mapping`).type('form').send({ ...form, _csrf: outsider.csrf, 'map[idNumber]': '证件号码', 'map[householdNo]': '家庭户码' });
    expect(stolen.status).toBe(410);

    const done = await clerk.agent.post(`${PAGES}/imports/mapping`).type('form').send({ ...form, 'map[idNumber]': '证件号码', 'map[householdNo]': '家庭户码' });
    expect(done.status).toBe(303);
    rosterJobId = jobIdOf(done.headers.location);
    await t.app.get(ImportWorker).idle();
    const replay = await clerk.agent.post(`${PAGES}/imports/mapping`).type('form').send({ ...form, 'map[idNumber]': '证件号码', 'map[householdNo]': '家庭户码' });
    expect(replay.status).toBe(410);
    expect(replay.text).toContain('上传的文件已过期，请重新上传');

    await importAndWait('approvals', fx('approvals.csv'), { regionPrefix: '430421' });
  });

  it('shows the finished job with its rejected rows, the report link and no polling', async () => {
    const page = await clerk.agent.get(`${PAGES}/imports/${rosterJobId}`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('已完成');
    expect(page.text).toContain('<progress class="job-progress" max="100" value="100">');
    expect(page.text).toContain('data-done="1"');
    expect(page.text).toContain('<script src="/assets/registry-import.js" defer></script>');
    expectNoInline(page.text);
    const e = EXPECTED.rejected_roster_rows;
    for (let i = 0; i < e.households.length; i++) {
      expect(page.text).toContain(`<tr><td>${e.spreadsheet_rows_header_is_row_1[i]}</td><td>${e.households[i]}</td><td>${e.reason_codes[i]}</td>`);
    }
    expect(page.text).not.toMatch(/\d{17}[\dX]/);
    expect(page.text).toContain(`href="/api/v1/registry/imports/${rosterJobId}/report.csv"`);
    const report = await clerk.agent.get(`/api/v1/registry/imports/${rosterJobId}/report.csv`);
    expect(report.status).toBe(200);
    expect(report.text).toContain('34,H90,拒收,id_spreadsheet_damaged');
    const list = await clerk.agent.get(`${PAGES}/imports`);
    expect(list.text).toContain(`href="/staff/registry/imports/${rosterJobId}"`);
    expect((await outsider.agent.get(`${PAGES}/imports/${rosterJobId}`)).status).toBe(404);
    expect((await outsider.agent.get(`${PAGES}/imports`)).text).not.toContain(`/staff/registry/imports/${rosterJobId}"`);
  });

  it('shows a running job with its progress, a refreshable fallback and the polling script, and serves the script', async () => {
    const id = await importAndWait('officials', fx('officials.csv'), { regionPrefix: '430421' });
    // The job as a worker leaves it between two batches: running, half the bytes read, fresh heartbeat.
    const [{ total_bytes: total }] = await t.ds.query('SELECT total_bytes FROM import_jobs WHERE id = ?', [id]);
    await t.ds.query('UPDATE import_jobs SET status = ?, processed_bytes = ?, heartbeat_at_ms = ?, finished_at = NULL WHERE id = ?', ['running', Math.ceil(Number(total) / 2), Date.now(), id]);
    const page = await clerk.agent.get(`${PAGES}/imports/${id}`);
    expect(page.text).toContain('导入中');
    expect(page.text).toContain(`data-import-job="${id}" data-done="0"`);
    expect(page.text).toContain('<progress class="job-progress" max="100" value="50">');
    expect(page.text).toContain(`<a href="/staff/registry/imports/${id}">刷新进度</a>`);
    expect(page.text).toContain('<script src="/assets/registry-import.js" defer></script>');
    expect(page.text).not.toContain('report.csv');
    expectNoInline(page.text);
    const json = await clerk.agent.get(`/api/v1/registry/imports/${id}`);
    expect([json.body.status, json.body.progress]).toEqual(['running', 50]);
    const js = await clerk.agent.get('/assets/registry-import.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.text).toContain("'/api/v1/registry/imports/'");
    await t.ds.query('UPDATE import_jobs SET status = ?, processed_bytes = total_bytes WHERE id = ?', ['succeeded', id]);
  });

  it('lists findings with filters and counts per village, in scope only', async () => {
    await t.app.get(MatcherService).run({ mode: 'full' });
    const page = await handler.agent.get(`${PAGES}/findings`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expectNoInline(page.text);
    expect(page.text).toContain(`共 ${EXPECTED.findings.length} 条`);
    expect(page.text.match(/class="card finding-item"/g)).toHaveLength(EXPECTED.findings.length);
    expect(page.text.match(/<tr class="village-count">/g)).toHaveLength(5);
    expect(page.text).toMatch(/<td>430421101200<\/td><td>2<\/td>/);
    expect(page.text).not.toMatch(/\d{17}[\dX]/);
    const recusal = await handler.agent.get(`${PAGES}/findings?type=recusal_breach&status=open&minScore=60&region=430421`);
    expect(recusal.text).toContain('共 1 条');
    expect(recusal.text).toContain('应回避未回避');
    expect(recusal.text).toMatch(/<option value="recusal_breach" selected>/);
    const high = await handler.agent.get(`${PAGES}/findings?minScore=100`);
    expect(high.text).toContain('共 0 条');
    const bad = await handler.agent.get(`${PAGES}/findings?minScore=abc&type=x`);
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('未知的疑点类型');
    const other = await outsider.agent.get(`${PAGES}/findings`);
    expect(other.text).toContain('共 0 条');
  });

  it('shows a finding with its explanation and evidence, and dismisses it with a reason (CSRF, audited)', async () => {
    const list = await handler.agent.get(`${PAGES}/findings?type=undeclared_kin_suspected`);
    const id = Number(/data-finding-id="(\d+)"/.exec(list.text)![1]);
    const page = await handler.agent.get(`${PAGES}/findings/${id}`);
    expect(page.status).toBe(200);
    expectNoInline(page.text);
    expect(page.text).toMatch(/<p class="finding-explanation">[^<]+。<\/p>/);
    expect(page.text).toMatch(/<ol class="finding-evidence">\s*<li>公职人员：/);
    expect(page.text).toContain('待核查');
    expect(page.text).not.toMatch(/\d{17}[\dX]/);
    expect((await outsider.agent.get(`${PAGES}/findings/${id}`)).status).toBe(404);
    expect((await handler.agent.get(`${PAGES}/findings/99999`)).status).toBe(404);
    expect((await handler.agent.get(`${PAGES}/findings/abc`)).status).toBe(404);

    const token = csrfFromHtml(page.text)!;
    expect((await handler.agent.post(`${PAGES}/findings/${id}/dismiss`).type('form').send({ reason: '经核实非亲属' })).status).toBe(403);
    const short = await handler.agent.post(`${PAGES}/findings/${id}/dismiss`).type('form').send({ _csrf: token, reason: '否' });
    expect(short.status).toBe(422);
    expect(short.text).toContain('请填写排除理由（2 至 500 字）');
    expect(short.text).toContain('>否</textarea>');
    expect((await outsider.agent.post(`${PAGES}/findings/${id}/dismiss`).type('form').send({ _csrf: outsider.csrf, reason: '不在辖区内' })).status).toBe(404);
    const ok = await handler.agent.post(`${PAGES}/findings/${id}/dismiss`).type('form').send({ _csrf: token, reason: '经核实为同村同姓<邻居>，非亲属' });
    expect([ok.status, ok.headers.location]).toEqual([303, `/staff/registry/findings/${id}?done=dismissed`]);
    const after = await handler.agent.get(ok.headers.location);
    expect(after.text).toContain('已排除该疑点。');
    expect(after.text).toContain('<dd class="finding-status">已排除</dd>');
    expect(after.text).toContain('经核实为同村同姓&lt;邻居&gt;，非亲属');
    expect(after.text).not.toContain('name="reason"');
    const again = await handler.agent.post(`${PAGES}/findings/${id}/dismiss`).type('form').send({ _csrf: token, reason: '再次排除' });
    expect(again.status).toBe(409);
    const audit = await t.ds.query("SELECT action, record_id, reason FROM audit_events WHERE action = 'registry.finding.dismiss'");
    expect(audit.map((a: { record_id: unknown; reason: string }) => [Number(a.record_id), a.reason])).toEqual([[id, '经核实为同村同姓<邻居>，非亲属']]);
  });

  it('turns a finding into a clue from its page (CSRF, audited): source finding, official and household linked, status turned_into_clue', async () => {
    const list = await handler.agent.get(`${PAGES}/findings?type=recusal_breach`);
    const id = Number(/data-finding-id="(\d+)"/.exec(list.text)![1]);
    const page = await handler.agent.get(`${PAGES}/findings/${id}`);
    expect(page.text).toContain(`action="/staff/registry/findings/${id}/clue"`);
    const token = csrfFromHtml(page.text)!;
    expect((await handler.agent.post(`${PAGES}/findings/${id}/clue`).type('form').send({ reason: '入户调查未回避' })).status).toBe(403);
    expect((await outsider.agent.post(`${PAGES}/findings/${id}/clue`).type('form').send({ _csrf: outsider.csrf })).status).toBe(404);
    expect((await intake.agent.post(`${PAGES}/findings/${id}/clue`).type('form').send({ _csrf: intake.csrf })).status).toBe(404);
    const ok = await handler.agent.post(`${PAGES}/findings/${id}/clue`).type('form').send({ _csrf: token, reason: '入户调查未回避' });
    expect([ok.status, ok.headers.location]).toEqual([303, `/staff/registry/findings/${id}?done=clue`]);
    const [finding] = await t.ds.query('SELECT official_id, household_id, person_id, region_code, explanation, status FROM findings WHERE id = ?', [id]);
    expect(finding.status).toBe('turned_into_clue');
    const clues = await t.ds.query('SELECT id, source, status, region_code, summary, category FROM clues WHERE finding_id = ?', [id]);
    expect(clues).toHaveLength(1);
    expect(clues[0]).toMatchObject({ source: 'finding', status: 'registered', region_code: finding.region_code, summary: finding.explanation, category: 'favouritism_kin' });
    const clueId = Number(clues[0].id);
    const subjects = await t.ds.query('SELECT official_id FROM clue_subjects WHERE clue_id = ?', [clueId]);
    expect(subjects.map((r: { official_id: unknown }) => Number(r.official_id))).toEqual([Number(finding.official_id)]);
    const benef = await t.ds.query('SELECT household_id, person_id FROM clue_beneficiaries WHERE clue_id = ?', [clueId]);
    expect(benef.map((r: { household_id: unknown; person_id: unknown }) => [Number(r.household_id), Number(r.person_id)])).toEqual([[Number(finding.household_id), Number(finding.person_id)]]);
    const after = await handler.agent.get(ok.headers.location);
    expect(after.text).toContain('已转为问题线索。');
    expect(after.text).toContain(`线索编号 ${clueId}`);
    expect(after.text).not.toContain(`action="/staff/registry/findings/${id}/clue"`);
    const again = await handler.agent.post(`${PAGES}/findings/${id}/clue`).type('form').send({ _csrf: token });
    expect(again.status).toBe(409);
    expect(again.text).toContain('只能将待核查状态的疑点转为问题线索');
    const audit = await t.ds.query("SELECT action, record_type, record_id, reason FROM audit_events WHERE action IN ('registry.finding.turn_into_clue', 'clue.registered') ORDER BY id");
    expect(audit.map((a: { action: string; record_type: string; record_id: unknown; reason: string }) => [a.action, a.record_type, String(a.record_id), a.reason])).toEqual([
      ['clue.registered', 'clue', String(clueId), '入户调查未回避'],
      ['registry.finding.turn_into_clue', 'finding', String(id), '入户调查未回避'],
    ]);
    // A later full run keeps it linked to the clue.
    await t.app.get(MatcherService).run({ mode: 'full' });
    const [{ status }] = await t.ds.query('SELECT status FROM findings WHERE id = ?', [id]);
    expect(status).toBe('turned_into_clue');
  });
});
