import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { CluesService } from '../../src/clues/clues.service.js';
import { ClueBeneficiary } from '../../src/clues/entities/clue-beneficiary.entity.js';
import { ClueEvent } from '../../src/clues/entities/clue-event.entity.js';
import { ClueReport } from '../../src/clues/entities/clue-report.entity.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertReport, insertTipoff, staff, tipoff } from '../factories/intake.js';
import { Report } from '../../src/reports/entities/report.entity.js';
import { CluesForAcceptedReports1764405320000 } from '../../migrations/1764405320000-clues-for-accepted-reports.js';
import { csrfFromHtml } from '../utils/login-as.js';
import { insertHousehold, insertOfficial } from '../factories/matters.js';

describe('clues: creation inside the caller’s transaction', () => {
  let t: TestApp;
  let clues: CluesService;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    clues = t.app.get(CluesService);
  });
  afterAll(async () => t?.close());

  it('creates a clue from a finding linked to the official and the household: registered, disposal clock, timeline, audit', async () => {
    const official = await insertOfficial(t, { name: '李建国', partyMember: true });
    const household = await insertHousehold(t, '李小红');
    const clue = await t.ds.transaction((m) =>
      clues.createClue(m, { source: 'finding', regionCode: household.regionCode, subjects: [{ officialId: official.id }], beneficiaries: [{ householdId: household.id }], summary: '村干部近亲属享受低保', actorUserId: null }),
    );
    const stored = await t.ds.getRepository(Clue).findOneByOrFail({ id: clue.id });
    expect(stored).toMatchObject({ source: 'finding', status: 'registered', regionCode: '430421101200', regionLevel: 5, dueClock: 'propose_disposal' });
    expect(stored.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await t.ds.getRepository(ClueSubject).findBy({ clueId: clue.id })).toEqual([
      expect.objectContaining({ name: '李建国', officialId: official.id, personId: official.personId, officialRole: 'village_committee', partyMember: true }),
    ]);
    expect(await t.ds.getRepository(ClueBeneficiary).findBy({ clueId: clue.id })).toEqual([expect.objectContaining({ name: '李小红', householdId: household.id, personId: household.headPersonId })]);
    expect(await t.ds.getRepository(ClueEvent).findBy({ clueId: clue.id })).toEqual([expect.objectContaining({ action: 'registered', toStatus: 'registered', actorUserId: null })]);
    const audit = await t.ds.getRepository(AuditEvent).findBy({ recordType: 'clue', recordId: String(clue.id) });
    expect(audit.map((a) => [a.action, a.actorKind])).toEqual([['clue.registered', 'system']]);
    expect(JSON.stringify(audit)).not.toContain('李');
  });

  it('creates a clue from a report with its subjects and beneficiaries as free text; a failure later in the caller’s transaction leaves nothing', async () => {
    const r = await insertTipoff(t, 'T01', { status: 'accepted' });
    const clue = await t.ds.transaction((m) => clues.createFromReport(m, r, null));
    expect(await t.ds.getRepository(ClueReport).findBy({ clueId: clue.id })).toEqual([expect.objectContaining({ reportId: r.id, linkKind: 'origin' })]);
    const subjects = await t.ds.getRepository(ClueSubject).find({ where: { clueId: clue.id }, order: { ordinal: 'ASC' } });
    expect(subjects.map((s) => [s.name, s.officialId])).toEqual(tipoff('T01').subjects.map((s) => [s.name, null]));

    const before = await t.ds.getRepository(Clue).count();
    await expect(
      t.ds.transaction(async (m) => {
        await clues.createClue(m, { source: 'other', regionCode: '430421101200', subjects: [{ name: '王五' }], actorUserId: null });
        throw new Error('caller fails');
      }),
    ).rejects.toThrow('caller fails');
    expect(await t.ds.getRepository(Clue).count()).toBe(before);
  });

  it('refuses bad input with field messages and outside a transaction', async () => {
    await expect(t.ds.transaction((m) => clues.createClue(m, { source: 'rumour' as never, regionCode: '4304', actorUserId: null }))).rejects.toMatchObject({
      code: 'validation_failed',
      fields: { source: expect.any(String), regionCode: expect.any(String) },
    });
    await expect(t.ds.transaction((m) => clues.createClue(m, { source: 'other', regionCode: '430421101200', subjects: [{ officialId: 999999 }], actorUserId: null }))).rejects.toMatchObject({
      fields: { 'subjects.0.officialId': '未找到该公职人员' },
    });
    await expect(clues.createClue(t.ds.manager, { source: 'other', regionCode: '430421101200', actorUserId: null })).rejects.toThrow(/transaction/);
  });
});

describe('clues: accepting a report makes or joins a clue; repeats suggested; merge; data migration', () => {
  let t: TestApp;
  let officer: Awaited<ReturnType<typeof staff>>;
  const api = (path: string, body: object) => officer.agent.post(path).set('X-CSRF-Token', officer.csrfToken).send(body);

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    officer = await staff(t, '430421000000', ['intake_officer']);
  });
  afterAll(async () => t?.close());

  it('accept creates a clue in the same transaction (report.accepted and clue.registered audited together)', async () => {
    const r = await insertTipoff(t, 'T02');
    const res = await api(`/api/v1/intake/reports/${r.id}/accept`, { reason: '可查' }).expect(200);
    expect(res.body.clueId).toEqual(expect.any(Number));
    const link = await t.ds.getRepository(ClueReport).findOneByOrFail({ reportId: r.id });
    expect(link).toMatchObject({ clueId: res.body.clueId, linkKind: 'origin', linkedByUserId: officer.user.id });
    const clue = await t.ds.getRepository(Clue).findOneByOrFail({ id: res.body.clueId });
    expect(clue).toMatchObject({ source: 'report', status: 'registered', regionCode: tipoff('T02').regionCode, category: tipoff('T02').category, createdByUserId: officer.user.id });
    const audit = await t.ds.getRepository(AuditEvent).find({ where: [{ recordType: 'report', recordId: String(r.id) }, { recordType: 'clue', recordId: String(clue.id) }], order: { id: 'ASC' } });
    expect(audit.map((a) => a.action)).toEqual(['clue.registered', 'report.accepted']);
  });

  it('offers likely repeats (same subject name in the county, same or similar beneficiary) and joins the chosen clue on accept', async () => {
    const first = await insertTipoff(t, 'T01');
    const firstClue = (await api(`/api/v1/intake/reports/${first.id}/accept`, {}).expect(200)).body.clueId as number;
    const f = tipoff('T01');
    const again = await insertReport(t, { regionCode: f.regionCode, subjects: [f.subjects[0]], beneficiaries: [{ name: 'X' }] });
    const unrelated = await insertReport(t, { regionCode: f.regionCode, subjects: [{ name: '无关人员甲' }], beneficiaries: [] });
    const sugg = (await officer.agent.get(`/api/v1/matters/suggestions?reportId=${again.id}`).expect(200)).body.items;
    expect(sugg).toEqual([expect.objectContaining({ clueId: firstClue, reasons: ['同一被反映人（同县同名）'] })]);
    expect((await officer.agent.get(`/api/v1/matters/suggestions?reportId=${unrelated.id}`).expect(200)).body.items).toEqual([]);
    if (f.beneficiaries.length) {
      const b = [...f.beneficiaries[0].name];
      const similar = b.length >= 2 ? b.slice(0, -1).join('') + (b.at(-1) === '明' ? '亮' : '明') : null;
      if (similar) {
        const r3 = await insertReport(t, { regionCode: f.regionCode, subjects: [{ name: '无关人员乙' }], beneficiaries: [{ name: similar }] });
        expect((await officer.agent.get(`/api/v1/matters/suggestions?reportId=${r3.id}`).expect(200)).body.items).toEqual([expect.objectContaining({ clueId: firstClue, reasons: ['受益人姓名相近'] })]);
      }
    }
    // The report page offers it; the officer joins it through the form.
    const page = await officer.agent.get(`/staff/intake/reports/${again.id}`).expect(200);
    expect(page.text).toContain(`name="clueId" value="${firstClue}"`);
    expect(page.text).toContain('同一被反映人（同县同名）');
    expect((await officer.agent.get(`/api/v1/intake/reports/${again.id}`).expect(200)).body.clueSuggestions).toEqual([expect.objectContaining({ clueId: firstClue, score: 2 })]);
    await officer.agent.post(`/staff/intake/reports/${again.id}/accept`).type('form').send({ _csrf: csrfFromHtml(page.text), clueId: String(firstClue) }).expect(303);
    expect((await t.ds.getRepository(ClueReport).find({ where: { clueId: firstClue }, order: { id: 'ASC' } })).map((l) => [l.reportId, l.linkKind])).toEqual([
      [first.id, 'origin'],
      [again.id, 'linked'],
    ]);
    // A clue outside the officer's scope cannot be joined; the report stays received.
    const other = await insertReport(t, { regionCode: '430422000000' });
    const otherClue = await t.ds.transaction((m) => t.app.get(CluesService).createFromReport(m, other, null));
    const third = await insertReport(t, {});
    const refused = await api(`/api/v1/intake/reports/${third.id}/accept`, { clueId: otherClue.id }).expect(422);
    expect(refused.body.error.fields).toEqual({ clueId: '未找到该线索（只能并入本辖区的线索）' });
    expect((await t.ds.getRepository(Report).findOneByOrFail({ id: third.id })).status).toBe('received');
  });

  it('merges one clue into another: reports and subjects move, the merged clue leaves the lists', async () => {
    const a = await insertReport(t, { subjects: [{ name: '合并甲' }] });
    const b = await insertReport(t, { subjects: [{ name: '合并乙' }] });
    const ca = (await api(`/api/v1/intake/reports/${a.id}/accept`, {}).expect(200)).body.clueId as number;
    const cb = (await api(`/api/v1/intake/reports/${b.id}/accept`, {}).expect(200)).body.clueId as number;
    await api(`/api/v1/matters/${ca}/merge`, { sourceClueId: cb }).expect(422);
    await api(`/api/v1/matters/${ca}/merge`, { sourceClueId: cb, reason: '同一事项' }).expect(200);
    expect((await t.ds.getRepository(ClueReport).findBy({ clueId: ca })).map((l) => l.reportId).sort()).toEqual([a.id, b.id].sort());
    expect((await t.ds.getRepository(ClueSubject).findBy({ clueId: ca })).map((s) => s.name).sort()).toEqual(['合并乙', '合并甲'].sort());
    expect(await t.ds.getRepository(Clue).findOneByOrFail({ id: cb })).toMatchObject({ mergedIntoId: ca });
    await officer.agent.get(`/api/v1/matters/${cb}`).expect(404);
    const list = (await officer.agent.get('/api/v1/matters?status=all').expect(200)).body.items.map((x: { id: number }) => x.id);
    expect(list).toContain(ca);
    expect(list).not.toContain(cb);
  });

  it('the data migration gives reports accepted before clues existed their clue, once', async () => {
    const old = await insertTipoff(t, 'T03', { status: 'accepted' });
    expect(await t.ds.getRepository(ClueReport).findOneBy({ reportId: old.id })).toBeNull();
    const rerun = async () => {
      const qr = t.ds.createQueryRunner();
      await qr.startTransaction();
      await new CluesForAcceptedReports1764405320000().up(qr);
      await qr.commitTransaction();
      await qr.release();
    };
    await rerun();
    const link = await t.ds.getRepository(ClueReport).findOneByOrFail({ reportId: old.id });
    const clue = await t.ds.getRepository(Clue).findOneByOrFail({ id: link.clueId });
    expect(clue).toMatchObject({ source: 'report', status: 'registered', dueClock: 'propose_disposal', regionCode: tipoff('T03').regionCode });
    expect((await t.ds.getRepository(ClueSubject).findBy({ clueId: clue.id })).map((s) => s.name)).toEqual(tipoff('T03').subjects.map((s) => s.name));
    expect(await t.ds.getRepository(AuditEvent).findOneByOrFail({ recordType: 'clue', recordId: String(clue.id), action: 'clue.registered' })).toMatchObject({ actorKind: 'system' });
    await rerun();
    expect(await t.ds.getRepository(ClueReport).countBy({ reportId: old.id })).toBe(1);
    // Clues made by officers are untouched by the migration's down().
    expect(await t.ds.getRepository(Clue).countBy({ source: 'report' })).toBeGreaterThan(1);
  });
});
