/**
 * The tip-off form (no JavaScript: real multipart POSTs with CSRF token, draft token and CAPTCHA),
 * the receipt page and every tip-off of test/fixtures/tipoffs.json with its `expect.intake`.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import ExcelJS from 'exceljs';
import { CalendarService } from '../../src/regions/calendar.service.js';
import { Report } from '../../src/reports/entities/report.entity.js';
import { ReportSubject } from '../../src/reports/entities/report-subject.entity.js';
import { ReportBeneficiary } from '../../src/reports/entities/report-beneficiary.entity.js';
import { ReporterIdentity } from '../../src/reports/entities/reporter-identity.entity.js';
import { Attachment } from '../../src/reports/entities/attachment.entity.js';
import { ReportEvent } from '../../src/reports/entities/report-event.entity.js';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import {
  createFixtureOffices,
  formFields,
  knownCaptcha,
  loadTipoffs,
  openForm,
  postForm,
  receiptCodeOf,
  SAMPLE_FILES,
  tipoff,
  type Tipoff,
} from '../factories/reports.js';

async function counts(t: TestApp): Promise<Record<string, number>> {
  return {
    reports: await t.ds.getRepository(Report).count(),
    subjects: await t.ds.getRepository(ReportSubject).count(),
    beneficiaries: await t.ds.getRepository(ReportBeneficiary).count(),
    identities: await t.ds.getRepository(ReporterIdentity).count(),
    attachments: await t.ds.getRepository(Attachment).count(),
    events: await t.ds.getRepository(ReportEvent).count(),
    audit: await t.ds.getRepository(AuditEvent).count(),
  };
}

describe('tip-off form (no JavaScript)', () => {
  let t: TestApp;
  let offices: { countyId: number; townshipId: number };
  /** Every HTML page received, to check escaping and the absence of personal data on all of them. */
  const pages: string[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { SUBMISSIONS_PER_WINDOW: '1000', LOG_LEVEL: 'debug' } });
    offices = await createFixtureOffices(t);
    // The app's JSON logger writes to stdout: capture it to prove no personal data is logged.
    jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  /** Fills and submits the form for one tip-off; returns the final response (receipt page or re-rendered form). */
  async function submitTip(tip: Omit<Tipoff, 'id' | 'expect'>, extra: Record<string, string> = {}, files: Parameters<typeof postForm>[3] = []) {
    const agent = request.agent(t.server);
    const page = await openForm(agent);
    pages.push(page.html);
    const res = await postForm(agent, page, { ...formFields(tip), ...(await knownCaptcha(t)), action: 'submit', ...extra }, files);
    pages.push(res.text);
    return { agent, page, res };
  }

  async function reportFor(receipt: string): Promise<Report> {
    const all = await t.ds.getRepository(Report).find({ order: { id: 'DESC' }, take: 1 });
    expect(receipt).toMatch(/^\d{4}-\d{4}-\d{4}-\d{4}$/);
    return all[0];
  }

  it('shows the home page with the categories, the statutory times and the false-accusation warning', async () => {
    const res = await request(t.server).get('/').expect(200);
    expect(res.text).toContain('<title>便民服务</title>');
    expect(res.text).toContain('优亲厚友、人情保、关系保');
    expect(res.text).toContain('15 个工作日');
    expect(res.text).toContain('5 个工作日');
    expect(res.text).toContain('诬告陷害');
    expect(res.text).toContain('href="/report"');
    expect(res.text).toContain('href="/followup"');
    expect(res.text).toContain('快速离开');
  });

  it('serves the form with labels, CSRF token, CAPTCHA, region steps and no inline script', async () => {
    const res = await request(t.server).get('/report').expect(200);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.text).toContain('name="_csrf"');
    expect(res.text).toContain('name="captchaId"');
    expect(res.text).toMatch(/<img class="captcha" src="data:image\/svg\+xml;base64,/);
    expect(res.text).toContain('<label for="description">');
    expect(res.text).toContain('name="region_l2"');
    expect(res.text).toContain('value="430400000000"'); // 衡阳市 among the first step's options
    expect(res.text).not.toMatch(/<script>(?!<\/script>)/);
    expect(res.text).toContain('<script src="/assets/report-form.js" defer></script>');
    await request(t.server).get('/assets/report-form.js').expect(200);
  });

  const tips = loadTipoffs();
  for (const tip of tips.filter((x) => x.id !== 'T10' && x.id !== 'T04')) {
    it(`${tip.id}: is received — ${tip.expect.intake}`, async () => {
      const { res } = await submitTip(tip);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toContain('no-store');
      expect(res.headers.location).toBeUndefined();
      const code = receiptCodeOf(res.text);
      expect(res.text).toContain('无法找回');
      expect(res.text).toContain('<title>便民服务</title>');
      const report = await reportFor(code);
      // The code is stored only as an HMAC (lower-case hex) and appears nowhere else.
      expect(report.receiptHmac).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(report)).not.toContain(code.replace(/-/g, ''));
      expect(report.status).toBe('received');
      expect(report.channel).toBe('web');
      expect(report.regionCode).toBe(tip.regionCode);
      expect(report.category).toBe(tip.category);
      expect(report.kind).toBe(tip.kind);
      expect(report.description).toBe(tip.description);
      expect(report.happenedAt).toBe(tip.happenedAt);
      expect(report.anonymous).toBe(tip.anonymous);
      const subjects = await t.ds.getRepository(ReportSubject).find({ where: { reportId: report.id }, order: { ordinal: 'ASC' } });
      expect(subjects.map((s) => ({ name: s.name, position: s.position, unit: s.unit }))).toEqual(tip.subjects.map((s) => ({ name: s.name, position: s.position ?? '', unit: s.unit ?? '' })));
      const bens = await t.ds.getRepository(ReportBeneficiary).find({ where: { reportId: report.id }, order: { ordinal: 'ASC' } });
      expect(bens.map((b) => ({ name: b.name, relation: b.relation }))).toEqual(tip.beneficiaries.map((b) => ({ name: b.name, relation: b.relation ?? '' })));
      const events = await t.ds.getRepository(ReportEvent).findBy({ reportId: report.id });
      expect(events.map((e) => e.action)).toEqual(['received']);
      const audit = await t.ds.getRepository(AuditEvent).findBy({ recordType: 'report', recordId: String(report.id) });
      expect(audit.map((a) => a.action)).toEqual(['report.received']);
      // Reports under 集兵镇 (430421101) go to its township office; others to the county office 衡阳县.
      expect(report.officeId).toBe(tip.regionCode.startsWith('430421101') ? offices.townshipId : offices.countyId);
      expect(report.forwardDue).toMatch(/^\d{4}-\d{2}-\d{2}$/);

      if (tip.id === 'T02') {
        // Real name: the 15-working-day acknowledgement clock runs from receipt.
        const due = t.app.get(CalendarService).intakeDueDates(report.receivedAt, true);
        expect(report.ackDue).toBe(due.ackDue);
        expect(report.forwardDue).toBe(due.forwardDue);
        const identity = await t.ds.getRepository(ReporterIdentity).findOneByOrFail({ reportId: report.id });
        expect(identity.idHmac).toMatch(/^[0-9a-f]{64}$/);
        const rows = JSON.stringify(await Promise.all(['reports', 'report_subjects', 'report_beneficiaries', 'reporter_identities', 'report_events', 'audit_events', 'attachments'].map((tb) => t.ds.query(`SELECT * FROM ${tb}`))));
        for (const secret of [tip.reporter!.name, tip.reporter!.idNumber, tip.reporter!.phone, tip.reporter!.email!]) expect(rows).not.toContain(secret);
      } else if (tip.anonymous) {
        expect(report.ackDue).toBeNull();
        expect(await t.ds.getRepository(ReporterIdentity).countBy({ reportId: report.id })).toBe(0);
      }
      if (tip.id === 'T06') expect(report.regionLevel).toBe(4);
      if (tip.id === 'T01') expect(report.regionLevel).toBe(5);
      if (tip.id === 'T07') {
        const qb = (name: string) => t.ds.getRepository(ReportSubject).countBy({ reportId: report.id, name });
        expect(await qb('王𠮷')).toBe(1);
        expect(await qb('王😡')).toBe(0);
        expect(await qb('王吉')).toBe(0);
        expect([...subjects[0].name]).toHaveLength(2);
      }
      if (tip.id === 'T08') {
        expect(subjects[0].name).toBe("<script>alert('x')</script>");
        expect(report.description).toContain('<img src=x onerror=alert(1)>');
        // The follow-up page shows the content, escaped.
        const { agent } = { agent: request.agent(t.server) };
        const lookup = await agent.get('/followup').expect(200);
        const csrf = /name="_csrf" value="([^"]+)"/.exec(lookup.text)![1];
        const status = await agent.post('/followup').type('form').send({ _csrf: csrf, receiptCode: code }).expect(200);
        pages.push(status.text);
        expect(status.text).toContain('&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;');
        expect(status.text).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
        expect(status.text).toContain('&quot; onmouseover&#x3D;&quot;alert(1)');
      }
    });
  }

  it('T04: a reporter who names herself as beneficiary is warned and must confirm; then it is received', async () => {
    const tip = tipoff('T04');
    const before = await counts(t);
    const { agent, page, res } = await submitTip(tip);
    expect(res.status).toBe(422);
    expect(res.text).toContain('推断出举报人就是您');
    expect(res.text).toContain('name="confirmSelfIdentifying"');
    expect(await counts(t)).toEqual(before);
    // The form kept everything (real-name fields included) for the second submit.
    expect(res.text).toContain(`value="${tip.reporter!.phone}"`);
    const second = await postForm(agent, page, { ...formFields(tip), ...(await knownCaptcha(t)), action: 'submit', confirmSelfIdentifying: '1' });
    pages.push(second.text);
    expect(second.status).toBe(200);
    const report = await reportFor(receiptCodeOf(second.text));
    expect(report.kind).toBe('accusation');
    expect(report.ackDue).not.toBeNull();
    expect(second.text).toContain('通过您留下的联系方式');
  });

  it('T10: too short — refused with a Chinese field message and nothing stored', async () => {
    const before = await counts(t);
    const { res } = await submitTip(tipoff('T10'));
    expect(res.status).toBe(422);
    expect(res.text).toContain('至少 20 个字（现在 1 个字）');
    expect(res.text).toContain('id="description-error"');
    expect(res.text).toContain('王志强'); // typed fields kept
    expect(await counts(t)).toEqual(before);
  });

  it('requires the real CAPTCHA: missing or wrong answers are refused and nothing is stored', async () => {
    const before = await counts(t);
    const agent = request.agent(t.server);
    const page = await openForm(agent);
    const missing = await postForm(agent, page, { ...formFields(tipoff('T01')), action: 'submit' });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('验证码不正确');
    const { captchaId } = await knownCaptcha(t, 'ACEF');
    const wrong = await postForm(agent, page, { ...formFields(tipoff('T01')), captchaId, captchaAnswer: 'XXXX', action: 'submit' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('验证码不正确');
    // One guess per image: the right answer after a wrong one is refused too.
    const again = await postForm(agent, page, { ...formFields(tipoff('T01')), captchaId, captchaAnswer: 'ACEF', action: 'submit' });
    expect(again.status).toBe(422);
    expect(await counts(t)).toEqual(before);
  });

  it('refuses a form without a CSRF token with a Chinese 403 page and stores nothing', async () => {
    const before = await counts(t);
    const agent = request.agent(t.server);
    await openForm(agent);
    const res = await postForm(agent, null, { ...formFields(tipoff('T01')), ...(await knownCaptcha(t)), action: 'submit' }, [{ name: 'a.png', content: SAMPLE_FILES.png(), contentType: 'image/png' }]);
    expect(res.status).toBe(403);
    expect(res.text).toContain('页面已过期或请求无效');
    expect(await counts(t)).toEqual(before);
  });

  it.each([
    ['wrong check character', '430421197204150024', '校验码'],
    ['spreadsheet-damaged', '4.30421E+17', '表格软件'],
    ['impossible date', '430421198002300016', '出生日期'],
  ])('refuses an ID number with a %s, with a Chinese message, and stores nothing', async (_label, idNumber, words) => {
    const tip = tipoff('T02');
    const before = await counts(t);
    const { res } = await submitTip({ ...tip, reporter: { ...tip.reporter!, idNumber } });
    expect(res.status).toBe(422);
    expect(res.text).toContain(words);
    expect(res.text).toContain('id="reporter-idNumber-error"');
    expect(await counts(t)).toEqual(before);
  });

  it('refuses an .exe renamed .jpg and an 11 MB file, naming them, and keeps the typed fields', async () => {
    const before = await counts(t);
    const { res } = await submitTip(tipoff('T03'), {}, [
      { name: '公示照片.jpg', content: SAMPLE_FILES.exe(), contentType: 'image/jpeg' },
      { name: '录像.mp4', content: Buffer.alloc(11 * 1024 * 1024, 1), contentType: 'video/mp4' },
    ]);
    expect(res.status).toBe(422);
    expect(res.text).toContain('文件“公示照片.jpg”的类型不能上传');
    expect(res.text).toContain('文件“录像.mp4”超过 10 MB');
    expect(res.text).toContain('赵德胜');
    expect(await counts(t)).toEqual(before);
  });

  it('keeps a file named 低保名单-李家村.xlsx exactly, in the database and on the follow-up page', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('名单').addRow(['户主', '月保障金（元）']);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const { agent, res } = await submitTip(tipoff('T01'), {}, [{ name: '低保名单-李家村.xlsx', content: xlsx, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }]);
    expect(res.status).toBe(200);
    const code = receiptCodeOf(res.text);
    const report = await reportFor(code);
    const files = await t.ds.getRepository(Attachment).findBy({ reportId: report.id });
    expect(files.map((f) => f.originalName)).toEqual(['低保名单-李家村.xlsx']);
    expect(files[0].mime).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const lookup = await agent.get('/followup').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(lookup.text)![1];
    const status = await agent.post('/followup').type('form').send({ _csrf: csrf, receiptCode: code }).expect(200);
    pages.push(status.text);
    expect(status.text).toContain('低保名单-李家村.xlsx');
  });

  it('without JavaScript, a form that fails keeps typed fields and uploaded files; the next POST attaches them', async () => {
    const tip = tipoff('T05');
    const agent = request.agent(t.server);
    const page = await openForm(agent);
    const first = await postForm(agent, page, { ...formFields({ ...tip, description: '太短了' }), ...(await knownCaptcha(t)), action: 'submit' }, [{ name: '社保卡照片😡.png', content: SAMPLE_FILES.png(), contentType: 'image/png' }]);
    expect(first.status).toBe(422);
    expect(first.text).toContain('社保卡照片😡.png');
    expect(first.text).toContain('value="陈秀英"');
    expect(first.text).toContain(`name="draftToken" value="${page.draftToken}"`);
    // Second POST: description fixed, no file re-uploaded.
    const second = await postForm(agent, page, { ...formFields(tip), ...(await knownCaptcha(t)), action: 'submit' });
    expect(second.status).toBe(200);
    const report = await reportFor(receiptCodeOf(second.text));
    const files = await t.ds.getRepository(Attachment).findBy({ reportId: report.id });
    expect(files.map((f) => f.originalName)).toEqual(['社保卡照片😡.png']);
    expect(files[0].draftHash).toBeNull();
    expect(second.text).toContain('1 个附件');
  });

  it('without JavaScript, a file can be removed and rows added before submitting', async () => {
    const agent = request.agent(t.server);
    const page = await openForm(agent);
    const up = await postForm(agent, page, { action: 'refresh' }, [{ name: 'a.pdf', content: SAMPLE_FILES.pdf(), contentType: 'application/pdf' }]);
    expect(up.status).toBe(200);
    const id = /value="remove_file:(\d+)"/.exec(up.text)![1];
    const removed = await postForm(agent, page, { action: `remove_file:${id}` });
    expect(removed.text).not.toContain('a.pdf');
    expect(await t.ds.getRepository(Attachment).countBy({ id: Number(id) })).toBe(0);
    const rowsBefore = (removed.text.match(/name="subjects\[\d+\]\[name\]"/g) ?? []).length;
    const added = await postForm(agent, page, { 'subjects[0][name]': '甲', 'subjects[1][name]': '乙', action: 'add_subject' });
    const rowsAfter = (added.text.match(/name="subjects\[\d+\]\[name\]"/g) ?? []).length;
    expect(rowsAfter).toBeGreaterThan(rowsBefore);
    expect(added.text).toContain('value="甲"');
    expect(added.text).toContain('value="乙"');
  });

  it('without JavaScript, the region is chosen one level per step, and a changed level drops the stale ones below', async () => {
    const agent = request.agent(t.server);
    const page = await openForm(agent);
    const city = await postForm(agent, page, { region_l2: '430400000000', action: 'region', description: '保留我写的字' });
    expect(city.text).toContain('name="region_l3"');
    expect(city.text).toMatch(/<option value="430421000000"\s*>衡阳县<\/option>/);
    expect(city.text).toContain('保留我写的字');
    const county = await postForm(agent, page, { region_l2: '430400000000', region_l3: '430421000000', action: 'region' });
    expect(county.text).toContain('name="region_l4"');
    expect(county.text).toContain('value="430421101000"');
    const town = await postForm(agent, page, { region_l2: '430400000000', region_l3: '430421000000', region_l4: '430421101000', action: 'region' });
    expect(town.text).toContain('name="region_l5"');
    expect(town.text).toContain('value="430421101200"');
    expect(town.text).toMatch(/已选：<strong id="region-chosen-text">湖南省 衡阳市 衡阳县 集兵镇<\/strong>/);
    // Another city chosen while the old county is still posted: the county is dropped.
    const changed = await postForm(agent, page, { region_l2: '430100000000', region_l3: '430421000000', action: 'region' });
    expect(changed.text).toMatch(/已选：<strong id="region-chosen-text">湖南省 长沙市<\/strong>/);
    expect(changed.text).not.toContain('value="430421101000"');
  });

  it('counts the description in code points: 19 × 𠮷 + 1 is accepted, 19 × 𠮷 refused', async () => {
    const tip = tipoff('T07');
    const short = await submitTip({ ...tip, description: '𠮷'.repeat(19) });
    expect(short.res.status).toBe(422);
    expect(short.res.text).toContain('现在 19 个字');
    const ok = await submitTip({ ...tip, description: '𠮷'.repeat(19) + '。' });
    expect(ok.res.status).toBe(200);
    const report = await reportFor(receiptCodeOf(ok.res.text));
    expect(report.description).toBe('𠮷'.repeat(19) + '。');
  });

  it('never shows markup unescaped, and never shows or logs the real-name reporter', () => {
    const t02 = tipoff('T02');
    for (const html of pages) {
      expect(html).not.toContain("<script>alert('x')</script>");
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('" onmouseover="alert(1)');
    }
    // The re-rendered form and the receipt carried T08's content, escaped.
    expect(pages.some((p) => p.includes('&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;'))).toBe(true);
    const receiptPages = pages.filter((p) => p.includes('id="receipt-code"'));
    expect(receiptPages.length).toBeGreaterThan(5);
    const log = logs.join('');
    expect(log).toContain('"msg":"request"');
    for (const secret of [t02.reporter!.name, t02.reporter!.idNumber, t02.reporter!.phone, t02.reporter!.email!, '石秀兰', '522622195603120042']) {
      expect(log).not.toContain(secret);
      for (const p of receiptPages) expect(p).not.toContain(secret);
    }
    // Receipt codes never reach the log, with or without their dashes.
    for (const code of receiptPages.map(receiptCodeOf)) {
      expect(log).not.toContain(code);
      expect(log).not.toContain(code.replace(/-/g, ''));
    }
  });
});
