/**
 * The public JSON API of the citizen side: POST /api/v1/reports (CAPTCHA, strict fields, per-client
 * limit), POST /api/v1/followup and /api/v1/followup/messages — every fixture tip-off included.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { Report } from '../../src/reports/entities/report.entity.js';
import { ReportSubject } from '../../src/reports/entities/report-subject.entity.js';
import { ReportBeneficiary } from '../../src/reports/entities/report-beneficiary.entity.js';
import { ReporterIdentity } from '../../src/reports/entities/reporter-identity.entity.js';
import { ReportMessage } from '../../src/reports/entities/report-message.entity.js';
import { Attachment } from '../../src/reports/entities/attachment.entity.js';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { createFixtureOffices, knownCaptcha, loadTipoffs, tipoff, type Tipoff } from '../factories/reports.js';

function apiBody(tip: Tipoff): Record<string, unknown> {
  const { id: _id, expect: _expect, ...body } = tip;
  return body;
}

describe('public JSON API (reports, follow-up)', () => {
  let t: TestApp;
  let offices: { countyId: number; townshipId: number };
  let ip = 10;
  /** A fresh client address (trust proxy is on in this suite). */
  const nextClient = () => `203.0.113.${ip++}`;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '1', SUBMISSIONS_PER_WINDOW: '3' } });
    offices = await createFixtureOffices(t);
  });
  afterAll(async () => t?.close());

  async function counts() {
    return {
      reports: await t.ds.getRepository(Report).count(),
      subjects: await t.ds.getRepository(ReportSubject).count(),
      beneficiaries: await t.ds.getRepository(ReportBeneficiary).count(),
      identities: await t.ds.getRepository(ReporterIdentity).count(),
      attachments: await t.ds.getRepository(Attachment).count(),
      audit: await t.ds.getRepository(AuditEvent).count(),
    };
  }

  const post = (body: unknown, client = nextClient()) => request(t.server).post('/api/v1/reports').set('X-Forwarded-For', client).send(body as object);

  for (const tip of loadTipoffs()) {
    it(`${tip.id}: ${tip.expect.intake}`, async () => {
      const before = await counts();
      const res = await post({ ...apiBody(tip), ...(await knownCaptcha(t)) });
      if (tip.id === 'T10') {
        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.fields.description).toContain('至少 20 个字');
        expect(await counts()).toEqual(before);
        return;
      }
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toContain('no-store');
      expect(res.body.receiptCode).toMatch(/^\d{4}-\d{4}-\d{4}-\d{4}$/);
      expect(res.body.status).toBe('received');
      // The receipt page's information, and never an internal id.
      expect(Object.keys(res.body).sort()).toEqual(['ackDue', 'anonymous', 'handlingOffice', 'receiptCode', 'receivedAt', 'status', 'warnings']);
      expect(res.body.anonymous).toBe(tip.anonymous);
      expect(res.body.handlingOffice).toBe(tip.regionCode.startsWith('430421101') ? '集兵镇纪委监委' : '衡阳县纪委监委');
      expect(Number.isNaN(Date.parse(res.body.receivedAt))).toBe(false);
      if (tip.anonymous) expect(res.body.ackDue).toBeNull();
      else expect(res.body.ackDue).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (tip.id === 'T04') expect(res.body.warnings).toEqual([{ code: 'self_identifying', message: expect.stringContaining('推断出举报人就是您') }]);
      else expect(res.body.warnings).toEqual([]);
      const [report] = await t.ds.getRepository(Report).find({ order: { id: 'DESC' }, take: 1 });
      expect(report.description).toBe(tip.description);
      expect(report.regionCode).toBe(tip.regionCode);
      expect(report.officeId).toBe(tip.regionCode.startsWith('430421101') ? offices.townshipId : offices.countyId);
      expect(report.ackDue === null).toBe(tip.anonymous);
      const subjects = await t.ds.getRepository(ReportSubject).find({ where: { reportId: report.id }, order: { ordinal: 'ASC' } });
      expect(subjects.map((s) => s.name)).toEqual(tip.subjects.map((s) => s.name));
      if (!tip.anonymous) {
        const identity = await t.ds.getRepository(ReporterIdentity).findOneByOrFail({ reportId: report.id });
        expect(identity.ciphertext).not.toContain(tip.reporter!.name);
        expect(identity.ciphertext).not.toContain(tip.reporter!.idNumber);
        expect(identity.ciphertext).not.toContain(tip.reporter!.phone);
      }
      // The follow-up API answers with the status in plain words and no identity.
      const f = await request(t.server).post('/api/v1/followup').set('X-Forwarded-For', nextClient()).send({ receiptCode: res.body.receiptCode }).expect(200);
      expect(f.body).toMatchObject({ status: 'received', statusText: '已收到，待受理', messages: [] });
      expect(f.body.handlingOffice).toBe(tip.regionCode.startsWith('430421101') ? '集兵镇纪委监委' : '衡阳县纪委监委');
      if (tip.reporter) expect(JSON.stringify(f.body)).not.toContain(tip.reporter.name);
    });
  }

  it('requires a CAPTCHA answer: missing or wrong → 400 captcha_invalid, nothing stored', async () => {
    const before = await counts();
    const missing = await post(apiBody(tipoff('T01')));
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('captcha_invalid');
    const { captchaId } = await knownCaptcha(t);
    const wrong = await post({ ...apiBody(tipoff('T01')), captchaId, captchaAnswer: 'NOPE' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('captcha_invalid');
    expect(await counts()).toEqual(before);
  });

  it('also works with a CAPTCHA fetched from GET /api/v1/captcha (whose answer the test cannot read: refused)', async () => {
    const c = await request(t.server).get('/api/v1/captcha').expect(200);
    expect(c.body.image).toMatch(/^data:image\/svg\+xml;base64,/);
    const res = await post({ ...apiBody(tipoff('T01')), captchaId: c.body.id, captchaAnswer: '0000' });
    expect(res.body.error.code).toBe('captcha_invalid');
  });

  it('rejects unknown fields at any level with unknown_field, naming them', async () => {
    const before = await counts();
    const res = await post({ ...apiBody(tipoff('T01')), ...(await knownCaptcha(t)), isAdmin: true, officeId: 1, subjects: [{ name: '刘建国', age: 50 }], reporter: { name: 'x', address: 'y' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unknown_field');
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['isAdmin', 'officeId', 'reporter.address', 'subjects[0].age']);
    expect(await counts()).toEqual(before);
    const f = await request(t.server).post('/api/v1/followup').set('X-Forwarded-For', nextClient()).send({ receiptCode: '1234567890123456', extra: 1 });
    expect(f.status).toBe(400);
    expect(f.body.error.code).toBe('unknown_field');
  });

  it('refuses wrong JSON types with 422 validation_failed naming each field — never coerces them', async () => {
    const before = await counts();
    const tip = apiBody(tipoff('T01'));
    const res = await post({ ...tip, ...(await knownCaptcha(t)), description: 12345678901234567890, beneficiaries: [{ name: 5 }] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['beneficiaries[0].name', 'description']);
    expect(res.body.error.fields.description).toMatch(/应为文本/);
    const more = await post({ ...tip, ...(await knownCaptcha(t)), anonymous: 'true', subjects: { 0: { name: '刘建国' } }, regionCode: 430421101200, beneficiaries: ['张三'] });
    expect(more.status).toBe(422);
    expect(Object.keys(more.body.error.fields).sort()).toEqual(['anonymous', 'beneficiaries[0]', 'regionCode', 'subjects']);
    const reporter = await post({ ...tip, ...(await knownCaptcha(t)), anonymous: false, reporter: { name: '张三', idNumber: 430421196509230310, phone: 13800000000 } });
    expect(reporter.status).toBe(422);
    expect(Object.keys(reporter.body.error.fields).sort()).toEqual(['reporter.idNumber', 'reporter.phone']);
    expect(await counts()).toEqual(before);
  });

  it('refuses a region outside the portal, above county level, or unknown — with a field message', async () => {
    for (const regionCode of ['110101000000', '430400000000', '430421999999', 'abc']) {
      const res = await post({ ...apiBody(tipoff('T01')), regionCode, ...(await knownCaptcha(t)) });
      expect(res.status).toBe(422);
      expect(res.body.error.fields.regionCode).toBeTruthy();
    }
    // County level is accepted (a county civil-affairs matter).
    const county = await post({ ...apiBody(tipoff('T01')), regionCode: '430421000000', ...(await knownCaptcha(t)) });
    expect(county.status).toBe(201);
  });

  it('limits submissions per client (3 per window in this suite): the 4th is 429, another client is unaffected', async () => {
    const client = nextClient();
    for (let i = 0; i < 3; i++) expect((await post({ ...apiBody(tipoff('T03')), ...(await knownCaptcha(t)) }, client)).status).toBe(201);
    const refused = await post({ ...apiBody(tipoff('T03')), ...(await knownCaptcha(t)) }, client);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.body.error.message).toContain('频繁');
    expect((await post({ ...apiBody(tipoff('T03')), ...(await knownCaptcha(t)) })).status).toBe(201);
  });

  it('follow-up by API: staff messages shown, the citizen replies; wrong and unknown codes look the same', async () => {
    const res = await post({ ...apiBody(tipoff('T05')), ...(await knownCaptcha(t)) });
    const code: string = res.body.receiptCode;
    const [report] = await t.ds.getRepository(Report).find({ order: { id: 'DESC' }, take: 1 });
    await t.ds.getRepository(ReportMessage).insert({ reportId: report.id, direction: 'to_reporter', body: '请问社保卡是哪一年被收走的？', authorUserId: null, createdAt: new Date() });
    const client = nextClient();
    const f = await request(t.server).post('/api/v1/followup').set('X-Forwarded-For', client).send({ receiptCode: code.replace(/-/g, ' ') }).expect(200);
    expect(f.body.messages).toEqual([expect.objectContaining({ direction: 'to_reporter', body: '请问社保卡是哪一年被收走的？', files: [] })]);
    const r = await request(t.server).post('/api/v1/followup/messages').set('X-Forwarded-For', client).send({ receiptCode: code, body: '2021年春节后收走的😡' }).expect(201);
    expect(r.body.messages.map((m: { direction: string }) => m.direction)).toEqual(['to_reporter', 'from_reporter']);
    const stored = await t.ds.getRepository(ReportMessage).findBy({ reportId: report.id, direction: 'from_reporter' });
    expect(stored.map((m) => m.body)).toEqual(['2021年春节后收走的😡']);
    const empty = await request(t.server).post('/api/v1/followup/messages').set('X-Forwarded-For', client).send({ receiptCode: code, body: '  ' });
    expect(empty.status).toBe(422);

    const unknown = await request(t.server).post('/api/v1/followup').set('X-Forwarded-For', client).send({ receiptCode: '0000-0000-0000-0000' });
    const malformed = await request(t.server).post('/api/v1/followup').set('X-Forwarded-For', client).send({ receiptCode: '12' });
    const almost = await request(t.server).post('/api/v1/followup').set('X-Forwarded-For', client).send({ receiptCode: code.slice(0, -1) + ((Number(code.slice(-1)) + 1) % 10) });
    for (const x of [unknown, malformed, almost]) {
      expect(x.status).toBe(404);
      expect(x.body).toEqual(unknown.body);
    }
    expect(unknown.body.error.code).toBe('receipt_not_found');
  });

  it('throttles 20 wrong codes in a row from one client after the configured 10 (429), never other clients', async () => {
    const res = await post({ ...apiBody(tipoff('T09')), ...(await knownCaptcha(t)) });
    const code: string = res.body.receiptCode;
    const client = nextClient();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await request(t.server).post('/api/v1/followup').set('X-Forwarded-For', client).send({ receiptCode: String(1000_0000_0000_0000 + i) });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.body.error.code).toBe('rate_limited');
        expect(r.body.error.message).toContain('查询次数过多');
      }
    }
    expect(statuses).toEqual([...Array(10).fill(404), ...Array(10).fill(429)]);
    // Even the right code is refused for that client now…
    expect((await request(t.server).post('/api/v1/followup').set('X-Forwarded-For', client).send({ receiptCode: code })).status).toBe(429);
    // …but another client is not locked out.
    await request(t.server).post('/api/v1/followup').set('X-Forwarded-For', nextClient()).send({ receiptCode: code }).expect(200);
  });

  it('is described in the OpenAPI document (tags, bodies, error responses)', async () => {
    const doc = await request(t.server).get('/api/v1/openapi.json').expect(200);
    const paths = doc.body.paths as Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown>; requestBody?: unknown }>>;
    expect(paths['/api/v1/reports'].post.tags).toContain('public');
    expect(Object.keys(paths['/api/v1/reports'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '422', '429']));
    expect(paths['/api/v1/reports'].post.requestBody).toBeDefined();
    expect(paths['/api/v1/followup'].post.responses['404']).toBeDefined();
    expect(paths['/api/v1/followup/messages'].post).toBeDefined();
    expect(doc.body.components.schemas.SubmitReportDto.properties.captchaAnswer).toBeDefined();
    // The HTML pages are not part of the API document.
    expect(paths['/report']).toBeUndefined();
  });
});
