import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { MatterOutcome } from '../../src/cases/entities/outcomes.entity.js';
import { RecusalService } from '../../src/recusal/recusal.service.js';
import { GrantsService } from '../../src/access/grants.service.js';
import { createUser } from '../factories/users.js';
import { loginAs } from '../utils/login-as.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertTipoff, staff, tipoff } from '../factories/intake.js';
import { insertOfficial } from '../factories/matters.js';
import { accept, assign, clueAudit, dispose, matterCast, post, transition, type Cast } from '../factories/matters-flow.js';

/** Every kind of invalid transition of issue 4 is refused, says why, and changes nothing. */
describe('matters: refused transitions', () => {
  let t: TestApp;
  let c: Cast;
  const clue = (id: number) => t.ds.getRepository(Clue).findOneByOrFail({ id });

  /** A clue of `tip` in `preliminary_verification`, assigned to the handler. */
  async function inVerification(tip: string): Promise<number> {
    const id = await accept(c, (await insertTipoff(t, tip)).id);
    await assign(c, id);
    await dispose(c, id, 'preliminary_verification');
    return id;
  }

  /** A clue of `tip` in `trial`. */
  async function inTrial(tip: string): Promise<number> {
    const id = await inVerification(tip);
    const p = await transition(c.handler, id, { action: 'file_case', verificationReport: '初核属实', filingDecision: '立案' }).expect(200);
    await post(c.leader, `/api/v1/matters/${id}/proposals/${p.body.proposalId}/approve`).expect(200);
    await transition(c.handler, id, { action: 'start_investigation', investigationPlan: '调查方案', coHandlerUserId: c.handler2.user.id }).expect(200);
    await transition(c.handler, id, { action: 'submit_for_trial', investigationReport: '调查报告' }).expect(200);
    return id;
  }

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    c = await matterCast(t);
  });
  afterAll(async () => t?.close());

  it('wrong state: 409 invalid_transition saying what is allowed now; nothing recorded', async () => {
    const id = await accept(c, (await insertTipoff(t, 'T01')).id);
    await assign(c, id);
    const before = await clueAudit(t, id);
    const res = await transition(c.handler, id, { action: 'file_case', verificationReport: 'x', filingDecision: 'y' }).expect(409);
    expect(res.body.error).toEqual({ code: 'invalid_transition', message: '不能立案：当前状态为“已登记”，可进行：提出处置意见（承办人）。' });
    const unknown = await transition(c.handler, id, { action: 'fly' }).expect(409);
    expect(unknown.body.error.message).toContain('可进行：提出处置意见');
    expect(await clue(id)).toMatchObject({ status: 'registered' });
    expect(await clueAudit(t, id)).toEqual(before);
  });

  it('wrong role: 403 role_not_allowed; not the assigned handler: 403 not_assigned', async () => {
    const id = await accept(c, (await insertTipoff(t, 'T01')).id);
    await assign(c, id);
    const byOfficer = await transition(c.officer, id, { action: 'propose_disposal', method: 'held', reasoning: 'x' }).expect(403);
    expect(byOfficer.body.error).toEqual({ code: 'role_not_allowed', message: '您的角色不能提出处置意见。' });
    const byOther = await transition(c.handler2, id, { action: 'propose_disposal', method: 'held', reasoning: 'x' }).expect(403);
    expect(byOther.body.error.code).toBe('not_assigned');
    await transition(c.handler, id, { action: 'propose_disposal', method: 'held', reasoning: '暂无可查线索' }).expect(200);
    const byReviewer = await transition(c.reviewer, id, { action: 'approve_disposal' }).expect(403);
    expect(byReviewer.body.error.code).toBe('role_not_allowed');
    // A handler cannot assign, and the API route itself is for leaders (404 like any unknown route).
    await post(c.handler, `/api/v1/matters/${id}/assign`, { assigneeUserId: c.handler.user.id }).expect(404);
    expect(await clue(id)).toMatchObject({ status: 'disposal_proposed' });
  });

  it('self-approval: the proposer cannot approve a disposal plan or a filing, even as a leader', async () => {
    const both = await staff(t, '430421000000', ['case_handler', 'leader']);
    const id = await accept(c, (await insertTipoff(t, 'T03')).id);
    await post(c.leader, `/api/v1/matters/${id}/assign`, { assigneeUserId: both.user.id }).expect(200);
    await transition(both, id, { action: 'propose_disposal', method: 'preliminary_verification', reasoning: '需初核' }).expect(200);
    const self = await transition(both, id, { action: 'approve_disposal', reason: '同意' }).expect(403);
    expect(self.body.error).toEqual({ code: 'self_approval', message: '不能审批本人提出的处置意见。' });
    await transition(c.leader, id, { action: 'approve_disposal', reason: '同意' }).expect(200);
    const p = await transition(both, id, { action: 'file_case', verificationReport: '初核属实', filingDecision: '立案' }).expect(200);
    const selfFiling = await post(both, `/api/v1/matters/${id}/proposals/${p.body.proposalId}/approve`).expect(403);
    expect(selfFiling.body.error.code).toBe('self_approval');
    expect(await clue(id)).toMatchObject({ status: 'preliminary_verification' });
    // A second pending proposal is refused while one waits.
    expect((await transition(both, id, { action: 'file_case', verificationReport: 'x', filingDecision: 'y' }).expect(409)).body.error.code).toBe('proposal_pending');
  });

  it('recused user: a relative named as subject hides the matter (404, audited), and such a user cannot be assigned', async () => {
    const relatedHandler = await staff(t, '430421000000', ['case_handler']);
    const recusal = t.app.get(RecusalService);
    await recusal.linkPerson(relatedHandler.user.id, { name: '办案人甲', idNumber: '430421196803120112' });
    await recusal.declareRelative(relatedHandler.user.id, { name: tipoff('T04').subjects[0].name, type: 'sibling' });
    const id = await accept(c, (await insertTipoff(t, 'T04')).id);
    const refused = await post(c.leader, `/api/v1/matters/${id}/assign`, { assigneeUserId: relatedHandler.user.id }).expect(422);
    expect(refused.body.error.fields.assigneeUserId).toContain('无回避情形');
    await relatedHandler.agent.get(`/api/v1/matters/${id}`).expect(404);
    const tr = await transition(relatedHandler, id, { action: 'propose_disposal', method: 'held', reasoning: 'x' }).expect(404);
    expect(tr.body.error.code).toBe('not_found');
    const list = (await relatedHandler.agent.get('/api/v1/matters?status=all').expect(200)).body;
    expect(list.items.map((x: { id: number }) => x.id)).not.toContain(id);
    const blocked = await t.ds.getRepository(AuditEvent).findBy({ action: 'recusal.blocked', recordType: 'clue', recordId: String(id), actorUserId: relatedHandler.user.id });
    expect(blocked.length).toBe(2);
    expect(await clueAudit(t, id)).toEqual(expect.arrayContaining(['clue.registered']));
    // A leader who checked the name-only conflict (same name, different person) clears it: visible again.
    await post(c.leader, `/api/v1/matters/${id}/recusal-orders`, { userId: relatedHandler.user.id, kind: 'cleared', reason: '同名不同人，经核实无亲属关系' }).expect(204);
    await relatedHandler.agent.get(`/api/v1/matters/${id}`).expect(200);
    // A leader can also order a recusal: 404 again, whatever was cleared.
    await post(c.leader, `/api/v1/matters/${id}/recusal-orders`, { userId: relatedHandler.user.id, reason: '与被反映人有利害关系' }).expect(204);
    await relatedHandler.agent.get(`/api/v1/matters/${id}`).expect(404);
    // Declared recusal of the assigned handler: unassigned, then 404.
    await assign(c, id);
    await post(c.handler, `/api/v1/matters/${id}/recusal`, { reason: '与被反映人系同学' }).expect(204);
    await c.handler.agent.get(`/api/v1/matters/${id}`).expect(404);
    expect(await clue(id)).toMatchObject({ assignedUserId: null });
    // And a user outside the scope gets the same 404.
    const outsider = await staff(t, '430422000000', ['leader']);
    await outsider.agent.get(`/api/v1/matters/${id}`).expect(404);
  });

  it('an explicit grant (指定管辖) opens another county’s matters to a leader; without it they are 404', async () => {
    const id = await accept(c, (await insertTipoff(t, 'T01')).id);
    const { user, password } = await createUser(t, { roles: ['leader'], scopeRegionCode: '430422000000' });
    let other = { user, ...(await loginAs(t, user.username, password)) };
    await other.agent.get(`/api/v1/matters/${id}`).expect(404);
    await t.app.get(GrantsService).create({ userId: user.id, regionCode: '430421', reason: '市纪委指定管辖' }, { userId: null, kind: 'system' });
    other = { user, ...(await loginAs(t, user.username, password)) };
    await other.agent.get(`/api/v1/matters/${id}`).expect(200);
    expect((await other.agent.get('/api/v1/matters').expect(200)).body.items.map((x: { id: number }) => x.id)).toContain(id);
    await post(other, `/api/v1/matters/${id}/assign`, { assigneeUserId: c.handler.user.id }).expect(200);
  });

  it('missing field: 422 with the field in Chinese; nothing changes', async () => {
    const id = await accept(c, (await insertTipoff(t, 'T06')).id);
    await assign(c, id);
    const res = await transition(c.handler, id, { action: 'propose_disposal', method: 'talk_inquiry' }).expect(422);
    expect(res.body.error.fields).toEqual({ reasoning: '请填写处置理由' });
    const bad = await transition(c.handler, id, { action: 'propose_disposal', method: 'hide', reasoning: 'x' }).expect(422);
    expect(bad.body.error.fields.method).toContain('处置方式');
    await transition(c.handler, id, { action: 'propose_disposal', method: 'concluded', reasoning: '已处理过' }).expect(200);
    const noConclusion = await transition(c.leader, id, { action: 'approve_disposal', reason: '同意' }).expect(422);
    expect(noConclusion.body.error.fields).toEqual({ conclusion: '予以了结须选择了结结论' });
    const unknownField = await transition(c.handler, id, { action: 'propose_disposal', colour: 'red' }).expect(400);
    expect(unknownField.body.error.code).toBe('unknown_field');
    expect(await clue(id)).toMatchObject({ status: 'disposal_proposed' });
  });

  it('撤职 for a village committee member is refused (警告/记过/记大过 only); a party sanction for a non-member is refused', async () => {
    const id = await inTrial('T04');
    const official = await insertOfficial(t, { name: '吴海波', role: 'village_committee', partyMember: false, regionCode: tipoff('T04').regionCode, position: '村民委员会主任' });
    const [s] = await t.ds.getRepository(ClueSubject).findBy({ clueId: id });
    await post(c.handler, `/api/v1/matters/${id}/subjects/${s.id}`, { officialId: official.id }).expect(200);
    const out = (body: object) => post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, decidedOn: '2026-11-25', ...body });
    const dismissal = await out({ kind: 'government_sanction', type: 'dismissal_from_post' }).expect(422);
    expect(dismissal.body.error).toEqual({ code: 'sanction_not_allowed_for_role', message: '村（居）民委员会成员只能给予警告、记过或者记大过，不能给予撤职。' });
    const party = await out({ kind: 'party_sanction', type: 'warning' }).expect(422);
    expect(party.body.error).toEqual({ code: 'party_sanction_non_member', message: '被反映人不是中共党员，不能给予党纪处分。' });
    expect(await t.ds.getRepository(MatterOutcome).countBy({ clueId: id })).toBe(0);
    const ok = await out({ kind: 'government_sanction', type: 'major_demerit' }).expect(201);
    expect(ok.body).toMatchObject({ effectMonths: 18, effectTo: '2028-05-25' });
    // 留党察看 only for 12 or 24 months; sanctions are not recorded before trial.
    const id2 = await inVerification('T06');
    const [s2] = await t.ds.getRepository(ClueSubject).findBy({ clueId: id2 });
    await post(c.handler, `/api/v1/matters/${id2}/subjects/${s2.id}`, { partyMember: true }).expect(200);
    expect((await post(c.handler, `/api/v1/matters/${id2}/outcomes`, { subjectId: s2.id, kind: 'party_sanction', type: 'warning', decidedOn: '2026-11-25' }).expect(409)).body.error.code).toBe('invalid_transition');
  });

  it('closing needs a verification conclusion for every subject', async () => {
    const id = await inTrial('T09');
    await transition(c.reviewer, id, { action: 'decide', trialOpinion: '同意' }).expect(200);
    const res = await transition(c.handler, id, { action: 'close', announcedOn: '2026-11-27' }).expect(422);
    expect(res.body.error.fields.outcomes).toContain(tipoff('T09').subjects[0].name);
  });
});
