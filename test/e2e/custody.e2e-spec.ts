import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type request from 'supertest';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { AuditVerifier } from '../../src/audit/audit-verifier.js';
import { RevealRequest } from '../../src/custody/entities/reveal-request.entity.js';
import { RecusalService } from '../../src/recusal/recusal.service.js';
import type { Role, User } from '../../src/users/entities/user.entity.js';
import { attachEvidence, ensureIntakeOffices, insertReport, staff, submitTipoff, tipoff } from '../factories/intake.js';
import { IDENTIFYING, jpegWithGps } from '../factories/evidence-samples.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml } from '../utils/login-as.js';

interface Staff {
  user: User;
  agent: request.Agent;
  csrfToken: string;
}

/** Reads a binary response body whole (supertest parser). */
const binary: Parameters<request.Test['parse']>[0] = (res: unknown, cb: (err: Error | null, body: Buffer) => void) => {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('reporter identity custody (DESIGN.md §5)', () => {
  let t: TestApp;
  const COUNTY = '430421000000';
  let officer: Staff;
  let officer2: Staff;
  let handler: Staff;
  let custodian: Staff;
  let custodian2: Staff;
  let recusedCustodian: Staff;
  let outsideCustodian: Staff;
  let selfCustodian: Staff;
  let auditor: Staff;
  /** T02, real name (邓春华), with a photo carrying EXIF/GPS. */
  let reportId: number;
  let photo: Buffer;
  let attachmentId: number;
  /** T04, real name (石秀兰). */
  let report2: number;
  /** Anonymous, no files: nothing to reveal. */
  let anonymousId: number;
  const reporter = tipoff('T02').reporter!;

  const post = (s: Staff, url: string, body: object = {}) => s.agent.post(url).set('X-CSRF-Token', s.csrfToken).send(body);
  const ask = (s: Staff, id: number, reason = '需要核实举报人所述情况，拟当面约谈了解线索来源。') => post(s, `/api/v1/custody/reports/${id}/requests`, { reason });
  const approve = (s: Staff, rid: number, reason = '理由充分，同意在限期内查看。') => post(s, `/api/v1/custody/requests/${rid}/approve`, { reason });
  const refuse = (s: Staff, rid: number, reason = '理由不足，可先通过查询码留言联系举报人。') => post(s, `/api/v1/custody/requests/${rid}/refuse`, { reason });
  const events = (action: string) => t.ds.getRepository(AuditEvent).find({ where: { action }, order: { id: 'ASC' } });
  const as = (roles: Role[], scope = COUNTY) => staff(t, scope, roles) as Promise<Staff>;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    reportId = await submitTipoff(t, 'T02');
    photo = await jpegWithGps();
    attachmentId = (await attachEvidence(t, reportId, { name: '公示栏照片.jpg', buffer: photo })).id;
    report2 = await submitTipoff(t, 'T04');
    anonymousId = (await insertReport(t, { regionCode: '430421101200', anonymous: true })).id;
    officer = await as(['intake_officer']);
    officer2 = await as(['intake_officer']);
    handler = await as(['case_handler']);
    custodian = await as(['identity_custodian']);
    custodian2 = await as(['identity_custodian']);
    recusedCustodian = await as(['identity_custodian']);
    outsideCustodian = await as(['identity_custodian'], '430422000000');
    selfCustodian = await as(['intake_officer', 'identity_custodian']);
    auditor = await as(['auditor']);
    // The recused custodian declared recusal (回避) on the T02 report.
    await t.ds.transaction((m) => t.app.get(RecusalService).record(m, { userId: recusedCustodian.user.id, reportId, kind: 'declared', byUserId: recusedCustodian.user.id, reason: '与举报人相识' }));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('full path: request → approval → the requester alone sees the identity and the original files, all audited', async () => {
    const before = await officer.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(403);
    expect(before.body.error.code).toBe('reveal_not_granted');

    const asked = await ask(officer, reportId).expect(201);
    expect(asked.body).toMatchObject({ reportId, requesterUserId: officer.user.id, state: 'pending', stateLabel: '待审批' });
    const rid = asked.body.id as number;
    expect((await ask(officer, reportId).expect(409)).body.error.code).toBe('reveal_request_pending');
    // Still nothing before the decision.
    await officer.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(403);

    const queue = await custodian.agent.get('/api/v1/custody/requests').expect(200);
    const item = queue.body.pending.find((p: { id: number }) => p.id === rid);
    expect(item).toMatchObject({ reportId, ownRequest: false, anonymous: false, reason: asked.body.reason });
    expect(JSON.stringify(queue.body)).not.toContain(reporter.name);

    const t0 = Date.now();
    const approved = await approve(custodian, rid).expect(200);
    expect(approved.body).toMatchObject({ id: rid, state: 'approved', decidedByUserId: custodian.user.id });
    const expires = Date.parse(approved.body.expiresAt);
    expect(expires - t0).toBeGreaterThan(23.9 * 3600_000);
    expect(expires - t0).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    expect((await approve(custodian2, rid).expect(409)).body.error.code).toBe('reveal_request_decided');

    const revealed = await officer.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(200);
    expect(revealed.body).toMatchObject({
      reportId,
      requestId: rid,
      identity: { name: reporter.name, idNumber: reporter.idNumber, phone: reporter.phone, email: reporter.email },
      originals: [{ id: attachmentId, name: '公示栏照片.jpg', mime: 'image/jpeg', size: photo.length }],
    });
    expect(revealed.headers['cache-control']).toContain('no-store');

    const original = await officer.agent.get(`/api/v1/custody/reports/${reportId}/originals/${attachmentId}`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(original.body as Buffer, photo)).toBe(0);
    expect((original.body as Buffer).includes(Buffer.from(IDENTIFYING))).toBe(true);
    expect(original.headers['content-disposition']).toContain("filename*=UTF-8''");
    // The cleaned copy everyone in scope gets still has no metadata.
    const clean = await officer2.agent.get(`/staff/intake/reports/${reportId}/attachments/${attachmentId}`).buffer(true).parse(binary).expect(200);
    expect((clean.body as Buffer).includes(Buffer.from(IDENTIFYING))).toBe(false);

    // The page: the report page links to the identity page, which shows it.
    const detail = await officer.agent.get(`/staff/intake/reports/${reportId}`).expect(200);
    expect(detail.text).toContain(`/staff/custody/reports/${reportId}/identity`);
    expect(detail.text).not.toContain(reporter.idNumber);
    const page = await officer.agent.get(`/staff/custody/reports/${reportId}/identity`).expect(200);
    expect(page.text).toContain(reporter.name);
    expect(page.text).toContain(reporter.idNumber);
    expect(page.text).toContain(reporter.phone);
    expect(page.text).toContain(`/staff/custody/reports/${reportId}/originals/${attachmentId}`);

    // Audited: request, decision, two identity views (API + page), one original download.
    const requested = await events('custody.reveal_requested');
    expect(requested.at(-1)).toMatchObject({ actorUserId: officer.user.id, recordType: 'report', recordId: String(reportId), reason: asked.body.reason });
    expect(JSON.parse(requested.at(-1)!.details!)).toEqual({ requestId: rid });
    const decided = await events('custody.reveal_approved');
    expect(decided.at(-1)).toMatchObject({ actorUserId: custodian.user.id, recordId: String(reportId) });
    expect(JSON.parse(decided.at(-1)!.details!)).toMatchObject({ requestId: rid, requesterUserId: officer.user.id });
    const viewed = (await events('custody.identity_viewed')).filter((e) => e.actorUserId === officer.user.id);
    expect(viewed).toHaveLength(2);
    const downloaded = await events('custody.original_downloaded');
    expect(downloaded).toHaveLength(1);
    expect(JSON.parse(downloaded[0].details!)).toEqual({ requestId: rid, attachmentId });
    // No identity in the trail.
    const all = await t.ds.getRepository(AuditEvent).find();
    const text = JSON.stringify(all);
    for (const v of [reporter.name, reporter.idNumber, reporter.phone, reporter.email!]) expect(text).not.toContain(v);

    // The auditor sees them, filtered by action (exact and prefix), on the API and the page.
    const api = await auditor.agent.get('/api/v1/audit/events').query({ action: 'custody.*' }).expect(200);
    const actions = new Set(api.body.events.map((e: { action: string }) => e.action));
    for (const a of ['custody.reveal_requested', 'custody.reveal_approved', 'custody.identity_viewed', 'custody.original_downloaded']) expect(actions).toContain(a);
    expect(api.body.events.every((e: { action: string }) => e.action.startsWith('custody.'))).toBe(true);
    const exact = await auditor.agent.get('/api/v1/audit/events').query({ action: 'custody.identity_viewed' }).expect(200);
    expect(exact.body.events.map((e: { action: string }) => e.action)).toEqual(exact.body.events.map(() => 'custody.identity_viewed'));
    const auditPage = await auditor.agent.get('/staff/audit').query({ action: 'custody.*' }).expect(200);
    expect(auditPage.text).toContain('custody.reveal_requested');
    expect(auditPage.text).toContain('custody.identity_viewed');
    expect(auditPage.text).not.toContain(reporter.name);

    const chain = await t.app.get(AuditVerifier).verify();
    expect(chain.ok).toBe(true);
  });

  it('nobody else gains access: other officers and handlers in scope, custodians, auditors', async () => {
    for (const s of [officer2, handler, selfCustodian]) {
      const res = await s.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(403);
      expect(res.body.error.code).toBe('reveal_not_granted');
      await s.agent.get(`/api/v1/custody/reports/${reportId}/originals/${attachmentId}`).expect(403);
    }
    await officer2.agent.get(`/staff/custody/reports/${reportId}/identity`).expect(403);
    // Roles without the right to ask: as if the route did not exist.
    for (const s of [custodian, auditor]) {
      await s.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(404);
      await s.agent.get(`/staff/custody/reports/${reportId}/identity`).expect(404);
      await s.agent.get(`/api/v1/custody/reports/${reportId}/originals/${attachmentId}`).expect(404);
    }
    // The approved officer: only for that report.
    await officer.agent.get(`/api/v1/custody/reports/${report2}/identity`).expect(403);
    // An officer of another county: 404 like an absent report.
    const outsider = await as(['intake_officer'], '430422000000');
    const hidden = await outsider.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(404);
    const absent = await outsider.agent.get('/api/v1/custody/reports/999999/identity').expect(404);
    expect(hidden.body).toEqual(absent.body);
    expect((await ask(outsider, reportId).expect(404)).body).toEqual((await ask(outsider, 999999).expect(404)).body);
    // Another officer's panel shows no one else's request.
    const detail = await officer2.agent.get(`/staff/intake/reports/${reportId}`).expect(200);
    expect(detail.text).not.toContain('/identity"');
    expect(detail.text).toContain('申请查看举报人身份');
    expect((await officer2.agent.get(`/api/v1/custody/reports/${reportId}/requests`).expect(200)).body).toEqual([]);
  });

  it('self-approval is refused (and audited); another custodian may decide', async () => {
    const asked = await ask(selfCustodian, report2).expect(201);
    const rid = asked.body.id as number;
    const queue = await selfCustodian.agent.get('/api/v1/custody/requests').expect(200);
    expect(queue.body.pending.find((p: { id: number }) => p.id === rid)).toMatchObject({ ownRequest: true });
    const page = await selfCustodian.agent.get('/staff/custody').expect(200);
    expect(page.text).toContain('这是您本人提出的申请');
    const res = await approve(selfCustodian, rid).expect(403);
    expect(res.body.error.code).toBe('self_approval_forbidden');
    expect(await events('custody.self_approval_refused')).toHaveLength(1);
    expect((await t.ds.getRepository(RevealRequest).findOneByOrFail({ id: rid })).status).toBe('pending');
    await selfCustodian.agent.get(`/api/v1/custody/reports/${report2}/identity`).expect(403);
    await approve(custodian, rid).expect(200);
    const revealed = await selfCustodian.agent.get(`/api/v1/custody/reports/${report2}/identity`).expect(200);
    expect(revealed.body.identity.name).toBe(tipoff('T04').reporter!.name);
  });

  it('out-of-scope and recused custodians see nothing and decide nothing (404 as for an absent request)', async () => {
    const asked = await ask(officer2, reportId).expect(201);
    const rid = asked.body.id as number;
    for (const s of [outsideCustodian, recusedCustodian]) {
      const q = await s.agent.get('/api/v1/custody/requests').expect(200);
      expect(q.body.pending.map((p: { id: number }) => p.id)).not.toContain(rid);
      expect(q.body.decided.map((p: { reportId: number }) => p.reportId)).not.toContain(reportId);
      const res = await approve(s, rid).expect(404);
      const absent = await approve(s, 999999).expect(404);
      expect(res.body).toEqual(absent.body);
      const page = await s.agent.get('/staff/custody').expect(200);
      expect(page.text).not.toContain(`request-${rid}`);
    }
    const blocked = (await events('recusal.blocked')).filter((e) => e.actorUserId === recusedCustodian.user.id);
    expect(blocked.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(blocked.at(-1)!.details!)).toEqual({ access: 'custody_decision' });
    expect((await t.ds.getRepository(RevealRequest).findOneByOrFail({ id: rid })).status).toBe('pending');
  });

  it('refusal: the requester still sees nothing, the refusal and its reason are recorded', async () => {
    // Invisible and bidi characters are stripped from both reasons; a reason made only of them is empty.
    expect((await ask(handler, reportId, '\u202E\u200B\u200B\u200B\u200B\u200B').expect(422)).body.error.fields.reason).toBe('请填写申请理由');
    const asked = await ask(handler, reportId, '需要核实\u202E举报人\u200B所述情况。').expect(201);
    expect(asked.body.reason).toBe('需要核实举报人所述情况。');
    const rid = asked.body.id as number;
    expect((await refuse(custodian, rid, '\u200B\u202E').expect(422)).body.error.fields.reason).toBe('请填写不予批准的理由');
    const refused = await refuse(custodian, rid, '理由不足，\u200B可先通过查询码留言联系举报人。\u202E').expect(200);
    expect(refused.body).toMatchObject({ state: 'refused', stateLabel: '未批准', expiresAt: null, decisionReason: '理由不足，可先通过查询码留言联系举报人。' });
    expect((await handler.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(403)).body.error.code).toBe('reveal_not_granted');
    await handler.agent.get(`/api/v1/custody/reports/${reportId}/originals/${attachmentId}`).expect(403);
    const mine = await handler.agent.get(`/api/v1/custody/reports/${reportId}/requests`).expect(200);
    expect(mine.body[0]).toMatchObject({ id: rid, state: 'refused' });
    const ev = (await events('custody.reveal_refused')).at(-1)!;
    expect(ev).toMatchObject({ actorUserId: custodian.user.id, recordId: String(reportId), reason: '理由不足，可先通过查询码留言联系举报人。' });
    expect((await refuse(custodian2, rid).expect(409)).body.error.code).toBe('reveal_request_decided');
    // A new request may follow a refusal.
    await ask(handler, reportId, '补充说明：举报人所述证据需当面核对原件。').expect(201);
  });

  it('expiry: after the approved period the identity and the originals are hidden again', async () => {
    const s = await as(['intake_officer']);
    const rid = (await ask(s, reportId).expect(201)).body.id as number;
    await approve(custodian, rid).expect(200);
    await s.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(200);
    await t.ds.getRepository(RevealRequest).update({ id: rid }, { expiresAt: new Date(Date.now() - 1000) });
    expect((await s.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(403)).body.error.code).toBe('reveal_not_granted');
    await s.agent.get(`/api/v1/custody/reports/${reportId}/originals/${attachmentId}`).expect(403);
    await s.agent.get(`/staff/custody/reports/${reportId}/identity`).expect(403);
    const mine = await s.agent.get(`/api/v1/custody/reports/${reportId}/requests`).expect(200);
    expect(mine.body[0]).toMatchObject({ id: rid, state: 'expired', stateLabel: '已过期' });
    const detail = await s.agent.get(`/staff/intake/reports/${reportId}`).expect(200);
    expect(detail.text).not.toContain(`/staff/custody/reports/${reportId}/identity`);
    expect(detail.text).toContain('已过期');
    // The custodian's queue shows it expired too.
    const q = await custodian.agent.get('/api/v1/custody/requests').expect(200);
    expect(q.body.decided.find((d: { id: number }) => d.id === rid)).toMatchObject({ state: 'expired' });
    // Asking again is allowed once expired.
    await ask(s, reportId).expect(201);
  });

  it('REVEAL_HOURS sets the period', async () => {
    const t2 = await createTestApp({ env: { REVEAL_HOURS: '2' } });
    try {
      await ensureIntakeOffices(t2);
      const id = await submitTipoff(t2, 'T02');
      const o = (await staff(t2, COUNTY, ['intake_officer'])) as Staff;
      const c = (await staff(t2, COUNTY, ['identity_custodian'])) as Staff;
      const rid = (await o.agent.post(`/api/v1/custody/reports/${id}/requests`).set('X-CSRF-Token', o.csrfToken).send({ reason: '核实线索来源，需联系举报人。' }).expect(201)).body.id;
      const t0 = Date.now();
      const res = await c.agent.post(`/api/v1/custody/requests/${rid}/approve`).set('X-CSRF-Token', c.csrfToken).send({ reason: '同意，限两小时。' }).expect(200);
      const ms = Date.parse(res.body.expiresAt) - t0;
      expect(ms).toBeGreaterThan(2 * 3600_000 - 60_000);
      expect(ms).toBeLessThanOrEqual(2 * 3600_000 + 60_000);
    } finally {
      await t2.close();
    }
  });

  it('refuses bad input with codes on the API and Chinese messages', async () => {
    const empty = await post(officer2, `/api/v1/custody/reports/${report2}/requests`, { reason: '  ' }).expect(422);
    expect(empty.body.error).toMatchObject({ code: 'validation_failed', fields: { reason: '请填写申请理由' } });
    const short = await post(officer2, `/api/v1/custody/reports/${report2}/requests`, { reason: '看看' }).expect(422);
    expect(short.body.error.fields.reason).toContain('至少 5 个字');
    const long = await post(officer2, `/api/v1/custody/reports/${report2}/requests`, { reason: '𠮷'.repeat(1001) }).expect(422);
    expect(long.body.error.fields.reason).toContain('1000');
    expect((await post(officer2, `/api/v1/custody/reports/${report2}/requests`, { reason: '正当理由写在这里', extra: 1 }).expect(400)).body.error.code).toBe('unknown_field');
    expect((await ask(officer2, anonymousId).expect(409)).body.error.code).toBe('nothing_to_reveal');
    expect((await post(custodian, '/api/v1/custody/requests/1/approve', {}).expect(422)).body.error.fields.reason).toBe('请填写批准理由');
    // No CSRF token: refused.
    await officer2.agent.post(`/api/v1/custody/reports/${report2}/requests`).send({ reason: '核实线索来源需要' }).expect(403);
    // A custodian cannot ask; an officer cannot decide or see the queue.
    await ask(custodian, report2).expect(404);
    await approve(officer2, 1).expect(404);
    await officer2.agent.get('/api/v1/custody/requests').expect(404);
    await officer2.agent.get('/staff/custody').expect(404);
    expect(await t.ds.getRepository(RevealRequest).countBy({ reportId: anonymousId })).toBe(0);
  });

  it('two custodians deciding at once: exactly one decision counts', async () => {
    const s = await as(['intake_officer']);
    const rid = (await ask(s, report2).expect(201)).body.id as number;
    const before = (await events('custody.reveal_approved')).length + (await events('custody.reveal_refused')).length;
    const [a, b] = await Promise.all([approve(custodian, rid), refuse(custodian2, rid)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const after = (await events('custody.reveal_approved')).length + (await events('custody.reveal_refused')).length;
    expect(after - before).toBe(1);
    expect((await t.app.get(AuditVerifier).verify()).ok).toBe(true);
  });

  it('pages: the form on the report page, the custodian queue, the decision, the revealed page (no JavaScript)', async () => {
    const s = await as(['intake_officer']);
    const detail = await s.agent.get(`/staff/intake/reports/${report2}`).expect(200);
    expect(detail.text).toContain(`action="/staff/custody/reports/${report2}/requests"`);
    const token = csrfFromHtml(detail.text)!;
    const bad = await s.agent.post(`/staff/custody/reports/${report2}/requests`).type('form').send({ _csrf: token, reason: '短' }).expect(422);
    expect(bad.text).toContain('申请理由至少 5 个字');
    expect(bad.text).toContain('短');
    const reason = '举报人称有书面材料，需<b>当面</b>核对';
    const ok = await s.agent.post(`/staff/custody/reports/${report2}/requests`).type('form').send({ _csrf: token, reason }).expect(303);
    expect(ok.headers.location).toBe(`/staff/custody/reports/${report2}?done=requested`);
    const status = await s.agent.get(ok.headers.location).expect(200);
    expect(status.text).toContain('已提出申请');
    expect(status.text).toContain('正在等待身份保管人审批');
    const rid = (await t.ds.getRepository(RevealRequest).findOneByOrFail({ reportId: report2, requesterUserId: s.user.id })).id;

    const queue = await custodian.agent.get('/staff/custody').expect(200);
    expect(queue.text).toContain(`request-${rid}`);
    expect(queue.text).toContain('&lt;b&gt;当面&lt;/b&gt;');
    expect(queue.text).not.toContain('<b>当面</b>');
    const qToken = csrfFromHtml(queue.text)!;
    const noReason = await custodian.agent.post(`/staff/custody/requests/${rid}/decision`).type('form').send({ _csrf: qToken, decision: 'approve', reason: '' }).expect(422);
    expect(noReason.text).toContain('请填写批准理由');
    const decided = await custodian.agent.post(`/staff/custody/requests/${rid}/decision`).type('form').send({ _csrf: qToken, decision: 'approve', reason: '同意，限期查看。' }).expect(303);
    expect(decided.headers.location).toBe('/staff/custody?done=approved');
    expect((await custodian.agent.get(decided.headers.location).expect(200)).text).toContain('已批准');

    const after = await s.agent.get(`/staff/intake/reports/${report2}`).expect(200);
    expect(after.text).toContain('您的查看申请已获批准');
    const page = await s.agent.get(`/staff/custody/reports/${report2}/identity`).expect(200);
    expect(page.text).toContain(tipoff('T04').reporter!.idNumber);
    // Custodian home links the queue.
    expect((await custodian.agent.get('/staff').expect(200)).text).toContain('/staff/custody');
  });

  it('a requester recused after the approval loses the reveal (404, audited)', async () => {
    const s = await as(['intake_officer']);
    const rid = (await ask(s, reportId).expect(201)).body.id as number;
    await approve(custodian, rid).expect(200);
    await s.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(200);
    await t.ds.transaction((m) => t.app.get(RecusalService).record(m, { userId: s.user.id, reportId, kind: 'ordered', byUserId: custodian.user.id, reason: '领导决定回避' }));
    const res = await s.agent.get(`/api/v1/custody/reports/${reportId}/identity`).expect(404);
    expect(res.body.error.code).toBe('not_found');
    await s.agent.get(`/api/v1/custody/reports/${reportId}/originals/${attachmentId}`).expect(404);
    await ask(s, reportId).expect(404);
    const blocked = (await events('recusal.blocked')).filter((e) => e.actorUserId === s.user.id).map((e) => JSON.parse(e.details!).access);
    expect(blocked).toEqual(expect.arrayContaining(['custody_identity', 'custody_original', 'custody_request']));
  });

  it('documents the API in the OpenAPI document', async () => {
    const doc = (await officer.agent.get('/api/v1/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    for (const [path, method] of [
      ['/api/v1/custody/reports/{id}/requests', 'post'],
      ['/api/v1/custody/reports/{id}/requests', 'get'],
      ['/api/v1/custody/reports/{id}/identity', 'get'],
      ['/api/v1/custody/reports/{id}/originals/{attId}', 'get'],
      ['/api/v1/custody/requests', 'get'],
      ['/api/v1/custody/requests/{rid}/approve', 'post'],
      ['/api/v1/custody/requests/{rid}/refuse', 'post'],
    ]) {
      expect(doc.paths[path]?.[method]).toBeDefined();
    }
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/staff/'))).toBe(false);
  });
});
