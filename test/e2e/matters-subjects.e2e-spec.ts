import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { MatterOutcome } from '../../src/cases/entities/outcomes.entity.js';
import { ClueEvent } from '../../src/clues/entities/clue-event.entity.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertTipoff, staff, tipoff } from '../factories/intake.js';
import { insertOfficial } from '../factories/matters.js';
import { accept, clueInTrial, matterCast, post, type Cast, type Staff } from '../factories/matters-flow.js';
import { grantRegion, insertKin, linkUserPerson } from '../factories/access.js';
import { createUser } from '../factories/users.js';
import { loginAs } from '../utils/login-as.js';

/**
 * 被反映人身份 (issue 4 of Qingfeng, item 1): the stated position role of a free-text subject decides
 * the government sanctions it may receive (SANCTION_LIMITED_ROLES, 政务处分法 art. 22); a linked
 * subject carries the official's role. Through the API and the matter page's form.
 */
describe('matters: subject identity and position role', () => {
  let t: TestApp;
  let c: Cast;
  const subjectOf = async (clueId: number) => (await t.ds.getRepository(ClueSubject).find({ where: { clueId }, order: { ordinal: 'ASC' } }))[0];
  const update = (s: Staff, clueId: number, sid: number, body: object) => post(s, `/api/v1/matters/${clueId}/subjects/${sid}`, body);
  const sanction = (clueId: number, subjectId: number, type: string) => post(c.reviewer, `/api/v1/matters/${clueId}/outcomes`, { subjectId, kind: 'government_sanction', type, decidedOn: '2026-11-25' });
  const form = (s: Staff, path: string, body: Record<string, string>) => s.agent.post(path).type('form').send({ _csrf: s.csrfToken, ...body });

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    c = await matterCast(t);
  });
  afterAll(async () => t?.close());

  it('API: a stated role is validated; a limited or unknown role keeps 警告/记过/记大过, a township official may get 降级; timeline and audit record it', async () => {
    const id = await clueInTrial(t, c, 'T07');
    const s = await subjectOf(id);
    expect(s).toMatchObject({ officialId: null, positionRole: null });
    for (const [body, field] of [[{ positionRole: 'mayor' }, 'positionRole'], [{ positionRole: 3 }, 'positionRole'], [{ officialId: 'x' }, 'officialId'], [{ officialId: 0 }, 'officialId'], [{ partyMember: 'yes' }, 'partyMember']] as const) {
      const res = await update(c.handler, id, s.id, body).expect(422);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', fields: { [field]: expect.any(String) } });
    }
    expect((await update(c.handler, id, s.id, { positionRole: 'x', extra: 1 }).expect(400)).body.error.code).toBe('unknown_field');
    expect(await subjectOf(id)).toMatchObject({ positionRole: null, partyMember: false });

    // Stated as a village committee member: limited (like an unknown role).
    await update(c.handler, id, s.id, { positionRole: 'village_committee' }).expect(200);
    expect((await sanction(id, s.id, 'demotion').expect(422)).body.error.code).toBe('sanction_not_allowed_for_role');
    await update(c.leader, id, s.id, { positionRole: null }).expect(200);
    expect((await sanction(id, s.id, 'dismissal_from_post').expect(422)).body.error.code).toBe('subject_position_unknown');
    expect(await t.ds.getRepository(MatterOutcome).countBy({ clueId: id })).toBe(0);

    // Stated as a township civil servant (乡镇干部): 降级 is allowed.
    const ok = await update(c.handler, id, s.id, { positionRole: 'township_official', partyMember: true }).expect(200);
    expect(ok.body).toMatchObject({ id: s.id, officialId: null, officialRole: null, positionRole: 'township_official', partyMember: true });
    expect(await subjectOf(id)).toMatchObject({ positionRole: 'township_official', partyMember: true, officialId: null });
    const demoted = await sanction(id, s.id, 'demotion').expect(201);
    expect(demoted.body).toMatchObject({ type: 'demotion', effectMonths: 24, effectTo: '2028-11-25' });
    const detail = (await c.handler.agent.get(`/api/v1/matters/${id}`).expect(200)).body;
    expect(detail.subjects[0]).toMatchObject({ positionRole: 'township_official', officialRole: null });

    const events = await t.ds.getRepository(ClueEvent).find({ where: { clueId: id, action: 'subject_identified' }, order: { id: 'ASC' } });
    expect(events.map((e) => [e.actorUserId, JSON.parse(e.details!).positionRole, JSON.parse(e.details!).previousPositionRole])).toEqual([
      [c.handler.user.id, 'village_committee', null],
      [c.leader.user.id, null, 'village_committee'],
      [c.handler.user.id, 'township_official', null],
    ]);
    const audit = await t.ds.getRepository(AuditEvent).find({ where: { recordType: 'clue', recordId: String(id), action: 'clue.subject_identified' } });
    expect(audit).toHaveLength(3);
    expect(JSON.stringify(audit)).not.toContain('王𠮷');
  });

  it('API: linking copies the official’s role, which wins; a different stated role is refused; a linked committee member stays limited', async () => {
    const id = await clueInTrial(t, c, 'T04');
    const s = await subjectOf(id);
    const member = await insertOfficial(t, { name: '吴海波', role: 'village_committee', partyMember: false, regionCode: tipoff('T04').regionCode });
    // Linking and stating another role in one request: refused, nothing changed.
    const clash = await update(c.handler, id, s.id, { officialId: member.id, positionRole: 'township_official' }).expect(422);
    expect(clash.body.error.fields.positionRole).toContain('以档案为准');
    expect(await subjectOf(id)).toMatchObject({ officialId: null, positionRole: null });
    await update(c.handler, id, s.id, { positionRole: 'township_official' }).expect(200);
    await update(c.handler, id, s.id, { officialId: member.id }).expect(200);
    expect(await subjectOf(id)).toMatchObject({ officialId: member.id, officialRole: 'village_committee', positionRole: 'village_committee' });
    for (const positionRole of ['township_official', null]) expect((await update(c.handler, id, s.id, { positionRole }).expect(422)).body.error.fields.positionRole).toContain('村民委员会成员');
    await update(c.handler, id, s.id, { positionRole: 'village_committee' }).expect(200);
    expect((await sanction(id, s.id, 'demotion').expect(422)).body.error.code).toBe('sanction_not_allowed_for_role');
    await sanction(id, s.id, 'major_demerit').expect(201);
    // An official outside the user's scope is not found.
    const elsewhere = await insertOfficial(t, { name: '外县干部', role: 'township_official', regionCode: '430422101200' });
    expect((await update(c.handler, id, s.id, { officialId: elsewhere.id }).expect(422)).body.error.fields.officialId).toContain('未找到');
  });

  it('page: the 被反映人身份 form links by id (the official’s name shown after), states the role, shows errors in Chinese; CSRF, role and scope enforced', async () => {
    const id = await clueInTrial(t, c, 'T06');
    const s = await subjectOf(id);
    const path = `/staff/matters/${id}/subjects/${s.id}`;
    const page = (await c.handler.agent.get(`/staff/matters/${id}`).expect(200)).text;
    expect(page).toContain('被反映人身份');
    expect(page).toContain(`action="${path}"`);
    expect(page).toMatch(/<select id="subj-\d+-role" name="positionRole">/);
    expect(page).toContain('<option value="township_official">乡镇干部</option>');

    // Bad id: 422, the form comes back with the message and the typed value; nothing changed.
    const bad = await form(c.handler, path, { officialId: '12ab', partyMember: 'no', positionRole: '' }).expect(422);
    expect(bad.text).toContain('公职人员档案编号应为正整数');
    expect(bad.text).toContain('value="12ab"');
    const unknown = await form(c.handler, path, { officialId: '999999', partyMember: 'no' }).expect(422);
    expect(unknown.text).toContain('未找到该公职人员（本辖区）');
    expect(await subjectOf(id)).toMatchObject({ officialId: null, positionRole: null });

    // States the role of the free-text subject.
    const saved = await form(c.handler, path, { officialId: '', partyMember: 'yes', positionRole: 'dibao_caseworker' }).expect(303);
    expect(saved.headers.location).toBe(`/staff/matters/${id}?done=subject#top`);
    expect(await subjectOf(id)).toMatchObject({ positionRole: 'dibao_caseworker', partyMember: true, officialId: null });
    const after = (await c.handler.agent.get(`/staff/matters/${id}?done=subject`).expect(200)).text;
    expect(after).toContain('已保存被反映人身份。');
    expect(after).toContain('<option value="dibao_caseworker" selected>低保经办人员</option>');
    expect(after).toContain('确认被反映人身份');

    // Same-named officials in the user's scope are offered with a one-button link; another county's namesake is not.
    const official = await insertOfficial(t, { name: '李明辉', role: 'dibao_caseworker', partyMember: false, regionCode: tipoff('T06').regionCode, position: '低保经办员' });
    const namesake = await insertOfficial(t, { name: '李明辉', role: 'township_official', regionCode: '430422101200' });
    const offered = (await c.leader.agent.get(`/staff/matters/${id}`).expect(200)).text;
    expect(offered).toContain('本辖区同名公职人员');
    expect(offered).toContain(`<input type="hidden" name="officialId" value="${official.id}">`);
    expect(offered).not.toContain(`name="officialId" value="${namesake.id}"`);
    // Linking by id (typed, or the candidate's button — the same field): a role still selected in the form is not
    // sent on (the registry's wins, no conflict); the official's name, post and role are shown, the role select gives way.
    await form(c.leader, path, { officialId: String(official.id), positionRole: 'township_official' }).expect(303);
    expect(await subjectOf(id)).toMatchObject({ officialId: official.id, officialRole: 'dibao_caseworker', positionRole: 'dibao_caseworker', partyMember: false });
    const linked = (await c.handler.agent.get(`/staff/matters/${id}`).expect(200)).text;
    expect(linked).toContain(`#${official.id} 李明辉 · 低保经办员 · 集兵村（低保经办人员）`);
    expect(linked).not.toMatch(/name="positionRole"/);
    expect(linked).not.toContain('本辖区同名公职人员');

    // No CSRF token: 403, nothing changed.
    await c.handler.agent.post(path).type('form').send({ partyMember: 'yes' }).expect(403);
    // An intake officer in scope reads the matter but gets no form; posting is refused with the reason.
    expect((await c.officer.agent.get(`/staff/matters/${id}`).expect(200)).text).not.toContain(`action="${path}"`);
    expect((await form(c.officer, path, { partyMember: 'yes' }).expect(403)).text).toContain('只有本线索的承办人或领导才能确认被反映人身份');
    // Another county's handler: 404.
    const outsider = await staff(t, '430422000000', ['case_handler']);
    await form(outsider, path, { partyMember: 'yes' }).expect(404);
    expect(await subjectOf(id)).toMatchObject({ partyMember: false });
  });

  it('a leader of another county with a grant (指定管辖) for the clue’s county is offered, and links, the clue county’s officials, not his own county’s', async () => {
    const id = await clueInTrial(t, c, 'T05');
    const s = await subjectOf(id);
    const path = `/staff/matters/${id}/subjects/${s.id}`;
    const { user, password } = await createUser(t, { roles: ['leader'], scopeRegionCode: '430422000000' });
    await grantRegion(t, user.id, '430421000000');
    const granted = { user, ...(await loginAs(t, user.username, password)) };
    const here = await insertOfficial(t, { name: '陈秀英', role: 'village_committee', regionCode: tipoff('T05').regionCode });
    const home = await insertOfficial(t, { name: '陈秀英', role: 'township_official', regionCode: '430422101200' });
    const page = (await granted.agent.get(`/staff/matters/${id}`).expect(200)).text;
    expect(page).toContain(`name="officialId" value="${here.id}"`);
    expect(page).not.toContain(`name="officialId" value="${home.id}"`);
    // His own county's official is not in the clue's county: refused on the API and the page, nothing changed.
    expect((await update(granted, id, s.id, { officialId: home.id }).expect(422)).body.error.fields.officialId).toContain('未找到');
    expect((await form(granted, path, { officialId: String(home.id), partyMember: 'no' }).expect(422)).text).toContain('未找到该公职人员');
    expect(await subjectOf(id)).toMatchObject({ officialId: null });
    await update(granted, id, s.id, { officialId: here.id }).expect(200);
    expect(await subjectOf(id)).toMatchObject({ officialId: here.id, personId: here.personId, officialRole: 'village_committee' });
  });
  it('merging: a linked source subject carries its official onto the same-named free-text subject of the target, so the official’s relative stays recused there', async () => {
    const f = tipoff('T03');
    const target = await accept(c, (await insertTipoff(t, 'T03')).id);
    const source = await accept(c, (await insertTipoff(t, 'T03')).id);
    const name = f.subjects[0].name;
    const official = await insertOfficial(t, { name, role: 'village_committee', regionCode: f.regionCode });
    const src = await subjectOf(source);
    expect(src.name).toBe(name);
    await update(c.leader, source, src.id, { officialId: official.id }).expect(200);
    // A handler of the county whose brother is the official: recused by name on the target, until a leader clears the namesake.
    const kin = await staff(t, '430421000000', ['case_handler']);
    await insertKin(t, await linkUserPerson(t, kin.user.id, '某亲属'), official.personId, 'sibling');
    await kin.agent.get(`/api/v1/matters/${target}`).expect(404);
    await post(c.leader, `/api/v1/matters/${target}/recusal-orders`, { userId: kin.user.id, kind: 'cleared', reason: '同名不同人' }).expect(204);
    await kin.agent.get(`/api/v1/matters/${target}`).expect(200);

    await post(c.leader, `/api/v1/matters/${target}/merge`, { sourceClueId: source, reason: '反映同一问题' }).expect(200);
    const subjects = await t.ds.getRepository(ClueSubject).find({ where: { clueId: target }, order: { ordinal: 'ASC' } });
    expect(subjects.filter((x) => x.name === name)).toEqual([expect.objectContaining({ officialId: official.id, personId: official.personId, officialRole: 'village_committee', positionRole: 'village_committee' })]);
    await kin.agent.get(`/api/v1/matters/${target}`).expect(404);
    // A malformed source id is a 422 on the field, not a lookup of NaN.
    expect((await post(c.leader, `/api/v1/matters/${target}/merge`, { sourceClueId: [source], reason: 'x' }).expect(422)).body.error.fields.sourceClueId).toBeTruthy();
  });

  it('merging: same-named subjects linked to different officials are different people — both stay', async () => {
    const f = tipoff('T03');
    const target = await accept(c, (await insertTipoff(t, 'T03')).id);
    const source = await accept(c, (await insertTipoff(t, 'T03')).id);
    const name = f.subjects[0].name;
    const a = await insertOfficial(t, { name, regionCode: f.regionCode });
    const b = await insertOfficial(t, { name, role: 'township_official', regionCode: f.regionCode });
    await update(c.leader, target, (await subjectOf(target)).id, { officialId: a.id }).expect(200);
    await update(c.leader, source, (await subjectOf(source)).id, { officialId: b.id }).expect(200);
    await post(c.leader, `/api/v1/matters/${target}/merge`, { sourceClueId: source, reason: '反映同一问题' }).expect(200);
    const same = (await t.ds.getRepository(ClueSubject).find({ where: { clueId: target }, order: { ordinal: 'ASC' } })).filter((x) => x.name === name);
    expect(same.map((x) => x.officialId)).toEqual([a.id, b.id]);
  });
});
