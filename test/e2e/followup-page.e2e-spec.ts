/**
 * The follow-up page: code entered by POST (never in a URL), status in plain words with the handling
 * office, staff messages, the citizen's reply with files, and per-client throttling of code guesses.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { Report } from '../../src/reports/entities/report.entity.js';
import { ReportMessage } from '../../src/reports/entities/report-message.entity.js';
import { Attachment } from '../../src/reports/entities/attachment.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { createFixtureOffices, hiddenField, knownCaptcha, SAMPLE_FILES, tipoff, type TestAgent } from '../factories/reports.js';

describe('follow-up page', () => {
  let t: TestApp;
  let ip = 10;
  const nextClient = () => `198.51.100.${ip++}`;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '1' } });
    await createFixtureOffices(t);
  });
  afterAll(async () => t?.close());

  async function fileTip(id: string): Promise<{ code: string; report: Report }> {
    const { id: _id, expect: _e, ...body } = tipoff(id);
    const res = await request(t.server).post('/api/v1/reports').set('X-Forwarded-For', nextClient()).send({ ...body, ...(await knownCaptcha(t)) }).expect(201);
    const [report] = await t.ds.getRepository(Report).find({ order: { id: 'DESC' }, take: 1 });
    return { code: res.body.receiptCode, report };
  }

  async function lookup(agent: TestAgent, code: string, client: string) {
    const page = await agent.get('/followup').set('X-Forwarded-For', client).expect(200);
    return agent.post('/followup').set('X-Forwarded-For', client).type('form').send({ _csrf: hiddenField(page.text, '_csrf'), receiptCode: code });
  }

  it('shows status, handling office, staff messages and status lines; the citizen replies with text and a file', async () => {
    const { code, report } = await fileTip('T02');
    await t.ds.getRepository(ReportMessage).insert([
      { reportId: report.id, direction: 'status', body: '您反映的问题已受理，我们将依规依纪处理。', authorUserId: 1, createdAt: new Date(Date.now() + 1000) },
      { reportId: report.id, direction: 'to_reporter', body: '请补充轮流领取的户名。<b>谢谢</b>', authorUserId: 1, createdAt: new Date(Date.now() + 2000) },
    ]);
    const client = nextClient();
    const agent = request.agent(t.server);
    const res = await lookup(agent, code, client);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.text).toContain('<title>便民服务</title>');
    expect(res.text).toContain('已收到，待受理');
    expect(res.text).toContain('衡阳县纪委监委（县级纪检监察机关）');
    expect(res.text).toContain('您反映的问题已受理');
    expect(res.text).toContain('请补充轮流领取的户名。&lt;b&gt;谢谢&lt;/b&gt;');
    // The reporter's identity never appears, nor the code itself.
    for (const s of ['邓春华', '430421197204150023', '13907340000', code, code.replace(/-/g, '')]) expect(res.text).not.toContain(s);
    const token = hiddenField(res.text, 'token');
    expect(token).not.toContain(code.replace(/-/g, ''));

    const reply = await agent
      .post('/followup/reply')
      .set('X-Forwarded-For', client)
      .field('_csrf', hiddenField(res.text, '_csrf'))
      .field('token', token)
      .field('body', '户名是张某和李某，两家平分。')
      .attach('files', SAMPLE_FILES.png(), { filename: '领取记录.png', contentType: 'image/png' });
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('已收到您的补充');
    expect(reply.text).toContain('户名是张某和李某，两家平分。');
    expect(reply.text).toContain('领取记录.png');
    const mine = await t.ds.getRepository(ReportMessage).findOneByOrFail({ reportId: report.id, direction: 'from_reporter' });
    expect(mine.body).toBe('户名是张某和李某，两家平分。');
    const files = await t.ds.getRepository(Attachment).findBy({ messageId: mine.id });
    expect(files.map((f) => [f.originalName, f.reportId])).toEqual([['领取记录.png', report.id]]);

    // A file alone is a valid reply; an empty reply is refused with a message.
    const empty = await agent.post('/followup/reply').set('X-Forwarded-For', client).field('_csrf', hiddenField(res.text, '_csrf')).field('token', token).field('body', '');
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('请填写补充说明或选择要上传的文件');
    // A forged token is refused; a missing CSRF token too.
    const forged = await agent.post('/followup/reply').set('X-Forwarded-For', client).field('_csrf', hiddenField(res.text, '_csrf')).field('token', 'v1.AAAA.BBBB.CCCC').field('body', 'x');
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('请重新输入查询码');
    const noCsrf = await agent.post('/followup/reply').set('X-Forwarded-For', client).field('token', token).field('body', 'x');
    expect(noCsrf.status).toBe(403);
    expect(await t.ds.getRepository(ReportMessage).countBy({ reportId: report.id, direction: 'from_reporter' })).toBe(1);
  });

  it('says which level handles a forwarded report', async () => {
    const { code, report } = await fileTip('T01');
    const county = await t.ds.query(`SELECT id FROM offices WHERE region_code = '430421000000'`);
    await t.ds.getRepository(Report).update({ id: report.id }, { officeId: Number(county[0].id) });
    await t.ds.getRepository(ReportMessage).insert({ reportId: report.id, direction: 'status', body: '已转交 衡阳县纪委监委 办理。', authorUserId: 1, createdAt: new Date() });
    const res = await lookup(request.agent(t.server), code, nextClient());
    expect(res.text).toContain('衡阳县纪委监委（县级纪检监察机关）');
    expect(res.text).toContain('已转交 衡阳县纪委监委 办理。');
  });

  it('answers a wrong and an unknown code the same way, and throttles 20 guesses after 10 without locking out others', async () => {
    const { code } = await fileTip('T03');
    const client = nextClient();
    const agent = request.agent(t.server);
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '');
    const unknown = await lookup(agent, '0000 0000 0000 0000', client);
    const wrong = await lookup(agent, code.slice(0, -1) + ((Number(code.slice(-1)) + 3) % 10), client);
    const garbage = await lookup(agent, 'abc', client);
    expect(unknown.status).toBe(404);
    expect(strip(wrong.text)).toBe(strip(unknown.text));
    expect(strip(garbage.text)).toBe(strip(unknown.text));
    expect(unknown.text).toContain('查询码不正确，或没有这条记录');
    const statuses = [unknown.status, wrong.status, garbage.status];
    for (let i = 3; i < 20; i++) {
      const r = await lookup(agent, String(2000_0000_0000_0000 + i), client);
      statuses.push(r.status);
      if (r.status === 429) expect(r.text).toContain('查询次数过多');
    }
    expect(statuses).toEqual([...Array(10).fill(404), ...Array(10).fill(429)]);
    // Another client (another address) still gets in with the right code.
    const other = await lookup(request.agent(t.server), code, nextClient());
    expect(other.status).toBe(200);
    expect(other.text).toContain('已收到，待受理');
  });

  it('never puts the code in a URL: the lookup form posts, and GET with a code shows only the empty form', async () => {
    const page = await request(t.server).get('/followup').expect(200);
    expect(page.text).toContain('method="post" action="/followup"');
    const { code } = await fileTip('T06');
    const res = await request(t.server).get(`/followup?receiptCode=${code}`).expect(200);
    expect(res.text).not.toContain('已收到，待受理');
  });
});
