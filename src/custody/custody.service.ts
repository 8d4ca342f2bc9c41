import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { decryptJson } from '../common/crypto.js';
import { DomainError, InvalidStateError, NotFoundError, ValidationFailedError, type FieldErrors } from '../common/domain-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EvidenceService } from '../evidence/evidence.service.js';
import { IntakeService } from '../intake/intake.service.js';
import { RegionsService } from '../regions/regions.service.js';
import { PROBLEM_CATEGORIES, REPORT_KINDS } from '../reports/report-enums.js';
import { reporterIdentityAad } from '../reports/reports.service.js';
import type { Role, User } from '../users/entities/user.entity.js';
import { CustodyRepository, REVEAL_STATE_LABELS, revealState, type CustodyPanel, type RevealState } from './custody.repository.js';
import type { RevealRequest } from './entities/reveal-request.entity.js';
import { cleanTypedText } from '../common/invisible-chars.js';

/** Roles that may ask to reveal (DESIGN.md §5: a handler of the matter). */
export const REQUESTER_ROLES: readonly Role[] = ['intake_officer', 'case_handler'];
/** Limits of the requester's and the custodian's reasons (code points). */
export const REVEAL_REASON_MIN = 5;
export const REVEAL_REASON_MAX = 1000;

export type RevealDecision = 'approve' | 'refuse';

/** A request as the API and pages show it. Times are UTC instants. */
export interface RevealRequestView {
  id: number;
  reportId: number;
  requesterUserId: number;
  reason: string;
  state: RevealState;
  stateLabel: string;
  requestedAt: Date;
  decidedByUserId: number | null;
  decisionReason: string | null;
  decidedAt: Date | null;
  expiresAt: Date | null;
}

/** A request in the custodians' queue, with what a custodian needs to judge it (no report content). */
export interface QueueItem extends RevealRequestView {
  requesterName: string;
  decidedByName: string | null;
  /** The custodian is the requester: someone else must decide. */
  ownRequest: boolean;
  categoryLabel: string;
  kindLabel: string;
  regionPath: string;
  anonymous: boolean;
}

/** The reporter's identity as the reporter gave it (decrypted). */
export interface ReporterIdentityView {
  name: string;
  idNumber: string;
  phone: string;
  email: string | null;
}

/** What an open reveal shows its requester. */
export interface RevealedReport {
  reportId: number;
  requestId: number;
  /** End of the reveal (UTC). */
  expiresAt: Date;
  /** Null for an anonymous report (only the original files are opened then). */
  identity: ReporterIdentityView | null;
  originals: { id: number; name: string; mime: string; size: number }[];
}

function codePoints(s: string): number {
  return [...s].length;
}

/** Trims a typed reason and checks its length; records a field error. */
function reasonText(value: unknown, fields: FieldErrors, label: string): string {
  const s = cleanTypedText(value);
  if (!s) fields.reason = `请填写${label}`;
  else if (codePoints(s) < REVEAL_REASON_MIN) fields.reason = `${label}至少 ${REVEAL_REASON_MIN} 个字，请写明具体事由`;
  else if (codePoints(s) > REVEAL_REASON_MAX) fields.reason = `${label}不能超过 ${REVEAL_REASON_MAX} 个字`;
  return s;
}

function view(r: RevealRequest, now: Date): RevealRequestView {
  const state = revealState(r, now);
  return {
    id: r.id,
    reportId: r.reportId,
    requesterUserId: r.requesterUserId,
    reason: r.reason,
    state,
    stateLabel: REVEAL_STATE_LABELS[state],
    requestedAt: r.requestedAt,
    decidedByUserId: r.decidedByUserId,
    decisionReason: r.decisionReason,
    decidedAt: r.decidedAt,
    expiresAt: r.expiresAt,
  };
}

/**
 * Reporter identity custody (DESIGN.md §5): a handler (`intake_officer` or `case_handler`) who may read
 * the report asks to reveal its reporter's identity with a reason; an `identity_custodian` who may read
 * the report (scope and recusal) and is not the requester approves or refuses with a reason; an approval
 * opens the identity (name, ID number, phone, email) and the ORIGINAL evidence files — whose metadata can
 * name the reporter — to the requester alone, for that report alone, for `REVEAL_HOURS` hours.
 *
 * Scope and recusal are the intake scope's (`IntakeService.readableReport` / `readableIds`): a report
 * outside them is 404 for requester and custodian alike. Every request and decision is audited in its
 * transaction; every identity view and original download is an audited write before the data leaves.
 * Audit events carry ids and reasons only, never the identity.
 */
@Injectable()
export class CustodyService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: CustodyRepository,
    private readonly intake: IntakeService,
    private readonly audit: AuditService,
    private readonly evidence: EvidenceService,
    private readonly regions: RegionsService,
  ) {}

  /** Hours an approval stays open (`REVEAL_HOURS`). */
  revealHours(): number {
    return this.config.revealHours;
  }

  /**
   * Asks to reveal report `reportId` (audited `custody.reveal_requested`, reason in the event).
   * @throws ValidationFailedError (`reason`, 5–1000 characters); NotFoundError when the user is no
   *   handler or the report is absent, outside the scope or recused; InvalidStateError
   *   `nothing_to_reveal` (anonymous, no files), `reveal_request_pending`, `reveal_already_granted` (409).
   */
  async request(user: User, reportId: number, input: { reason?: unknown }, now = new Date()): Promise<RevealRequestView> {
    this.assertRole(user, REQUESTER_ROLES);
    const fields: FieldErrors = {};
    const reason = reasonText(input.reason, fields, '申请理由');
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    await this.intake.readableReport(user, reportId, 'custody_request');
    return this.ds.transaction(async (m) => {
      if (!(await this.repo.hasSomethingToReveal(reportId, m))) {
        throw new InvalidStateError('该举报为匿名举报且没有证据材料，没有可查看的举报人身份或原件。', 'nothing_to_reveal');
      }
      const mine = await this.repo.requestsOf(reportId, user.id, m);
      if (mine.some((r) => r.status === 'pending')) throw new InvalidStateError('您对该举报已有待审批的申请，请等待身份保管人审批。', 'reveal_request_pending');
      if (mine.some((r) => revealState(r, now) === 'approved')) throw new InvalidStateError('您的查看申请已获批准，仍在有效期内，无须再次申请。', 'reveal_already_granted');
      const row = await this.repo.insertPending(m, { reportId, requesterUserId: user.id, reason, requestedAt: now });
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'custody.reveal_requested', recordType: 'report', recordId: reportId, reason, details: { requestId: row.id } });
      return view(row, now);
    });
  }

  /**
   * The custodian's queue: pending requests on reports the custodian may read (scope and recusal),
   * oldest first, and the latest 50 decisions on such reports.
   * @throws NotFoundError when `custodian` is not an `identity_custodian`.
   */
  async queue(custodian: User, now = new Date()): Promise<{ pending: QueueItem[]; decided: QueueItem[] }> {
    this.assertRole(custodian, ['identity_custodian']);
    const [pending, decided] = await Promise.all([this.repo.pending(), this.repo.recentlyDecided()]);
    const readable = await this.intake.readableIds(custodian, [...pending, ...decided].map((r) => r.reportId));
    const visible = (rows: RevealRequest[]) => rows.filter((r) => readable.has(r.reportId));
    const p = visible(pending);
    const d = visible(decided).slice(0, 50);
    const all = [...p, ...d];
    const [names, reports] = await Promise.all([
      this.repo.userNames(all.flatMap((r) => [r.requesterUserId, ...(r.decidedByUserId ? [r.decidedByUserId] : [])])),
      this.repo.reportSummaries(all.map((r) => r.reportId)),
    ]);
    const paths = new Map<string, string>();
    const item = async (r: RevealRequest): Promise<QueueItem> => {
      const rep = reports.get(r.reportId);
      const code = rep?.regionCode ?? '';
      if (code && !paths.has(code)) paths.set(code, (await this.regions.pathLabel(code)) || code);
      return {
        ...view(r, now),
        requesterName: names.get(r.requesterUserId) ?? `用户 #${r.requesterUserId}`,
        decidedByName: r.decidedByUserId ? (names.get(r.decidedByUserId) ?? `用户 #${r.decidedByUserId}`) : null,
        ownRequest: r.requesterUserId === custodian.id,
        categoryLabel: rep ? (PROBLEM_CATEGORIES[rep.category] ?? rep.category) : '',
        kindLabel: rep ? (REPORT_KINDS[rep.kind] ?? rep.kind) : '',
        regionPath: paths.get(code) ?? code,
        anonymous: rep?.anonymous ?? false,
      };
    };
    const items = async (rows: RevealRequest[]) => {
      const out: QueueItem[] = [];
      for (const r of rows) out.push(await item(r));
      return out;
    };
    return { pending: await items(p), decided: await items(d) };
  }

  /**
   * Approves or refuses a pending request (audited `custody.reveal_approved` / `custody.reveal_refused`
   * in the same transaction). An approval opens the reveal until now + `REVEAL_HOURS` hours.
   * @throws ValidationFailedError (`reason`); NotFoundError when the custodian is no `identity_custodian`,
   *   or the request is absent, or its report is outside the custodian's scope or recused (audited
   *   `recusal.blocked`); DomainError `self_approval_forbidden` (403, audited
   *   `custody.self_approval_refused`) for the requester; InvalidStateError `reveal_request_decided` (409).
   */
  async decide(custodian: User, requestId: number, decision: RevealDecision, input: { reason?: unknown }, now = new Date()): Promise<RevealRequestView> {
    this.assertRole(custodian, ['identity_custodian']);
    const fields: FieldErrors = {};
    const reason = reasonText(input.reason, fields, decision === 'approve' ? '批准理由' : '不予批准的理由');
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    const req = await this.repo.findById(requestId);
    if (!req) throw new NotFoundError();
    await this.intake.readableReport(custodian, req.reportId, 'custody_decision');
    if (req.requesterUserId === custodian.id) {
      await this.ds.transaction((m) =>
        this.audit.record(m, { actorUserId: custodian.id, actorKind: 'user', action: 'custody.self_approval_refused', recordType: 'report', recordId: req.reportId, details: { requestId } }),
      );
      throw new DomainError('self_approval_forbidden', '不能审批本人提出的查看申请，须由其他身份保管人审批。', 403);
    }
    return this.ds.transaction(async (m) => {
      const status = decision === 'approve' ? 'approved' : 'refused';
      const expiresAt = decision === 'approve' ? new Date(now.getTime() + this.config.revealHours * 3600_000) : null;
      if (!(await this.repo.decide(m, requestId, { status, decidedByUserId: custodian.id, decisionReason: reason, decidedAt: now, expiresAt }))) {
        throw new InvalidStateError('该申请已经审批过了，不能重复审批。', 'reveal_request_decided');
      }
      await this.audit.record(m, {
        actorUserId: custodian.id,
        actorKind: 'user',
        action: decision === 'approve' ? 'custody.reveal_approved' : 'custody.reveal_refused',
        recordType: 'report',
        recordId: req.reportId,
        reason,
        details: { requestId, requesterUserId: req.requesterUserId, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) },
      });
      return view((await this.repo.findById(requestId, m))!, now);
    });
  }

  /**
   * The user's own requests on a report they may read, newest first.
   * @throws NotFoundError when the user is no handler or the report is not readable.
   */
  async requestsOn(user: User, reportId: number, now = new Date()): Promise<RevealRequestView[]> {
    this.assertRole(user, REQUESTER_ROLES);
    await this.intake.readableReport(user, reportId, 'custody_status');
    return (await this.repo.requestsOf(reportId, user.id)).map((r) => view(r, now));
  }

  /**
   * The report page's panel: the user's own requests on a report they may read and whether they may ask.
   * @throws NotFoundError when the user is no handler or the report is not readable.
   */
  async panel(user: User, reportId: number, now = new Date()): Promise<CustodyPanel> {
    this.assertRole(user, REQUESTER_ROLES);
    await this.intake.readableReport(user, reportId, 'custody_status');
    return this.repo.panelFor(reportId, user.id, await this.repo.hasSomethingToReveal(reportId), now);
  }

  /**
   * Opens the reveal: the reporter's identity (decrypted) and the list of original files. The view is
   * audited (`custody.identity_viewed`, its own transaction) before anything is returned.
   * @throws NotFoundError when the user is no handler or the report is not readable (scope, recusal);
   *   DomainError `reveal_not_granted` (403) without an open approval of the user's own request.
   */
  async reveal(user: User, reportId: number, now = new Date()): Promise<RevealedReport> {
    const grant = await this.openGrant(user, reportId, 'custody_identity', now);
    const row = await this.repo.identityOf(reportId);
    const raw = row ? decryptJson<{ name: string; idNumber: string; phone: string; email?: string }>(this.config.secrets.encryptionKey, row.ciphertext, reporterIdentityAad(reportId)) : null;
    const files = await this.repo.attachmentsOf(reportId);
    await this.ds.transaction((m) =>
      this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'custody.identity_viewed', recordType: 'report', recordId: reportId, details: { requestId: grant.id } }),
    );
    return {
      reportId,
      requestId: grant.id,
      expiresAt: grant.expiresAt!,
      identity: raw ? { name: raw.name, idNumber: raw.idNumber, phone: raw.phone, email: raw.email ?? null } : null,
      originals: files.map((f) => ({ id: f.id, name: f.originalName, mime: f.mime, size: f.size })),
    };
  }

  /**
   * One ORIGINAL evidence file (as uploaded, metadata included) under an open reveal; audited
   * (`custody.original_downloaded`, its own transaction) before the bytes leave.
   * @throws as {@link reveal}; NotFoundError for a file not of this report; DomainError
   *   `original_unavailable` (404) when the stored file cannot be read.
   */
  async original(user: User, reportId: number, attachmentId: number, now = new Date()): Promise<{ name: string; mime: string; data: Buffer }> {
    const grant = await this.openGrant(user, reportId, 'custody_original', now);
    const att = await this.repo.attachmentOf(reportId, attachmentId);
    if (!att) throw new NotFoundError();
    let data: Buffer;
    try {
      data = await this.evidence.readOriginal(att);
    } catch {
      throw new DomainError('original_unavailable', '原件文件无法读取，请联系系统管理员。', 404);
    }
    await this.ds.transaction((m) =>
      this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'custody.original_downloaded', recordType: 'report', recordId: reportId, details: { requestId: grant.id, attachmentId } }),
    );
    return { name: att.originalName, mime: att.mime, data };
  }

  // ---------------------------------------------------------------------------------------------

  private async openGrant(user: User, reportId: number, access: string, now: Date): Promise<RevealRequest> {
    this.assertRole(user, REQUESTER_ROLES);
    await this.intake.readableReport(user, reportId, access);
    const grant = await this.repo.activeGrant(reportId, user.id, now);
    // The access layer must agree: the open reveal is a field grant of this user on this report.
    const field = access === 'custody_original' ? 'originalEvidence' : 'reporterIdentity';
    if (!grant || !(await this.intake.mayReadField(user, reportId, field))) throw new DomainError('reveal_not_granted', '查看举报人身份和证据原件须先提出申请并经身份保管人批准；批准的查看期限已过的，请重新申请。', 403);
    return grant;
  }

  /** A user without any of `roles` is refused like an absent record (deny by default, 404). */
  private assertRole(user: User, roles: readonly Role[]): void {
    if (!roles.some((r) => user.hasRole(r))) throw new NotFoundError();
  }
}
