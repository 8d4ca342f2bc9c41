import 'reflect-metadata';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { MatcherService } from '../../src/registry/matcher.service.js';
import { RegistryImportsService } from '../../src/registry/imports/registry-imports.service.js';
import { RegistryService } from '../../src/registry/registry.service.js';
import { Finding } from '../../src/registry/entities/finding.entity.js';
import { Household } from '../../src/registry/entities/household.entity.js';
import { Person } from '../../src/registry/entities/person.entity.js';
import { PersonsService } from '../../src/registry/persons.service.js';
import type { ImportJob } from '../../src/registry/entities/import-job.entity.js';
import {
  ROSTER_SCOPE,
  EXPECTED,
  FIXTURES,
  expectExpectedFindings,
  expectExpectedRejections,
  findingKey,
  importFile,
  importSample,
  listFindings,
  readCsv,
  writeCsv,
  writeXlsx,
} from './registry-support.js';

const fx = (name: string) => join(FIXTURES, name);
const sampleFiles = (roster: string) => ({ officials: fx('officials.csv'), kin: fx('kin-declarations.csv'), roster, approvals: fx('approvals.csv') });

/** Σ of the monthly amounts of the accepted sample households, each household once, in fen (from the file text). */
function expectedAmountFen(): number {
  const rows = readCsv(fx('roster.csv')).slice(1);
  const rejected = new Set(EXPECTED.rejected_roster_rows.households);
  const perHousehold = new Map<string, string>();
  for (const r of rows) if (!rejected.has(r[0])) perHousehold.set(r[0], r[6]);
  return [...perHousehold.values()].reduce((n, yuan) => n + Number(yuan) * 100, 0);
}

describe('registry: the sample roster in UTF-8 with BOM', () => {
  let t: TestApp;
  let roster: ImportJob;
  const tmp = mkdtempSync(join(tmpdir(), 'qf-registry-'));

  beforeAll(async () => {
    t = await createTestApp();
    roster = await importSample(t, sampleFiles(fx('roster.csv')));
    await t.app.get(MatcherService).run();
  });
  afterAll(async () => t?.close());

  it('rejects exactly the rows of expected-findings.json (row numbers, households, reason codes) and stores none of them', async () => {
    expect(roster.encoding).toBe('utf-8');
    await expectExpectedRejections(t, roster);
    expect([roster.acceptedRows, roster.rejectedRows, roster.acceptedGroups, roster.rejectedGroups]).toEqual([32, 3, 31, 3]);
    const stored = await t.ds.getRepository(Household).find({ select: { householdNo: true } });
    expect(stored.some((h) => ['H90', 'H91', 'H92'].includes(h.householdNo))).toBe(false);
    // The damaged, wrong-check and impossible-date numbers of rows 34–36 never became persons.
    const names = (await t.ds.getRepository(Person).find({ select: { name: true } })).map((p) => p.name);
    expect(names.filter((n) => ['邓某', '钱某', '许某'].includes(n))).toEqual([]);
  });

  it('reports exactly the expected findings at the default review threshold and none of must_not_find', async () => {
    const listed = await expectExpectedFindings(t);
    const byKey = new Map(listed.map((f) => [findingKey(f), f]));
    const h01 = byKey.get('declared_kin_recipient|刘建国|H01|刘建民')!;
    const h02 = byKey.get('declared_kin_recipient|王志强|H02|王德福')!;
    expect(h01.explanation).toContain('未按近亲属备案');
    expect(h02.explanation).toContain('已按近亲属备案');
    expect(h01.score).toBeGreaterThan(h02.score);
    const recusal = byKey.get('recusal_breach|李明辉|H06|何秀珍')!;
    expect(recusal.explanation).toContain('入户调查（2024-12-10）');
    expect(recusal.explanation).toContain('审核（2024-12-20）');
    expect(recusal.evidence.filter((e) => e.signal === 'approval')).toHaveLength(2);
    const h04 = byKey.get('undeclared_kin_suspected|周国平|H04|周国强')!;
    expect(h04.evidence.map((e) => e.signal)).toEqual(expect.arrayContaining(['same_register', 'same_address', 'same_surname']));
    expect(h04.explanation).toContain('R-2001');
    const h05 = byKey.get('undeclared_kin_suspected|吴海波|H05|吴桂芳')!;
    expect(h05.evidence.map((e) => e.signal)).toEqual(expect.arrayContaining(['same_address', 'same_surname']));
    expect(h05.evidence.map((e) => e.signal)).not.toContain('same_register');
    expect(listed.every((f) => f.person.idMasked === null || /^\d{6}\*{8}[\dX]{4}$/.test(f.person.idMasked))).toBe(true);
  });

  it('counts the monthly amount once per household, in integer fen', async () => {
    const totals = await t.app.get(RegistryService).rosterTotals('430421', '农村低保');
    expect(totals).toEqual({ households: 31, persons: 32, monthlyAmountFen: expectedAmountFen() });
    expect(roster.amountTotalFen).toBe(expectedAmountFen());
    const h03 = await t.ds.getRepository(Household).findOneByOrFail({ householdNo: 'H03' });
    expect([h03.monthlyAmountFen, h03.size, h03.filedAsRelative]).toEqual([78000, 2, false]);
  });

  it('stores ID numbers only as HMAC, ciphertext and mask', async () => {
    const p = await t.ds.getRepository(Person).findOneByOrFail({ name: '周国平' });
    expect(p.idHmac).toMatch(/^[0-9a-f]{64}$/);
    expect(p.idMasked).toBe('430421********021X');
    expect([p.birthDate, p.sex]).toEqual(['1970-11-11', 'male']);
    expect(p.idCiphertext).not.toContain('430421');
    expect(t.app.get(PersonsService).revealIdNumber(p)).toBe('43042119701111021X');
    const raw = JSON.stringify(await t.ds.query('SELECT * FROM persons'));
    expect(raw).not.toMatch(/43042119\d{9}[\dXx]/);
  });

  it('re-importing the same roster and re-matching changes nothing (idempotent, incremental)', async () => {
    const before = await t.ds.getRepository(Finding).find({ order: { id: 'ASC' } });
    const again = await importFile(t, 'roster', fx('roster.csv'), ROSTER_SCOPE);
    expect([again.acceptedGroups, again.rejectedRows, again.closedHouseholds]).toEqual([31, 3, 0]);
    const changed = await t.ds.getRepository(Household).createQueryBuilder('h').where('h.last_import_job_id = :id AND h.changed_at_ms > :t', { id: again.id, t: Date.parse(again.createdAt.toISOString()) }).getCount();
    expect(changed).toBe(0);
    const incremental = await t.app.get(MatcherService).run();
    expect(incremental.mode).toBe('incremental');
    expect([incremental.examined, incremental.created, incremental.resolved]).toEqual([0, 0, 0]);
    const full = await t.app.get(MatcherService).run({ mode: 'full' });
    expect([full.created, full.updated, full.reopened, full.resolved]).toEqual([0, 0, 0, 0]);
    const after = await t.ds.getRepository(Finding).find({ order: { id: 'ASC' } });
    expect(after.map((f) => [f.id, f.identityKey, f.status, f.score])).toEqual(before.map((f) => [f.id, f.identityKey, f.status, f.score]));
    await expectExpectedFindings(t);
  });

  it('a newer month closes the households that disappeared within its scope only; the incremental match resolves their findings', async () => {
    // February roster of township 430421101 only, without H01: H01 closes; township 103 (H04, H05…) is outside that scope.
    const rows = readCsv(fx('roster.csv'));
    const feb = [rows[0], ...rows.slice(1).filter((r) => r[1].startsWith('430421101') && r[0] !== 'H01' && !['H90', 'H91', 'H92'].includes(r[0]))];
    feb.find((r) => r[0] === 'H02')![6] = '650.5';
    const job = await importFile(t, 'roster', writeCsv(join(tmp, 'feb.csv'), feb), { regionPrefix: '430421101', programme: '农村低保', month: '2025-02' });
    expect([job.rejectedRows, job.closedHouseholds]).toEqual([0, 1]);
    const hh = new Map((await t.ds.getRepository(Household).find()).map((h) => [h.householdNo, h]));
    expect([hh.get('H01')!.status, hh.get('H01')!.closedMonth]).toEqual(['closed', '2025-02']);
    expect(hh.get('H02')!.monthlyAmountFen).toBe(65050);
    for (const no of ['H04', 'H05', 'H13', 'H33']) expect([no, hh.get(no)!.status, hh.get(no)!.lastMonth]).toEqual([no, 'active', '2025-01']);
    const run = await t.app.get(MatcherService).run();
    expect(run.mode).toBe('incremental');
    expect(run.resolved).toBe(1);
    const findings = await t.ds.getRepository(Finding).find({ relations: { household: true } });
    const h01 = findings.filter((f) => f.household.householdNo === 'H01');
    expect(h01.map((f) => [f.type, f.status])).toEqual([['declared_kin_recipient', 'resolved_by_data']]);
    expect(findings.filter((f) => f.household.householdNo !== 'H01').every((f) => f.status === 'open')).toBe(true);
    const listed = await listFindings(t, undefined, 'open');
    expect(listed.find((f) => f.household.householdNo === 'H02')!.explanation).toContain('650.50元');
    expect(listed.some((f) => f.household.householdNo === 'H01')).toBe(false);

    // The January file again (an older month) neither reopens H01 nor overwrites February's data.
    await importFile(t, 'roster', fx('roster.csv'), ROSTER_SCOPE);
    const h = await t.ds.getRepository(Household).find({ where: [{ householdNo: 'H01' }, { householdNo: 'H02' }], order: { householdNo: 'ASC' } });
    expect(h.map((x) => [x.householdNo, x.status, x.monthlyAmountFen])).toEqual([
      ['H01', 'closed', 52000],
      ['H02', 'active', 65050],
    ]);
  });

  it('writes a downloadable accepted/rejected report without ID numbers', async () => {
    const imports = t.app.get(RegistryImportsService);
    const report = readFileSync(imports.reportPath(await imports.getJob(roster.id))!, 'utf8');
    const lines = report.replace(/^\ufeff/, '').trim().split('\n');
    expect(lines[0]).toBe('行号,户编号,结果,原因代码,原因');
    expect(lines).toHaveLength(1 + 35);
    expect(lines[1]).toBe('2,H01,接收,,');
    expect(lines[33]).toMatch(/^34,H90,拒收,id_spreadsheet_damaged,/);
    expect(lines[35]).toMatch(/^36,H92,拒收,id_bad_birth_date,/);
    expect(report).not.toMatch(/\d{15}/);
  });
});

describe('registry: the sample roster in GBK', () => {
  let t: TestApp;
  let roster: ImportJob;
  beforeAll(async () => {
    t = await createTestApp();
    roster = await importSample(t, sampleFiles(fx('roster-gbk.csv')));
    await t.app.get(MatcherService).run();
  });
  afterAll(async () => t?.close());

  it('detects GBK, rejects the same rows and the matcher reports the same findings', async () => {
    expect(roster.encoding).toBe('gb18030');
    await expectExpectedRejections(t, roster);
    await expectExpectedFindings(t);
    const h03 = await t.ds.getRepository(Household).findOneByOrFail({ householdNo: 'H03' });
    expect(h03.address).toBe('松桂村5组1号');
  });
});

describe('registry: the same data as Excel workbooks', () => {
  let t: TestApp;
  let roster: ImportJob;
  const tmp = mkdtempSync(join(tmpdir(), 'qf-registry-xlsx-'));

  beforeAll(async () => {
    t = await createTestApp();
    const x = async (csv: string) => writeXlsx(join(tmp, csv.replace(/\.csv$/, '.xlsx')), readCsv(fx(csv)));
    roster = await importSample(t, { officials: await x('officials.csv'), kin: await x('kin-declarations.csv'), roster: await x('roster.csv'), approvals: await x('approvals.csv') });
    await t.app.get(MatcherService).run();
  });
  afterAll(async () => t?.close());

  it('gives the same rejections and the same findings', async () => {
    expect(roster.fileFormat).toBe('xlsx');
    await expectExpectedRejections(t, roster);
    await expectExpectedFindings(t);
  });

  it('rejects an ID column stored as numbers with a clear message', async () => {
    const rows = readCsv(fx('roster.csv')).slice(0, 5);
    const path = await writeXlsx(join(tmp, 'numeric-ids.xlsx'), rows, [3]);
    const job = await importFile(t, 'roster', path, { regionPrefix: '430421', programme: '农村低保', month: '2025-03' });
    expect([job.acceptedRows, job.rejectedRows]).toEqual([0, 4]);
    expect(job.notice).toMatch(/存成了数字/);
    const rej = await t.app.get(RegistryImportsService).rejections(job.id);
    expect(rej.map((r) => [r.rowNo, r.codes])).toEqual([
      [2, 'id_spreadsheet_damaged'],
      [3, 'id_spreadsheet_damaged'],
      [4, 'id_spreadsheet_damaged'],
      [5, 'id_spreadsheet_damaged'],
    ]);
    expect(rej[0].reason).toMatch(/存成了数字.*文本/);
    // Nothing accepted: the closing is held until confirmed. Rejected households were listed, so
    // confirming closes none of them; the others of the scope close.
    expect(job.closedHouseholds).toBe(0);
    expect(job.notice).toMatch(/没有接收任何家庭.*未关闭任何家庭/);
    const confirmed = await t.app.get(RegistryImportsService).confirmClosures(job.id, '430421', null);
    expect(confirmed.closedHouseholds).toBe(31 - 3);
  });
});
