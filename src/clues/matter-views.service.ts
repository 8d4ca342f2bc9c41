import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { NotFoundError } from '../common/domain-error.js';
import { Case } from '../cases/entities/case.entity.js';
import { EntitlementChange, MatterOutcome, NameClearing, Rectification, Recovery, SanctionReview } from '../cases/entities/outcomes.entity.js';
import { Report } from '../reports/entities/report.entity.js';
import { PROBLEM_CATEGORIES } from '../reports/report-enums.js';
import type { User } from '../users/entities/user.entity.js';
import { CLUE_SOURCES, CONCLUSIONS, DISPOSAL_METHODS, MATTER_STATUSES, type MatterStatus } from './clue-enums.js';
import { CluesRepository } from './clues.repository.js';
import { ClueBeneficiary } from './entities/clue-beneficiary.entity.js';
import { ClueEvent } from './entities/clue-event.entity.js';
import { ClueReport } from './entities/clue-report.entity.js';
import { ClueSubject } from './entities/clue-subject.entity.js';
import { Clue } from './entities/clue.entity.js';
import { MatterProposal } from './entities/matter-proposal.entity.js';
import { ReportFeedback } from './entities/report-feedback.entity.js';
import { InquiryLetter } from './entities/inquiry-letter.entity.js';
import { mayRecordInquiry } from './inquiry-letter-rules.js';
import { MatterClocksService, type ClockView } from './matter-clocks.service.js';
import { MattersService } from './matters.service.js';
import { CluesService, type RepeatSuggestion } from './clues.service.js';
import { pageNumber } from '../common/page-number.js';

export type { RepeatSuggestion };

export const MATTER_PAGE_SIZE = 20;

/** One row of a work list. */
export interface MatterRow {
  id: number;
  source: string;
  sourceLabel: string;
  status: MatterStatus;
  statusLabel: string;
  category: string | null;
  categoryLabel: string | null;
  regionCode: string;
  assignedUserId: number | null;
  registeredAt: Date;
  clock: ClockView | null;
  subjectNames: string[];
}

/**
 * Page-independent read models of matters: work lists, the detail with timeline and outcomes, and the
 * likely-repeat suggestions at intake. Scope and recusal through {@link CluesRepository.inScope}.
 */
@Injectable()
export class MatterViewsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: CluesRepository,
    private readonly matters: MattersService,
    private readonly clocks: MatterClocksService,
    private readonly audit: AuditService,
    private readonly clues: CluesService,
  ) {}

  /** A page of the user's work list: `status` ('open' default), `mine` = assigned to the user. */
  async list(user: User, q: { status?: MatterStatus | 'open' | 'all'; mine?: boolean; page?: number }): Promise<{ items: MatterRow[]; total: number; page: number; pageSize: number }> {
    const page = pageNumber(q.page);
    const [clues, total] = await this.repo.list(await this.matters.viewer(user), { status: q.status ?? 'open', assignedUserId: q.mine ? user.id : undefined, page, pageSize: MATTER_PAGE_SIZE });
    const subjects = clues.length ? await this.ds.getRepository(ClueSubject).find({ where: { clueId: In(clues.map((c) => c.id)) }, order: { ordinal: 'ASC' } }) : [];
    const today = new Date();
    return { items: clues.map((c) => this.row(c, subjects.filter((s) => s.clueId === c.id).map((s) => s.name), today)), total, page, pageSize: MATTER_PAGE_SIZE };
  }

  /**
   * A matter with everything staff need: subjects, beneficiaries, reports, case, pending proposal,
   * timeline, outcomes, clocks, inquiry letters (函询) with their reply clocks, what the user may do now
   * (`allowedActions`, `mayRecordInquiry`). Audited (`clue.view`).
   * @throws NotFoundError (absent, outside scope, recused — recused reads audited).
   */
  async detail(user: User, id: number) {
    const clue = await this.repo.findInScope(await this.matters.viewer(user), id);
    if (!clue) {
      if (await this.repo.findInScope(await this.matters.viewer(user, { ignoreRecusal: true }), id)) await this.matters.auditBlocked(user, id, 'detail');
      throw new NotFoundError();
    }
    await this.ds.transaction((m) => this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'clue.view', recordType: 'clue', recordId: clue.id }));
    const r = this.ds;
    const [subjects, beneficiaries, links, caseRow, proposals, events, outcomes, recoveries, changes, rectifications, clearings, reviews, feedback, letters] = await Promise.all([
      r.getRepository(ClueSubject).find({ where: { clueId: id }, order: { ordinal: 'ASC', id: 'ASC' } }),
      r.getRepository(ClueBeneficiary).find({ where: { clueId: id }, order: { ordinal: 'ASC', id: 'ASC' } }),
      r.getRepository(ClueReport).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(Case).findOneBy({ clueId: id }),
      r.getRepository(MatterProposal).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(ClueEvent).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(MatterOutcome).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(Recovery).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(EntitlementChange).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(Rectification).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(NameClearing).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(SanctionReview).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(ReportFeedback).find({ where: { clueId: id }, order: { id: 'ASC' } }),
      r.getRepository(InquiryLetter).find({ where: { clueId: id }, order: { id: 'ASC' } }),
    ]);
    const reports = links.length ? await r.getRepository(Report).find({ where: { id: In(links.map((l) => l.reportId)) }, select: { id: true, anonymous: true, receivedAt: true, channel: true, status: true } }) : [];
    const today = this.clocks.today();
    return {
      ...this.row(clue, subjects.map((s) => s.name), new Date()),
      summary: clue.summary,
      disposalMethod: clue.disposalMethod,
      disposalMethodLabel: clue.disposalMethod ? DISPOSAL_METHODS[clue.disposalMethod] : null,
      conclusion: clue.conclusion,
      conclusionLabel: clue.conclusion ? CONCLUSIONS[clue.conclusion] : null,
      transferredTo: clue.transferredTo,
      findingId: clue.findingId,
      subjects: subjects.map((s) => ({ id: s.id, name: s.name, position: s.position, unit: s.unit, officialId: s.officialId, personId: s.personId, officialRole: s.officialRole, positionRole: s.positionRole, partyMember: s.partyMember })),
      beneficiaries: beneficiaries.map((b) => ({ id: b.id, name: b.name, relation: b.relation, householdId: b.householdId, personId: b.personId })),
      reports: links.map((l) => {
        const rep = reports.find((x) => x.id === l.reportId);
        return { reportId: l.reportId, linkKind: l.linkKind, linkedAt: l.linkedAt, anonymous: rep?.anonymous ?? true, receivedAt: rep?.receivedAt ?? null, channel: rep?.channel ?? null };
      }),
      case: caseRow ? { caseNumber: caseRow.caseNumber, filedAt: caseRow.filedAt, proposedByUserId: caseRow.proposedByUserId, approvedByUserId: caseRow.approvedByUserId, coHandlerUserId: caseRow.coHandlerUserId, announcedOn: caseRow.announcedOn, closedAt: caseRow.closedAt } : null,
      proposals: proposals.map((p) => ({ id: p.id, action: p.action, from: p.fromStatus, to: p.toStatus, fields: JSON.parse(p.fields) as unknown, proposedByUserId: p.proposedByUserId, proposedAt: p.proposedAt, status: p.status, decidedByUserId: p.decidedByUserId, decidedAt: p.decidedAt, decisionReason: p.decisionReason })),
      timeline: events.map((e) => ({ id: e.id, at: e.createdAt, action: e.action, from: e.fromStatus, to: e.toStatus, actorUserId: e.actorUserId, reason: e.reason, details: e.details ? (JSON.parse(e.details) as unknown) : null })),
      outcomes: outcomes.map((o) => ({ id: o.id, subjectId: o.subjectId, kind: o.kind, type: o.type, effectMonths: o.effectMonths, effectFrom: o.effectFrom, effectTo: o.effectTo, decidedOn: o.decidedOn, receivedOn: o.receivedOn, note: o.note })),
      recoveries: recoveries.map((x) => ({ id: x.id, subjectId: x.subjectId, amountFen: x.amountFen, recoveredOn: x.recoveredOn, kind: x.kind })),
      recoveredTotalFen: recoveries.reduce((a, x) => a + x.amountFen, 0),
      entitlementChanges: changes.map((x) => ({ id: x.id, householdId: x.householdId, householdLabel: x.householdLabel, change: x.change, monthlyReductionFen: x.monthlyReductionFen, effectiveMonth: x.effectiveMonth })),
      rectifications: rectifications.map((x) => ({ id: x.id, task: x.task, ownerUnit: x.ownerUnit, dueDate: x.dueDate, status: x.status, evidence: x.evidence, completedOn: x.completedOn, overdue: x.status !== 'done' && x.dueDate < today })),
      nameClearings: clearings.map((x) => ({ id: x.id, subjectId: x.subjectId, clearedOn: x.clearedOn, method: x.method })),
      // `clock`: the decision clock (复审 1 month, 复核 2 months; 政务处分法 art. 55) while undecided, else null.
      sanctionReviews: reviews.map((x) => ({ id: x.id, outcomeId: x.outcomeId, kind: x.kind, requestedOn: x.requestedOn, requestDue: x.requestDue, decisionDue: x.decisionDue, decidedOn: x.decidedOn, result: x.result, note: x.note, clock: x.decidedOn ? null : this.clocks.view(x.kind === 're_review' ? 're_review_decision' : 'review_decision', x.decisionDue, '', today) })),
      feedback: feedback.map((f) => ({
        reportId: f.reportId,
        clock: f.sentAt ? null : this.clocks.view('feedback_result', f.dueDate, f.dueFallbackYears),
        dueDate: f.dueDate,
        sentAt: f.sentAt,
        publicText: f.publicText,
        objectionText: f.objectionText,
        objectedAt: f.objectedAt,
        answerText: f.answerText,
        answeredAt: f.answeredAt,
      })),
      // 函询: each letter with its reply clock while the reply is awaited (null before receipt and after the reply).
      inquiryLetters: letters.map((l) => ({
        id: l.id,
        subjectId: l.subjectId,
        subjectName: subjects.find((s) => s.id === l.subjectId)?.name ?? '',
        sentOn: l.sentOn,
        receivedOn: l.receivedOn,
        replyDue: l.replyDue,
        repliedOn: l.repliedOn,
        replySummary: l.replySummary,
        clock: l.replyDue && !l.repliedOn ? this.clocks.view('inquiry_reply', l.replyDue, l.replyDueFallbackYears, today) : null,
        sentRecordedByUserId: l.sentRecordedByUserId,
        receivedRecordedByUserId: l.receivedRecordedByUserId,
        replyRecordedByUserId: l.replyRecordedByUserId,
      })),
      mayRecordInquiry: mayRecordInquiry(user, clue),
      allowedActions: this.matters.allowedFor(user, clue),
    };
  }

  /** Likely repeats of report `reportId` for `user` (the caller checked the report is visible): see {@link CluesService.repeatSuggestions}. */
  async suggestionsForReport(user: User, reportId: number, now = new Date()): Promise<RepeatSuggestion[]> {
    return this.clues.repeatSuggestions(await this.matters.viewer(user), reportId, now);
  }

  private row(c: Clue, subjectNames: string[], now: Date): MatterRow {
    return {
      id: c.id,
      source: c.source,
      sourceLabel: CLUE_SOURCES[c.source],
      status: c.status,
      statusLabel: MATTER_STATUSES[c.status],
      category: c.category,
      categoryLabel: c.category ? (PROBLEM_CATEGORIES[c.category] ?? c.category) : null,
      regionCode: c.regionCode,
      assignedUserId: c.assignedUserId,
      registeredAt: c.registeredAt,
      clock: this.clocks.clueClock(c, this.clocks.today(now)),
      subjectNames,
    };
  }
}
