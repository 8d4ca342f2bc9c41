/**
 * The permission matrix of issue 3 (access control), table-driven and asserted through the HTTP API:
 * every role × region {own, child, parent, other county, granted (指定管辖)} × assignment {none, to the
 * user, to someone else} × {recused, not recused} × each action on reports (list, count, read detail,
 * each intake action, message, assign), and every role × region × {recused, not} × each action on
 * findings (list, count, read, dismiss). Then, per role, a sweep over every id (and ids that do not
 * exist): the ids a role lists are exactly those whose detail answers 200 — the SQL scope and the
 * ability agree — and everything else, guessed ids included, answers 404.
 *
 * The data set is built once; each role signs in once. Actions are probed without changing state:
 * reports are `accepted` and anonymous, so an allowed intake action answers 409 `invalid_state` after
 * the access checks, a refused one 404 (or 409 `not_assignee` when assigned to someone else); an
 * allowed `assign` to an ineligible user answers 422; findings are `dismissed`, so an allowed dismiss
 * answers 409 `finding_not_open`.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type request from 'supertest';
import { ROLES, type Role } from '../../src/users/entities/user.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { loginAs } from '../utils/login-as.js';
import { createUser } from '../factories/users.js';
import { ensureIntakeOffices, ensureOffice, insertReport } from '../factories/intake.js';
import { grantRegion, insertFinding, insertKin, insertPerson, insertRecusal, linkUserPerson } from '../factories/access.js';

const REGIONS = { own: '430421000000', child: '430421101200', parent: '430400000000', other: '430422000000', granted: '430423000000' } as const;
type RegionKey = keyof typeof REGIONS;
const REGION_KEYS = Object.keys(REGIONS) as RegionKey[];
const IN_SCOPE: ReadonlySet<RegionKey> = new Set(['own', 'child', 'granted']);
type Assignment = 'none' | 'me' | 'other';
const ASSIGNMENTS: Assignment[] = ['none', 'me', 'other'];

const REPORT_READERS: ReadonlySet<Role> = new Set(['intake_officer', 'leader']);
const FINDING_READERS: ReadonlySet<Role> = new Set(['registry_clerk', 'case_handler']);

interface Actor {
  role: Role;
  id: number;
  agent: request.Agent;
  csrf: string;
}
interface ReportCell {
  id: number;
  token: string;
  owner: number;
  region: RegionKey;
  assignment: Assignment;
  recused: boolean;
}
interface FindingCell {
  id: number;
  owner: number;
  region: RegionKey;
  regionCode: string;
  recused: boolean;
}

/** The intake actions with a body that passes validation (so only access and state decide). */
const INTAKE_ACTIONS: { name: string; path: string; body: Record<string, unknown> }[] = [
  { name: 'accept', path: 'accept', body: {} },
  { name: 'decline', path: 'decline', body: { ground: 'out_of_scope', reason: '矩阵测试' } },
  { name: 'forward', path: 'forward', body: { toOfficeId: 1, reason: '矩阵测试' } },
  { name: 'referOut', path: 'refer-out', body: { organ: 'civil_affairs', reason: '矩阵测试' } },
  { name: 'markRepeat', path: 'mark-repeat', body: { repeatOfId: 999999 } },
  { name: 'acknowledge', path: 'acknowledge', body: { message: '矩阵测试' } },
];

/** What a role may see of a report. */
function seesReport(a: Actor, c: Pick<ReportCell, 'region' | 'recused' | 'owner'>): boolean {
  return REPORT_READERS.has(a.role) && IN_SCOPE.has(c.region) && !(c.recused && c.owner === a.id);
}

/** Expected status (and error code) of an intake action (or message) on a report. */
function intakeOutcome(a: Actor, c: ReportCell, allowedStatus: number, allowedCode: string | null): [number, string | null] {
  if (!seesReport(a, c)) return [404, 'not_found'];
  if (a.role === 'intake_officer' && c.assignment === 'other' && c.owner === a.id) return [409, 'not_assignee'];
  return [allowedStatus, allowedCode];
}

/** Ids 1..`last` whose detail under `base` answers 200 (every other answer must be 404), 10 requests at a time. */
async function sweep(a: Actor, base: string, last: number): Promise<number[]> {
  const open: number[] = [];
  for (let from = 1; from <= last; from += 10) {
    const ids = Array.from({ length: Math.min(10, last - from + 1) }, (_, i) => from + i);
    const answers = await Promise.all(ids.map((id) => a.agent.get(`${base}/${id}`)));
    answers.forEach((res, i) => {
      expect([200, 404]).toContain(res.status);
      if (res.status === 200) open.push(ids[i]);
    });
  }
  return open;
}

describe('access matrix: roles × regions × assignment × recusal × actions (reports and findings)', () => {
  let t: TestApp;
  const actors = new Map<Role, Actor>();
  const reports: ReportCell[] = [];
  const findings: FindingCell[] = [];
  let adminId = 0;
  let maxReportId = 0;
  let maxFindingId = 0;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureIntakeOffices(t);
    await ensureOffice(t, REGIONS.granted);
    const other = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: REGIONS.own });
    const users: { role: Role; id: number; username: string; password: string }[] = [];
    for (const role of ROLES) {
      const { user, password } = await createUser(t, { roles: [role], scopeRegionCode: REGIONS.own });
      if (role === 'admin') adminId = user.id;
      await grantRegion(t, user.id, REGIONS.granted);
      await linkUserPerson(t, user.id, `职员${role}`);
      users.push({ role, id: user.id, username: user.username, password });
    }
    let n = 0;
    for (const u of users) {
      const personId = (await t.ds.query(`SELECT person_id AS p FROM users WHERE id = ${u.id}`))[0].p as number;
      for (const region of REGION_KEYS) {
        for (const assignment of ASSIGNMENTS) {
          for (const recused of [false, true]) {
            n += 1;
            const token = `MX${String(n).padStart(4, '0')}Z`;
            const r = await insertReport(t, { regionCode: REGIONS[region], status: 'accepted', anonymous: true, subjects: [{ name: token }] });
            const assignedUserId = assignment === 'none' ? null : assignment === 'me' ? u.id : other.user.id;
            if (assignedUserId !== null) await t.ds.query(`UPDATE reports SET assigned_user_id = ${assignedUserId} WHERE id = ${r.id}`);
            if (recused) await insertRecusal(t, u.id, r.id);
            reports.push({ id: r.id, token, owner: u.id, region, assignment, recused });
            maxReportId = Math.max(maxReportId, r.id);
          }
        }
        for (const recused of [false, true]) {
          // Recused: the official is the user's declared sibling (近亲属, default set).
          let officialPersonId: number | undefined;
          if (recused) {
            officialPersonId = await insertPerson(t, `亲属${u.role}${region}`);
            await insertKin(t, personId, officialPersonId, 'sibling');
          }
          const code = REGIONS[region];
          const f = await insertFinding(t, { regionCode: code, status: 'dismissed', officialPersonId });
          findings.push({ id: f.id, owner: u.id, region, regionCode: code, recused });
          maxFindingId = Math.max(maxFindingId, f.id);
        }
      }
    }
    // Sign in last: grants end sessions opened before them.
    for (const u of users) {
      const s = await loginAs(t, u.username, u.password);
      actors.set(u.role, { role: u.role, id: u.id, agent: s.agent, csrf: s.csrfToken });
    }
  }, 600_000);
  afterAll(async () => t?.close());

  describe.each(ROLES.map((r) => [r]))('%s', (role) => {
    it('reports: list, count, read, every intake action, message and assign, per cell', async () => {
      const a = actors.get(role)!;
      const wrong: string[] = [];
      let cells = 0;
      for (const c of reports.filter((x) => x.owner === a.id)) {
        const where = `${c.region}/${c.assignment}/${c.recused ? 'recused' : 'free'} #${c.id}`;
        const sees = seesReport(a, c);
        const check = (action: string, got: [number, string | null], want: [number, string | null]) => {
          cells += 1;
          if (got[0] !== want[0] || got[1] !== want[1]) wrong.push(`${action} ${where}: got ${got.join(' ')}, want ${want.join(' ')}`);
        };
        // list + count: the report's unique subject token finds it (total 1) or nothing (total 0).
        const list = await a.agent.get('/api/v1/intake/reports').query({ status: 'all', q: c.token });
        if (REPORT_READERS.has(role)) {
          check('list', [list.status, list.body.items.some((i: { id: number }) => i.id === c.id) ? 'listed' : 'absent'], [200, sees ? 'listed' : 'absent']);
          check('count', [list.status, String(list.body.total)], [200, sees ? '1' : '0']);
        } else {
          check('list', [list.status, list.body?.error?.code ?? null], [404, 'not_found']);
          check('count', [list.status, list.body?.error?.code ?? null], [404, 'not_found']);
        }
        const detail = await a.agent.get(`/api/v1/intake/reports/${c.id}`);
        check('read', [detail.status, detail.status === 200 ? null : (detail.body?.error?.code ?? null)], sees ? [200, null] : [404, 'not_found']);
        // The actions of one report run concurrently (none changes what the others see).
        const post = (path: string, body: Record<string, unknown>) => a.agent.post(`/api/v1/intake/reports/${c.id}/${path}`).set('X-CSRF-Token', a.csrf).send(body);
        const [acts, msg, assign] = await Promise.all([
          Promise.all(INTAKE_ACTIONS.map((act) => post(act.path, act.body))),
          post('messages', { message: '请补充村委会公示的照片。' }),
          post('assign', { userId: adminId, reason: '矩阵测试改派' }),
        ]);
        INTAKE_ACTIONS.forEach((act, i) => check(act.name, [acts[i].status, acts[i].body?.error?.code ?? null], intakeOutcome(a, c, 409, 'invalid_state')));
        check('message', [msg.status, msg.body?.error?.code ?? null], intakeOutcome(a, c, 201, null));
        check('assign', [assign.status, assign.body?.error?.code ?? null], role === 'leader' && sees ? [422, 'validation_failed'] : [404, 'not_found']);
      }
      expect(wrong).toEqual([]);
      expect(cells).toBe(REGION_KEYS.length * ASSIGNMENTS.length * 2 * (5 + INTAKE_ACTIONS.length));
    });

    it('findings: list, count, read and dismiss, per cell', async () => {
      const a = actors.get(role)!;
      const reads = FINDING_READERS.has(role);
      const wrong: string[] = [];
      const list = await a.agent.get('/api/v1/registry/findings').query({ status: 'dismissed', minScore: 0, pageSize: 200 });
      const counts = await a.agent.get('/api/v1/registry/findings/counts').query({ status: 'dismissed', minScore: 0 });
      if (!reads) {
        expect([list.status, counts.status]).toEqual([404, 404]);
      } else {
        expect([list.status, counts.status]).toEqual([200, 200]);
      }
      const listed = new Set<number>(reads ? list.body.items.map((i: { id: number }) => i.id) : []);
      const perVillage = new Map<string, number>(reads ? counts.body.villages.map((v: { regionCode: string; count: number }) => [v.regionCode, v.count]) : []);
      const visible = (f: FindingCell) => reads && IN_SCOPE.has(f.region) && !(f.recused && f.owner === a.id);
      for (const f of findings.filter((x) => x.owner === a.id)) {
        const where = `${f.region}/${f.recused ? 'recused' : 'free'} #${f.id}`;
        if (listed.has(f.id) !== visible(f)) wrong.push(`list ${where}: ${listed.has(f.id) ? 'listed' : 'absent'}`);
        const want = findings.filter((x) => x.regionCode === f.regionCode && visible(x)).length;
        if ((perVillage.get(f.regionCode) ?? 0) !== want) wrong.push(`count ${where}: ${perVillage.get(f.regionCode) ?? 0} != ${want}`);
        const detail = await a.agent.get(`/api/v1/registry/findings/${f.id}`);
        if (detail.status !== (visible(f) ? 200 : 404)) wrong.push(`read ${where}: ${detail.status}`);
        const dismiss = await a.agent.post(`/api/v1/registry/findings/${f.id}/dismiss`).set('X-CSRF-Token', a.csrf).send({ reason: '矩阵测试排除' });
        const wantDismiss = visible(f) ? [409, 'finding_not_open'] : [404, 'not_found'];
        if (dismiss.status !== wantDismiss[0] || dismiss.body?.error?.code !== wantDismiss[1]) wrong.push(`dismiss ${where}: ${dismiss.status} ${dismiss.body?.error?.code}`);
      }
      expect(wrong).toEqual([]);
    });

    it('negative suite: the listed reports and findings are exactly those whose detail answers 200; every other id, guessed ones included, is 404', async () => {
      const a = actors.get(role)!;
      // Reports: every page of the whole inbox.
      const listed: number[] = [];
      if (REPORT_READERS.has(role)) {
        for (let page = 1; ; page++) {
          const res = await a.agent.get('/api/v1/intake/reports').query({ status: 'all', page }).expect(200);
          listed.push(...res.body.items.map((i: { id: number }) => i.id));
          if (page * res.body.pageSize >= res.body.total) {
            expect(listed.length).toBe(res.body.total);
            break;
          }
        }
      } else {
        await a.agent.get('/api/v1/intake/reports').expect(404);
      }
      const open = await sweep(a, '/api/v1/intake/reports', maxReportId + 3);
      const expected = reports.filter((c) => seesReport(a, c)).map((c) => c.id);
      expect([...listed].sort((x, y) => x - y)).toEqual(open);
      expect(open).toEqual(expected);

      const flisted: number[] = [];
      if (FINDING_READERS.has(role)) {
        const res = await a.agent.get('/api/v1/registry/findings').query({ minScore: 0, pageSize: 200 }).expect(200);
        flisted.push(...res.body.items.map((i: { id: number }) => i.id));
        expect(flisted.length).toBe(res.body.total);
      }
      const fopen = await sweep(a, '/api/v1/registry/findings', maxFindingId + 3);
      const fexpected = findings.filter((f) => FINDING_READERS.has(role) && IN_SCOPE.has(f.region) && !(f.recused && f.owner === a.id)).map((f) => f.id);
      expect([...flisted].sort((x, y) => x - y)).toEqual(fopen);
      expect(fopen).toEqual(fexpected);
    });
  });
});
