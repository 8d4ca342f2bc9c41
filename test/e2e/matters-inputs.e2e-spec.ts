import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { EntitlementChange, MatterOutcome, Recovery } from '../../src/cases/entities/outcomes.entity.js';
import { Case } from '../../src/cases/entities/case.entity.js';
import { RegionsService } from '../../src/regions/regions.service.js';
import { ensureIntakeOffices, insertTipoff } from '../factories/intake.js';
import { accept, assign, dispose, matterCast, post, transition, type Cast } from '../factories/matters-flow.js';

/** Hostile or implausible input to the matters API: 422 with a code and field messages, nothing written. */
describe('matters: input limits', () => {
  let t: TestApp;
  let c: Cast;
  const count = () => t.ds.getRepository(Clue).count();
  const manual = (body: Record<string, unknown>) =>
    post(c.handler, '/api/v1/matters', { source: 'inspection', regionCode: '430421101200', subjects: [{ name: '张三' }], reason: '巡察发现', ...body });

  /** A clue of fixture `tip` in `trial`, assigned to the handler; returns it with its first subject. */
  async function inTrial(tip: string): Promise<{ id: number; s: ClueSubject }> {
    const id = await accept(c, (await insertTipoff(t, tip)).id);
    await assign(c, id);
    await dispose(c, id, 'preliminary_verification');
    const p = await transition(c.handler, id, { action: 'file_case', verificationReport: '初核属实', filingDecision: '立案' }).expect(200);
    await post(c.leader, `/api/v1/matters/${id}/proposals/${p.body.proposalId}/approve`).expect(200);
    await transition(c.handler, id, { action: 'start_investigation', investigationPlan: '调查方案', coHandlerUserId: c.handler2.user.id }).expect(200);
    await transition(c.handler, id, { action: 'submit_for_trial', investigationReport: '调查报告' }).expect(200);
    const [s] = await t.ds.getRepository(ClueSubject).find({ where: { clueId: id }, order: { ordinal: 'ASC' } });
    return { id, s };
  }

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    c = await matterCast(t);
  });
  afterAll(async () => t?.close());

  it('manual clue: malformed subjects are 422 validation_failed (not 500), nothing written', async () => {
    const before = await count();
    for (const subjects of [[{ name: 123 }], [{ name: { a: 1 } }], [null], ['张三'], [{ name: '张三', officialId: 'x' }], [{ name: '张三', partyMember: 'yes' }]]) {
      const res = await manual({ subjects }).expect(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(Object.keys(res.body.error.fields)[0]).toMatch(/^subjects\.0/);
    }
    expect(await count()).toBe(before);
  });

  it('manual clue: lengths, number of subjects and a real division inside the scope are enforced', async () => {
    const before = await count();
    const cases: [Record<string, unknown>, string][] = [
      [{ summary: '概'.repeat(20_001) }, 'summary'],
      [{ reason: '理'.repeat(2001) }, 'reason'],
      [{ subjects: Array.from({ length: 51 }, (_, i) => ({ name: `人${i}` })) }, 'subjects'],
      [{ subjects: [{ name: '名'.repeat(101) }] }, 'subjects.0.name'],
      [{ regionCode: '430421999999' }, 'regionCode'],
      [{ regionCode: '430422101200' }, 'regionCode'],
      [{ reason: '\u200b\u202e ' }, 'reason'],
    ];
    for (const [body, field] of cases) {
      const res = await manual(body).expect(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.fields[field]).toEqual(expect.any(String));
    }
    expect(await count()).toBe(before);
    const ok = await manual({ subjects: [{ name: '名'.repeat(100) }], reason: '巡察\u202e发现' }).expect(201);
    const clue = await t.ds.getRepository(Clue).findOneOrFail({ where: { id: ok.body.clueId }, relations: { subjects: true } });
    expect(clue.subjects[0].name).toBe('名'.repeat(100));
  });

  it('dates must be real calendar dates and not in the future for events that happened (outcome, recovery, month, closing)', async () => {
    const { id, s } = await inTrial('T09');
    const out = (body: object) => post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'government_sanction', type: 'warning', ...body });
    for (const [body, field] of [[{ decidedOn: '2026-02-30' }, 'decidedOn'], [{ decidedOn: '2099-01-01' }, 'decidedOn'], [{ decidedOn: '2026-1-5' }, 'decidedOn'], [{ decidedOn: '2026-01-05', receivedOn: '2026-02-31' }, 'receivedOn']] as const) {
      const res = await out(body).expect(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.fields[field]).toEqual(expect.any(String));
    }
    expect(await t.ds.getRepository(MatterOutcome).countBy({ clueId: id })).toBe(0);
    await post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'verification', type: 'substantiated' }).expect(201);
    await transition(c.reviewer, id, { action: 'decide', trialOpinion: '同意' }).expect(200);
    expect((await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 100, recoveredOn: '2026-02-30' }).expect(422)).body.error.fields.recoveredOn).toEqual(expect.any(String));
    for (const effectiveMonth of ['2026-13', '2026-00', '26-01']) {
      const res = await post(c.handler, `/api/v1/matters/${id}/entitlement-changes`, { change: 'removed', effectiveMonth, householdLabel: '周某' }).expect(422);
      expect(res.body.error.fields.effectiveMonth).toEqual(expect.any(String));
    }
    expect(await t.ds.getRepository(Recovery).countBy({ clueId: id })).toBe(0);
    expect(await t.ds.getRepository(EntitlementChange).countBy({ clueId: id })).toBe(0);
    for (const announcedOn of ['2026-02-31', '2099-01-01']) {
      const res = await transition(c.handler, id, { action: 'close', announcedOn }).expect(422);
      expect(res.body.error.fields.announcedOn).toEqual(expect.any(String));
    }
    expect(await t.ds.getRepository(Case).findOneByOrFail({ clueId: id })).toMatchObject({ announcedOn: null, closedAt: null });

    // Recovered amounts: integer fen, at most 10^11 fen (10 亿元) per record.
    expect((await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 99_999_999_999_999, recoveredOn: '2026-11-20' }).expect(422)).body.error.fields.amountFen).toEqual(expect.any(String));
    expect((await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 100.5, recoveredOn: '2026-11-20' }).expect(422)).body.error.fields.amountFen).toEqual(expect.any(String));
    await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 100_000_000_000, recoveredOn: '2026-11-20' }).expect(201);
    const task = await post(c.handler, `/api/v1/matters/${id}/rectifications`, { task: '重新公示', ownerUnit: '集兵村委会', dueDate: '2026-12-31' }).expect(201);

    // After closing: no more recoveries, 停保/减保, outcomes or new rectification tasks; completing a task goes on.
    const closing = await transition(c.handler, id, { action: 'close', announcedOn: '2026-11-27' }).expect(200);
    await post(c.leader2, `/api/v1/matters/${id}/proposals/${closing.body.proposalId}/approve`, {}).expect(200);
    expect((await post(c.handler, `/api/v1/matters/${id}/recoveries`, { amountFen: 100, recoveredOn: '2026-11-20' }).expect(409)).body.error.code).toBe('invalid_transition');
    await post(c.handler, `/api/v1/matters/${id}/entitlement-changes`, { change: 'removed', effectiveMonth: '2026-12', householdLabel: '周某' }).expect(409);
    await post(c.handler, `/api/v1/matters/${id}/rectifications`, { task: '再整改', ownerUnit: '集兵村委会', dueDate: '2026-12-31' }).expect(409);
    await post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'first_form_measure', type: 'talk_reminder' }).expect(409);
    await post(c.handler, `/api/v1/matters/${id}/rectifications/${task.body.id}/complete`, { evidence: '公示照片', completedOn: '2026-11-28' }).expect(200);
    expect(await t.ds.getRepository(Recovery).countBy({ clueId: id })).toBe(1);
    expect(await t.ds.getRepository(EntitlementChange).countBy({ clueId: id })).toBe(0);
    // The page shows the region by name and no recording forms.
    const page = await c.handler.agent.get(`/staff/matters/${id}`).expect(200);
    const regionName = await t.app.get(RegionsService).pathLabel((await t.ds.getRepository(Clue).findOneByOrFail({ id })).regionCode);
    expect(regionName).not.toBe('');
    expect(page.text).toContain(regionName);
    expect(page.text).not.toContain('地区代码');
    expect(page.text).not.toContain(`action="/staff/matters/${id}/recoveries"`);
    expect(page.text).not.toContain(`action="/staff/matters/${id}/rectifications"`);
  });

  it('a free-text subject (position unknown) gets at most 警告/记过/记大过; one government and one party sanction per subject', async () => {
    const { id, s } = await inTrial('T04');
    const out = (body: object) => post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'government_sanction', decidedOn: '2026-11-25', ...body });
    for (const type of ['demotion', 'dismissal_from_post', 'expulsion']) {
      const res = await out({ type }).expect(422);
      expect(res.body.error.code).toBe('subject_position_unknown');
    }
    await out({ type: 'warning' }).expect(201);
    for (const type of ['warning', 'demerit']) expect((await out({ type }).expect(409)).body.error.code).toBe('sanction_already_recorded');
    await post(c.handler, `/api/v1/matters/${id}/subjects/${s.id}`, { partyMember: true }).expect(200);
    await out({ kind: 'party_sanction', type: 'warning' }).expect(201);
    expect((await out({ kind: 'party_sanction', type: 'serious_warning' }).expect(409)).body.error.code).toBe('sanction_already_recorded');
    const rows = await t.ds.getRepository(MatterOutcome).findBy({ clueId: id });
    expect(rows.map((r) => `${r.kind}:${r.type}`).sort()).toEqual(['government_sanction:warning', 'party_sanction:warning']);
  });

  it('matter texts lose bidi/zero-width characters, are capped, and a text of only such characters counts as empty', async () => {
    const { id, s } = await inTrial('T06');
    const out = (body: object) => post(c.reviewer, `/api/v1/matters/${id}/outcomes`, { subjectId: s.id, kind: 'verification', type: 'substantiated', ...body });
    expect((await out({ note: '注'.repeat(2001) }).expect(422)).body.error.fields).toEqual({ note: expect.any(String) });
    const ok = await out({ note: '核实\u202e属实\u200b' }).expect(201);
    expect((await t.ds.getRepository(MatterOutcome).findOneByOrFail({ id: ok.body.id })).note).toBe('核实属实');
    expect((await post(c.leader, `/api/v1/matters/${id}/extend-trial`, { reason: '\u202e\u200b ' }).expect(422)).body.error.fields).toEqual({ reason: expect.any(String) });
    expect((await post(c.leader, `/api/v1/matters/${id}/extend-trial`, { reason: '由'.repeat(2001) }).expect(422)).body.error.fields).toEqual({ reason: expect.any(String) });
    expect(await t.ds.getRepository(MatterOutcome).countBy({ clueId: id })).toBe(1);
  });
});
