import 'reflect-metadata';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { ImportWorker } from '../../src/registry/imports/import-worker.js';
import { registryImportCommand, registryMatchCommand } from '../../src/registry/registry.cli.js';
import { EXPECTED, FIXTURES, expectedFindingKeys, readCsv, writeCsv, loginRegistryActors, type Session } from './registry-support.js';

const fx = (name: string) => join(FIXTURES, name);
const API = '/api/v1/registry';

describe('registry API (/api/v1/registry)', () => {
  let t: TestApp;
  let clerk: Session;
  let handler: Session;
  let outsider: Session;
  let intake: Session;
  let rosterJobId: number;
  const tmp = mkdtempSync(join(tmpdir(), 'qf-registry-api-'));


  const upload = (s: Session, kind: string, path: string, fields: Record<string, string>) => {
    let req = s.agent.post(`${API}/imports`).set('X-CSRF-Token', s.csrf).field('kind', kind);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req.attach('file', path);
  };

  const uploadAndWait = async (kind: string, path: string, fields: Record<string, string>) => {
    const res = await upload(clerk, kind, path, fields);
    expect([res.status, res.body.status]).toEqual([202, 'queued']);
    await t.app.get(ImportWorker).idle();
    const status = await clerk.agent.get(`${API}/imports/${res.body.id}`);
    expect([status.status, status.body.status]).toEqual([200, 'succeeded']);
    return status.body;
  };

  beforeAll(async () => {
    t = await createTestApp();
    ({ clerk, handler, outsider, intake } = await loginRegistryActors(t));
  });
  afterAll(async () => t?.close());

  it('is closed to anonymous callers (401) and to other roles (404)', async () => {
    expect((await request(t.server).get(`${API}/findings`)).status).toBe(401);
    expect((await intake.agent.get(`${API}/findings`)).status).toBe(404);
    expect((await handler.agent.get(`${API}/imports/1`)).status).toBe(404);
  });

  it('refuses an upload without the CSRF token, outside the scope, or with missing columns', async () => {
    const noToken = await clerk.agent.post(`${API}/imports`).field('kind', 'officials').field('regionPrefix', '430421').attach('file', fx('officials.csv'));
    expect([noToken.status, noToken.body.error?.code]).toEqual([403, 'csrf_invalid']);
    const outside = await upload(clerk, 'officials', fx('officials.csv'), { regionPrefix: '430422' });
    expect([outside.status, Object.keys(outside.body.error.fields)]).toEqual([422, ['regionPrefix']]);
    const wrong = await upload(clerk, 'roster', fx('approvals.csv'), { regionPrefix: '430421', programme: '农村低保', month: '2025-01' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.fields.columnMap).toMatch(/缺少必需的列：区划代码、姓名、身份证号码、月保障金额\(元\)/);
    const byHandler = await upload(handler, 'officials', fx('officials.csv'), { regionPrefix: '430421' });
    expect(byHandler.status).toBe(404);
  });

  it('imports the sample through uploads run by the worker, with status, rejections and a report', async () => {
    await uploadAndWait('officials', fx('officials.csv'), { regionPrefix: '430421' });
    await uploadAndWait('kin', fx('kin-declarations.csv'), { regionPrefix: '430421' });
    // Headers that differ from the standard ones go through the column mapping.
    const rows = readCsv(fx('roster-gbk.csv'), 'gbk');
    rows[0] = rows[0].map((h) => (h === '身份证号码' ? '证件号码' : h));
    const renamed = writeCsv(join(tmp, '名册.csv'), rows);
    const roster = await uploadAndWait('roster', renamed, { regionPrefix: '430421', programme: '农村低保', month: '2025-01', columnMap: JSON.stringify({ idNumber: '证件号码' }) });
    rosterJobId = roster.id;
    expect(roster.fileName).toBe('名册.csv');
    expect([roster.progress, roster.acceptedGroups, roster.rejectedRows]).toEqual([100, 31, 3]);
    const e = EXPECTED.rejected_roster_rows;
    expect(roster.rejections.map((r: { rowNo: number; group: string; codes: string[] }) => [r.rowNo, r.group, r.codes[0]])).toEqual(
      e.spreadsheet_rows_header_is_row_1.map((row, i) => [row, e.households[i], e.reason_codes[i]]),
    );
    await uploadAndWait('approvals', fx('approvals.csv'), { regionPrefix: '430421' });

    const report = await clerk.agent.get(`${API}/imports/${rosterJobId}/report.csv`);
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toMatch(/text\/csv/);
    expect(report.text).toContain('34,H90,拒收,id_spreadsheet_damaged');
    expect(report.text).not.toMatch(/\d{15}/);
  });

  it('runs the match and lists exactly the expected findings, with filters and counts per village', async () => {
    const run = await clerk.agent.post(`${API}/match`).set('X-CSRF-Token', clerk.csrf).send({ mode: 'full' });
    expect([run.status, run.body.created]).toEqual([201, EXPECTED.findings.length]);
    const list = await handler.agent.get(`${API}/findings`);
    expect(list.status).toBe(200);
    expect(list.headers['cache-control']).toBe('no-store');
    const keys = list.body.items.map((f: { type: string; official: { name: string }; household: { householdNo: string }; person: { name: string } }) => `${f.type}|${f.official.name}|${f.household.householdNo}|${f.person.name}`);
    expect(keys.sort()).toEqual(expectedFindingKeys());
    expect(JSON.stringify(list.body)).not.toMatch(/\d{17}[\dX]/);
    const recusal = await handler.agent.get(`${API}/findings?type=recusal_breach`);
    expect(recusal.body.items.map((f: { household: { householdNo: string } }) => f.household.householdNo)).toEqual(['H06']);
    const village = await handler.agent.get(`${API}/findings?region=430421101200`);
    expect(village.body.items.map((f: { household: { householdNo: string } }) => f.household.householdNo).sort()).toEqual(['H01', 'H02']);
    const counts = await handler.agent.get(`${API}/findings/counts`);
    expect(counts.body.villages).toEqual([
      { regionCode: '430421101000', count: 2 },
      { regionCode: '430421101200', count: 2 },
      { regionCode: '430421101206', count: 2 },
      { regionCode: '430421103200', count: 1 },
      { regionCode: '430421103204', count: 1 },
    ]);
    expect((await handler.agent.get(`${API}/findings?type=nonsense`)).status).toBe(422);
  });

  it('answers 404 for findings and jobs outside the user scope', async () => {
    const first = (await handler.agent.get(`${API}/findings`)).body.items[0];
    expect((await outsider.agent.get(`${API}/findings/${first.id}`)).status).toBe(404);
    expect((await outsider.agent.get(`${API}/findings`)).body.total).toBe(0);
    expect((await outsider.agent.get(`${API}/findings?region=430421`)).body.total).toBe(0);
    expect((await outsider.agent.get(`${API}/imports/${rosterJobId}`)).status).toBe(404);
    expect((await outsider.agent.get(`${API}/imports/${rosterJobId}/report.csv`)).status).toBe(404);
    expect((await outsider.agent.post(`${API}/findings/${first.id}/dismiss`).set('X-CSRF-Token', outsider.csrf).send({ reason: '不在辖区' })).status).toBe(404);
  });

  it('dismisses a finding with a reason; a later run keeps it dismissed', async () => {
    const list = (await handler.agent.get(`${API}/findings?type=undeclared_kin_suspected`)).body.items;
    const target = list.find((f: { household: { householdNo: string } }) => f.household.householdNo === 'H05');
    expect((await handler.agent.post(`${API}/findings/${target.id}/dismiss`).set('X-CSRF-Token', handler.csrf).send({})).status).toBe(422);
    // Invisible and bidi characters are stripped; a reason made only of them is refused.
    expect((await handler.agent.post(`${API}/findings/${target.id}/dismiss`).set('X-CSRF-Token', handler.csrf).send({ reason: '\u202E\u200B\u200B' })).status).toBe(422);
    const ok = await handler.agent.post(`${API}/findings/${target.id}/dismiss`).set('X-CSRF-Token', handler.csrf).send({ reason: '经核实为\u202E同村同名门牌，\u200B非亲属' });
    expect([ok.status, ok.body.status, ok.body.dismissReason]).toEqual([201, 'dismissed', '经核实为同村同名门牌，非亲属']);
    const again = await handler.agent.post(`${API}/findings/${target.id}/dismiss`).set('X-CSRF-Token', handler.csrf).send({ reason: '重复' });
    expect([again.status, again.body.error.code]).toEqual([409, 'finding_not_open']);
    await clerk.agent.post(`${API}/match`).set('X-CSRF-Token', clerk.csrf).send({ mode: 'full' });
    expect((await handler.agent.get(`${API}/findings/${target.id}`)).body.status).toBe('dismissed');
    const audit = await t.ds.query("SELECT action, reason FROM audit_events WHERE action = 'registry.finding.dismiss'");
    expect(audit).toEqual([{ action: 'registry.finding.dismiss', reason: '经核实为同村同名门牌，非亲属' }]);
  });

  it('turns a finding into a clue through the API: 404 outside scope, 409 when no longer open', async () => {
    const list = (await handler.agent.get(`${API}/findings?type=official_is_recipient`)).body.items;
    const id = list[0].id;
    expect((await outsider.agent.post(`${API}/findings/${id}/clue`).set('X-CSRF-Token', outsider.csrf).send({})).status).toBe(404);
    expect((await handler.agent.post(`${API}/findings/${id}/clue`).send({})).status).toBe(403);
    const long = await handler.agent.post(`${API}/findings/${id}/clue`).set('X-CSRF-Token', handler.csrf).send({ reason: '长'.repeat(501) });
    expect([long.status, Object.keys(long.body.error.fields)]).toEqual([422, ['reason']]);
    const ok = await clerk.agent.post(`${API}/findings/${id}/clue`).set('X-CSRF-Token', clerk.csrf).send({});
    expect([ok.status, ok.body.finding.status, typeof ok.body.clueId]).toEqual([201, 'turned_into_clue', 'number']);
    const [clue] = await t.ds.query('SELECT source, finding_id, status FROM clues WHERE id = ?', [ok.body.clueId]);
    expect([clue.source, Number(clue.finding_id), clue.status]).toEqual(['finding', id, 'registered']);
    const again = await handler.agent.post(`${API}/findings/${id}/clue`).set('X-CSRF-Token', handler.csrf).send({});
    expect([again.status, again.body.error.code]).toEqual([409, 'finding_not_open']);
    expect((await handler.agent.post(`${API}/findings/${id}/dismiss`).set('X-CSRF-Token', handler.csrf).send({ reason: '已转线索' })).status).toBe(409);
  });

  it('offers the same through the command-line functions', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l) };
    expect(await registryImportCommand(t.app, ['roster', fx('roster.csv'), '--scope', '430421', '--programme', '农村低保', '--month', '2025-01'], io)).toBe(0);
    expect(lines.join('\n')).toMatch(/拒收 rejected: 3 行/);
    expect(lines.join('\n')).toMatch(/第 34 行 row \[H90\]: id_spreadsheet_damaged/);
    expect(lines.join('\n')).toMatch(/月保障金额合计 \/ monthly total: 13840\.00 元/);
    expect(await registryMatchCommand(t.app, [], io)).toBe(0);
    expect(lines.at(-1)).toMatch(/新增 created 0; .* resolved 0/);
    expect(await registryImportCommand(t.app, ['roster', fx('roster.csv'), '--scope', '430421'], io)).toBe(1);
    expect(errors.join('\n')).toMatch(/validation_failed/);
    expect(await registryImportCommand(t.app, ['people', fx('roster.csv')], io)).toBe(2);
  });
});
