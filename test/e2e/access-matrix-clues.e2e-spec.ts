/**
 * The permission matrix of issue 3, clue/case section (问题线索 / 案件, policy src/access/policies/clues.policy.ts),
 * table-driven and asserted through the HTTP API: every role × region {own, child, parent, other county,
 * granted (指定管辖)} × {assigned to the user, not assigned} × {recused (declared 回避 on the clue), not} ×
 * {list, read, propose disposal, identify a subject, assign}. Then, per role, the listed clues are exactly
 * those whose detail answers 200, and every other id (guessed ones included) answers 404.
 *
 * The data set is built once (clues inserted in `registered`), each role signs in once, and no probe
 * changes state — each is refused after the access check by validation or by the state table:
 *  - propose: `{ action: 'propose_disposal', method: 'held' }` without `reasoning`. 404 = the clue is not
 *    reachable (outside scope / recused / role without the matters API); 403 `role_not_allowed` = reachable
 *    but the role may not propose; 403 `not_assigned` = a case handler who is not the assigned handler;
 *    422 `validation_failed` naming `reasoning` = passed every access check (only the missing field stopped it).
 *  - subject: `POST /:id/subjects/999999` (no such subject) with `{ partyMember: true }`. 404 = unreachable;
 *    403 `not_assigned` = reachable but neither the assigned handler nor a leader; 422 = the assigned
 *    handler or a leader got through (only the unknown subject stopped it).
 *  - assign: `POST /:id/assign` to user 999999 (no such user), without a reason. 404 = not a leader, or
 *    unreachable; 422 = a leader in scope got through (the ineligible assignee — or, on an already
 *    assigned clue, the missing reason for reassignment — stopped it).
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type request from 'supertest';
import { ROLES, type Role } from '../../src/users/entities/user.entity.js';
import { CluesService } from '../../src/clues/clues.service.js';
import { ClueRecusal } from '../../src/clues/entities/clue-recusal.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { signInByRole, type MatrixActor } from '../utils/login-as.js';
import { createUser } from '../factories/users.js';
import { ensureIntakeOffices, ensureOffice } from '../factories/intake.js';
import { grantRegion, linkUserPerson } from '../factories/access.js';

const REGIONS = { own: '430421000000', child: '430421101200', parent: '430400000000', other: '430422000000', granted: '430423000000' } as const;
type RegionKey = keyof typeof REGIONS;
const REGION_KEYS = Object.keys(REGIONS) as RegionKey[];
const IN_SCOPE: ReadonlySet<RegionKey> = new Set(['own', 'child', 'granted']);

/** Roles behind the matters API (read in scope). */
const CLUE_READERS: ReadonlySet<Role> = new Set(['intake_officer', 'case_handler', 'trial_reviewer', 'leader']);

type Actor = MatrixActor<Role>;
interface ClueCell {
  id: number;
  owner: number;
  region: RegionKey;
  assigned: boolean;
  recused: boolean;
}
type Outcome = [number, string | null];

function seesClue(a: Actor, c: ClueCell): boolean {
  return CLUE_READERS.has(a.role) && IN_SCOPE.has(c.region) && !c.recused;
}

function proposeOutcome(a: Actor, c: ClueCell): Outcome {
  if (!seesClue(a, c)) return [404, 'not_found'];
  if (a.role !== 'case_handler') return [403, 'role_not_allowed'];
  return c.assigned ? [422, 'validation_failed:reasoning'] : [403, 'not_assigned'];
}

function subjectOutcome(a: Actor, c: ClueCell): Outcome {
  if (!seesClue(a, c)) return [404, 'not_found'];
  return c.assigned || a.role === 'leader' ? [422, 'validation_failed:subjectId'] : [403, 'not_assigned'];
}

function assignOutcome(a: Actor, c: ClueCell): Outcome {
  if (a.role !== 'leader' || !seesClue(a, c)) return [404, 'not_found'];
  return [422, c.assigned ? 'validation_failed:reason' : 'validation_failed:assigneeUserId'];
}

describe('access matrix: roles × regions × assignment × recusal × actions (clues and cases)', () => {
  let t: TestApp;
  let actors = new Map<Role, Actor>();
  const clues: ClueCell[] = [];
  let maxClueId = 0;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    await ensureOffice(t, REGIONS.granted);
    const users: { role: Role; id: number; username: string; password: string }[] = [];
    for (const role of ROLES) {
      const { user, password } = await createUser(t, { roles: [role], scopeRegionCode: REGIONS.own });
      await grantRegion(t, user.id, REGIONS.granted);
      await linkUserPerson(t, user.id, `职员${role}`);
      users.push({ role, id: user.id, username: user.username, password });
    }
    const cluesService = t.app.get(CluesService);
    for (const u of users) {
      for (const region of REGION_KEYS) {
        for (const assigned of [false, true]) {
          for (const recused of [false, true]) {
            const clue = await t.ds.transaction((m) => cluesService.createClue(m, { source: 'other', regionCode: REGIONS[region], summary: '矩阵测试线索', actorUserId: null, reason: '矩阵测试' }));
            if (assigned) await t.ds.query(`UPDATE clues SET assigned_user_id = ${u.id} WHERE id = ${clue.id}`);
            if (recused) await t.ds.getRepository(ClueRecusal).insert({ userId: u.id, clueId: clue.id, kind: 'declared', byUserId: u.id, reason: null, createdAt: new Date() });
            clues.push({ id: clue.id, owner: u.id, region, assigned, recused });
            maxClueId = Math.max(maxClueId, clue.id);
          }
        }
      }
    }
    // Sign in last: grants end sessions opened before them.
    actors = await signInByRole(t, users);
  }, 600_000);
  afterAll(async () => t?.close());

  /** Every clue id of the work list (status=all), all pages; null when the list itself answers 404. */
  async function listAll(a: Actor): Promise<number[] | null> {
    const ids: number[] = [];
    for (let page = 1; ; page++) {
      const res = await a.agent.get('/api/v1/matters').query({ status: 'all', page });
      if (res.status === 404) return null;
      expect(res.status).toBe(200);
      ids.push(...res.body.items.map((i: { id: number }) => i.id));
      if (page * res.body.pageSize >= res.body.total) {
        expect(ids.length).toBe(res.body.total);
        return ids;
      }
    }
  }

  describe.each(ROLES.map((r) => [r]))('%s', (role) => {
    it('clues: list, read, propose disposal, identify a subject and assign, per cell', async () => {
      const a = actors.get(role)!;
      const listed = await listAll(a);
      if (!CLUE_READERS.has(role)) expect(listed).toBeNull();
      const listedSet = new Set(listed ?? []);
      const wrong: string[] = [];
      let cells = 0;
      const post = (path: string, body: Record<string, unknown>) => a.agent.post(path).set('X-CSRF-Token', a.csrf).send(body);
      for (const c of clues.filter((x) => x.owner === a.id)) {
        const where = `${c.region}/${c.assigned ? 'assigned' : 'unassigned'}/${c.recused ? 'recused' : 'free'} #${c.id}`;
        const sees = seesClue(a, c);
        const check = (action: string, got: Outcome, want: Outcome) => {
          cells += 1;
          if (got[0] !== want[0] || got[1] !== want[1]) wrong.push(`${action} ${where}: got ${got.join(' ')}, want ${want.join(' ')}`);
        };
        check('list', [listed ? 200 : 404, listedSet.has(c.id) ? 'listed' : 'absent'], [CLUE_READERS.has(role) ? 200 : 404, sees ? 'listed' : 'absent']);
        const [detail, propose, subject, assign] = await Promise.all([
          a.agent.get(`/api/v1/matters/${c.id}`),
          post(`/api/v1/matters/${c.id}/transitions`, { action: 'propose_disposal', method: 'held' }),
          post(`/api/v1/matters/${c.id}/subjects/999999`, { partyMember: true }),
          post(`/api/v1/matters/${c.id}/assign`, { assigneeUserId: 999999 }),
        ]);
        // A 422 also names the refused field(s), so it is the validation step named above that stopped the probe.
        const code = (res: request.Response): string | null =>
          res.status === 200 ? null : res.status === 422 ? `${res.body?.error?.code}:${Object.keys(res.body?.error?.fields ?? {}).join(',')}` : (res.body?.error?.code ?? null);
        check('read', [detail.status, code(detail)], sees ? [200, null] : [404, 'not_found']);
        check('propose', [propose.status, code(propose)], proposeOutcome(a, c));
        check('subject', [subject.status, code(subject)], subjectOutcome(a, c));
        check('assign', [assign.status, code(assign)], assignOutcome(a, c));
      }
      expect(wrong).toEqual([]);
      expect(cells).toBe(REGION_KEYS.length * 2 * 2 * 5);
    });

    it('negative suite: the listed clues are exactly those whose detail answers 200; every other id, guessed ones included, is 404', async () => {
      const a = actors.get(role)!;
      const listed = (await listAll(a)) ?? [];
      const open: number[] = [];
      for (let from = 1; from <= maxClueId + 3; from += 10) {
        const ids = Array.from({ length: Math.min(10, maxClueId + 3 - from + 1) }, (_, i) => from + i);
        const answers = await Promise.all(ids.map((id) => a.agent.get(`/api/v1/matters/${id}`)));
        answers.forEach((res, i) => {
          expect([200, 404]).toContain(res.status);
          if (res.status === 200) open.push(ids[i]);
        });
      }
      // A clue of another user's row is visible too when in scope: recusal is per user (only the owner's cells are recused).
      const expected = clues.filter((c) => CLUE_READERS.has(role) && IN_SCOPE.has(c.region) && !(c.recused && c.owner === a.id)).map((c) => c.id);
      expect([...listed].sort((x, y) => x - y)).toEqual(open);
      expect(open).toEqual(expected);
    });
  });
});
