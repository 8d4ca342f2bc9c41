import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AuditService } from '../audit/audit.service.js';
import { encryptJson, hmacHex, idHmac, parseReceiptCode, randomReceiptCode } from '../common/crypto.js';
import { DomainError } from '../common/domain-error.js';
import type { User } from '../users/entities/user.entity.js';
import { Office } from '../regions/entities/office.entity.js';
import { RegionsService } from '../regions/regions.service.js';
import { OfficesService } from '../regions/offices.service.js';
import { CalendarService } from '../regions/calendar.service.js';
import { EvidenceService, type PendingFile } from '../evidence/evidence.service.js';
import { Report } from './entities/report.entity.js';
import { ReportSubject } from './entities/report-subject.entity.js';
import { ReportBeneficiary } from './entities/report-beneficiary.entity.js';
import { ReporterIdentity } from './entities/reporter-identity.entity.js';
import { insertRows } from '../database/insert-rows.js';
import { ReportEvent } from './entities/report-event.entity.js';
import { ReportMessage } from './entities/report-message.entity.js';
import { Attachment } from './entities/attachment.entity.js';
import { PROBLEM_CATEGORIES, REPORT_STATUSES, type ReportChannel } from './report-enums.js';
import { cleanText, codePointLength, validateSubmissionShape, type SubmitReportInput, type ValidationOutcome } from './report-validation.js';

export interface SubmitContext {
  channel: ReportChannel;
  /** The intake officer registering an offline report (letter/visit/phone); null/absent for web. */
  registeredBy?: User | null;
  /** Files already held for a corrected no-JS form (HMAC of its draft token). */
  draftHash?: string;
  /** Files stored by `EvidenceService.storeUploads` in this request, not yet in the database. */
  files?: PendingFile[];
}

/** What the follow-up page and API show for one report (never the reporter's identity). */
export interface FollowupView {
  reportId: number;
  status: Report['status'];
  statusText: string;
  /** Plain words for the level of the office now handling it, e.g. “县级纪检监察机关”. */
  handlingLevel: string;
  /** Name of the office now handling it (an institution, e.g. “衡阳县纪委监委”). */
  handlingOffice: string;
  receivedAt: Date;
  acknowledged: boolean;
  categoryText: string;
  regionText: string;
  description: string;
  happenedAt: string;
  subjects: { name: string; position: string; unit: string }[];
  beneficiaries: { name: string; relation: string }[];
  /** Files sent with the report itself. */
  files: { originalName: string; size: number }[];
  /** Oldest first: staff messages, public status lines of intake actions, the reporter's own replies. */
  messages: { direction: ReportMessage['direction']; who: string; body: string; createdAt: Date; files: { originalName: string; size: number }[] }[];
}

const LEVEL_WORDS: Record<number, string> = { 1: '省级纪检监察机关', 2: '市级纪检监察机关', 3: '县级纪检监察机关', 4: '乡镇（街道）纪检监察组织', 5: '村级监督组织' };
const MESSAGE_WHO: Record<ReportMessage['direction'], string> = { to_reporter: '工作人员留言', from_reporter: '您的补充', status: '办理进展' };

/** Lowest region level a tip-off may name: county (3). See README/report: township and village preferred. */
export const MIN_REPORT_REGION_LEVEL = 3;
export const REPLY_MAX_CHARS = 5000;

/**
 * Intake of tip-offs (DESIGN.md §3) for every channel: validation, the one-transaction submission with
 * its receipt code, and the reporter's side of the follow-up. Free of HTTP concerns: the public
 * controllers and the staff's offline registration both call it.
 */
@Injectable()
export class ReportsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly regions: RegionsService,
    private readonly offices: OfficesService,
    private readonly calendar: CalendarService,
    private readonly evidence: EvidenceService,
  ) {}

  /**
   * Validates a submission (shape per `validateSubmissionShape`, then the region): the region must be a
   * loaded division within the portal's root region, at county level or below (county 3, township 4,
   * village 5 — a county is accepted because some matters concern county civil-affairs staff).
   * @returns the outcome; never throws for bad input.
   */
  async validateSubmission(raw: unknown): Promise<ValidationOutcome> {
    const shape = validateSubmissionShape(raw);
    const code = cleanText((raw as { regionCode?: unknown } | null)?.regionCode);
    const regionProblem = /^\d{12}$/.test(code) ? await this.regionProblem(code) : null;
    if (!regionProblem) return shape;
    const fields = shape.ok ? {} : { ...shape.fields };
    fields.regionCode = regionProblem;
    return { ok: false, fields, warnings: shape.warnings };
  }

  private async regionProblem(code: string): Promise<string | null> {
    const region = this.regions.isWithinRoot(code) ? await this.regions.find(code).catch(() => null) : null;
    if (!region) return '所选地方不在本平台受理范围内，请重新选择';
    if (region.level < MIN_REPORT_REGION_LEVEL) return '请至少选到县（市、区），最好选到乡镇（街道）或村（社区）';
    return null;
  }

  /**
   * Stores a validated tip-off in ONE transaction: the report (office = nearest office above its
   * region; due dates from the working-day calendar — acknowledge real-name within 15 working days,
   * forward within 5, 纪检监察机关处理检举控告工作规则 2020), its subjects and beneficiaries, the
   * reporter's identity (AES-256-GCM JSON `{name, idNumber, phone, email?}`, associated data
   * `reporter:<reportId>`, plus the system-wide ID HMAC), its files (new ones and those of the draft),
   * a `received` event and an audit event. The receipt code (16 digits) is stored only as an HMAC
   * (lower-case hex) and returned once; a unique collision is retried with a new code.
   * Files written for this request are deleted when the transaction fails: nothing is half-written.
   * @throws DomainError('no_office') when no office covers the region; database errors as they come.
   */
  async submit(input: SubmitReportInput, ctx: SubmitContext): Promise<{ report: Report; receiptCode: string }> {
    const files = ctx.files ?? [];
    try {
      const office = await this.offices.findResponsibleOffice(input.regionCode);
      const region = await this.regions.find(input.regionCode);
      if (!region || !this.regions.isWithinRoot(region.code)) throw new DomainError('validation_failed', '所选地方不在本平台受理范围内', 422, { regionCode: '所选地方不在本平台受理范围内，请重新选择' });
      const receivedAt = new Date();
      const due = await this.calendar.intakeDueDates(receivedAt, !input.anonymous);
      for (let attempt = 0; ; attempt++) {
        const receiptCode = randomReceiptCode();
        try {
          const report = await this.ds.transaction((m) =>
            this.insertReport(m, input, ctx, {
              receiptHmac: hmacHex(this.config.secrets.receiptHmacKey, receiptCode),
              officeId: office.id,
              regionLevel: region.level,
              receivedAt,
              ackDue: input.anonymous ? null : due.ackDue,
              forwardDue: due.forwardDue,
              fallbackYears: (due.fallbackYears ?? []).join(','),
            }),
          );
          return { report, receiptCode };
        } catch (e) {
          if (attempt < 3 && isReceiptCollision(e)) continue;
          throw e;
        }
      }
    } catch (e) {
      await this.evidence.discard(files);
      throw e;
    }
  }

  private async insertReport(
    m: EntityManager,
    input: SubmitReportInput,
    ctx: SubmitContext,
    fixed: { receiptHmac: string; officeId: number; regionLevel: number; receivedAt: Date; ackDue: string | null; forwardDue: string; fallbackYears: string },
  ): Promise<Report> {
    const report = m.getRepository(Report).create({
      receiptHmac: fixed.receiptHmac,
      kind: input.kind,
      category: input.category,
      channel: ctx.channel,
      regionCode: input.regionCode,
      regionLevel: fixed.regionLevel,
      officeId: fixed.officeId,
      status: 'received',
      anonymous: input.anonymous,
      description: input.description,
      happenedAt: input.happenedAt,
      receivedAt: fixed.receivedAt,
      ackDue: fixed.ackDue,
      forwardDue: fixed.forwardDue,
      dueFallbackYears: fixed.fallbackYears,
      acknowledgedAt: null,
      repeatOfId: null,
      referredTo: null,
      registeredBy: ctx.registeredBy?.id ?? null,
      // Explicit: the portable migrations give datetime columns no database default.
      createdAt: fixed.receivedAt,
      updatedAt: fixed.receivedAt,
    });
    const reportId = await insertRows(m, Report, report);
    if (reportId === undefined) throw new Error('report insert returned no id');
    report.id = reportId;
    if (input.subjects.length) {
      await insertRows(m, ReportSubject, input.subjects.map((s, i) => ({ reportId, ordinal: i, name: s.name, position: s.position, unit: s.unit })));
    }
    if (input.beneficiaries.length) {
      await insertRows(m, ReportBeneficiary, input.beneficiaries.map((b, i) => ({ reportId, ordinal: i, name: b.name, relation: b.relation })));
    }
    if (!input.anonymous && input.reporter) {
      const r = input.reporter;
      await m.getRepository(ReporterIdentity).insert({
        reportId,
        ciphertext: encryptJson(this.config.secrets.encryptionKey, { name: r.name, idNumber: r.idNumber, phone: r.phone, ...(r.email ? { email: r.email } : {}) }, reporterIdentityAad(reportId)),
        idHmac: idHmac(this.config.secrets.idHmacKey, r.idNumber),
      });
    }
    const pending = ctx.files ?? [];
    if (pending.length) await this.evidence.saveAttachments(m, pending, { reportId });
    if (ctx.draftHash) await this.evidence.moveDraftToReport(m, ctx.draftHash, reportId);
    await insertRows(m, ReportEvent, { reportId, action: 'received', actorUserId: ctx.registeredBy?.id ?? null, fromOfficeId: null, toOfficeId: fixed.officeId, reason: null, createdAt: fixed.receivedAt });
    await this.audit.record(m, {
      actorUserId: ctx.registeredBy?.id ?? null,
      actorKind: ctx.registeredBy ? 'user' : 'citizen',
      action: 'report.received',
      recordType: 'report',
      recordId: reportId,
      details: { channel: ctx.channel, officeId: fixed.officeId, category: input.category, anonymous: input.anonymous },
    });
    return report;
  }

  /** The report a receipt code belongs to, or null — a malformed, wrong and unknown code look the same. */
  async findByReceiptCode(code: unknown): Promise<Report | null> {
    if (typeof code !== 'string') return null;
    const digits = parseReceiptCode(code);
    if (!digits) return null;
    return this.ds.getRepository(Report).findOne({ where: { receiptHmac: hmacHex(this.config.secrets.receiptHmacKey, digits) } });
  }

  /** Everything the follow-up page shows for one report (status in plain words, messages, files). */
  async followupView(reportId: number): Promise<FollowupView> {
    const report = await this.ds.getRepository(Report).findOneByOrFail({ id: reportId });
    const [subjects, beneficiaries, messages, office, regionText] = await Promise.all([
      this.ds.getRepository(ReportSubject).find({ where: { reportId }, order: { ordinal: 'ASC' } }),
      this.ds.getRepository(ReportBeneficiary).find({ where: { reportId }, order: { ordinal: 'ASC' } }),
      this.ds.getRepository(ReportMessage).find({ where: { reportId }, order: { createdAt: 'ASC', id: 'ASC' } }),
      this.ds.getRepository(Office).findOneBy({ id: report.officeId }),
      this.regions.pathLabel(report.regionCode),
    ]);
    // Replies' files carry both reportId and messageId (see addReporterMessage).
    const attachments = await this.ds.getRepository(Attachment).find({ where: { reportId }, order: { id: 'ASC' } });
    const fileOf = (a: Attachment) => ({ originalName: a.originalName, size: a.size });
    return {
      reportId,
      status: report.status,
      statusText: REPORT_STATUSES[report.status] ?? report.status,
      handlingLevel: office ? (LEVEL_WORDS[office.regionLevel] ?? '纪检监察机关') : '纪检监察机关',
      handlingOffice: office?.name ?? '',
      receivedAt: report.receivedAt,
      acknowledged: report.acknowledgedAt !== null,
      categoryText: PROBLEM_CATEGORIES[report.category] ?? report.category,
      regionText,
      description: report.description,
      happenedAt: report.happenedAt,
      subjects: subjects.map((s) => ({ name: s.name, position: s.position, unit: s.unit })),
      beneficiaries: beneficiaries.map((b) => ({ name: b.name, relation: b.relation })),
      files: attachments.filter((a) => a.messageId === null).map(fileOf),
      messages: messages.map((x) => ({
        direction: x.direction,
        who: MESSAGE_WHO[x.direction] ?? '',
        body: x.body,
        createdAt: x.createdAt,
        files: attachments.filter((a) => a.messageId === x.id).map(fileOf),
      })),
    };
  }

  /**
   * Stores a reply of the reporter (text and/or files) as a `from_reporter` message, in one transaction
   * with its attachments and an audit event. Pending files are deleted if it fails.
   * @throws DomainError('validation_failed') when both the text and the files are empty or the text is
   *   longer than 5000 characters.
   */
  async addReporterMessage(reportId: number, rawBody: unknown, files: PendingFile[] = []): Promise<ReportMessage> {
    const body = cleanText(rawBody, { multiline: true });
    try {
      if (!body && !files.length) throw new DomainError('validation_failed', '请填写补充说明或选择要上传的文件', 422, { body: '请填写补充说明或选择要上传的文件' });
      if (codePointLength(body) > REPLY_MAX_CHARS) throw new DomainError('validation_failed', `补充说明不能超过 ${REPLY_MAX_CHARS} 个字`, 422, { body: `补充说明不能超过 ${REPLY_MAX_CHARS} 个字` });
      return await this.ds.transaction(async (m) => {
        const message = m.getRepository(ReportMessage).create({ reportId, direction: 'from_reporter', body, authorUserId: null, createdAt: new Date() });
        await m.getRepository(ReportMessage).insert(message);
        if (files.length) await this.evidence.saveAttachments(m, files, { reportId, messageId: message.id });
        await this.audit.record(m, { actorUserId: null, actorKind: 'citizen', action: 'report.reporter_message', recordType: 'report', recordId: reportId, details: { messageId: message.id, files: files.length } });
        return message;
      });
    } catch (e) {
      await this.evidence.discard(files);
      throw e;
    }
  }
}

/** Associated data binding a reporter-identity ciphertext to its report (decrypt with the same string). */
export function reporterIdentityAad(reportId: number): string {
  return `reporter:${reportId}`;
}

function isReceiptCollision(e: unknown): boolean {
  const err = e as { message?: string; driverError?: { code?: string; message?: string }; code?: string };
  const code = err?.driverError?.code ?? err?.code ?? '';
  const msg = `${err?.message ?? ''} ${err?.driverError?.message ?? ''}`;
  return (code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT')) && msg.includes('receipt_hmac');
}
