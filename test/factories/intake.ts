import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { formatReceiptCode, hmacHex, randomReceiptCode } from '../../src/common/crypto.js';
import { Office } from '../../src/regions/entities/office.entity.js';
import { OfficesService } from '../../src/regions/offices.service.js';
import { CalendarService } from '../../src/regions/calendar.service.js';
import { Report } from '../../src/reports/entities/report.entity.js';
import { Attachment } from '../../src/reports/entities/attachment.entity.js';
import { EvidenceService } from '../../src/evidence/evidence.service.js';
import { ReportsService } from '../../src/reports/reports.service.js';
import { ReportSubject } from '../../src/reports/entities/report-subject.entity.js';
import { ReportBeneficiary } from '../../src/reports/entities/report-beneficiary.entity.js';
import { ReportEvent } from '../../src/reports/entities/report-event.entity.js';
import type { ProblemCategory, ReportChannel, ReportKind, ReportStatus } from '../../src/reports/report-enums.js';
import type { Role } from '../../src/users/entities/user.entity.js';
import type { TestApp } from '../utils/create-test-app.js';
import { loginAs } from '../utils/login-as.js';
import { createUser } from './users.js';

/** A tip-off of test/fixtures/tipoffs.json (T01 … T10). */
export interface Tipoff {
  id: string;
  category: ProblemCategory;
  kind: ReportKind;
  anonymous: boolean;
  reporter?: { name: string; idNumber: string; phone: string; email?: string };
  regionCode: string;
  subjects: { name: string; position: string; unit: string }[];
  beneficiaries: { name: string; relation: string }[];
  happenedAt: string;
  description: string;
}

let fixtures: Tipoff[] | undefined;

/** The fixture tip-off `id` (e.g. 'T01'). */
export function tipoff(id: string): Tipoff {
  fixtures ??= (JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'tipoffs.json'), 'utf8')) as { tipoffs: Tipoff[] }).tipoffs;
  const t = fixtures.find((x) => x.id === id);
  if (!t) throw new Error(`no tip-off ${id} in the fixtures`);
  return t;
}

/**
 * The office of a region (12 digits), created through the real OfficesService when missing. The
 * intake suites use 衡阳县 430421, 集兵镇 430421101, 西渡镇 430421100 and 衡南县 430422.
 */
export async function ensureOffice(t: TestApp, regionCode: string): Promise<Office> {
  const offices = t.app.get(OfficesService);
  return (await offices.findByRegion(regionCode)) ?? offices.create(regionCode);
}

/** The offices used by the intake suites: county 衡阳县 and its townships 集兵镇, 西渡镇, 杉桥镇; county 衡南县. */
export async function ensureIntakeOffices(t: TestApp): Promise<{ county: Office; jibing: Office; xidu: Office; shanqiao: Office; hengnan: Office }> {
  const county = await ensureOffice(t, '430421000000');
  const jibing = await ensureOffice(t, '430421101000');
  const xidu = await ensureOffice(t, '430421100000');
  const shanqiao = await ensureOffice(t, '430421103000');
  const hengnan = await ensureOffice(t, '430422000000');
  return { county, jibing, xidu, shanqiao, hengnan };
}

export interface InsertReportOptions {
  regionCode?: string;
  /** Instant of receipt (UTC); default now. Due dates are computed from it by the real calendar. */
  receivedAt?: Date;
  anonymous?: boolean;
  status?: ReportStatus;
  category?: ProblemCategory;
  kind?: ReportKind;
  channel?: ReportChannel;
  description?: string;
  happenedAt?: string;
  subjects?: { name: string; position?: string; unit?: string }[];
  beneficiaries?: { name: string; relation?: string }[];
  /** Office handling it; default the responsible office of the region. */
  officeId?: number;
}

/**
 * Inserts a report row directly (no form, no CAPTCHA) with its subjects, beneficiaries and a
 * `received` event — for scenarios the public form cannot create, such as a report received during
 * the 2026 Spring Festival. Due dates come from `CalendarService.intakeDueDates`.
 * @returns the report and its receipt code (grouped 4-4-4-4), for the citizen's follow-up.
 */
export async function insertReport(t: TestApp, o: InsertReportOptions = {}): Promise<Report & { receiptCode: string }> {
  const code = randomReceiptCode();
  const regionCode = o.regionCode ?? '430421101200';
  const receivedAt = o.receivedAt ?? new Date();
  const anonymous = o.anonymous ?? true;
  const officeId = o.officeId ?? (await t.app.get(OfficesService).findResponsibleOffice(regionCode)).id;
  const due = t.app.get(CalendarService).intakeDueDates(receivedAt, !anonymous);
  return t.ds.transaction(async (m) => {
    const report = m.getRepository(Report).create({
      receiptHmac: hmacHex(t.config.secrets.receiptHmacKey, code),
      kind: o.kind ?? 'denunciation',
      category: o.category ?? 'favouritism_kin',
      channel: o.channel ?? 'web',
      regionCode,
      regionLevel: regionCode.endsWith('000000') ? 3 : regionCode.endsWith('000') ? 4 : 5,
      officeId,
      status: o.status ?? 'received',
      anonymous,
      description: o.description ?? '村干部把低保名额给了自己的亲戚，公示栏只贴了三天就撕掉了，村民都有意见。',
      happenedAt: o.happenedAt ?? '',
      receivedAt,
      ackDue: anonymous ? null : due.ackDue,
      forwardDue: due.forwardDue,
      dueFallbackYears: due.fallbackYears.join(','),
      acknowledgedAt: null,
      repeatOfId: null,
      referredTo: null,
      registeredBy: null,
      // Explicit: the portable migrations give datetime columns no database default.
      createdAt: receivedAt,
      updatedAt: receivedAt,
    });
    await m.getRepository(Report).insert(report);
    const subjects = o.subjects ?? [{ name: '张三', position: '村主任', unit: '集兵村' }];
    if (subjects.length) {
      await m.getRepository(ReportSubject).insert(subjects.map((s, i) => ({ reportId: report.id, ordinal: i, name: s.name, position: s.position ?? '', unit: s.unit ?? '' })));
    }
    const bens = o.beneficiaries ?? [];
    if (bens.length) {
      await m.getRepository(ReportBeneficiary).insert(bens.map((b, i) => ({ reportId: report.id, ordinal: i, name: b.name, relation: b.relation ?? '' })));
    }
    await m.getRepository(ReportEvent).insert({ reportId: report.id, action: 'received', actorUserId: null, fromOfficeId: null, toOfficeId: officeId, reason: null, createdAt: receivedAt });
    return Object.assign(report, { receiptCode: formatReceiptCode(code) });
  });
}

/** Inserts a fixture tip-off (T01 …) as received now, anonymous or not as in the fixture. */
export async function insertTipoff(t: TestApp, id: string, o: InsertReportOptions = {}): Promise<Report & { receiptCode: string }> {
  const f = tipoff(id);
  return insertReport(t, {
    regionCode: f.regionCode,
    anonymous: f.anonymous,
    category: f.category,
    kind: f.kind,
    description: f.description,
    happenedAt: f.happenedAt,
    subjects: f.subjects,
    beneficiaries: f.beneficiaries,
    ...o,
  });
}

/**
 * Submits a fixture tip-off (T01 …) through the real ReportsService, as the web form would: a
 * real-name reporter's identity encrypted with its ID HMAC kept (for recusal and custody).
 * @returns the report id.
 */
export async function submitTipoff(t: TestApp, id: string): Promise<number> {
  const tip = tipoff(id);
  const reports = t.app.get(ReportsService);
  const outcome = await reports.validateSubmission({ ...tip, reporter: tip.anonymous ? undefined : tip.reporter });
  if (!outcome.ok) throw new Error(`fixture ${id} invalid: ${JSON.stringify(outcome.fields)}`);
  return (await reports.submit(outcome.value, { channel: 'web' })).report.id;
}

/** A signed-in staff member with `roles` (default intake_officer) and a region scope. */
export async function staff(t: TestApp, scopeRegionCode: string, roles: Role[] = ['intake_officer']) {
  const { user, password } = await createUser(t, { roles, scopeRegionCode });
  const session = await loginAs(t, user.username, password);
  return { user, ...session };
}

/** `YYYY-MM-DD HH:mm` Asia/Shanghai → UTC Date. */
export function shanghai(local: string): Date {
  return new Date(`${local.replace(' ', 'T')}:00+08:00`);
}

/**
 * Stores an evidence file for a report through the real EvidenceService (type from the content,
 * encrypted original, cleaned copy when one can be made) and inserts its attachment row.
 */
export async function attachEvidence(t: TestApp, reportId: number, file: { name: string; buffer: Buffer }): Promise<Attachment> {
  const evidence = t.app.get(EvidenceService);
  const { stored, errors } = await evidence.storeUploads([{ originalname: file.name, buffer: file.buffer, size: file.buffer.length }], { addedBy: 'reporter' });
  if (stored.length !== 1) throw new Error(`evidence refused: ${JSON.stringify(errors)}`);
  const [row] = await t.ds.transaction((m) => evidence.saveAttachments(m, stored, { reportId }));
  return row;
}

/** An attachment row whose file has no cleaned copy (e.g. audio): staff must see “原件需经审批查看”. */
export async function insertAttachmentWithoutCleanCopy(t: TestApp, reportId: number, name: string): Promise<Attachment> {
  return t.ds.getRepository(Attachment).save({
    reportId,
    messageId: null,
    draftHash: null,
    storageKey: randomBytes(24).toString('hex'),
    originalName: name,
    mime: 'audio/mpeg',
    size: 1234,
    hasCleanCopy: false,
    addedBy: 'reporter',
    createdAt: new Date(),
  });
}
