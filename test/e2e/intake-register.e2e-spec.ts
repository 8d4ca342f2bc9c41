import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import sharp from 'sharp';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { Report } from '../../src/reports/entities/report.entity.js';
import { ReporterIdentity } from '../../src/reports/entities/reporter-identity.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml } from '../utils/login-as.js';
import { attachEvidence, ensureIntakeOffices, insertAttachmentWithoutCleanCopy, insertTipoff, staff, tipoff } from '../factories/intake.js';

type Staff = Awaited<ReturnType<typeof staff>>;

/** Collects a binary response body as a Buffer. */
function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

describe('intake: offline registration, escaped content, evidence as cleaned copies', () => {
  let t: TestApp;
  let county: Staff;

  beforeAll(async () => {
    t = await createTestApp({ env: { RECEIPT_TRIES_PER_WINDOW: '1000' } });
    await ensureIntakeOffices(t);
    county = await staff(t, '430421000000');
  });
  afterAll(async () => t?.close());

  it('registers a real-name letter (T02) with channel and registering officer, and prints the receipt code once', async () => {
    const f = tipoff('T02');
    const form = await county.agent.get('/staff/intake/register').expect(200);
    expect(form.text).toContain('<option value="letter" selected>来信</option>');
    const res = await county.agent
      .post('/staff/intake/register')
      .type('form')
      .send({
        _csrf: csrfFromHtml(form.text),
        channel: 'letter',
        category: f.category,
        kind: f.kind,
        regionCode: f.regionCode,
        'subjects[0][name]': f.subjects[0].name,
        'subjects[0][position]': f.subjects[0].position,
        'subjects[0][unit]': f.subjects[0].unit,
        'subjects[1][name]': f.subjects[1].name,
        'subjects[1][position]': f.subjects[1].position,
        'subjects[1][unit]': f.subjects[1].unit,
        'subjects[2][name]': '',
        description: f.description,
        happenedAt: f.happenedAt,
        anonymous: 'false',
        'reporter[name]': f.reporter!.name,
        'reporter[idNumber]': f.reporter!.idNumber,
        'reporter[phone]': f.reporter!.phone,
        'reporter[email]': f.reporter!.email,
      })
      .expect(200);
    expect(res.headers['cache-control']).toContain('no-store');
    const code = /data-receipt-code>(\d{4}-\d{4}-\d{4}-\d{4})</.exec(res.text)?.[1];
    expect(code).toBeDefined();
    expect(res.text).toContain('查询码只显示这一次');
    for (const secret of [f.reporter!.name, f.reporter!.idNumber, f.reporter!.phone]) expect(res.text).not.toContain(secret);

    const id = Number(/编号 #(\d+)/.exec(res.text)![1]);
    const report = await t.ds.getRepository(Report).findOneByOrFail({ id });
    expect(report).toMatchObject({ channel: 'letter', registeredBy: county.user.id, anonymous: false, status: 'received', regionCode: f.regionCode });
    expect(report.ackDue).not.toBeNull();
    const identity = await t.ds.getRepository(ReporterIdentity).findOneByOrFail({ reportId: id });
    expect(identity.ciphertext).not.toContain(f.reporter!.name);
    expect(await t.ds.getRepository(AuditEvent).findOneBy({ action: 'report.received', recordId: String(id) })).toMatchObject({ actorUserId: county.user.id, actorKind: 'user' });

    // The printed code works for the citizen.
    const followup = await request(t.server).post('/api/v1/followup').send({ receiptCode: code }).expect(200);
    expect(followup.body.status).toBe('received');

    // Staff see channel and real-name, never the identity.
    const inbox = (await county.agent.get('/staff/intake').expect(200)).text;
    const row = new RegExp(`<article class="card inbox-item" data-report-id="${id}">([\\s\\S]*?)</article>`).exec(inbox)![1];
    expect(row).toContain('来信');
    expect(row).toContain('实名');
    expect(row).toContain('告知受理情况（15个工作日）');
    const detail = (await county.agent.get(`/staff/intake/reports/${id}`).expect(200)).text;
    for (const secret of [f.reporter!.name, f.reporter!.idNumber, f.reporter!.phone, f.reporter!.email!]) expect(detail).not.toContain(secret);
    expect(detail).toContain('周国平');
  });

  it('refuses a registration with field messages in Chinese and stores nothing (too short, outside scope, no channel)', async () => {
    const before = await t.ds.getRepository(Report).count();
    const form = await county.agent.get('/staff/intake/register').expect(200);
    const res = await county.agent
      .post('/staff/intake/register')
      .type('form')
      .send({ _csrf: csrfFromHtml(form.text), channel: 'fax', category: 'other', kind: 'denunciation', regionCode: '430421101200', 'subjects[0][name]': '王志强', description: '短', anonymous: 'true' })
      .expect(422);
    expect(res.text).toContain('至少 20 个字');
    expect(res.text).toContain('请选择收到举报的渠道');
    expect(res.text).toContain('value="王志强"'); // typed fields kept
    const outside = await county.agent
      .post('/api/v1/intake/registrations')
      .set('X-CSRF-Token', county.csrfToken)
      .send({ channel: 'visit', category: 'other', kind: 'denunciation', regionCode: '430422001000', subjects: [{ name: '某人' }], description: '反映的情况足够长，超过二十个字，用来检查辖区以外的登记会被拒绝。', anonymous: true })
      .expect(422);
    expect(outside.body.error.fields.regionCode).toBe('只能登记本辖区内的举报');
    expect(await t.ds.getRepository(Report).count()).toBe(before);
  });

  it('registers a phone report through the API (201 with the receipt code)', async () => {
    const f = tipoff('T03');
    const res = await county.agent
      .post('/api/v1/intake/registrations')
      .set('X-CSRF-Token', county.csrfToken)
      .send({ channel: 'phone', category: f.category, kind: f.kind, regionCode: f.regionCode, subjects: f.subjects, beneficiaries: f.beneficiaries, description: f.description, happenedAt: f.happenedAt, anonymous: true })
      .expect(201);
    expect(res.body.receiptCode).toMatch(/^\d{4}-\d{4}-\d{4}-\d{4}$/);
    expect(await t.ds.getRepository(Report).findOneByOrFail({ id: res.body.id })).toMatchObject({ channel: 'phone', registeredBy: county.user.id, anonymous: true });
  });

  it('shows T08’s markup escaped on the detail page and in the inbox search', async () => {
    const r = await insertTipoff(t, 'T08');
    const html = (await county.agent.get(`/staff/intake/reports/${r.id}`).expect(200)).text;
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror=');
    expect(html).not.toContain('" onmouseover="');
    expect(html).toContain('&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;');
    expect(html).toContain('测试&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;内容');
    const search = (await county.agent.get(`/staff/intake?status=all&q=${encodeURIComponent('<script>')}`).expect(200)).text;
    expect(search).toContain(`<article class="card inbox-item" data-report-id="${r.id}">`);
    expect(search).not.toContain('<script>');
    const api = await county.agent.get(`/api/v1/intake/reports/${r.id}`).expect(200);
    expect(api.body.subjects[0].name).toBe("<script>alert('x')</script>"); // JSON carries the text as it was written
  });

  it('serves evidence only as a cleaned copy, keeping the Chinese file name, for staff in scope', async () => {
    const r = await insertTipoff(t, 'T01');
    const photo = await sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .withExif({ IFD0: { Artist: 'Reporter Wang', Copyright: 'Reporter Wang' } })
      .toBuffer();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const name = '公示栏照片-集兵村.jpg';
    const att = await attachEvidence(t, r.id, { name, buffer: photo });
    expect(att.hasCleanCopy).toBe(true);
    const audio = await insertAttachmentWithoutCleanCopy(t, r.id, '电话录音.mp3');

    const detail = (await county.agent.get(`/staff/intake/reports/${r.id}`).expect(200)).text;
    expect(detail).toContain(`<a href="/staff/intake/reports/${r.id}/attachments/${att.id}">${name}</a>`);
    expect(detail).toContain('电话录音.mp3 <span class="muted">原件需经审批查看</span>');
    expect(detail).not.toContain(`/attachments/${audio.id}"`);

    const res = await county.agent.get(`/staff/intake/reports/${r.id}/attachments/${att.id}`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="_____-___.jpg"; filename*=UTF-8''${encodeURIComponent(name)}`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toContain('no-store');
    const body = res.body as Buffer;
    expect(body.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect((await sharp(body).metadata()).exif).toBeUndefined();
    expect(body.includes(Buffer.from('Reporter Wang'))).toBe(false);
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'attachment.view_clean', recordId: String(r.id) })).toBe(1);

    // No cleaned copy: nothing is served.
    const none = await county.agent.get(`/staff/intake/reports/${r.id}/attachments/${audio.id}`).expect(404);
    expect(none.text).toContain('原件需经审批查看');
    expect(none.headers['content-type']).toContain('text/html');

    // Out of scope, wrong report, no intake role: the same 404.
    const other = await staff(t, '430422000000');
    await other.agent.get(`/staff/intake/reports/${r.id}/attachments/${att.id}`).expect(404);
    const unrelated = await insertTipoff(t, 'T03');
    await county.agent.get(`/staff/intake/reports/${unrelated.id}/attachments/${att.id}`).expect(404);
    const admin = await staff(t, '430000000000', ['admin']);
    await admin.agent.get(`/staff/intake/reports/${r.id}/attachments/${att.id}`).expect(404);
    // Not signed in: to the login page.
    await request(t.server).get(`/staff/intake/reports/${r.id}/attachments/${att.id}`).expect(303);
  });
});
