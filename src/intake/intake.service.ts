import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, InvalidStateError, NotFoundError, ValidationFailedError, type FieldErrors } from '../common/domain-error.js';
import { Office } from '../regions/entities/office.entity.js';
import { shanghaiDate } from '../regions/working-days.js';
import { Attachment } from '../reports/entities/attachment.entity.js';
import { Report } from '../reports/entities/report.entity.js';
import { ReportEvent } from '../reports/entities/report-event.entity.js';
import { ReportMessage } from '../reports/entities/report-message.entity.js';
import { PROBLEM_CATEGORIES, REPORT_CHANNELS, REPORT_KINDS, REPORT_STATUSES, type ReportChannel, type ReportStatus } from '../reports/report-enums.js';
import type { User } from '../users/entities/user.entity.js';
import { IntakeRepository, type InboxFilters, type IntakeViewer } from './intake.repository.js';
import { RecusalService } from '../recusal/recusal.service.js';
import { OFFLINE_CHANNELS, type OfflineChannel } from './dto/intake-api.dto.js';
import { intakeClocks, type ClocksView } from './intake-clocks.js';
import {
  ALLOWED_FROM_STATUS,
  DECLINE_GROUNDS,
  EVENT_LABELS,
  REFERRAL_ORGANS,
  publicWording,
  type DeclineGround,
  type ReferralOrgan,
} from './intake-wording.js';
import { RegionsService } from '../regions/regions.service.js';
import { OfficesService } from '../regions/offices.service.js';
import { CalendarService } from '../regions/calendar.service.js';
import { EvidenceService } from '../evidence/evidence.service.js';
import { ReportsService } from '../reports/reports.service.js';
import { formatReceiptCode } from '../common/crypto.js';
import { CluesService, type RepeatSuggestion } from '../clues/clues.service.js';
import { CluesRepository } from '../clues/clues.repository.js';
import { PersonResolutionService, type PersonCard } from '../registry/resolution/person-resolution.service.js';
import { AccessService } from '../access/access.service.js';
import type { UserAccess } from '../access/user-access.js';
import type { ReportIntakeAction } from '../access/policies/reports.policy.js';
import { User as UserEntity } from '../users/entities/user.entity.js';
import { pageNumber } from '../common/page-number.js';

export const INBOX_PAGE_SIZE = 20;
/** Limits of free texts typed by staff (code points). */
export const REASON_MAX = 1000;
export const ACK_MESSAGE_MAX = 2000;

/** One row of the inbox: nothing that identifies the reporter, only whether the report is real-name. */
export interface InboxRow {
  id: number;
  /** UTC instant; shown in Asia/Shanghai. */
  receivedAt: Date;
  category: string;
  categoryLabel: string;
  kindLabel: string;
  regionCode: string;
  /** Names from the province down, e.g. "湖南省 衡阳市 衡阳县 集兵镇 集兵村". */
  regionPath: string;
  anonymous: boolean;
  /** 匿名 / 实名 */
  reporterLabel: string;
  channel: ReportChannel;
  channelLabel: string;
  status: ReportStatus;
  statusLabel: string;
  officeName: string;
  clocks: ClocksView;
}

export interface InboxPage {
  rows: InboxRow[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
  filters: InboxFilters;
}

export interface HistoryEntry {
  at: Date;
  action: string;
  label: string;
  fromOfficeName: string | null;
  toOfficeName: string | null;
  /** The staff reason (internal; never on the citizen's page). */
  reason: string | null;
  byStaff: boolean;
}

export interface EvidenceEntry {
  id: number;
  name: string;
  mime: string;
  size: number;
  hasCleanCopy: boolean;
  addedBy: string;
}

export interface ReportDetail extends InboxRow {
  kind: string;
  description: string;
  happenedAt: string;
  subjects: { name: string; position: string; unit: string }[];
  beneficiaries: { name: string; relation: string }[];
  acknowledgedAt: Date | null;
  repeatOfId: number | null;
  referredTo: string | null;
  officeId: number;
  history: HistoryEntry[];
  messages: { at: Date; direction: string; directionLabel: string; body: string }[];
  evidence: EvidenceEntry[];
  /** Offices it may be forwarded to: the parent office (转送, up) and the child offices (转办, down). */
  forwardTargets: { id: number; name: string; direction: 'up' | 'down' }[];
  /** Likely repeats among the clues in scope (only while the report awaits acceptance); the officer decides. */
  clueSuggestions: RepeatSuggestion[];
  /** The assigned handler (承办人), or null. */
  assignedUserId: number | null;
  assigneeName: string | null;
  /** Which actions the current state and the user's access allow. */
  can: { accept: boolean; decline: boolean; forward: boolean; referOut: boolean; markRepeat: boolean; acknowledge: boolean; message: boolean; assign: boolean };
}

export interface ActionResult {
  id: number;
  status: ReportStatus;
  officeId: number;
  /** The public wording written for the citizen (status or to_reporter message); empty for an assignment. */
  publicMessage: string;
  /** For `accept`: the clue the report created or joined. */
  clueId?: number;
  /** The assigned handler after the action. */
  assignedUserId: number | null;
}

const MESSAGE_DIRECTIONS: Record<string, string> = { to_reporter: '告知举报人', from_reporter: '举报人留言', status: '办理状态（举报人可见）' };

function codePoints(s: string): number {
  return [...s].length;
}

/** Trims and checks a staff-typed text; returns the cleaned text or records a field error. */
function staffText(value: unknown, field: string, fields: FieldErrors, opts: { required: boolean; max: number; label: string }): string {
  const s = typeof value === 'string' ? value.replace(/\r\n?/g, '\n').trim().normalize('NFC') : '';
  if (!s && opts.required) fields[field] = `请填写${opts.label}`;
  else if (codePoints(s) > opts.max) fields[field] = `${opts.label}不能超过 ${opts.max} 个字`;
  return s;
}

/**
 * The staff side of intake (DESIGN.md §4): the inbox of an intake officer's scope, the detail of one
 * report, and the intake actions accept / decline / forward (up, down) / refer out / mark repeat /
 * acknowledge. Every action runs in one transaction that changes the report, appends a ReportEvent
 * (actor, time, reason), writes the public 'status' (or 'to_reporter') message and an audit event.
 * Everything is reached through the caller's scope: outside scope and absent are the same 404.
 */
@Injectable()
export class IntakeService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: IntakeRepository,
    private readonly audit: AuditService,
    private readonly regions: RegionsService,
    private readonly offices: OfficesService,
    private readonly calendar: CalendarService,
    private readonly evidence: EvidenceService,
    private readonly reports: ReportsService,
    private readonly recusal: RecusalService,
    private readonly resolution: PersonResolutionService,
    private readonly clues: CluesService,
    private readonly clueRepo: CluesRepository,
    private readonly access: AccessService,
  ) {}

  /**
   * The inbox: reports of the user's scope, newest received first, `INBOX_PAGE_SIZE` a page.
   * @param now the instant used for the clocks (defaults to now).
   */
  async inbox(user: User, filters: Partial<InboxFilters>, now = new Date()): Promise<InboxPage> {
    const f: InboxFilters = {
      status: filters.status ?? 'received',
      channel: filters.channel,
      q: filters.q?.trim() || undefined,
      page: pageNumber(filters.page),
      pageSize: filters.pageSize ?? INBOX_PAGE_SIZE,
    };
    const viewer = await this.viewer(user);
    const [reports, total] = await Promise.all([this.repo.findInboxForScope(viewer, f), this.repo.countInboxForScope(viewer, f)]);
    const offices = await this.officeNames(reports.map((r) => r.officeId));
    const paths = new Map<string, string>();
    const rows: InboxRow[] = [];
    for (const r of reports) rows.push(await this.row(r, offices, paths, now));
    return { rows, total, page: f.page, pageSize: f.pageSize, pages: Math.max(1, Math.ceil(total / f.pageSize)), filters: f };
  }

  /**
   * One report in the user's scope with its parts, history, messages and evidence list. The read is
   * audited (`report.view`), in its own transaction.
   * @throws NotFoundError when absent, outside the scope or recused (回避; audited `recusal.blocked`).
   */
  async detail(user: User, id: number, now = new Date()): Promise<ReportDetail> {
    const { report, access, facts } = await this.visibleReport(user, id, 'detail');
    await this.ds.transaction((m) =>
      this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'report.view', recordType: 'report', recordId: report.id }),
    );
    const [events, messages, attachments] = await Promise.all([this.repo.eventsOf(id), this.repo.messagesOf(id), this.repo.attachmentsOf(id)]);
    const officeIds = [report.officeId, ...events.flatMap((e) => [e.fromOfficeId, e.toOfficeId])].filter((x): x is number => x !== null);
    const offices = await this.officeNames(officeIds);
    const row = await this.row(report, offices, new Map(), now);
    const current = await this.ds.getRepository(Office).findOneBy({ id: report.officeId });
    const targets = current ? await this.forwardTargetsOf(current) : [];
    const received = report.status === 'received';
    const may = (action: ReportIntakeAction) => access.can(action, 'Report', facts);
    const assignee = report.assignedUserId !== null ? await this.ds.getRepository(UserEntity).findOne({ where: { id: report.assignedUserId }, select: { id: true, displayName: true } }) : null;
    return {
      ...row,
      kind: report.kind,
      description: report.description,
      happenedAt: report.happenedAt,
      subjects: report.subjects.map((s) => ({ name: s.name, position: s.position, unit: s.unit })),
      beneficiaries: report.beneficiaries.map((b) => ({ name: b.name, relation: b.relation })),
      acknowledgedAt: report.acknowledgedAt,
      repeatOfId: report.repeatOfId,
      referredTo: report.referredTo,
      officeId: report.officeId,
      history: events.map((e) => ({
        at: e.createdAt,
        action: e.action,
        label: EVENT_LABELS[e.action] ?? e.action,
        fromOfficeName: e.fromOfficeId !== null ? (offices.get(e.fromOfficeId) ?? null) : null,
        toOfficeName: e.toOfficeId !== null ? (offices.get(e.toOfficeId) ?? null) : null,
        reason: e.reason,
        byStaff: e.actorUserId !== null,
      })),
      messages: messages.map((m) => ({ at: m.createdAt, direction: m.direction, directionLabel: MESSAGE_DIRECTIONS[m.direction] ?? m.direction, body: m.body })),
      evidence: attachments.map((a) => ({ id: a.id, name: a.originalName, mime: a.mime, size: a.size, hasCleanCopy: a.hasCleanCopy, addedBy: a.addedBy })),
      forwardTargets: targets,
      clueSuggestions: received ? await this.clues.repeatSuggestions({ access: await this.access.forUser(user) }, report.id, now) : [],
      assignedUserId: report.assignedUserId,
      assigneeName: assignee?.displayName ?? null,
      can: {
        accept: received && may('accept'),
        decline: received && may('decline'),
        forward: received && targets.length > 0 && may('forward'),
        referOut: received && may('referOut'),
        markRepeat: received && may('markRepeat'),
        acknowledge: !report.anonymous && !report.acknowledgedAt && may('acknowledge'),
        message: may('message'),
        assign: access.can('assign', 'Report', facts),
      },
    };
  }

  /**
   * 受理. `reason` optional (a note for the file). In the same transaction the report becomes a clue
   * (DESIGN.md §4): a new clue (`CluesService.createFromReport`), or — when the officer chose a likely
   * repeat — it joins the existing clue `clueId` (in the officer's scope, not finished).
   * @throws ValidationFailedError `clueId` for a clue outside scope/absent; InvalidStateError
   *   `clue_finished` for a finished clue.
   */
  async accept(user: User, id: number, input: { reason?: unknown; clueId?: unknown }): Promise<ActionResult> {
    const fields: FieldErrors = {};
    const reason = staffText(input.reason, 'reason', fields, { required: false, max: REASON_MAX, label: '受理意见' });
    const clueId = input.clueId === undefined || input.clueId === null || input.clueId === '' ? null : Number(input.clueId);
    if (clueId !== null && (!Number.isSafeInteger(clueId) || clueId <= 0)) fields.clueId = '请填写要并入的线索编号';
    this.fail(fields);
    return this.act(user, id, 'accept', async (m, report) => {
      report.status = 'accepted';
      let joined: number;
      if (clueId !== null) {
        const clue = await this.clueRepo.lockInScope(m, { access: await this.access.forUser(user), action: 'merge' }, clueId);
        if (!clue) throw new ValidationFailedError({ clueId: '未找到该线索（只能并入本辖区的线索）' });
        await this.clues.linkReport(m, clue, report.id, user.id);
        joined = clue.id;
      } else {
        joined = (await this.clues.createFromReport(m, report, user.id)).id;
      }
      return { event: 'accepted', reason: reason || null, publicMessage: publicWording.accepted(), details: { clueId: joined, joinedExisting: clueId !== null }, clueId: joined };
    });
  }

  /** 不予受理: a statutory ground (its neutral sentence is what the citizen reads) and the officer's reason (internal). */
  async decline(user: User, id: number, input: { ground?: unknown; reason?: unknown }): Promise<ActionResult> {
    const fields: FieldErrors = {};
    const ground = typeof input.ground === 'string' && Object.hasOwn(DECLINE_GROUNDS, input.ground) ? (input.ground as DeclineGround) : null;
    if (!ground) fields.ground = '请选择不予受理的依据';
    const reason = staffText(input.reason, 'reason', fields, { required: true, max: REASON_MAX, label: '不予受理的理由' });
    this.fail(fields);
    return this.act(user, id, 'decline', async (m, report) => {
      report.status = 'declined';
      return { event: 'declined', reason, publicMessage: publicWording.declined(ground!), details: { ground } };
    });
  }

  /**
   * 转送 (up to the parent office) / 转办 (down to a child office). The receiving office gets the report
   * as `received` with its own clocks computed from now; the history keeps the move (from → to).
   */
  async forward(user: User, id: number, input: { toOfficeId?: unknown; reason?: unknown }): Promise<ActionResult> {
    const fields: FieldErrors = {};
    const toOfficeId = Number(input.toOfficeId);
    if (!Number.isSafeInteger(toOfficeId) || toOfficeId <= 0) fields.toOfficeId = '请选择接收机关';
    const reason = staffText(input.reason, 'reason', fields, { required: false, max: REASON_MAX, label: '转送/转办的理由' });
    this.fail(fields);
    return this.act(user, id, 'forward', async (m, report) => {
      const from = await m.getRepository(Office).findOneByOrFail({ id: report.officeId });
      const target = (await this.forwardTargetsOf(from)).find((t) => t.id === toOfficeId);
      if (!target) throw new ValidationFailedError({ toOfficeId: '只能转给上一级机关或下一级机关' });
      const now = new Date();
      const due = await this.calendar.intakeDueDates(now, !report.anonymous);
      report.officeId = target.id;
      report.status = 'received';
      report.receivedAt = now;
      report.forwardDue = due.forwardDue;
      // An acknowledgement already sent stays sent; otherwise the receiving office's own clock runs.
      if (!report.acknowledgedAt) report.ackDue = report.anonymous ? null : due.ackDue;
      report.dueFallbackYears = due.fallbackYears.join(',');
      return {
        event: 'forwarded',
        reason: reason || null,
        fromOfficeId: from.id,
        toOfficeId: target.id,
        publicMessage: publicWording.forwarded(target.name),
        details: { direction: target.direction, fromOfficeId: from.id, toOfficeId: target.id },
      };
    });
  }

  /** 移交 to another organ (民政/公安 …): organ and reason required; `organName` may name the exact body. */
  async referOut(user: User, id: number, input: { organ?: unknown; organName?: unknown; reason?: unknown }): Promise<ActionResult> {
    const fields: FieldErrors = {};
    const organ = typeof input.organ === 'string' && Object.hasOwn(REFERRAL_ORGANS, input.organ) ? (input.organ as ReferralOrgan) : null;
    if (!organ) fields.organ = '请选择移交的机关';
    const organName = staffText(input.organName, 'organName', fields, { required: organ === 'other', max: 100, label: '接收机关名称' });
    const reason = staffText(input.reason, 'reason', fields, { required: true, max: REASON_MAX, label: '移交的理由' });
    this.fail(fields);
    return this.act(user, id, 'referOut', async (m, report) => {
      report.status = 'referred_out';
      report.referredTo = organName || REFERRAL_ORGANS[organ!];
      return { event: 'referred_out', reason, publicMessage: publicWording.referredOut(organ!), details: { organ } };
    });
  }

  /** 重复件: the other report must exist in the same scope (and not be this one). */
  async markRepeat(user: User, id: number, input: { repeatOfId?: unknown; reason?: unknown }): Promise<ActionResult> {
    const fields: FieldErrors = {};
    const repeatOfId = Number(typeof input.repeatOfId === 'string' ? input.repeatOfId.trim().replace(/^#/, '') : input.repeatOfId);
    if (!Number.isSafeInteger(repeatOfId) || repeatOfId <= 0) fields.repeatOfId = '请填写原举报的编号';
    else if (repeatOfId === id) fields.repeatOfId = '不能标记为自身的重复件';
    const reason = staffText(input.reason, 'reason', fields, { required: false, max: REASON_MAX, label: '说明' });
    this.fail(fields);
    return this.act(user, id, 'markRepeat', async (m, report) => {
      if (!(await this.repo.existsInScope(await this.viewer(user), repeatOfId, m))) {
        throw new ValidationFailedError({ repeatOfId: '未找到该编号的举报（只能选择本辖区的举报）' });
      }
      report.status = 'repeat';
      report.repeatOfId = repeatOfId;
      return { event: 'marked_repeat', reason: reason || null, publicMessage: publicWording.repeat(), details: { repeatOfId } };
    });
  }

  /**
   * 告知受理情况 for a real-name report, once: a 'to_reporter' message on the follow-up page; stops the
   * acknowledgement clock. Allowed in any status (the reporter is told how the report is handled).
   */
  async acknowledge(user: User, id: number, input: { message?: unknown }): Promise<ActionResult> {
    const fields: FieldErrors = {};
    const message = staffText(input.message, 'message', fields, { required: true, max: ACK_MESSAGE_MAX, label: '告知内容' });
    this.fail(fields);
    return this.act(user, id, 'acknowledge', async (m, report) => {
      report.acknowledgedAt = new Date();
      return { event: 'acknowledged', reason: null, publicMessage: message, direction: 'to_reporter', details: {} };
    });
  }

  /**
   * 向举报人留言: a free message to the reporter (shown on the follow-up page, anonymous or real-name),
   * in any status. Same access as the intake actions (assignee or leader once assigned).
   * @throws ValidationFailedError (field `message`); NotFoundError outside scope or recused;
   *   InvalidStateError `not_assignee` when assigned to someone else.
   */
  async message(user: User, id: number, input: { message?: unknown }): Promise<ActionResult> {
    const fields: FieldErrors = {};
    const message = staffText(input.message, 'message', fields, { required: true, max: ACK_MESSAGE_MAX, label: '留言内容' });
    this.fail(fields);
    return this.act(user, id, 'message', async () => ({ event: 'message_sent', reason: null, publicMessage: message, direction: 'to_reporter', details: {} }));
  }

  /**
   * 指派承办人 (leader in scope): assigns the report to `userId`, an active intake officer or leader
   * for whom the report is in scope and who is not recused from it — otherwise refused with the same
   * message whatever the reason (recusal is never revealed). Reassigning an assigned report needs a
   * reason. Internal: a ReportEvent and an audit event (`report.assigned`), no message to the citizen.
   * @throws ValidationFailedError (fields `userId`, `reason`); NotFoundError outside scope or recused.
   */
  async assign(user: User, id: number, input: { userId?: unknown; reason?: unknown }): Promise<ActionResult> {
    const fields: FieldErrors = {};
    const assigneeId = Number(input.userId);
    if (!Number.isSafeInteger(assigneeId) || assigneeId <= 0) fields.userId = '请选择承办人';
    const reason = staffText(input.reason, 'reason', fields, { required: false, max: REASON_MAX, label: '指派理由' });
    this.fail(fields);
    return this.act(user, id, 'assign', async (m, report) => {
      const before = report.assignedUserId ?? null;
      if (before !== null && !reason) throw new ValidationFailedError({ reason: '改派须填写理由' });
      if (before === assigneeId) throw new ValidationFailedError({ userId: '该举报已由此人承办' });
      const assignee = await m.getRepository(UserEntity).findOneBy({ id: assigneeId });
      const refused = new ValidationFailedError({ userId: '不能指派给该工作人员（须为本辖区在岗的受理人员或领导，且无须回避）' });
      if (!assignee || !assignee.active || !(assignee.hasRole('intake_officer') || assignee.hasRole('leader'))) throw refused;
      const theirs = await this.access.forUser(assignee, { fresh: true, manager: m });
      const theirFacts = { id: report.id, regionCode: report.regionCode, assignedUserId: assigneeId, recused: (await this.recusal.conflictOf(assignee, report.id, m)) !== null };
      if (!theirs.can('read', 'Report', theirFacts) || !theirs.can('accept', 'Report', theirFacts)) throw refused;
      report.assignedUserId = assigneeId;
      return { event: before === null ? 'assigned' : 'reassigned', reason: reason || null, publicMessage: null, details: { from: before, to: assigneeId } };
    });
  }

  /**
   * The cleaned copy of an evidence file of a report in scope (audited as `attachment.view_clean`).
   * @throws NotFoundError when the report or file is absent/outside scope;
   *   DomainError `no_clean_copy` (404, "原件需经审批查看") when no cleaned copy exists.
   */
  async cleanEvidence(user: User, reportId: number, attachmentId: number): Promise<{ name: string; mime: string; data: Buffer }> {
    await this.visibleReport(user, reportId, 'evidence');
    const att = await this.repo.attachmentOf(reportId, attachmentId);
    if (!att) throw new NotFoundError();
    const data = att.hasCleanCopy ? await this.evidence.readClean(att) : null;
    if (!data) throw new DomainError('no_clean_copy', '原件需经审批查看', 404);
    await this.ds.transaction((m) =>
      this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'attachment.view_clean', recordType: 'report', recordId: reportId, details: { attachmentId } }),
    );
    return { name: att.originalName, mime: this.evidence.cleanMime(att) ?? 'application/octet-stream', data };
  }

  /**
   * Offline registration (来信/来访/电话) by an intake officer: the same validation and submission as
   * the citizen's form (no CAPTCHA), channel and `registeredBy` recorded; the region must lie in the
   * officer's scope. The self-identification warning does not block here (the officer registers what
   * the citizen said).
   * @returns the report id and the receipt code (16 digits grouped 4-4-4-4), to be shown ONCE.
   * @throws ValidationFailedError (422, Chinese field messages).
   */
  async register(user: User, raw: Record<string, unknown>): Promise<{ id: number; receiptCode: string; channel: OfflineChannel }> {
    const channel = typeof raw.channel === 'string' && (OFFLINE_CHANNELS as readonly string[]).includes(raw.channel) ? (raw.channel as OfflineChannel) : null;
    const outcome = await this.reports.validateSubmission(raw);
    const fields: FieldErrors = outcome.ok ? {} : { ...outcome.fields };
    if (!channel) fields.channel = '请选择收到举报的渠道（来信、来访或电话）';
    const code = typeof raw.regionCode === 'string' ? raw.regionCode.trim() : '';
    const access = await this.access.forUser(user);
    if (/^\d{12}$/.test(code) && !fields.regionCode && !access.can('register', 'Report', { id: 0, regionCode: code, assignedUserId: null, recused: false })) fields.regionCode = '只能登记本辖区内的举报';
    this.fail(fields);
    if (!outcome.ok) throw new ValidationFailedError(outcome.fields);
    const { report, receiptCode } = await this.reports.submit(outcome.value, { channel: channel!, registeredBy: user });
    return { id: report.id, receiptCode: formatReceiptCode(receiptCode), channel: channel! };
  }

  /**
   * Person cards of the officials a report names (registry resolution, DESIGN.md §6), part of the
   * detail view (whose read is audited there). Other reports on a card come from the user's scoped
   * search only. @throws NotFoundError when absent or outside the scope.
   */
  async personCards(user: User, id: number): Promise<PersonCard[]> {
    if (!(await this.existsInScope(user, id))) throw new NotFoundError();
    const resolution = await this.resolution.resolveReport(id);
    const search = async (q: string) => (await this.inbox(user, { status: 'all', q, page: 1, pageSize: 50 })).rows;
    return this.resolution.personCards(resolution, { userId: user.id, scopePrefix: user.scopePrefix, access: await this.access.forUser(user), action: 'card' }, search);
  }

  /** Whether the user may see report `id` (same answer as the detail: absent and outside scope are alike). */
  async existsInScope(user: User, id: number): Promise<boolean> {
    return this.repo.existsInScope(await this.viewer(user), id);
  }

  /**
   * For features acting on one report (identity custody): the report if `user` may `action` it (by
   * default `custody`: see reports.policy.ts) — the same scope and recusal check as the detail page
   * (a withheld read is audited `recusal.blocked`, with `access` as the route kind).
   * @throws NotFoundError when absent, outside the scope or recused.
   */
  async readableReport(user: User, id: number, access: string, action = 'custody'): Promise<Report> {
    return (await this.visibleReport(user, id, access, action)).report;
  }

  /**
   * Whether `user` may read `field` of report `id` (e.g. `reporterIdentity` during an approved
   * reveal; reports.policy.ts). False when the report is not readable for custody (scope, recusal).
   */
  async mayReadField(user: User, id: number, field: string): Promise<boolean> {
    const access = await this.access.forUser(user);
    const report = await this.repo.findInScope({ access, action: 'custody' }, id);
    return !!report && access.can('read', 'Report', await this.factsOf(user, report), field);
  }

  /** Of report `ids`, those `user` may `action` (default `custody`; the inbox's scope, recusal included). */
  async readableIds(user: User, ids: number[], action = 'custody'): Promise<Set<number>> {
    return this.repo.idsInScope({ ...(await this.viewer(user)), action }, ids);
  }

  /** The scope of `user`: the `read` rules of their access (region or grant, and recusal 回避). */
  private async viewer(user: User): Promise<IntakeViewer> {
    return { access: await this.access.forUser(user) };
  }

  /** The facts of a loaded report that the reports policy reads (recusal checked on the record). */
  private async factsOf(user: User, report: Report, m?: EntityManager): Promise<Record<string, unknown>> {
    return { id: report.id, regionCode: report.regionCode, assignedUserId: report.assignedUserId ?? null, recused: (await this.recusal.conflictOf(user, report.id, m)) !== null };
  }

  /**
   * A report the user may read, or NotFoundError. The SQL scope (from the policy) finds it; the loaded
   * record is checked again with the ability. A report withheld only by recusal is audited (`recusal.blocked`).
   */
  private async visibleReport(user: User, id: number, kind: string, action = 'read'): Promise<{ report: Report; access: UserAccess; facts: Record<string, unknown> }> {
    const access = await this.access.forUser(user);
    const report = await this.repo.findInScope({ access, action }, id);
    const facts = report ? await this.factsOf(user, report) : null;
    if (report && facts && access.can(action, 'Report', facts)) return { report, access, facts };
    if (report || (await this.repo.existsInScope({ access, action, ignoreRecusal: true }, id))) await this.recusal.auditBlocked(user, id, kind);
    throw new NotFoundError();
  }

  // ---------------------------------------------------------------------------------------------

  /** The parent office (up) and the child offices (down) of `office`. */
  private async forwardTargetsOf(office: Office): Promise<{ id: number; name: string; direction: 'up' | 'down' }[]> {
    const [parent, children] = await Promise.all([this.offices.parentOffice(office), this.offices.childOffices(office)]);
    return [
      ...(parent ? [{ id: parent.id, name: parent.name, direction: 'up' as const }] : []),
      ...children.map((c) => ({ id: c.id, name: c.name, direction: 'down' as const })),
    ];
  }

  private fail(fields: FieldErrors): void {
    if (Object.keys(fields).length > 0) throw new ValidationFailedError(fields);
  }

  /**
   * Runs one intake action in one transaction: lock the report (in scope, else 404), check the state,
   * let `change` modify it, then save it and write the ReportEvent, the public message and the audit event.
   */
  private async act(
    user: User,
    id: number,
    action: ReportIntakeAction | 'assign',
    change: (
      m: EntityManager,
      report: Report,
    ) => Promise<{
      event: string;
      reason: string | null;
      /** What the citizen reads on the follow-up page; null writes no message (assignment is internal). */
      publicMessage: string | null;
      direction?: 'status' | 'to_reporter';
      fromOfficeId?: number;
      toOfficeId?: number;
      details: Record<string, unknown>;
      clueId?: number;
    }>,
  ): Promise<ActionResult> {
    let blocked = false;
    const access = await this.access.forUser(user);
    const run = this.ds.transaction(async (m) => {
      const report = await this.repo.lockInScope(m, { access }, id);
      const facts = report ? await this.factsOf(user, report, m) : null;
      if (!report || !facts || !access.can('read', 'Report', facts)) {
        blocked = !!report || (await this.repo.existsInScope({ access, ignoreRecusal: true }, id, m));
        throw new NotFoundError();
      }
      if (!access.can(action, 'Report', facts)) {
        // The user sees the report but may not act on it: it is assigned to someone else (leaders may).
        if (action !== 'assign' && report.assignedUserId !== null && report.assignedUserId !== user.id) throw new InvalidStateError('该举报已指派给其他承办人，只有承办人或领导可以办理。', 'not_assignee');
        throw new NotFoundError();
      }
      if (action !== 'assign' && action !== 'message') await this.assertHandledWithinScope(m, access, report);
      this.assertAllowed(action, report);
      const r = await change(m, report);
      await m.getRepository(Report).save(report);
      // created_at has no database default (portable migrations): set it here.
      const at = new Date();
      await m.getRepository(ReportEvent).insert({
        createdAt: at,
        reportId: report.id,
        action: r.event,
        actorUserId: user.id,
        fromOfficeId: r.fromOfficeId ?? report.officeId,
        toOfficeId: r.toOfficeId ?? null,
        reason: r.reason,
      });
      if (r.publicMessage !== null) await m.getRepository(ReportMessage).insert({ reportId: report.id, direction: r.direction ?? 'status', body: r.publicMessage, authorUserId: user.id, createdAt: at });
      await this.audit.record(m, {
        actorUserId: user.id,
        actorKind: 'user',
        action: `report.${r.event}`,
        recordType: 'report',
        recordId: report.id,
        reason: r.reason,
        details: { ...r.details, status: report.status },
      });
      return { id: report.id, status: report.status, officeId: report.officeId, publicMessage: r.publicMessage ?? '', assignedUserId: report.assignedUserId ?? null, ...(r.clueId ? { clueId: r.clueId } : {}) };
    });
    try {
      return await run;
    } catch (e) {
      if (blocked) await this.recusal.auditBlocked(user, id, action);
      throw e;
    }
  }

  /** A report that was forwarded to an office outside the user's scope is no longer theirs to act on. */
  private async assertHandledWithinScope(m: EntityManager, access: UserAccess, report: Report): Promise<void> {
    const office = await m.getRepository(Office).findOneBy({ id: report.officeId });
    if (!office || !access.regionInScope(office.regionCode)) {
      throw new InvalidStateError(`该举报现由 ${office?.name ?? '其他机关'} 办理，本机关不能再作受理处理。`, 'not_handling_office');
    }
  }

  private assertAllowed(action: string, report: Report): void {
    if (action === 'message' || action === 'assign') return;
    if (action === 'acknowledge') {
      if (report.anonymous) throw new InvalidStateError('匿名举报没有可告知的举报人，只有实名举报需要告知受理情况。');
      if (report.acknowledgedAt) throw new InvalidStateError('已经告知过受理情况，不能重复告知。');
      return;
    }
    if (report.status !== 'received') {
      throw new InvalidStateError(`只有“${REPORT_STATUSES.received}”的举报才能作此处理。${ALLOWED_FROM_STATUS[report.status]}。`);
    }
  }

  private async officeNames(ids: number[]): Promise<Map<number, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const offices = await this.ds.getRepository(Office).find({ where: { id: In(unique) } });
    return new Map(offices.map((o) => [o.id, o.name]));
  }

  private async row(r: Report, offices: Map<number, string>, paths: Map<string, string>, now: Date): Promise<InboxRow> {
    let path = paths.get(r.regionCode);
    if (path === undefined) {
      path = await this.regions.pathLabel(r.regionCode);
      paths.set(r.regionCode, path);
    }
    return {
      id: r.id,
      receivedAt: r.receivedAt,
      category: r.category,
      categoryLabel: PROBLEM_CATEGORIES[r.category] ?? r.category,
      kindLabel: REPORT_KINDS[r.kind] ?? r.kind,
      regionCode: r.regionCode,
      regionPath: path || r.regionCode,
      anonymous: r.anonymous,
      reporterLabel: r.anonymous ? '匿名' : '实名',
      channel: r.channel,
      channelLabel: REPORT_CHANNELS[r.channel] ?? r.channel,
      status: r.status,
      statusLabel: REPORT_STATUSES[r.status] ?? r.status,
      officeName: offices.get(r.officeId) ?? '',
      clocks: intakeClocks(r, this.calendar, shanghaiDate(now)),
    };
  }
}
