/**
 * Helpers for the citizen-side e2e tests: offices, a CAPTCHA with a known answer, tip-off fixtures,
 * and filling the real multipart form (CSRF token, draft token, region step selects).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { CaptchaService } from '../../src/abuse/captcha.service.js';
import { CaptchaChallenge } from '../../src/abuse/entities/captcha-challenge.entity.js';
import { OfficesService } from '../../src/regions/offices.service.js';
import { prefixLength, regionLevelOf, type RegionLevel } from '../../src/regions/region-code.js';
import type { TestApp } from '../utils/create-test-app.js';

export interface Tipoff {
  id: string;
  category: string;
  kind: string;
  anonymous: boolean;
  reporter?: { name: string; idNumber: string; phone: string; email?: string };
  regionCode: string;
  subjects: { name: string; position?: string; unit?: string }[];
  beneficiaries: { name: string; relation?: string }[];
  happenedAt: string;
  description: string;
  expect: Record<string, string>;
}

export function loadTipoffs(): Tipoff[] {
  const file = fileURLToPath(new URL('../fixtures/tipoffs.json', import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { tipoffs: Tipoff[] }).tipoffs;
}

export function tipoff(id: string): Tipoff {
  const t = loadTipoffs().find((x) => x.id === id);
  if (!t) throw new Error(`no tip-off ${id}`);
  return t;
}

/** The county 衡阳县 (430421) and the township 集兵镇 (430421101) offices used by the fixtures. */
export async function createFixtureOffices(t: TestApp): Promise<{ countyId: number; townshipId: number }> {
  const offices = t.app.get(OfficesService);
  const county = (await offices.findByRegion('430421000000')) ?? (await offices.create('430421000000'));
  const township = (await offices.findByRegion('430421101000')) ?? (await offices.create('430421101000'));
  return { countyId: county.id, townshipId: township.id };
}

/**
 * A CAPTCHA challenge whose answer the test knows, stored exactly as CaptchaService stores its own
 * (through the service's hash, so the real `verify` is exercised).
 */
export async function knownCaptcha(t: TestApp, answer = 'ACEF'): Promise<{ captchaId: string; captchaAnswer: string }> {
  const svc = t.app.get(CaptchaService) as unknown as { hash(id: string, a: string): string };
  const id = randomUUID();
  await t.ds.getRepository(CaptchaChallenge).insert({ id, answerHmac: svc.hash(id, answer), expiresAt: Date.now() + 10 * 60_000 });
  return { captchaId: id, captchaAnswer: answer.toLowerCase() };
}

/** The step selects of the form for a region code: region_l2 … region_lN (root is the province 43). */
export function regionStepFields(code: string): Record<string, string> {
  const out: Record<string, string> = {};
  const level = regionLevelOf(code);
  for (let l = 2; l <= level; l++) out[`region_l${l}`] = code.slice(0, prefixLength(l as RegionLevel)).padEnd(12, '0');
  return out;
}

/** The fields of a tip-off as the form sends them (multipart field names). */
export function formFields(tip: Omit<Tipoff, 'id' | 'expect'>): Record<string, string> {
  const f: Record<string, string> = {
    category: tip.category,
    kind: tip.kind,
    description: tip.description,
    happenedAt: tip.happenedAt,
    anonymous: tip.anonymous ? '1' : '0',
    ...regionStepFields(tip.regionCode),
  };
  tip.subjects.forEach((s, i) => {
    f[`subjects[${i}][name]`] = s.name;
    f[`subjects[${i}][position]`] = s.position ?? '';
    f[`subjects[${i}][unit]`] = s.unit ?? '';
  });
  tip.beneficiaries.forEach((b, i) => {
    f[`beneficiaries[${i}][name]`] = b.name;
    f[`beneficiaries[${i}][relation]`] = b.relation ?? '';
  });
  if (!tip.anonymous && tip.reporter) {
    f['reporter[name]'] = tip.reporter.name;
    f['reporter[idNumber]'] = tip.reporter.idNumber;
    f['reporter[phone]'] = tip.reporter.phone;
    if (tip.reporter.email) f['reporter[email]'] = tip.reporter.email;
  }
  return f;
}

export function hiddenField(html: string, name: string): string {
  const m = new RegExp(`name="${name.replace(/[[\]]/g, '\\$&')}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden field ${name} in page`);
  return m[1];
}

export interface FormPage {
  csrf: string;
  draftToken: string;
  html: string;
}

/** GET /report with this agent (sets the browser and CSRF cookies). */
export async function openForm(agent: TestAgent): Promise<FormPage> {
  const res = await agent.get('/report').expect(200);
  return { csrf: hiddenField(res.text, '_csrf'), draftToken: hiddenField(res.text, 'draftToken'), html: res.text };
}

export interface UploadFile {
  name: string;
  content: Buffer;
  contentType?: string;
}

/** POSTs the multipart form: `fields` plus `_csrf`/`draftToken` (unless given as null) and files. */
export function postForm(agent: TestAgent, page: FormPage | null, fields: Record<string, string>, files: UploadFile[] = []): request.Test {
  let req = agent.post('/report');
  const all: Record<string, string> = { ...(page ? { _csrf: page.csrf, draftToken: page.draftToken } : {}), ...fields };
  for (const [k, v] of Object.entries(all)) req = req.field(k, v);
  for (const f of files) req = req.attach('files', f.content, { filename: f.name, contentType: f.contentType ?? 'application/octet-stream' });
  return req;
}

/** Files (tiny but real) whose type is detected from content. */
export const SAMPLE_FILES = {
  png: (): Buffer =>
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    ),
  pdf: (): Buffer => Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'latin1'),
  exe: (): Buffer => Buffer.concat([Buffer.from('MZ', 'latin1'), Buffer.alloc(62, 0), Buffer.from('This program cannot be run in DOS mode.', 'latin1'), Buffer.alloc(200, 0)]),
};

/** Receipt code as shown on the receipt page (`1234-5678-9012-3456`). */
export function receiptCodeOf(html: string): string {
  const m = /id="receipt-code">(\d{4}-\d{4}-\d{4}-\d{4})</.exec(html);
  if (!m) throw new Error('no receipt code on the page');
  return m[1];
}

export type { TestAgent };
