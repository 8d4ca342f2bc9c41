import 'reflect-metadata';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertReport, insertTipoff, staff } from '../factories/intake.js';
import { Region } from '../../src/regions/entities/region.entity.js';
import { MatcherService } from '../../src/registry/matcher.service.js';
import { PersonResolutionService } from '../../src/registry/resolution/person-resolution.service.js';
import { FIXTURES, importSample } from './registry-support.js';

const fx = (name: string) => join(FIXTURES, name);

/** The person card sections of a page. */
function cardsOf(html: string): string[] {
  return [...html.matchAll(/<section class="card person-card"[\s\S]*?<\/section>/g)].map((m) => m[0]);
}

describe('registry: tip-off resolution and the person card', () => {
  let t: TestApp;
  let t01: number;
  let t09: number;
  let t06: number;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    await importSample(t, { officials: fx('officials.csv'), kin: fx('kin-declarations.csv'), roster: fx('roster.csv'), approvals: fx('approvals.csv') });
    await t.app.get(MatcherService).run();
    t01 = (await insertTipoff(t, 'T01', { receivedAt: new Date(Date.UTC(2025, 0, 10, 2)) })).id;
    t09 = (await insertTipoff(t, 'T09')).id;
    t06 = (await insertTipoff(t, 'T06')).id;
  });
  afterAll(async () => t?.close());

  it('T01: the subject resolves to the official 刘建国 (top), the beneficiary 刘建民 to his declared brother on the roll in H01', async () => {
    const r = await t.app.get(PersonResolutionService).resolveReport(t01);
    expect(r.countyPrefix).toBe('430421');
    const [subject] = r.subjects;
    expect(subject.candidates.length).toBeGreaterThanOrEqual(1);
    const top = subject.candidates[0];
    expect([top.name, top.position, top.regionCode, top.role]).toEqual(['刘建国', '村党支部书记', '430421101200', 'village_party_branch']);
    expect(top.reasons).toEqual(expect.arrayContaining(['姓名一致', '同村（社区）', '职务一致', '单位一致']));
    expect(top.score).toBe(100);

    const [ben] = r.beneficiaries;
    // Two persons named 刘建民 are on the county roll (H01 in 集兵村, H07 in 太栗村); the declared brother ranks first.
    expect(ben.candidates.map((c) => c.households.map((h) => h.householdNo).join())).toEqual(['H01', 'H07']);
    const brother = ben.candidates[0];
    expect(brother.relations.map((x) => [x.officialName, x.type, x.label])).toEqual([['刘建国', 'sibling', '兄弟姐妹']]);
    expect(brother.onRoll).toBe(true);
    expect(brother.households[0]).toMatchObject({ householdNo: 'H01', monthlyAmountFen: 52000, monthlyAmountYuan: '520.00', programme: '农村低保', filedAsRelative: false });
    expect(ben.candidates[1].relations).toEqual([]);
    expect(JSON.stringify(r)).not.toMatch(/\d{17}[\dXx]/);
  });

  it('T09: "村支书" resolves to the same official', async () => {
    const r1 = await t.app.get(PersonResolutionService).resolveReport(t01);
    const r9 = await t.app.get(PersonResolutionService).resolveReport(t09);
    expect(r9.subjects[0].position).toBe('村支书');
    expect(r9.subjects[0].candidates[0].officialId).toBe(r1.subjects[0].candidates[0].officialId);
    expect(r9.subjects[0].candidates[0].reasons).toContain('职务一致');
    // "亲戚" does not say which relative: still the declared brother first.
    expect(r9.beneficiaries[0].candidates[0].relations[0]?.officialName).toBe('刘建国');
  });

  it('T06: 李明辉 (township level, 镇民政办低保经办人员) resolves to the caseworker; 何秀珍 to his declared mother on the roll (H06)', async () => {
    const r = await t.app.get(PersonResolutionService).resolveReport(t06);
    const top = r.subjects[0].candidates[0];
    expect([top.name, top.position, top.role, top.regionCode]).toEqual(['李明辉', '乡镇低保经办人员', 'dibao_caseworker', '430421101000']);
    expect(top.reasons).toEqual(expect.arrayContaining(['职务一致', '单位一致']));
    const mother = r.beneficiaries[0].candidates[0];
    expect(mother.relations.map((x) => x.type)).toEqual(['parent']);
    expect(mother.households.map((h) => h.householdNo)).toEqual(['H06']);
  });

  it('a name that matches nobody gives no candidate; a namesake in another county is not a candidate', async () => {
    const nobody = await insertReport(t, { regionCode: '430421101200', subjects: [{ name: '欧阳无名', position: '村主任', unit: '集兵村' }], beneficiaries: [{ name: '查无此人', relation: '表哥' }] });
    const r = await t.app.get(PersonResolutionService).resolveReport(nobody.id);
    expect(r.subjects[0].candidates).toEqual([]);
    expect(r.beneficiaries[0].candidates).toEqual([]);
    const village = await t.ds.getRepository(Region).createQueryBuilder('r').where("r.code LIKE '430422%' AND r.level = 5").orderBy('r.code').getOneOrFail();
    const elsewhere = await insertReport(t, { regionCode: village.code, subjects: [{ name: '刘建国', position: '村党支部书记', unit: '' }], beneficiaries: [{ name: '刘建民', relation: '' }] });
    const e = await t.app.get(PersonResolutionService).resolveReport(elsewhere.id);
    expect(e.subjects[0].candidates).toEqual([]);
    expect(e.beneficiaries[0].candidates).toEqual([]);
  });

  it('names typed with spaces or invisible characters still resolve', async () => {
    const r = await insertReport(t, { regionCode: '430421101200', subjects: [{ name: '刘 建\u200B国', position: '支书', unit: '' }] });
    const res = await t.app.get(PersonResolutionService).resolveReport(r.id);
    expect(res.subjects[0].candidates[0]?.name).toBe('刘建国');
  });

  it('the T01 page shows the person card to a county officer: official, declared brother on the roll (H01), the other tip-off, the open finding; no ID number', async () => {
    const { agent } = await staff(t, '430421000000');
    const res = await agent.get(`/staff/intake/reports/${t01}`).expect(200);
    expect(res.headers['cache-control']).toContain('no-store');
    const cards = cardsOf(res.text);
    expect(cards).toHaveLength(1);
    const card = cards[0];
    expect(card).toContain('<dd class="official-name">刘建国</dd>');
    expect(card).toContain('村党支部书记');
    expect(card).toContain('湖南省 衡阳市 衡阳县 集兵镇');
    expect(card).toMatch(/<tr class="kin-row on-roll"><td>刘建民<\/td><td>兄弟姐妹<\/td><td><span class="person">在保：户编号 H01，农村低保，每月 520\.00 元（未按近亲属备案）/);
    expect(card).toMatch(/<tr class="kin-row"><td>张桂兰<\/td><td>配偶<\/td><td><span class="muted">未在保/);
    expect(card).toContain(`href="/staff/intake/reports/${t09}"`);
    expect(card).not.toContain(`href="/staff/intake/reports/${t06}"`);
    expect(card).toContain('已备案近亲属享受低保（户编号 H01');
    expect(card).not.toContain('H07'); // the namesake is not his relative
    expect(res.text).not.toMatch(/\d{17}[\dXx]/);
    expect(/<title>([^<]*)<\/title>/.exec(res.text)![1]).not.toContain('刘建国');

    const t09page = await agent.get(`/staff/intake/reports/${t09}`).expect(200);
    expect(cardsOf(t09page.text)[0]).toMatch(new RegExp(`href="/staff/intake/reports/${t01}">#${t01}</a>[^<]*（此前）`));
    const t06page = await agent.get(`/staff/intake/reports/${t06}`).expect(200);
    const c6 = cardsOf(t06page.text)[0];
    expect(c6).toContain('<dd class="official-name">李明辉</dd>');
    expect(c6).toMatch(/<td>何秀珍<\/td><td>父母<\/td><td><span class="person">在保：户编号 H06/);
    expect(c6).toContain('未回避近亲属低保审批');
  });

  it('another county’s officer still gets 404 for T01; a report naming nobody shows no card', async () => {
    const other = await staff(t, '430422000000');
    const hidden = await other.agent.get(`/staff/intake/reports/${t01}`).expect(404);
    expect(hidden.text).not.toContain('刘建国');
    const nobody = await insertReport(t, { regionCode: '430421101200', subjects: [{ name: '欧阳无名', position: '', unit: '' }] });
    const { agent } = await staff(t, '430421000000');
    expect(cardsOf((await agent.get(`/staff/intake/reports/${nobody.id}`).expect(200)).text)).toEqual([]);
  });

  it('escapes hostile text around the card and does not let a subject inject markup', async () => {
    const evil = await insertReport(t, { regionCode: '430421101200', subjects: [{ name: '刘建国', position: '<script>alert(1)</script>村支书', unit: '"><img src=x>' }] });
    const { agent } = await staff(t, '430421000000');
    const html = (await agent.get(`/staff/intake/reports/${evil.id}`).expect(200)).text;
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x>');
    expect(cardsOf(html)).toHaveLength(1);
  });
});
