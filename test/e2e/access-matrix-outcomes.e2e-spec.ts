/**
 * The permission matrix of the matter steps after disposal (sibling of access-matrix-clues.e2e-spec.ts),
 * table-driven through the HTTP API: every role × {in scope (a village of the user's county), out of
 * scope (another county)} × {assigned to the user, not} × {recused (declared 回避 on the clue), not} ×
 * {approve, reject, extend trial, merge, outcome, recovery, entitlement change, rectification, name
 * clearing}. Out of scope or recused → 404 `not_found`; in scope with the wrong role or assignment → 403
 * with its code; allowed → success, and the stored facts say so (rows written only for the allowed
 * probes, nothing for the refused ones).
 *
 * Each cell has two clues, set up directly in the database:
 *  - a `investigation` clue with two pending 撤案 (`withdraw`) proposals of another handler: reject the
 *    second (leaders: 200, reason given), then approve the first (leaders: 200, the clue is withdrawn);
 *  - a `trial` clue (concluded `cleared`, one subject) that takes the other probes — each success adds
 *    a row or changes the clock and none stops another: extend the trial once, a verification outcome,
 *    a recovery, a 停保, a rectification task, a name clearing, and merging a fresh in-scope clue into it.
 * Who may: approve, reject, extend — leaders (`role_not_allowed` otherwise); outcomes and the rest — the
 * assigned user, a leader or a trial reviewer (`not_assigned` otherwise); merge — intake officers, case
 * handlers and leaders, assignment irrelevant (`role_not_allowed` otherwise). Roles outside the matters
 * API (registry clerk, publisher, auditor, identity custodian, admin) get 404 everywhere.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { In } from 'typeorm';
import type request from 'supertest';
import { ROLES, type Role } from '../../src/users/entities/user.entity.js';
import { CluesService } from '../../src/clues/clues.service.js';
import { Clue } from '../../src/clues/entities/clue.entity.js';
import { ClueRecusal } from '../../src/clues/entities/clue-recusal.entity.js';
import { ClueSubject } from '../../src/clues/entities/clue-subject.entity.js';
import { MatterProposal } from '../../src/clues/entities/matter-proposal.entity.js';
import { EntitlementChange, MatterOutcome, NameClearing, Rectification, Recovery } from '../../src/cases/entities/outcomes.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { signInByRole, type MatrixActor } from '../utils/login-as.js';
import { createUser } from '../factories/users.js';
import { ensureIntakeOffices } from '../factories/intake.js';

const SCOPE = '430421000000';
const REGIONS = { in: '430421101200', out: '430422101200' } as const;
type RegionKey = keyof typeof REGIONS;
const CLUE_READERS: ReadonlySet<Role> = new Set(['intake_officer', 'case_handler', 'trial_reviewer', 'leader']);
const MERGERS: ReadonlySet<Role> = new Set(['intake_officer', 'case_handler', 'leader']);

type Actor = MatrixActor<Role>;
interface Cell {
  owner: number;
  region: RegionKey;
  assigned: boolean;
  recused: boolean;
  proposalClue: number;
  approveId: number;
  rejectId: number;
  trialClue: number;
  subjectId: number;
  mergeSource: number;
}
type Want = [number, string | null];

const sees = (a: Actor, c: Cell) => CLUE_READERS.has(a.role) && c.region === 'in' && !c.recused;
const NOT_FOUND: Want = [404, 'not_found'];
const EXPECT = {
  leader: (a: Actor, c: Cell): Want => (!sees(a, c) ? NOT_FOUND : a.role === 'leader' ? [200, null] : [403, 'role_not_allowed']),
  worker: (a: Actor, c: Cell): Want => (!sees(a, c) ? NOT_FOUND : c.assigned || a.role === 'leader' || a.role === 'trial_reviewer' ? [201, null] : [403, 'not_assigned']),
  merge: (a: Actor, c: Cell): Want => (!sees(a, c) ? NOT_FOUND : MERGERS.has(a.role) ? [200, null] : [403, 'role_not_allowed']),
};
const ok = (w: Want) => w[0] < 300;

describe('access matrix: roles × scope × assignment × recusal × approvals, trial extension, merging and outcomes', () => {
  let t: TestApp;
  let actors = new Map<Role, Actor>();
  const cells: Cell[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    const proposer = (await createUser(t, { roles: ['case_handler'], scopeRegionCode: SCOPE })).user;
    const clues = t.app.get(CluesService);
    const newClue = (regionCode: string, subjects: { name: string }[] = []) =>
      t.ds.transaction((m) => clues.createClue(m, { source: 'other', regionCode, summary: '矩阵测试线索', subjects, actorUserId: null, reason: '矩阵测试' }));
    const users: { role: Role; id: number; username: string; password: string }[] = [];
    for (const role of ROLES) {
      const { user, password } = await createUser(t, { roles: [role], scopeRegionCode: SCOPE });
      users.push({ role, id: user.id, username: user.username, password });
      for (const region of Object.keys(REGIONS) as RegionKey[]) {
        for (const assigned of [false, true]) {
          for (const recused of [false, true]) {
            const assignedUserId = assigned ? user.id : null;
            const pc = await newClue(REGIONS[region]);
            await t.ds.getRepository(Clue).update({ id: pc.id }, { status: 'investigation', dueClock: null, dueDate: null, assignedUserId });
            const proposal = () =>
              t.ds.getRepository(MatterProposal).save({
                clueId: pc.id,
                action: 'withdraw',
                fromStatus: 'investigation',
                toStatus: 'withdrawn',
                fields: JSON.stringify({ investigationReport: '查无实据', reason: '矩阵测试撤案' }),
                proposedByUserId: proposer.id,
                proposedAt: new Date(),
                status: 'pending',
                decidedByUserId: null,
                decidedAt: null,
                decisionReason: null,
              });
            const approve = await proposal();
            const reject = await proposal();
            const tc = await newClue(REGIONS[region], [{ name: '矩阵被反映人' }]);
            await t.ds.getRepository(Clue).update({ id: tc.id }, { status: 'trial', dueClock: 'trial', conclusion: 'cleared', assignedUserId });
            const [subject] = await t.ds.getRepository(ClueSubject).findBy({ clueId: tc.id });
            if (recused) {
              for (const clueId of [pc.id, tc.id]) await t.ds.getRepository(ClueRecusal).insert({ userId: user.id, clueId, kind: 'declared', byUserId: user.id, reason: null, createdAt: new Date() });
            }
            const source = await newClue(REGIONS.in);
            cells.push({ owner: user.id, region, assigned, recused, proposalClue: pc.id, approveId: approve.id, rejectId: reject.id, trialClue: tc.id, subjectId: subject.id, mergeSource: source.id });
          }
        }
      }
    }
    actors = await signInByRole(t, users);
  }, 600_000);
  afterAll(async () => t?.close());

  describe.each(ROLES.map((r) => [r]))('%s', (role) => {
    it('approve, reject, extend trial, merge, outcome, recovery, 停保/减保, rectification, name clearing — per cell, with the stored facts', async () => {
      const a = actors.get(role)!;
      const post = (path: string, body: Record<string, unknown>) => a.agent.post(path).set('X-CSRF-Token', a.csrf).send(body);
      const got = (res: request.Response): Want => [res.status, res.status < 300 ? null : (res.body?.error?.code ?? null)];
      const wrong: string[] = [];
      let probes = 0;
      const mine = cells.filter((c) => c.owner === a.id);
      for (const c of mine) {
        const where = `${c.region}/${c.assigned ? 'assigned' : 'unassigned'}/${c.recused ? 'recused' : 'free'}`;
        const check = (action: string, res: request.Response, want: Want) => {
          probes += 1;
          const g = got(res);
          if (g[0] !== want[0] || g[1] !== want[1]) wrong.push(`${action} ${where}: got ${g.join(' ')}${g[0] === 422 ? ` ${JSON.stringify(res.body.error.fields)}` : ''}, want ${want.join(' ')}`);
        };
        const p = `/api/v1/matters/${c.proposalClue}`;
        check('reject', await post(`${p}/proposals/${c.rejectId}/reject`, { reason: '证据不足，不同意撤案' }), EXPECT.leader(a, c));
        check('approve', await post(`${p}/proposals/${c.approveId}/approve`, { reason: '同意' }), EXPECT.leader(a, c));
        const m = `/api/v1/matters/${c.trialClue}`;
        const [extend, merge, outcome, recovery, entitlement, rectification, clearing] = await Promise.all([
          post(`${m}/extend-trial`, { reason: '案情复杂' }),
          post(`${m}/merge`, { sourceClueId: c.mergeSource, reason: '反映同一问题' }),
          post(`${m}/outcomes`, { subjectId: c.subjectId, kind: 'verification', type: 'unsubstantiated' }),
          post(`${m}/recoveries`, { amountFen: 12_300, recoveredOn: '2026-11-20' }),
          post(`${m}/entitlement-changes`, { change: 'removed', effectiveMonth: '2026-12', householdLabel: '矩阵户' }),
          post(`${m}/rectifications`, { task: '重新公示', ownerUnit: '集兵村委会', dueDate: '2026-12-31' }),
          post(`${m}/name-clearings`, { subjectId: c.subjectId, clearedOn: '2026-11-21', method: '书面澄清' }),
        ]);
        check('extend-trial', extend, EXPECT.leader(a, c));
        check('merge', merge, EXPECT.merge(a, c));
        for (const [action, res] of [['outcome', outcome], ['recovery', recovery], ['entitlement', entitlement], ['rectification', rectification], ['name-clearing', clearing]] as const) check(action, res, EXPECT.worker(a, c));
      }
      expect(wrong).toEqual([]);
      expect(probes).toBe(2 * 2 * 2 * 9);

      // The stored facts: written for the allowed probes only.
      const ids = (k: 'proposalClue' | 'trialClue' | 'mergeSource') => mine.map((c) => c[k]);
      const proposals = new Map((await t.ds.getRepository(MatterProposal).findBy({ clueId: In(ids('proposalClue')) })).map((x) => [x.id, x.status]));
      const byId = new Map((await t.ds.getRepository(Clue).findBy({ id: In([...ids('proposalClue'), ...ids('trialClue'), ...ids('mergeSource')]) })).map((x) => [x.id, x]));
      const counted = async (entity: typeof MatterOutcome | typeof Recovery | typeof EntitlementChange | typeof Rectification | typeof NameClearing) => {
        const rows = (await t.ds.getRepository(entity).findBy({ clueId: In(ids('trialClue')) })) as { clueId: number }[];
        return (clueId: number) => rows.filter((r) => r.clueId === clueId).length;
      };
      const tables = { outcome: await counted(MatterOutcome), recovery: await counted(Recovery), entitlement: await counted(EntitlementChange), rectification: await counted(Rectification), clearing: await counted(NameClearing) };
      const facts = mine.map((c) => ({
        rejected: proposals.get(c.rejectId),
        approved: proposals.get(c.approveId),
        status: byId.get(c.proposalClue)!.status,
        clock: byId.get(c.trialClue)!.dueClock,
        merged: byId.get(c.mergeSource)!.mergedIntoId,
        rows: Object.values(tables).map((count) => count(c.trialClue)),
      }));
      const expected = mine.map((c) => {
        const lead = ok(EXPECT.leader(a, c));
        const work = ok(EXPECT.worker(a, c)) ? 1 : 0;
        return {
          rejected: lead ? 'rejected' : 'pending',
          approved: lead ? 'approved' : 'pending',
          status: lead ? 'withdrawn' : 'investigation',
          clock: lead ? 'trial_extended' : 'trial',
          merged: ok(EXPECT.merge(a, c)) ? c.trialClue : null,
          rows: [work, work, work, work, work],
        };
      });
      expect(facts).toEqual(expected);
    });
  });
});
