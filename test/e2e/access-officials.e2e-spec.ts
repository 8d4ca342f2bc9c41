/**
 * Officials and their declared relatives created by an administrator (pages and API), audited, and
 * seen by recusal: a staff member declared as an official's sibling no longer sees reports naming
 * that official.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs } from '../utils/login-as.js';
import { createUser } from '../factories/users.js';
import { ensureIntakeOffices, insertReport, staff } from '../factories/intake.js';

describe('administration of officials and declared relatives', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof loginAs>>;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    const a = await createUser(t, { roles: ['admin'], scopeRegionCode: '430000000000' });
    admin = await loginAs(t, a.user.username, a.password);
  });
  afterAll(async () => t?.close());

  it('creates an official and a declared relative through the API (masked numbers, audited); refuses bad input; admin only', async () => {
    const bad = await admin.agent.post('/api/v1/admin/officials').set('X-CSRF-Token', admin.csrfToken).send({ name: '', role: 'mayor', regionCode: '999' }).expect(422);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['name', 'regionCode', 'role']);
    const res = await admin.agent
      .post('/api/v1/admin/officials')
      .set('X-CSRF-Token', admin.csrfToken)
      .send({ name: '孙建设', idNumber: '43042119701111021X', role: 'village_committee', position: '村委会主任', regionCode: '430421101200', partyMember: true })
      .expect(201);
    const official = res.body.official;
    expect(official).toMatchObject({ name: '孙建设', idMasked: '430421********021X', role: 'village_committee', regionCode: '430421101200', partyMember: true, relatives: [] });
    expect(JSON.stringify(res.body)).not.toContain('43042119701111021X');
    const rel = await admin.agent.post(`/api/v1/admin/officials/${official.id}/relatives`).set('X-CSRF-Token', admin.csrfToken).send({ name: '孙小军', type: '儿子' }).expect(201);
    expect(rel.body.official.relatives).toEqual([expect.objectContaining({ name: '孙小军', type: 'child' })]);
    await admin.agent.post(`/api/v1/admin/officials/${official.id}/relatives`).set('X-CSRF-Token', admin.csrfToken).send({ name: '孙小军', type: '表哥' }).expect(422);
    await admin.agent.post('/api/v1/admin/officials/999999/relatives').set('X-CSRF-Token', admin.csrfToken).send({ name: '某', type: 'child' }).expect(404);
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'registry.official_created', recordId: String(official.id) })).toBe(1);
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'registry.kin_relation_created' })).toBe(1);
    const clerk = await staff(t, '430421000000', ['registry_clerk']);
    await clerk.agent.get('/api/v1/admin/officials').expect(404);
    await clerk.agent.get('/staff/admin/officials').expect(404);
  });

  it('creates through the pages with CSRF', async () => {
    const page = await admin.agent.get('/staff/admin/officials').expect(200);
    expect(page.text).toContain('孙建设');
    const token = csrfFromHtml(page.text)!;
    await admin.agent.post('/staff/admin/officials').type('form').send({ name: '周页面', role: 'dibao_caseworker', regionCode: '430421101200' }).expect(403);
    const invalid = await admin.agent.post('/staff/admin/officials').type('form').send({ _csrf: token, name: '周页面', role: 'dibao_caseworker', regionCode: '12' }).expect(422);
    expect(invalid.text).toContain('12 位区划代码');
    await admin.agent.post('/staff/admin/officials').type('form').send({ _csrf: token, name: '周页面', role: 'dibao_caseworker', position: '低保专干', regionCode: '430421101200' }).expect(303);
    const list = (await admin.agent.get('/api/v1/admin/officials').query({ region: '430421101' }).expect(200)).body.officials;
    const zhou = list.find((o: { name: string }) => o.name === '周页面');
    expect(zhou).toBeTruthy();
    await admin.agent.post(`/staff/admin/officials/${zhou.id}/relatives`).type('form').send({ _csrf: token, name: '周配偶', type: 'spouse' }).expect(303);
    expect((await admin.agent.get(`/api/v1/admin/officials/${zhou.id}`).expect(200)).body.official.relatives.map((r: { name: string }) => r.name)).toEqual(['周配偶']);
  });

  it('a staff member declared as an official’s sibling is recused from reports naming the official', async () => {
    const officer = await staff(t, '430421000000');
    await officer.agent.post('/api/v1/me/person').set('X-CSRF-Token', officer.csrfToken).send({ name: '吴同事', idNumber: '430421197204150023' }).expect(200);
    const report = (await insertReport(t, { regionCode: '430421101200', subjects: [{ name: '郑主任', position: '村主任' }] })).id;
    await officer.agent.get(`/api/v1/intake/reports/${report}`).expect(200);
    const o = await admin.agent.post('/api/v1/admin/officials').set('X-CSRF-Token', admin.csrfToken).send({ name: '郑主任', role: 'village_committee', regionCode: '430421101200' }).expect(201);
    await admin.agent.post(`/api/v1/admin/officials/${o.body.official.id}/relatives`).set('X-CSRF-Token', admin.csrfToken).send({ name: '吴同事', idNumber: '430421197204150023', type: 'sibling' }).expect(201);
    await officer.agent.get(`/api/v1/intake/reports/${report}`).expect(404);
  });
});
