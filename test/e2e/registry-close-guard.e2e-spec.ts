import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml } from '../utils/login-as.js';
import { Household } from '../../src/registry/entities/household.entity.js';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { RegistryImportsService } from '../../src/registry/imports/registry-imports.service.js';
import { registryImportCommand } from '../../src/registry/registry.cli.js';
import { FIXTURES, ROSTER_SCOPE, importFile, loginSession, readCsv, writeCsv, type Session } from './registry-support.js';

const fx = (name: string) => join(FIXTURES, name);
const TOWNSHIP = { regionPrefix: '430421101', programme: '农村低保' };

/**
 * A roster import closes the households its month no longer lists only when it accepted a household
 * and would close at most ROSTER_CLOSE_MAX_SHARE (20 %) of the scope's open households; otherwise it
 * closes nothing until someone confirms (page, API, or --confirm-close on the command line).
 */
describe('registry roster import: the closing guard', () => {
  let t: TestApp;
  let clerk: Session;
  const tmp = mkdtempSync(join(tmpdir(), 'qf-registry-close-'));
  const rows = readCsv(fx('roster.csv'));
  const township = rows.slice(1).filter((r) => r[1].startsWith('430421101') && !['H90', 'H91', 'H92'].includes(r[0]));

  const activeIn = async (prefix: string) =>
    t.ds.getRepository(Household).createQueryBuilder('h').where('h.status = :a AND h.region_code LIKE :p', { a: 'active', p: `${prefix}%` }).getCount();

  beforeAll(async () => {
    t = await createTestApp();
    clerk = await loginSession(t, ['registry_clerk'], '430421000000');
    await importFile(t, 'roster', fx('roster.csv'), ROSTER_SCOPE);
  });
  afterAll(async () => t?.close());

  it('a file whose rows are all rejected closes nothing, says so, and closes only after the confirm step on the page', async () => {
    const open = await activeIn('430421101');
    expect(open).toBeGreaterThan(5);
    // The reviewer's case: a 2-row February file for township 430421101, both rows rejected (bad ID numbers).
    const bad = township.slice(0, 2).map((r) => r.map((c, i) => (i === 3 ? '123' : c)));
    const job = await importFile(t, 'roster', writeCsv(join(tmp, 'feb-bad.csv'), [rows[0], ...bad]), { ...TOWNSHIP, month: '2025-02' });
    expect([job.acceptedRows, job.rejectedRows, job.closedHouseholds]).toEqual([0, 2, 0]);
    expect(job.notice).toMatch(/没有接收任何家庭.*未关闭任何家庭/);
    expect(await activeIn('430421101')).toBe(open);
    const pending = await t.app.get(RegistryImportsService).pendingClosures(job);
    expect(pending).toBe(open - 2);
    const audit = await t.ds.getRepository(AuditEvent).findOneByOrFail({ action: 'registry.import.finish', recordId: String(job.id) } as never);
    expect(JSON.parse(audit.details!)).toMatchObject({ closedHouseholds: 0, closeHeld: pending });

    // The API reports what is held.
    const status = await clerk.agent.get(`/api/v1/registry/imports/${job.id}`);
    expect([status.status, status.body.closedHouseholds, status.body.pendingClosures]).toEqual([200, 0, pending]);

    // The job page offers the confirm step; without the CSRF token it is refused.
    const page = await clerk.agent.get(`/staff/registry/imports/${job.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('未关闭任何家庭');
    expect(page.text).toContain(`action="/staff/registry/imports/${job.id}/confirm-close"`);
    expect((await clerk.agent.post(`/staff/registry/imports/${job.id}/confirm-close`).type('form').send({})).status).toBe(403);
    expect(await activeIn('430421101')).toBe(open);
    const confirmed = await clerk.agent.post(`/staff/registry/imports/${job.id}/confirm-close`).type('form').send({ _csrf: csrfFromHtml(page.text) });
    expect([confirmed.status, confirmed.headers.location]).toEqual([303, `/staff/registry/imports/${job.id}`]);
    expect(await activeIn('430421101')).toBe(2);
    const after = await t.app.get(RegistryImportsService).getJob(job.id);
    expect(after.closedHouseholds).toBe(pending);
    expect(await t.ds.getRepository(AuditEvent).countBy({ action: 'registry.import.confirm_close' })).toBe(1);
    // Nothing left to confirm: the API answers 409, the page no longer offers the step.
    const again = await clerk.agent.post(`/api/v1/registry/imports/${job.id}/confirm-close`).set('X-CSRF-Token', clerk.csrf);
    expect([again.status, again.body.error?.code]).toEqual([409, 'nothing_to_close']);
    expect((await clerk.agent.get(`/staff/registry/imports/${job.id}`)).text).not.toContain('confirm-close');
  });

  it('a file that would close more than 20 % of the open households is held; the API confirms it; a small closing is not held', async () => {
    // A full March roster of the township lists every household again: the closed ones reopen.
    const march = await importFile(t, 'roster', writeCsv(join(tmp, 'mar.csv'), [rows[0], ...township.map((r) => [...r])]), { ...TOWNSHIP, month: '2025-03' });
    expect(march.closedHouseholds).toBe(0);
    const open = await activeIn('430421101');
    const households = [...new Set(township.map((r) => r[0]))];
    expect(open).toBe(households.length);
    // April keeps only the first two households: most would close → held.
    const keep = new Set(households.slice(0, 2));
    const april = await importFile(t, 'roster', writeCsv(join(tmp, 'apr.csv'), [rows[0], ...township.filter((r) => keep.has(r[0]))]), { ...TOWNSHIP, month: '2025-04' });
    expect([april.acceptedGroups, april.closedHouseholds]).toEqual([2, 0]);
    expect(april.notice).toMatch(/将关闭 \d+ 户.*超过 20%.*未关闭任何家庭/);
    expect(await activeIn('430421101')).toBe(open);
    const res = await clerk.agent.post(`/api/v1/registry/imports/${april.id}/confirm-close`).set('X-CSRF-Token', clerk.csrf);
    expect([res.status, res.body.closedHouseholds]).toEqual([200, open - 2]);
    expect(await activeIn('430421101')).toBe(2);
    // Outside the clerk's scope: 404.
    const outsider = await loginSession(t, ['registry_clerk'], '430422000000');
    expect((await outsider.agent.post(`/api/v1/registry/imports/${april.id}/confirm-close`).set('X-CSRF-Token', outsider.csrf)).status).toBe(404);
  });

  it('a superseded held job can no longer be confirmed; the command line closes with --confirm-close', async () => {
    const all = [...new Set(township.map((r) => r[0]))];
    const may = await importFile(t, 'roster', writeCsv(join(tmp, 'may.csv'), [rows[0], ...township]), { ...TOWNSHIP, month: '2025-05' });
    expect(may.closedHouseholds).toBe(0);
    expect(await activeIn('430421101')).toBe(all.length);
    const keep = new Set(all.slice(0, 1));
    const june = writeCsv(join(tmp, 'jun.csv'), [rows[0], ...township.filter((r) => keep.has(r[0]))]);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const args = ['roster', june, '--scope', '430421101', '--programme', '农村低保', '--month', '2025-06'];
    expect(await registryImportCommand(t.app, args, io)).toBe(0);
    expect(lines.join('\n')).toMatch(/closed households: 0[\s\S]*未关闭任何家庭/);
    const heldJob = (await t.app.get(RegistryImportsService).recentJobs('430421101', 1))[0];
    expect(await activeIn('430421101')).toBe(all.length);
    expect(await registryImportCommand(t.app, [...args, '--confirm-close'], io)).toBe(0);
    expect(lines.join('\n')).toMatch(new RegExp(`closed households: ${all.length - 1}`));
    expect(await activeIn('430421101')).toBe(1);
    // The earlier held job is superseded by the later import: nothing to confirm.
    expect(await t.app.get(RegistryImportsService).pendingClosures(heldJob)).toBe(0);
    const res = await clerk.agent.post(`/api/v1/registry/imports/${heldJob.id}/confirm-close`).set('X-CSRF-Token', clerk.csrf);
    expect(res.status).toBe(409);
  });
});
