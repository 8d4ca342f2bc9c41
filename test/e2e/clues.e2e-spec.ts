import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { CluesService } from '../../src/clues/clues.service.js';
import { ClueBeneficiary } from '../../src/clues/entities/clue-beneficiary.entity.js';
import { ClueEvent } from '../../src/clues/entities/clue-event.entity.js';
import { ClueReport } from '../../src/clues/entities/clue-report.entity.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices, insertTipoff, tipoff } from '../factories/intake.js';
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
