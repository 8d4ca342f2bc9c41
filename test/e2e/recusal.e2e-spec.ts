import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type request from 'supertest';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { kinTypeOfLabel, type KinType } from '../../src/registry/kin-types.js';
import { RecusalService } from '../../src/recusal/recusal.service.js';
import { User } from '../../src/users/entities/user.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs } from '../utils/login-as.js';
import { createUser } from '../factories/users.js';
import { ensureIntakeOffices, insertReport, submitTipoff, tipoff } from '../factories/intake.js';

/** The rows of test/fixtures/registry/staff.csv (BOM stripped). */
interface StaffRow {
  name: string;
  idNumber: string;
  scope: string;
  relativeName: string;
  relativeId: string;
  label: string;
}
function staffCsv(): StaffRow[] {
  const text = readFileSync(join(process.cwd(), 'test', 'fixtures', 'registry', 'staff.csv'), 'utf8').replace(/^\uFEFF/, '');
  return text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => {
      const [name, idNumber, scope, , relativeName, relativeId, label] = line.split(',');
      return { name, idNumber, scope, relativeName, relativeId, label };
    });
}

/** The csv's relation labels, mapped by hand (and checked against the registry's label table). */
const LABEL_TYPES: Record<string, KinType> = { 兄弟姐妹: 'sibling', '舅舅(父母的兄弟姐妹)': 'parent_sibling' };

interface Staff {
  user: User;
  agent: request.Agent;
  csrf: string;
}

/** A staff member of staff.csv: created, signed in, own ID number and relative declared through the API. */
async function staffFromCsv(t: TestApp, row: StaffRow): Promise<Staff> {
  const { user, password } = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: row.scope, displayName: row.name });
  const { agent, csrfToken } = await loginAs(t, user.username, password);
  await agent.post('/api/v1/me/person').set('X-CSRF-Token', csrfToken).send({ name: row.name, idNumber: row.idNumber }).expect(200);
  if (row.relativeName) {
    const type = LABEL_TYPES[row.label];
    expect(kinTypeOfLabel(row.label)).toBe(type);
    const res = await agent.post('/api/v1/me/relatives').set('X-CSRF-Token', csrfToken).send({ name: row.relativeName, idNumber: row.relativeId, type }).expect(201);
    expect(res.body).toMatchObject({ name: row.relativeName, type, idMasked: expect.stringMatching(/^\d{6}\*+\d{3}[\dX]$/) });
  }
  return { user: await t.ds.getRepository(User).findOneByOrFail({ id: user.id }), agent, csrf: csrfToken };
}

async function listIds(s: Staff, q?: string): Promise<{ ids: number[]; total: number }> {
  const res = await s.agent.get('/api/v1/intake/reports').query({ status: 'all', ...(q ? { q } : {}) }).expect(200);
  return { ids: res.body.items.map((i: { id: number }) => i.id), total: res.body.total };
}

async function expectHidden(s: Staff, id: number): Promise<void> {
  const hidden = await s.agent.get(`/api/v1/intake/reports/${id}`).expect(404);
  const missing = await s.agent.get('/api/v1/intake/reports/999999').expect(404);
  expect(hidden.body).toEqual(missing.body);
  const page = await s.agent.get(`/staff/intake/reports/${id}`).expect(404);
  const missingPage = await s.agent.get('/staff/intake/reports/999999').expect(404);
  expect(page.text).toBe(missingPage.text);
}

describe('recusal (回避) with staff.csv and the tip-offs T01, T04, T09 — default 近亲属 set', () => {
  let t: TestApp;
  const ids: Record<string, number> = {};
  const staff: Record<string, Staff> = {};

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    for (const id of ['T01', 'T04', 'T09']) ids[id] = await submitTipoff(t, id);
    for (const row of staffCsv()) staff[row.name] = await staffFromCsv(t, row);
  });
  afterAll(async () => t?.close());

  it('刘建业 cannot list, count, search or open T01/T09 about his brother 刘建国, but sees T04', async () => {
    const s = staff['刘建业'];
    const { ids: listed, total } = await listIds(s);
    expect(listed).toContain(ids.T04);
    expect(listed).not.toContain(ids.T01);
    expect(listed).not.toContain(ids.T09);
    expect(total).toBe(listed.length);
    expect(await listIds(s, '刘建国')).toEqual({ ids: [], total: 0 });
    const before = await t.ds.getRepository(AuditEvent).countBy({ action: 'recusal.blocked', actorUserId: s.user.id });
    await expectHidden(s, ids.T01);
    await expectHidden(s, ids.T09);
    await s.agent.get(`/api/v1/intake/reports/${ids.T04}`).expect(200);
    // Acting on it answers the same 404 and changes nothing.
    const accept = await s.agent.post(`/api/v1/intake/reports/${ids.T01}/accept`).set('X-CSRF-Token', s.csrf).send({}).expect(404);
    expect(accept.body.error.code).toBe('not_found');
    // Every blocked single access is audited, with no names in the details; the absent id is not.
    const events = await t.ds.getRepository(AuditEvent).find({ where: { action: 'recusal.blocked', actorUserId: s.user.id }, order: { id: 'ASC' } });
    expect(events.length - before).toBe(5); // T01 api+page, T09 api+page, T01 accept
    expect(events.map((e) => Number(e.recordId))).not.toContain(999999);
    for (const e of events) expect(JSON.stringify(e.details)).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it('何丽娜 (scope 杉桥镇) sees T04 about her 舅舅 吴海波: parents’ siblings are outside the default set', async () => {
    const s = staff['何丽娜'];
    expect((await listIds(s)).ids).toEqual([ids.T04]);
    await s.agent.get(`/api/v1/intake/reports/${ids.T04}`).expect(200);
  });

  it('马文 sees all three', async () => {
    const s = staff['马文'];
    const { ids: listed, total } = await listIds(s);
    expect(listed).toEqual(expect.arrayContaining([ids.T01, ids.T04, ids.T09]));
    expect(total).toBe(3);
    for (const id of [ids.T01, ids.T04, ids.T09]) await s.agent.get(`/api/v1/intake/reports/${id}`).expect(200);
  });

  it('a staff member who is the real-name reporter of T04 (石秀兰’s ID number) cannot see T04', async () => {
    const reporter = tipoff('T04').reporter!;
    const s = await staffFromCsv(t, { name: reporter.name, idNumber: reporter.idNumber, scope: '430421000000', relativeName: '', relativeId: '', label: '' });
    const { ids: listed } = await listIds(s);
    expect(listed).toEqual(expect.arrayContaining([ids.T01, ids.T09]));
    expect(listed).not.toContain(ids.T04);
    await expectHidden(s, ids.T04);
  });

  it('a user can declare recusal on a report; afterwards it answers 404 and leaves the list', async () => {
    const { user, password } = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { agent, csrfToken } = await loginAs(t, user.username, password);
    const s: Staff = { user, agent, csrf: csrfToken };
    await agent.get(`/api/v1/intake/reports/${ids.T09}`).expect(200);
    await agent.post('/api/v1/me/recusals').set('X-CSRF-Token', csrfToken).send({ reportId: ids.T09, reason: '与被反映人系同学' }).expect(201);
    await expectHidden(s, ids.T09);
    expect((await listIds(s)).ids).not.toContain(ids.T09);
    // Declaring on a report one cannot see answers 404 like an absent one.
    const again = await agent.post('/api/v1/me/recusals').set('X-CSRF-Token', csrfToken).send({ reportId: ids.T09 }).expect(404);
    const absent = await agent.post('/api/v1/me/recusals').set('X-CSRF-Token', csrfToken).send({ reportId: 999999 }).expect(404);
    expect(again.body).toEqual(absent.body);
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'recusal.declared', recordId: String(ids.T09), actorUserId: user.id })).toBe(1);
  });

  it('declaring a relative needs one’s own ID number first', async () => {
    const { user, password } = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { agent, csrfToken } = await loginAs(t, user.username, password);
    const res = await agent.post('/api/v1/me/relatives').set('X-CSRF-Token', csrfToken).send({ name: '某某', type: 'sibling' }).expect(409);
    expect(res.body.error.code).toBe('person_not_linked');
  });

  it('relatives: invisible and bidi characters are stripped, an invisible-only name is refused, the page shows the relation in Chinese', async () => {
    const { user, password } = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { agent, csrfToken } = await loginAs(t, user.username, password);
    await agent.post('/api/v1/me/person').set('X-CSRF-Token', csrfToken).send({ name: '\u202E赵\u200B明', idNumber: '430421196509230310' }).expect(200);
    const empty = await agent.post('/api/v1/me/relatives').set('X-CSRF-Token', csrfToken).send({ name: '\u202E\u200B', type: 'sibling' }).expect(422);
    expect(Object.keys(empty.body.error.fields)).toEqual(['name']);
    const ok = await agent.post('/api/v1/me/relatives').set('X-CSRF-Token', csrfToken).send({ name: '赵\u200B\u202E亮', type: 'sibling' }).expect(201);
    expect([ok.body.name, ok.body.label]).toEqual(['赵亮', '兄弟姐妹']);
    const page = await agent.get('/staff/relatives').expect(200);
    expect(page.text).toContain('<td>赵亮</td><td>兄弟姐妹</td>');
    expect(page.text).not.toMatch(/<td>sibling<\/td>|\u202E|\u200B/);
    const form = await agent.post('/staff/relatives').type('form').send({ _csrf: csrfFromHtml(page.text), name: '\u200B', type: 'sibling' });
    expect(form.status).toBe(422);
    expect(form.text).toContain('请填写亲属姓名');
  });

  it('the SQL scope and the service check agree on a mixed data set (listed ids = ids whose detail answers 200)', async () => {
    // More reports: same-name subjects elsewhere in the county, one cleared by a leader, one ordered.
    const xidu = await insertReport(t, { regionCode: '430421100203', subjects: [{ name: '刘建国' }] });
    const other = await insertReport(t, { regionCode: '430421100203', subjects: [{ name: '张三' }, { name: '吴海波' }] });
    const cleared = await insertReport(t, { regionCode: '430421101200', subjects: [{ name: '刘建国', position: '会计' }] });
    const ordered = await insertReport(t, { regionCode: '430421103204', subjects: [{ name: '李四' }] });
    const { user: lu, password } = await createUser(t, { roles: ['leader', 'intake_officer'], scopeRegionCode: '430421000000' });
    const leader = await loginAs(t, lu.username, password);
    const liu = staff['刘建业'];
    const he = staff['何丽娜'];
    await leader.agent.post('/api/v1/recusals').set('X-CSRF-Token', leader.csrfToken).send({ userId: liu.user.id, reportId: cleared.id, kind: 'cleared', reason: '经核实，系同名不同人' }).expect(201);
    await leader.agent.post('/api/v1/recusals').set('X-CSRF-Token', leader.csrfToken).send({ userId: he.user.id, reportId: ordered.id, kind: 'ordered', reason: '责令回避' }).expect(201);
    // A non-leader cannot order (404 like any closed route).
    await liu.agent.post('/api/v1/recusals').set('X-CSRF-Token', liu.csrf).send({ userId: he.user.id, reportId: ordered.id, kind: 'ordered', reason: 'x' }).expect(404);

    const all = [ids.T01, ids.T04, ids.T09, xidu.id, other.id, cleared.id, ordered.id];
    const recusal = t.app.get(RecusalService);
    for (const s of Object.values(staff)) {
      const { ids: listed, total } = await listIds(s);
      expect(total).toBe(listed.length);
      for (const id of all) {
        const res = await s.agent.get(`/api/v1/intake/reports/${id}`);
        expect([200, 404]).toContain(res.status);
        expect(res.status === 200).toBe(listed.includes(id));
        const inRegion = (await t.ds.query(`SELECT region_code FROM reports WHERE id = ${id}`))[0].region_code.startsWith(s.user.scopePrefix);
        if (inRegion) expect((await recusal.conflictOf(s.user, id)) === null).toBe(listed.includes(id));
      }
    }
    const liuList = (await listIds(liu)).ids;
    expect(liuList).toContain(cleared.id);
    expect(liuList).not.toContain(xidu.id);
    expect(liuList).toContain(other.id);
    expect((await listIds(he)).ids).not.toContain(ordered.id);
    expect((await listIds(staff['马文'])).ids).toEqual(expect.arrayContaining(all));
  });
});

describe('recusal under KIN_SET=wide (parents’ siblings count)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { KIN_SET: 'wide' } });
    await ensureIntakeOffices(t);
  });
  afterAll(async () => t?.close());

  it('何丽娜 is blocked from T04 about her 舅舅 吴海波; 马文 still sees it', async () => {
    const t04 = await submitTipoff(t, 'T04');
    const rows = staffCsv();
    const he = await staffFromCsv(t, rows.find((r) => r.name === '何丽娜')!);
    const ma = await staffFromCsv(t, rows.find((r) => r.name === '马文')!);
    expect(await listIds(he)).toEqual({ ids: [], total: 0 });
    await expectHidden(he, t04);
    expect((await listIds(ma)).ids).toContain(t04);
  });
});
