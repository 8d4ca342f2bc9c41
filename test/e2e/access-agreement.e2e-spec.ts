/**
 * The SQL scope and the ability agree on a mixed data set: every recusal ground (self as reporter by
 * ID number, a 近亲属 as reporter, a relative's name as free-text subject — and the same after a
 * leader's clearing —, declared and ordered recusals), own region, child region, a granted region,
 * other counties; findings whose official, recipient or household member is the user or a relative.
 * For an intake officer and a registry clerk: listed ids == counted == ids whose detail answers 200 ==
 * the expected set; and the reverse check for every id, through the service layer's ability.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccessService } from '../../src/access/access.service.js';
import { Report } from '../../src/reports/entities/report.entity.js';
import { ReportsService } from '../../src/reports/reports.service.js';
import { RecusalService } from '../../src/recusal/recusal.service.js';
import { Recusal } from '../../src/recusal/entities/recusal.entity.js';
import { User } from '../../src/users/entities/user.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, ensureOffice, insertReport, tipoff } from '../factories/intake.js';
import { grantRegion, insertFinding, insertKin, insertPerson } from '../factories/access.js';
import { loginAs } from '../utils/login-as.js';
import { createUser } from '../factories/users.js';

describe('SQL scope and ability agree on a mixed data set', () => {
  let t: TestApp;
  let officer: { user: User; agent: Awaited<ReturnType<typeof loginAs>>['agent'] };
  let clerk: { user: User; agent: Awaited<ReturnType<typeof loginAs>>['agent'] };
  const expectedReports: number[] = [];
  const hiddenReports: number[] = [];
  const expectedFindings: number[] = [];
  const hiddenFindings: number[] = [];

  async function submit(id: string, reporterIdNumber?: string): Promise<number> {
    const tip = tipoff(id);
    const reports = t.app.get(ReportsService);
    const reporter = tip.reporter ? { ...tip.reporter, ...(reporterIdNumber ? { idNumber: reporterIdNumber } : {}) } : undefined;
    const outcome = await reports.validateSubmission({ ...tip, reporter: tip.anonymous ? undefined : reporter });
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.fields));
    return (await reports.submit(outcome.value, { channel: 'web' })).report.id;
  }

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    await ensureOffice(t, '430423000000');
    // The officer: scope 衡阳县, grant 衡山县, own ID number, a declared sister (by number) and a brother (by name only).
    const o = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    await grantRegion(t, o.user.id, '430423000000');
    const recusal = t.app.get(RecusalService);
    await recusal.linkPerson(o.user.id, { name: '冯本人', idNumber: '430421196803120112' });
    await recusal.declareRelative(o.user.id, { name: '邓春华', idNumber: '430421197204150023', type: 'sibling' });
    await recusal.declareRelative(o.user.id, { name: '赵德胜', type: 'sibling' });
    officer = { user: await t.ds.getRepository(User).findOneByOrFail({ id: o.user.id }), agent: (await loginAs(t, o.user.username, o.password)).agent };
    const leader = await createUser(t, { roles: ['leader'], scopeRegionCode: '430421000000' });

    hiddenReports.push(await submit('T02')); // reporter 邓春华 = the declared sister (ID HMAC)
    hiddenReports.push(await submit('T04', '430421196803120112')); // the officer reported it themself
    hiddenReports.push(await submit('T03')); // subject 赵德胜 = the brother's name (free text)
    const cleared = (await insertReport(t, { regionCode: '430421101206', subjects: [{ name: '赵德胜' }] })).id;
    await t.ds.getRepository(Recusal).insert({ userId: o.user.id, reportId: cleared, kind: 'cleared', byUserId: leader.user.id, reason: '同名不同人', createdAt: new Date() });
    expectedReports.push(cleared);
    const ordered = (await insertReport(t, { regionCode: '430421101200' })).id;
    await t.ds.getRepository(Recusal).insert({ userId: o.user.id, reportId: ordered, kind: 'ordered', byUserId: leader.user.id, reason: '领导责令回避', createdAt: new Date() });
    hiddenReports.push(ordered);
    const declared = (await insertReport(t, { regionCode: '430421101200' })).id;
    await t.ds.getRepository(Recusal).insert({ userId: o.user.id, reportId: declared, kind: 'declared', byUserId: o.user.id, reason: null, createdAt: new Date() });
    hiddenReports.push(declared);
    expectedReports.push(await submit('T01'), await submit('T05'), await submit('T07'));
    expectedReports.push((await insertReport(t, { regionCode: '430421000000' })).id);
    expectedReports.push((await insertReport(t, { regionCode: '430423000000' })).id);
    hiddenReports.push((await insertReport(t, { regionCode: '430422000000' })).id);
    hiddenReports.push((await insertReport(t, { regionCode: '430400000000' })).id);
    hiddenReports.push((await insertReport(t, { regionCode: '430000000000' })).id);

    // The clerk: scope 衡阳县, grant 衡山县; own person and a declared spouse.
    const c = await createUser(t, { roles: ['registry_clerk'], scopeRegionCode: '430421000000' });
    await grantRegion(t, c.user.id, '430423000000');
    const self = await insertPerson(t, '蒋本人');
    await t.ds.getRepository(User).update({ id: c.user.id }, { personId: self });
    const spouse = await insertPerson(t, '蒋配偶');
    await insertKin(t, spouse, self, 'spouse'); // declared the other way round: still 近亲属
    clerk = { user: c.user, agent: (await loginAs(t, c.user.username, c.password)).agent };
    hiddenFindings.push((await insertFinding(t, { regionCode: '430421101200', officialPersonId: self })).id);
    hiddenFindings.push((await insertFinding(t, { regionCode: '430421101200', officialPersonId: spouse })).id);
    hiddenFindings.push((await insertFinding(t, { regionCode: '430421101200', memberPersonId: spouse })).id);
    hiddenFindings.push((await insertFinding(t, { regionCode: '430421101200', memberPersonId: self })).id);
    expectedFindings.push((await insertFinding(t, { regionCode: '430421101200' })).id);
    expectedFindings.push((await insertFinding(t, { regionCode: '430421103204' })).id);
    expectedFindings.push((await insertFinding(t, { regionCode: '430423100200' })).id);
    hiddenFindings.push((await insertFinding(t, { regionCode: '430422100200' })).id);
    hiddenFindings.push((await insertFinding(t, { regionCode: '430400000000' })).id);
  }, 300_000);
  afterAll(async () => t?.close());

  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

  it('reports: listed == counted == opened (200) == expected, for the intake officer', async () => {
    const list = await officer.agent.get('/api/v1/intake/reports').query({ status: 'all' }).expect(200);
    const listed = list.body.items.map((i: { id: number }) => i.id);
    expect(list.body.total).toBe(listed.length);
    const opened: number[] = [];
    for (const id of [...expectedReports, ...hiddenReports, 999999]) if ((await officer.agent.get(`/api/v1/intake/reports/${id}`)).status === 200) opened.push(id);
    expect(sorted(listed)).toEqual(sorted(expectedReports));
    expect(sorted(opened)).toEqual(sorted(expectedReports));
  });

  it('reports: for every report, the ability on the loaded record equals membership in the SQL scope', async () => {
    const access = await t.app.get(AccessService).forUser(officer.user, { fresh: true });
    const recusal = t.app.get(RecusalService);
    const qb = t.ds.getRepository(Report).createQueryBuilder('r').select('r.id', 'id');
    const inSql = new Set((await access.scope(qb, 'read', 'Report', 'r').getRawMany<{ id: number }>()).map((r) => Number(r.id)));
    for (const r of await t.ds.getRepository(Report).find()) {
      const facts = { id: r.id, regionCode: r.regionCode, assignedUserId: r.assignedUserId, recused: (await recusal.conflictOf(officer.user, r.id)) !== null };
      expect([r.id, access.can('read', 'Report', facts)]).toEqual([r.id, inSql.has(r.id)]);
    }
    expect(inSql.size).toBe(expectedReports.length);
  });

  it('findings: listed == counted == opened (200) == expected, for the registry clerk', async () => {
    const list = await clerk.agent.get('/api/v1/registry/findings').query({ minScore: 0, pageSize: 200 }).expect(200);
    const listed = list.body.items.map((i: { id: number }) => i.id);
    expect(list.body.total).toBe(listed.length);
    const counts = await clerk.agent.get('/api/v1/registry/findings/counts').query({ minScore: 0 }).expect(200);
    expect(counts.body.villages.reduce((n: number, v: { count: number }) => n + v.count, 0)).toBe(listed.length);
    const opened: number[] = [];
    for (const id of [...expectedFindings, ...hiddenFindings, 999999]) if ((await clerk.agent.get(`/api/v1/registry/findings/${id}`)).status === 200) opened.push(id);
    expect(sorted(listed)).toEqual(sorted(expectedFindings));
    expect(sorted(opened)).toEqual(sorted(expectedFindings));
  });
});
