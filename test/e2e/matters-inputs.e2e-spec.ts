import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ensureIntakeOffices } from '../factories/intake.js';
import { matterCast, post, type Cast } from '../factories/matters-flow.js';

/** Hostile or implausible input to the matters API: 422 with a code and field messages, nothing written. */
describe('matters: input limits', () => {
  let t: TestApp;
  let c: Cast;
  const count = () => t.ds.getRepository(Clue).count();
  const manual = (body: Record<string, unknown>) =>
    post(c.handler, '/api/v1/matters', { source: 'inspection', regionCode: '430421101200', subjects: [{ name: '张三' }], reason: '巡察发现', ...body });

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
});
