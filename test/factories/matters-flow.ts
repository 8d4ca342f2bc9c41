import request from 'supertest';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import type { TestApp } from '../utils/create-test-app.js';
import { knownCaptcha, tipoff as publicTipoff } from './reports.js';
import { insertTipoff, staff } from './intake.js';

export type Staff = Awaited<ReturnType<typeof staff>>;

/** The cast of a matter in the county 衡阳县 (430421): intake officer, two handlers, two leaders, a trial reviewer. */
export async function matterCast(t: TestApp, scope = '430421000000') {
  return {
    officer: await staff(t, scope, ['intake_officer']),
    handler: await staff(t, scope, ['case_handler']),
    handler2: await staff(t, scope, ['case_handler']),
    leader: await staff(t, scope, ['leader']),
    leader2: await staff(t, scope, ['leader']),
    reviewer: await staff(t, scope, ['trial_reviewer']),
  };
}
export type Cast = Awaited<ReturnType<typeof matterCast>>;

/** POST with the CSRF header. */
export function post(s: Staff, path: string, body: object = {}): request.Test {
  return s.agent.post(path).set('X-CSRF-Token', s.csrfToken).send(body);
}

/** POST /api/v1/matters/:id/transitions. */
export function transition(s: Staff, clueId: number, body: Record<string, unknown>): request.Test {
  return post(s, `/api/v1/matters/${clueId}/transitions`, body);
}

/** Submits a fixture tip-off through the public JSON API (real reporter identity when real-name). */
export async function submitPublic(t: TestApp, id: string, client: string): Promise<{ reportId: number; receiptCode: string }> {
  const { id: _id, expect: _e, ...body } = publicTipoff(id);
  const res = await request(t.server)
    .post('/api/v1/reports')
    .set('X-Forwarded-For', client)
    .send({ ...body, ...(await knownCaptcha(t)) });
  if (res.status !== 201) throw new Error(`submission of ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  const [{ id: reportId }] = await t.ds.query('SELECT MAX(id) AS id FROM reports');
  return { reportId: Number(reportId), receiptCode: String(res.body.receiptCode) };
}

/** Accepts report `reportId` as the officer; returns the clue it created (or joined, with `clueId`). */
export async function accept(c: Cast, reportId: number, clueId?: number): Promise<number> {
  const res = await post(c.officer, `/api/v1/intake/reports/${reportId}/accept`, clueId ? { clueId } : {});
  if (res.status !== 200) throw new Error(`accept answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.clueId as number;
}

/** Assigns the clue to the handler (leader). */
export async function assign(c: Cast, clueId: number, handler = c.handler): Promise<void> {
  const res = await post(c.leader, `/api/v1/matters/${clueId}/assign`, { assigneeUserId: handler.user.id });
  if (res.status !== 200) throw new Error(`assign answered ${res.status}: ${JSON.stringify(res.body)}`);
}

/** Handler proposes `method`, leader approves it: the clue enters the method's state. */
export async function dispose(c: Cast, clueId: number, method: string, extra: Record<string, unknown> = {}): Promise<void> {
  const p = await transition(c.handler, clueId, { action: 'propose_disposal', method, reasoning: '反映问题具体，有可查性' });
  if (p.status !== 200) throw new Error(`propose answered ${p.status}: ${JSON.stringify(p.body)}`);
  const a = await transition(c.leader, clueId, { action: 'approve_disposal', reason: '同意', ...extra });
  if (a.status !== 200) throw new Error(`approve answered ${a.status}: ${JSON.stringify(a.body)}`);
}

/** The audit actions recorded about a clue, oldest first. */
export async function clueAudit(t: TestApp, clueId: number): Promise<string[]> {
  return (await t.ds.getRepository(AuditEvent).find({ where: { recordType: 'clue', recordId: String(clueId) }, order: { id: 'ASC' } })).map((a) => a.action);
}

/** A clue of fixture tip-off `tip` taken to `trial` (verification, filing approved, investigation with handler2); returns its id. */
export async function clueInTrial(t: TestApp, c: Cast, tip: string): Promise<number> {
  const id = await accept(c, (await insertTipoff(t, tip)).id);
  await assign(c, id);
  await dispose(c, id, 'preliminary_verification');
  const p = await transition(c.handler, id, { action: 'file_case', verificationReport: '初核属实', filingDecision: '立案' });
  if (p.status !== 200) throw new Error(`file_case answered ${p.status}: ${JSON.stringify(p.body)}`);
  await post(c.leader, `/api/v1/matters/${id}/proposals/${p.body.proposalId}/approve`).expect(200);
  await transition(c.handler, id, { action: 'start_investigation', investigationPlan: '调查方案', coHandlerUserId: c.handler2.user.id }).expect(200);
  await transition(c.handler, id, { action: 'submit_for_trial', investigationReport: '调查报告' }).expect(200);
  return id;
}

/** POST an HTML form (urlencoded, `_csrf` field) as the pages do. */
export function form(s: Staff, path: string, body: Record<string, string> = {}): request.Test {
  return s.agent.post(path).type('form').send({ _csrf: s.csrfToken, ...body });
}
