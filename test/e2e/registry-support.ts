import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { expect } from '@jest/globals';
import type { Agent } from 'supertest';
import type { TestApp } from '../utils/create-test-app.js';
import { createUser } from '../factories/users.js';
import { loginAs } from '../utils/login-as.js';
import { RegistryImportsService, type ImportScope } from '../../src/registry/imports/registry-imports.service.js';
import type { ImportJob, ImportKind } from '../../src/registry/entities/import-job.entity.js';
import { FindingsService, type FindingView } from '../../src/registry/findings.service.js';
import { AccessService } from '../../src/access/access.service.js';
import type { FindingStatus } from '../../src/registry/entities/finding.entity.js';

export const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'registry');
export const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected-findings.json'), 'utf8')) as {
  rejected_roster_rows: { spreadsheet_rows_header_is_row_1: number[]; households: string[]; reason_codes: string[] };
  findings: { type: string; official: string; person?: string; household: string }[];
  must_not_find: ({ household: string } | { households: string[] })[];
};

export const ROSTER_SCOPE: ImportScope = { regionPrefix: '430421', programme: '农村低保', month: '2025-01' };
export const COUNTY_SCOPE: ImportScope = { regionPrefix: '430421' };
export const ALL_SCOPE = { userId: 0, scopePrefix: '43' };

/** The portal's own view of every finding of province 43 (no user, nobody recused). */
export function allScope(t: TestApp) {
  return { ...ALL_SCOPE, access: t.app.get(AccessService).forSystem(ALL_SCOPE.scopePrefix) };
}

/** Imports one file synchronously through the real service; fails the test if the job did not succeed. */
export async function importFile(t: TestApp, kind: ImportKind, path: string, scope: ImportScope, columnMap?: Record<string, string>): Promise<ImportJob> {
  const job = await t.app.get(RegistryImportsService).importFile({ kind, scope, sourcePath: path, fileName: path.split('/').pop()!, columnMap });
  expect([job.status, job.errorMessage]).toEqual(['succeeded', null]);
  return job;
}

/** The four sample files in order: officials, declarations, roster (the given file), approvals. */
export async function importSample(t: TestApp, files: { officials: string; kin: string; roster: string; approvals: string }): Promise<ImportJob> {
  await importFile(t, 'officials', files.officials, COUNTY_SCOPE);
  await importFile(t, 'kin', files.kin, COUNTY_SCOPE);
  const roster = await importFile(t, 'roster', files.roster, ROSTER_SCOPE);
  await importFile(t, 'approvals', files.approvals, COUNTY_SCOPE);
  return roster;
}

/** `type|official|household|person` of a listed finding (person = the official for official_is_recipient). */
export function findingKey(f: FindingView): string {
  return `${f.type}|${f.official.name}|${f.household.householdNo}|${f.person.name}`;
}

export function expectedFindingKeys(): string[] {
  return EXPECTED.findings.map((f) => `${f.type}|${f.official}|${f.household}|${f.person ?? f.official}`).sort();
}

export function mustNotFindHouseholds(): string[] {
  return EXPECTED.must_not_find.flatMap((m) => ('households' in m ? m.households : [m.household]));
}

/** All findings in scope at the default review threshold (or `minScore`). */
export async function listFindings(t: TestApp, minScore?: number, status?: FindingStatus): Promise<FindingView[]> {
  const res = await t.app.get(FindingsService).list(allScope(t), { minScore, status, pageSize: 200 });
  expect(res.items.length).toBe(res.total);
  return res.items;
}

/** Asserts the rejected rows of a roster job are exactly those of expected-findings.json. */
export async function expectExpectedRejections(t: TestApp, job: ImportJob): Promise<void> {
  const rej = await t.app.get(RegistryImportsService).rejections(job.id);
  const e = EXPECTED.rejected_roster_rows;
  expect(rej.map((r) => [r.rowNo, r.groupKey, r.codes.split(',')[0]])).toEqual(e.spreadsheet_rows_header_is_row_1.map((row, i) => [row, e.households[i], e.reason_codes[i]]));
  for (const r of rej) expect(r.reason).toMatch(/身份证号码/);
}

/** Asserts the matcher's listed findings are exactly the expected ones and none of must_not_find (at any score). */
export async function expectExpectedFindings(t: TestApp): Promise<FindingView[]> {
  const listed = await listFindings(t);
  expect(listed.map(findingKey).sort()).toEqual(expectedFindingKeys());
  const everything = await listFindings(t, 0);
  const forbidden = mustNotFindHouseholds();
  expect(everything.filter((f) => forbidden.includes(f.household.householdNo)).map(findingKey)).toEqual([]);
  for (const f of listed) {
    expect(f.explanation).toMatch(/。$/);
    expect(f.explanation).not.toMatch(/\d{17}[\dX]/);
    expect(JSON.stringify(f.evidence)).not.toMatch(/\d{17}[\dX]/);
  }
  return listed;
}

/** Reads a sample CSV (UTF-8 with BOM, or GBK) as rows of strings. */
export function readCsv(path: string, encoding: 'utf-8' | 'gbk' = 'utf-8'): string[][] {
  const buf = readFileSync(path);
  const text = encoding === 'gbk' ? iconv.decode(buf, 'gb18030') : buf.toString('utf8');
  return parse(text, { bom: true, relax_column_count: true }) as string[][];
}

/**
 * Writes rows to an .xlsx workbook with exceljs. Cells are text, except the columns listed in
 * `numericColumns`, which are stored as numbers (as Excel does when a column is not formatted as text).
 */
export async function writeXlsx(path: string, rows: string[][], numericColumns: number[] = []): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  rows.forEach((r, i) => ws.addRow(i > 0 ? r.map((v, c) => (numericColumns.includes(c) && /^[\d.E+]+$/i.test(v) ? Number(v) : v)) : r));
  await wb.xlsx.writeFile(path);
  return path;
}

export function writeCsv(path: string, rows: string[][]): string {
  writeFileSync(path, '\ufeff' + rows.map((r) => r.join(',')).join('\n') + '\n');
  return path;
}

/** A signed-in staff user: the supertest agent keeping the cookies and a CSRF token. */
export interface Session {
  agent: Agent;
  csrf: string;
}

/** Creates a user with these roles and scope and signs in through the real login form. */
export async function loginSession(t: TestApp, roles: Parameters<typeof createUser>[1]['roles'], scope: string): Promise<Session> {
  const { user, password } = await createUser(t, { roles, scopeRegionCode: scope });
  const { agent, csrfToken } = await loginAs(t, user.username, password);
  return { agent, csrf: csrfToken };
}

/** The four actors the registry API and page tests use: a clerk and a handler of 衡阳县, a clerk-handler of another county, an intake officer. */
export interface RegistryActors {
  clerk: Session;
  handler: Session;
  outsider: Session;
  intake: Session;
}

/** Signs in {@link RegistryActors} (each a new user). */
export async function loginRegistryActors(t: TestApp): Promise<RegistryActors> {
  return {
    clerk: await loginSession(t, ['registry_clerk'], '430421000000'),
    handler: await loginSession(t, ['case_handler'], '430421000000'),
    outsider: await loginSession(t, ['registry_clerk', 'case_handler'], '430422000000'),
    intake: await loginSession(t, ['intake_officer'], '430421000000'),
  };
}
