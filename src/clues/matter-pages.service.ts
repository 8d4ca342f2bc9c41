import { cleanText } from './clean-text.js';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { InvalidStateError, NotFoundError, ValidationFailedError } from '../common/domain-error.js';
import { CustodyRepository } from '../custody/custody.repository.js';
import { CustodyService } from '../custody/custody.service.js';
import { RegionsService } from '../regions/regions.service.js';
import { Office } from '../regions/entities/office.entity.js';
import { ReportMessage } from '../reports/entities/report-message.entity.js';
import { Report } from '../reports/entities/report.entity.js';
import { User } from '../users/entities/user.entity.js';
import { MATTER_STATUSES, type MatterStatus } from './clue-enums.js';
import { CluesRepository } from './clues.repository.js';
import { ClueEvent } from './entities/clue-event.entity.js';
import { ClueReport } from './entities/clue-report.entity.js';
import { Clue } from './entities/clue.entity.js';
import { MatterProposal } from './entities/matter-proposal.entity.js';
import { MatterClocksService, OVERDUE_LIMIT, type OverdueRow } from './matter-clocks.service.js';
import { transitionOf } from './matter-transitions.js';
import { ForbiddenTransitionError, MattersService } from './matters.service.js';

/** How many overdue matters the leaders' list shows (most overdue first). */
export { OVERDUE_LIMIT };

/** Longest message staff may write to a reporter (code points). */
export const STAFF_MESSAGE_MAX = 2000;

/** Printable documents of a matter (DESIGN.md §4; 检举控告工作规则 2020, 监督执纪工作规则 2019). */
export const MATTER_DOCUMENTS = {
  acknowledgement: '受理告知书',
  inquiry: '函询函',
  filing: '立案决定书',
  feedback: '处理结果反馈',
} as const;
export type MatterDocument = keyof typeof MATTER_DOCUMENTS;

/** A pending leader approval as listed in the queue. */
export interface ApprovalItem {
  clueId: number;
  /** null for a disposal proposal (approved as a transition, not a stored proposal). */
  proposalId: number | null;
  action: string;
  label: string;
  toLabel: string;
  proposedByUserId: number | null;
  proposedBy: string;
  proposedAt: Date;
  regionCode: string;
  statusLabel: string;
  /** The viewer proposed it: another leader must decide. */
  own: boolean;
}

/** The reporter's name as a document may show it, or why it cannot. */
export interface ReporterOnDocument {
  reportId: number;
  receivedAt: Date;
  /** Set only under the user's own open reveal (custody); the view is audited by CustodyService. */
  name: string | null;
}


/**
 * What the staff pages of matters need beyond the page-independent services: names of staff, the
 * leaders' approvals queue, the overdue list grouped by region, two-way messages with reporters, and
 * the data of printable documents. Scope and recusal always through {@link CluesRepository.inScope}
 * or {@link MattersService.withClue}; outside scope is 404.
 */
@Injectable()
export class MatterPagesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: CluesRepository,
    private readonly matters: MattersService,
    private readonly clocks: MatterClocksService,
    private readonly audit: AuditService,
    private readonly regions: RegionsService,
    private readonly custodyRepo: CustodyRepository,
    private readonly custody: CustodyService,
  ) {}

  /** Display names of staff ids (missing ids left out). Staff names are not personal data of reporters. */
  async userNames(ids: (number | null | undefined)[]): Promise<Map<number, string>> {
    const wanted = [...new Set(ids.filter((x): x is number => typeof x === 'number'))];
    if (!wanted.length) return new Map();
    const rows = await this.ds.getRepository(User).find({ where: { id: In(wanted) }, select: { id: true, displayName: true } });
    return new Map(rows.map((u) => [u.id, u.displayName]));
  }

  /** Active staff holding `role` whose scope covers `regionCode` (choices of forms; the service re-checks eligibility and recusal). */
  async staffFor(regionCode: string, role: 'case_handler' | null): Promise<{ id: number; name: string }[]> {
    const rows = await this.ds.getRepository(User).find({ where: { active: true }, select: { id: true, displayName: true, roles: true, scopePrefix: true }, order: { id: 'ASC' } });
    const matterRoles = ['case_handler', 'trial_reviewer', 'leader', 'intake_officer'];
    return rows
      .filter((u) => regionCode.startsWith(u.scopePrefix) && (role ? u.roles.split(',').includes(role) : u.roles.split(',').some((r) => matterRoles.includes(r))))
      .map((u) => ({ id: u.id, name: u.displayName }));
  }

  /**
   * The leader's approvals queue: stored proposals pending (filing, withdrawal, closing) and disposal
   * proposals awaiting approval, on matters in scope and not recused, oldest first.
   */
  async approvals(user: User, limit = 200): Promise<ApprovalItem[]> {
    const viewer = await this.matters.viewer(user);
    const pq = this.ds.getRepository(MatterProposal).createQueryBuilder('p').innerJoin(Clue, 'c', 'c.id = p.clue_id');
    this.repo.inScope(pq, viewer);
    const proposals = await pq.andWhere("p.status = 'pending'").orderBy('p.proposed_at', 'ASC').addOrderBy('p.id', 'ASC').limit(limit).getMany();
    const cq = this.ds.getRepository(Clue).createQueryBuilder('c');
    this.repo.inScope(cq, viewer);
    const disposals = await cq.andWhere("c.status = 'disposal_proposed'").orderBy('c.state_entered_at', 'ASC').limit(limit).getMany();
    const clues = proposals.length ? await this.ds.getRepository(Clue).findBy({ id: In(proposals.map((p) => p.clueId)) }) : [];
    const proposers = new Map<number, number | null>();
    for (const c of disposals) {
      const ev = await this.ds.getRepository(ClueEvent).findOne({ where: { clueId: c.id, action: 'propose_disposal' }, order: { id: 'DESC' } });
      proposers.set(c.id, ev?.actorUserId ?? null);
    }
    const names = await this.userNames([...proposals.map((p) => p.proposedByUserId), ...proposers.values()]);
    const items: ApprovalItem[] = [
      ...proposals.map((p) => {
        const c = clues.find((x) => x.id === p.clueId)!;
        return {
          clueId: p.clueId,
          proposalId: p.id,
          action: p.action,
          label: transitionOf(p.action)?.label ?? p.action,
          toLabel: MATTER_STATUSES[p.toStatus as MatterStatus] ?? p.toStatus,
          proposedByUserId: p.proposedByUserId,
          proposedBy: names.get(p.proposedByUserId) ?? '',
          proposedAt: p.proposedAt,
          regionCode: c.regionCode,
          statusLabel: MATTER_STATUSES[c.status],
          own: p.proposedByUserId === user.id,
        };
      }),
      ...disposals.map((c) => {
        const by = proposers.get(c.id) ?? null;
        return {
          clueId: c.id,
          proposalId: null,
          action: 'approve_disposal',
          label: '处置意见',
          toLabel: c.disposalMethod ? MATTER_STATUSES[c.disposalMethod] : '',
          proposedByUserId: by,
          proposedBy: by ? (names.get(by) ?? '') : '',
          proposedAt: c.stateEnteredAt,
          regionCode: c.regionCode,
          statusLabel: MATTER_STATUSES[c.status],
          own: by === user.id,
        };
      }),
    ];
    return items.sort((a, b) => a.proposedAt.getTime() - b.proposedAt.getTime() || a.clueId - b.clueId);
  }

  /**
   * The overdue list of the user's scope (the {@link OVERDUE_LIMIT} most overdue) grouped by the region
   * one level below the scope (a province leader sees cities, a city leader counties, a county leader
   * townships), with region names.
   */
  async overdueByRegion(user: User, today?: string): Promise<{ limited: boolean; groups: { regionCode: string; regionName: string; rows: OverdueRow[] }[] }> {
    const all = await this.clocks.overdue(user, today, OVERDUE_LIMIT + 1);
    const rows = all.slice(0, OVERDUE_LIMIT);
    const depth = { 2: 4, 4: 6, 6: 9, 9: 12, 12: 12 }[user.scopePrefix.length] ?? 12;
    const groups = new Map<string, OverdueRow[]>();
    for (const r of rows) {
      const key = r.regionCode.slice(0, depth).padEnd(12, '0');
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const out = [];
    for (const [regionCode, list] of [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      out.push({ regionCode, regionName: (await this.regions.pathLabel(regionCode).catch(() => '')) || regionCode, rows: list });
    }
    return { limited: all.length > OVERDUE_LIMIT, groups: out };
  }

  /**
   * Messages of the reports of clue `clueId` (the caller has the clue in scope), oldest first, per report.
   */
  async messagesOf(reportIds: number[]): Promise<Map<number, ReportMessage[]>> {
    const out = new Map<number, ReportMessage[]>(reportIds.map((id) => [id, []]));
    if (!reportIds.length) return out;
    const rows = await this.ds.getRepository(ReportMessage).find({ where: { reportId: In(reportIds) }, order: { id: 'ASC' } });
    for (const m of rows) out.get(m.reportId)!.push(m);
    return out;
  }

  /**
   * A message from staff to the reporter of report `reportId` of clue `clueId`, shown on the citizen's
   * follow-up page (where the reporter can answer). Audited `report.message_sent` (no text in the audit).
   * @throws NotFoundError (clue outside scope/recused, or the report is not part of the clue);
   *   ForbiddenTransitionError 403 `role_not_allowed` for an in-scope user who is neither case handler nor leader
   *   (an intake officer may read the matter, DESIGN.md §5, but not write to the reporter);
   *   ValidationFailedError `body` (empty or over {@link STAFF_MESSAGE_MAX} characters);
   *   InvalidStateError `matter_merged` never (merged clues are 404).
   */
  async sendMessage(user: User, clueId: number, reportId: number, input: { body?: unknown }): Promise<void> {
    await this.matters.withClue(user, clueId, 'message', async (m, clue) => {
      // In scope the matter is visible to every matter role (DESIGN.md §5), so a role without the right to write to the
      // reporter is told so (403 role_not_allowed, like the other role refusals of matters) instead of a misleading 404.
      if (!user.hasRole('case_handler') && !user.hasRole('leader')) throw new ForbiddenTransitionError('role_not_allowed', '只有承办人或领导才能给举报人留言。');
      const link = await m.getRepository(ClueReport).findOneBy({ clueId: clue.id, reportId });
      if (!link) throw new NotFoundError();
      const body = cleanText(input.body);
      if (!body) throw new ValidationFailedError({ body: '请填写留言内容' });
      if ([...body].length > STAFF_MESSAGE_MAX) throw new ValidationFailedError({ body: `留言不能超过 ${STAFF_MESSAGE_MAX} 个字` });
      const now = new Date();
      await m.getRepository(ReportMessage).insert({ reportId, direction: 'to_reporter', body, authorUserId: user.id, createdAt: now });
      await this.matters.event(m, clue, user.id, 'message_sent', null, null, { reportId });
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'report.message_sent', recordType: 'report', recordId: reportId, details: { clueId: clue.id } });
    });
  }

  /** The office handling a clue (its own, else the one of the nearest region), for document headers. */
  async officeName(clue: { officeId: number | null; regionCode: string }): Promise<string> {
    if (clue.officeId) {
      const o = await this.ds.getRepository(Office).findOneBy({ id: clue.officeId });
      if (o) return o.name;
    }
    for (const len of [9, 6, 4, 2]) {
      const o = await this.ds.getRepository(Office).findOneBy({ regionCode: clue.regionCode.slice(0, len).padEnd(12, '0') });
      if (o) return o.name;
    }
    return '纪委监委';
  }

  /**
   * The real-name reporter of report `reportId` (linked to the clue) as a document may show them: the
   * name only when the user holds an open approved reveal of that report (custody; the view is audited
   * `custody.identity_viewed`), otherwise null — the document then leaves the name to be filled in.
   * @throws NotFoundError when the report is not a real-name report of the clue.
   */
  async reporterOnDocument(user: User, clueId: number, reportId: number): Promise<ReporterOnDocument> {
    const link = await this.ds.getRepository(ClueReport).findOneBy({ clueId, reportId });
    const report = link ? await this.ds.getRepository(Report).findOne({ where: { id: reportId }, select: { id: true, anonymous: true, receivedAt: true } }) : null;
    if (!report || report.anonymous) throw new NotFoundError();
    let name: string | null = null;
    const mayReveal = user.hasRole('case_handler') || user.hasRole('intake_officer');
    if (mayReveal && (await this.custodyRepo.activeGrant(reportId, user.id, new Date()))) {
      name = (await this.custody.reveal(user, reportId)).identity?.name ?? null;
    }
    return { reportId, receivedAt: report.receivedAt, name };
  }

  /** Audits that a document of a clue was opened for printing (ids only). */
  async auditDocument(user: User, clueId: number, kind: MatterDocument, details: Record<string, unknown>): Promise<void> {
    await this.ds.transaction((m) => this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'clue.document_printed', recordType: 'clue', recordId: clueId, details: { kind, ...details } }));
  }

  /** The fields a filing decision was proposed with (the approved `file_case` proposal). */
  async filingFields(clueId: number): Promise<{ filingDecision: string; verificationReport: string } | null> {
    const p = await this.ds.getRepository(MatterProposal).findOne({ where: { clueId, action: 'file_case', status: 'approved' }, order: { id: 'DESC' } });
    if (!p) return null;
    const f = JSON.parse(p.fields) as Record<string, string>;
    return { filingDecision: f.filingDecision ?? '', verificationReport: f.verificationReport ?? '' };
  }

  /** Refuses a document that does not exist yet for the matter (409 with a Chinese message). */
  notAvailable(what: string): never {
    throw new InvalidStateError(`${what}`, 'document_not_available');
  }
}
