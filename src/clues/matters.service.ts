import { HttpStatus, Injectable } from '@nestjs/common';
import { cappedText, checkDate, MATTER_TEXT_LIMITS, inputId } from './matter-input.js';
import { cleanText } from './clean-text.js';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, InvalidStateError, NotFoundError, ValidationFailedError, type FieldErrors } from '../common/domain-error.js';
import { CalendarService, formatFallbackYears } from '../regions/calendar.service.js';
import { ReporterIdentity } from '../reports/entities/reporter-identity.entity.js';
import { Report } from '../reports/entities/report.entity.js';
import { User, type Role } from '../users/entities/user.entity.js';
import { CaseNumberService } from '../cases/case-number.service.js';
import { Case } from '../cases/entities/case.entity.js';
import { EntitlementChange, MatterOutcome, NameClearing, Recovery, Rectification } from '../cases/entities/outcomes.entity.js';
import { CONCLUSIONS, DISPOSAL_METHODS, MATTER_STATUSES, type Conclusion, type MatterStatus } from './clue-enums.js';
import { CluesRepository, type MatterViewer } from './clues.repository.js';
import { ClueEvent } from './entities/clue-event.entity.js';
import { ClueRecusal } from './entities/clue-recusal.entity.js';
import { ClueReport } from './entities/clue-report.entity.js';
import { ClueSubject } from './entities/clue-subject.entity.js';
import { Official } from '../registry/entities/official.entity.js';
import { OFFICIAL_ROLE_LABELS, OFFICIAL_ROLES, type OfficialRole } from '../registry/official-roles.js';
import { ClueBeneficiary } from './entities/clue-beneficiary.entity.js';
import { Clue } from './entities/clue.entity.js';
import { MatterProposal } from './entities/matter-proposal.entity.js';
import { ReportFeedback } from './entities/report-feedback.entity.js';
import { dueDateOf } from './matter-clocks.js';
import { assertTalkMayEnd, openInquiryLetters, shanghaiNoon } from './inquiry-letter-rules.js';
import { CluesService } from './clues.service.js';
import { AccessService } from '../access/access.service.js';
import { FINAL_STATUSES, STATE_CLOCKS, allowedNowMessage, transitionOf, transitionsFrom, type TransitionSpec } from './matter-transitions.js';
import { inOfficialScope, officialScope } from './matter-subject-forms.js';

/** Roles that work matters (an `admin` sees no content; DESIGN.md §5). */
export const MATTER_ROLES: readonly Role[] = ['case_handler', 'trial_reviewer', 'leader', 'intake_officer'];

export const TEXT_MAX = 5000;

/** The result of a transition, a proposal or an approval. */
export interface TransitionResult {
  clueId: number;
  status: MatterStatus;
  /** Set when the action created a pending leader approval instead of changing the state. */
  proposalId: number | null;
  caseNumber: string | null;
}

/** Who the refused user is told they are not (403 with a code; existence is not secret once in scope). */
export class ForbiddenTransitionError extends DomainError {
  constructor(code: 'role_not_allowed' | 'not_assigned' | 'self_approval', message: string) {
    super(code, message, HttpStatus.FORBIDDEN);
  }
}



/**
 * The matter workflow (DESIGN.md §4): the state table of `matter-transitions.ts` enforced for every
 * transition — role, scope, assignment, not recused, leader approval (never by the proposer), required
 * fields — plus assignment, linking and merging, recusal on clues and the investigation steps (two-
 * person rule). Every change is one transaction with its timeline event and audit event. Outside
 * scope, absent and recused are the same 404.
 */
@Injectable()
export class MattersService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly repo: CluesRepository,
    private readonly audit: AuditService,
    private readonly calendar: CalendarService,
    private readonly numbers: CaseNumberService,
    private readonly clues: CluesService,
    private readonly access: AccessService,
  ) {}

  /**
   * The scope of `user`: their access (src/access, `clues.policy.ts`: roles, region prefix and grants,
   * recusal). `ignoreRecusal` only to tell a recused access from an absent one.
   */
  async viewer(user: User, opts: { ignoreRecusal?: boolean; manager?: EntityManager; fresh?: boolean } = {}): Promise<MatterViewer> {
    return { access: await this.access.forUser(user, { fresh: opts.fresh, manager: opts.manager }), ignoreRecusal: opts.ignoreRecusal };
  }

  /**
   * Runs `fn` on the clue locked in one transaction, or throws NotFoundError (absent, outside scope,
   * recused — a recused attempt is audited `recusal.blocked`). Refuses merged clues.
   */
  async withClue<T>(user: User, id: number, access: string, fn: (m: EntityManager, clue: Clue) => Promise<T>): Promise<T> {
    let blocked = false;
    try {
      return await this.ds.transaction(async (m) => {
        const clue = await this.repo.lockInScope(m, await this.viewer(user), id);
        if (!clue) {
          blocked = !!(await this.repo.findInScope(await this.viewer(user, { ignoreRecusal: true }), id, m));
          throw new NotFoundError();
        }
        return fn(m, clue);
      });
    } catch (e) {
      if (blocked) await this.auditBlocked(user, id, access);
      throw e;
    }
  }

  /** Runs `fn` in one transaction (manual registration through {@link CluesService.createClue}). */
  runInTransaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /** Audits a refused access to a clue the user could see but for recusal. */
  async auditBlocked(user: Pick<User, 'id'>, clueId: number, access: string): Promise<void> {
    await this.ds.transaction((m) => this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'recusal.blocked', recordType: 'clue', recordId: clueId, details: { access } }));
  }

  /**
   * Performs (or proposes) the transition `action` on clue `id`.
   * Input: `{ action, to?, reason?, …fields of the row }` — e.g. `{ action: 'propose_disposal', method:
   * 'talk_inquiry', reasoning }`. For a row with leader approval the handler's call creates a pending
   * proposal (state unchanged) that {@link approve} executes.
   * @throws NotFoundError (absent/outside scope/recused); InvalidStateError `invalid_transition` (409,
   *   says what is allowed now), `inquiry_reply_pending` (409: `conclude_talk` while an inquiry letter
   *   awaits its reply, `escalate_talk` while one is still within its reply period — see
   *   {@link assertTalkMayEnd}); ForbiddenTransitionError `role_not_allowed` / `not_assigned` /
   *   `self_approval` (403); ValidationFailedError (422, fields) for a missing or bad field.
   */
  async transition(user: User, id: number, input: Record<string, unknown>): Promise<TransitionResult> {
    const action = typeof input.action === 'string' ? input.action : '';
    return this.withClue(user, id, action || 'transition', async (m, clue) => {
      const spec = this.specFor(clue, action);
      this.assertRole(user, spec.roles, spec.label);
      if (spec.assigned && clue.assignedUserId !== user.id) throw new ForbiddenTransitionError('not_assigned', `只有本线索的承办人才能${spec.label}。`);
      if (spec.notBy === 'disposal_proposer' && (await this.lastActor(m, clue.id, 'propose_disposal')) === user.id) {
        throw new ForbiddenTransitionError('self_approval', '不能审批本人提出的处置意见。');
      }
      // 谈话函询 ends after the written reply to each inquiry letter (监督执纪工作规则 2019 arts. 28–29): see assertTalkMayEnd.
      await assertTalkMayEnd(m, clue, spec.action, this.calendar.today(), (sentOn) => dueDateOf(this.calendar, 'inquiry_reply', shanghaiNoon(sentOn)).due);
      const fields = await this.validateFields(m, user, clue, spec, input);
      if (spec.approval === 'leader') {
        const pending = await m.getRepository(MatterProposal).findOneBy({ clueId: clue.id, status: 'pending' });
        if (pending) throw new InvalidStateError('已有待领导审批的申请，请等待审批结果。', 'proposal_pending');
        const now = new Date();
        const p = await m.getRepository(MatterProposal).save(
          m.getRepository(MatterProposal).create({
            clueId: clue.id,
            action: spec.action,
            fromStatus: clue.status,
            toStatus: fields.to,
            fields: JSON.stringify(fields.values),
            proposedByUserId: user.id,
            proposedAt: now,
            status: 'pending',
            decidedByUserId: null,
            decidedAt: null,
            decisionReason: null,
          }),
        );
        await this.event(m, clue, user.id, 'proposed', null, null, { action: spec.action, to: fields.to, proposalId: p.id });
        await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'clue.proposed', recordType: 'clue', recordId: clue.id, details: { action: spec.action, to: fields.to, proposalId: p.id } });
        return { clueId: clue.id, status: clue.status, proposalId: p.id, caseNumber: null };
      }
      return this.apply(m, user, clue, spec, fields.to, fields.values, null);
    });
  }

  /**
   * A leader approves a pending proposal: the transition runs now, with the proposal's fields, the
   * leader as actor and approver. The proposer can never approve (`self_approval`).
   * @throws as {@link transition}; NotFoundError for an unknown proposal; InvalidStateError
   *   `proposal_not_pending` when already decided or the state moved on.
   */
  async approve(user: User, id: number, proposalId: number, input: { reason?: unknown }): Promise<TransitionResult> {
    return this.withClue(user, id, 'approve', async (m, clue) => {
      this.assertRole(user, ['leader'], '审批');
      const p = await this.pendingProposal(m, clue, proposalId);
      if (p.proposedByUserId === user.id) throw new ForbiddenTransitionError('self_approval', '不能审批本人提出的申请，须由其他领导审批。');
      const spec = transitionOf(p.action)!;
      const reason = cappedText(input.reason, 'reason');
      p.status = 'approved';
      p.decidedByUserId = user.id;
      p.decidedAt = new Date();
      p.decisionReason = reason || null;
      await m.getRepository(MatterProposal).save(p);
      const values = JSON.parse(p.fields) as Record<string, unknown>;
      return this.apply(m, user, clue, spec, p.toStatus as MatterStatus, values, p);
    });
  }

  /** A leader rejects a pending proposal (reason required); the state stays. */
  async reject(user: User, id: number, proposalId: number, input: { reason?: unknown }): Promise<TransitionResult> {
    return this.withClue(user, id, 'reject', async (m, clue) => {
      this.assertRole(user, ['leader'], '审批');
      const p = await this.pendingProposal(m, clue, proposalId);
      if (p.proposedByUserId === user.id) throw new ForbiddenTransitionError('self_approval', '不能审批本人提出的申请，须由其他领导审批。');
      const reason = cappedText(input.reason, 'reason');
      if (!reason) throw new ValidationFailedError({ reason: '请填写不同意的理由' });
      Object.assign(p, { status: 'rejected', decidedByUserId: user.id, decidedAt: new Date(), decisionReason: reason });
      await m.getRepository(MatterProposal).save(p);
      await this.event(m, clue, user.id, 'proposal_rejected', null, reason, { proposalId: p.id, action: p.action });
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'clue.proposal_rejected', recordType: 'clue', recordId: clue.id, reason, details: { proposalId: p.id } });
      return { clueId: clue.id, status: clue.status, proposalId: p.id, caseNumber: null };
    });
  }

  /**
   * Assigns the clue to a case handler (承办人); a reassignment needs a reason. Leaders only. The
   * assignee must hold `case_handler`, have the clue in scope and not be recused from it — else 422
   * `assignee` (the same message whatever the cause, so recusal is not revealed).
   */
  async assign(user: User, id: number, input: { assigneeUserId?: unknown; reason?: unknown }): Promise<{ clueId: number; assignedUserId: number }> {
    return this.withClue(user, id, 'assign', async (m, clue) => {
      this.assertRole(user, ['leader'], '分配承办人');
      if (FINAL_STATUSES.includes(clue.status)) throw new InvalidStateError(allowedNowMessage(clue.status), 'invalid_transition');
      const reason = cappedText(input.reason, 'reason');
      if (clue.assignedUserId !== null && !reason) throw new ValidationFailedError({ reason: '更换承办人须说明理由' });
      const assignee = await this.eligibleStaff(m, input.assigneeUserId, clue, 'case_handler');
      if (!assignee) throw new ValidationFailedError({ assigneeUserId: '该人员不能承办本线索（须为本辖区的承办人员且无回避情形）' });
      const previous = clue.assignedUserId;
      clue.assignedUserId = assignee.id;
      clue.updatedAt = new Date();
      await m.getRepository(Clue).save(clue);
      const action = previous === null ? 'assigned' : 'reassigned';
      await this.event(m, clue, user.id, action, null, reason || null, { assigneeUserId: assignee.id, previousUserId: previous });
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: `clue.${action}`, recordType: 'clue', recordId: clue.id, reason: reason || null, details: { assigneeUserId: assignee.id, previousUserId: previous } });
      return { clueId: clue.id, assignedUserId: assignee.id };
    });
  }

  /**
   * Records an investigation step (谈话, 询问, 调取证据, 勘验…) with the two (or more) staff who took
   * it — the two-person rule (监督执纪工作规则 2019): at least two distinct staff in scope, not recused.
   * Only while the case is under investigation, by the assigned handler.
   */
  async recordInvestigationStep(user: User, id: number, input: { kind?: unknown; on?: unknown; staffUserIds?: unknown; note?: unknown }): Promise<{ eventId: number }> {
    return this.withClue(user, id, 'investigation_step', async (m, clue) => {
      if (clue.status !== 'investigation') throw new InvalidStateError(`只有在“审查调查”阶段才能记录调查措施。${allowedNowMessage(clue.status)}`, 'invalid_transition');
      if (clue.assignedUserId !== user.id) throw new ForbiddenTransitionError('not_assigned', '只有本案承办人才能记录调查措施。');
      const fields: FieldErrors = {};
      const kind = cappedText(input.kind, 'kind', MATTER_TEXT_LIMITS.short);
      if (!kind) fields.kind = '请填写调查措施（如谈话、询问、调取证据）';
      const on = checkDate(fields, 'on', input.on, { required: '请填写日期（YYYY-MM-DD）', notFuture: true }) ?? '';
      const ids = Array.isArray(input.staffUserIds) ? [...new Set(input.staffUserIds.map((v: unknown) => inputId(v) ?? 0))] : [];
      if (ids.length < 2) fields.staffUserIds = '调查措施须由两名以上工作人员进行';
      else {
        for (const sid of ids) if (!(await this.eligibleStaff(m, sid, clue, null))) fields.staffUserIds = '参加人员须为本辖区工作人员且无回避情形';
      }
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      const ev = await this.event(m, clue, user.id, 'investigation_step', null, cappedText(input.note, 'note') || null, { kind, on, staffUserIds: ids });
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'case.investigation_step', recordType: 'clue', recordId: clue.id, details: { kind, on, staffUserIds: ids } });
      return { eventId: ev.id };
    });
  }

  /**
   * A leader extends the trial review (审理) by one month, once per trial period (监督执纪工作规则 2019
   * art. 59: 1 month, extendable with approval). The clock becomes `trial_extended` (2 months from the
   * start of the trial). A case returned (退回补充调查) and submitted again starts a new trial period with
   * its own clock, which may be extended once again.
   * @throws InvalidStateError `invalid_transition` outside `trial` or when already extended.
   */
  async extendTrial(user: User, id: number, input: { reason?: unknown }): Promise<{ clueId: number; dueDate: string }> {
    return this.withClue(user, id, 'extend_trial', async (m, clue) => {
      this.assertRole(user, ['leader'], '批准延长审理期限');
      if (clue.status !== 'trial' || clue.dueClock !== 'trial') throw new InvalidStateError('只有审理中且尚未延长过的案件才能延长审理期限。', 'invalid_transition');
      const reason = cappedText(input.reason, 'reason');
      if (!reason) throw new ValidationFailedError({ reason: '请填写延长理由' });
      const due = dueDateOf(this.calendar, 'trial_extended', clue.stateEnteredAt);
      const previous = clue.dueDate;
      Object.assign(clue, { dueClock: 'trial_extended', dueDate: due.due, dueFallbackYears: formatFallbackYears(due.fallbackYears), updatedAt: new Date() });
      await m.getRepository(Clue).save(clue);
      await this.event(m, clue, user.id, 'trial_extended', null, reason, { previousDue: previous, due: due.due });
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'clue.trial_extended', recordType: 'clue', recordId: clue.id, reason, details: { previousDue: previous, due: due.due } });
      return { clueId: clue.id, dueDate: due.due };
    });
  }

  /**
   * The user declares recusal from a clue (自行回避); from then on it is 404 for them. An assigned handler
   * is unassigned. Timeline event `recusal_declared` (who, and whether unassigned; the reason stays in
   * `clue_recusals` and the audit, not on the timeline every reader sees).
   */
  async declareRecusal(user: User, id: number, input: { reason?: unknown }): Promise<void> {
    await this.withClue(user, id, 'recusal', async (m, clue) => {
      await this.recusalRow(m, { userId: user.id, clueId: clue.id, kind: 'declared', byUserId: user.id, reason: cappedText(input.reason, 'reason') || null });
      const unassigned = clue.assignedUserId === user.id;
      if (unassigned) {
        clue.assignedUserId = null;
        await m.getRepository(Clue).save(clue);
      }
      await this.event(m, clue, user.id, 'recusal_declared', null, null, { userId: user.id, unassigned });
    });
  }

  /**
   * A leader orders a user's recusal (责令回避, unassigning them if they handle it) or clears a name-only
   * conflict (`kind: 'cleared'`). Timeline event `recusal_ordered` / `recusal_cleared` (reason in the audit).
   * The object must be another active staff member holding a matter role with the clue in their scope
   * (recused or not); any other id gets the same `userId` message, so that orders cannot probe which user
   * ids exist. A leader who must step aside declares it (`declareRecusal`) instead of ordering himself.
   * @throws ValidationFailedError `userId` / `reason`; ForbiddenTransitionError `role_not_allowed` (not a leader).
   */
  async orderRecusal(user: User, id: number, input: { userId?: unknown; kind?: unknown; reason?: unknown }): Promise<void> {
    await this.withClue(user, id, 'recusal', async (m, clue) => {
      this.assertRole(user, ['leader'], '决定回避');
      const kind = input.kind === 'cleared' ? 'cleared' : 'ordered';
      const uid = inputId(input.userId);
      const self = uid === user.id;
      const target = uid && !self ? await this.eligibleStaff(m, uid, clue, null, { ignoreRecusal: true }) : null;
      const reason = cappedText(input.reason, 'reason');
      const fields: FieldErrors = {};
      if (self) fields.userId = '不能对本人决定回避；本人需要回避的，请使用“本人申请回避”。';
      else if (!target) fields.userId = '未找到该工作人员（须为本辖区办理线索的在职工作人员）';
      if (!reason) fields.reason = '请填写理由';
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      await this.recusalRow(m, { userId: target!.id, clueId: clue.id, kind, byUserId: user.id, reason });
      const unassigned = kind === 'ordered' && clue.assignedUserId === target!.id;
      if (unassigned) {
        clue.assignedUserId = null;
        await m.getRepository(Clue).save(clue);
      }
      await this.event(m, clue, user.id, `recusal_${kind}`, null, null, { userId: target!.id, unassigned });
    });
  }

  /**
   * Merges clue `sourceId` into clue `id` (several reports about one matter): the source's reports,
   * subjects and beneficiaries move over; the source leaves every list (`mergedIntoId`). Both must be
   * in scope; the source must not have been filed as a case or be finished (409 `invalid_transition`),
   * nor have an inquiry letter awaiting its reply (409 `inquiry_letter_open`) or any recorded result —
   * outcome, recovery, 停保/减保, rectification task, name clearing (409 `outcomes_recorded`).
   */
  async merge(user: User, id: number, input: { sourceClueId?: unknown; reason?: unknown }): Promise<{ clueId: number; merged: number }> {
    const sourceId = inputId(input.sourceClueId);
    const reason = cappedText(input.reason, 'reason');
    return this.withClue(user, id, 'merge', async (m, target) => {
      this.assertRole(user, ['intake_officer', 'case_handler', 'leader'], '合并线索');
      if (sourceId === null) throw new ValidationFailedError({ sourceClueId: '请填写要并入的线索编号' });
      if (sourceId === target.id) throw new ValidationFailedError({ sourceClueId: '不能与自身合并' });
      const source = await this.repo.lockInScope(m, await this.viewer(user), sourceId);
      if (!source) throw new ValidationFailedError({ sourceClueId: '未找到该线索（只能合并本辖区的线索）' });
      if (!reason) throw new ValidationFailedError({ reason: '请填写合并理由' });
      const caseRow = await m.getRepository(Case).findOneBy({ clueId: source.id });
      if (caseRow || FINAL_STATUSES.includes(source.status)) throw new InvalidStateError('已立案或已办结的线索不能并入其他线索。', 'invalid_transition');
      if (FINAL_STATUSES.includes(target.status)) throw new InvalidStateError(allowedNowMessage(target.status), 'invalid_transition');
      // A merged clue leaves every list: an inquiry letter awaiting its reply would lose its clock (函询回复) with it.
      if ((await openInquiryLetters(m, source.id)).length) {
        throw new InvalidStateError(`线索 #${source.id} 有函询函尚未回复；登记回复后才能并入其他线索。`, 'inquiry_letter_open');
      }
      // Results recorded on the source (rectification tasks with their clock, recoveries, 停保/减保…) would be hidden with it.
      let recorded = 0;
      for (const e of [MatterOutcome, Recovery, EntitlementChange, Rectification, NameClearing]) recorded += await m.getRepository(e).countBy({ clueId: source.id });
      if (recorded) throw new InvalidStateError(`线索 #${source.id} 已记录处理结果（核实结论、追缴、停保/减保、整改或澄清正名），不能并入其他线索。`, 'outcomes_recorded');
      const reports = await m.getRepository(ClueReport).findBy({ clueId: source.id });
      await m.getRepository(ClueReport).delete({ clueId: source.id });
      for (const r of reports) await this.clues.linkReport(m, target, r.reportId, user.id, 'merged');
      await this.mergeSubjects(m, source.id, target.id);
      source.mergedIntoId = target.id;
      source.updatedAt = new Date();
      await m.getRepository(Clue).save(source);
      await this.event(m, source, user.id, 'merged_into', null, reason, { targetClueId: target.id });
      await this.event(m, target, user.id, 'merged_from', null, reason, { sourceClueId: source.id });
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'clue.merged', recordType: 'clue', recordId: target.id, reason, details: { sourceClueId: source.id } });
      return { clueId: target.id, merged: source.id };
    });
  }

  /**
   * Identifies a subject and/or states its party membership and position role. Input `{ officialId?:
   * positive integer — links the subject to that `Official` (in the clue's county as far as the user
   * reads it, own scope or grant: `officialScope` in matter-subject-forms.ts): person, role and
   * party membership from the registry; partyMember?: boolean; positionRole?: an `OFFICIAL_ROLES` code
   * or null (unknown) }`. The position role is what the sanction rule uses (`SANCTION_LIMITED_ROLES`,
   * 政务处分法 art. 22; see `sanctionRoleOf` in clue-subject.entity.ts): for a linked subject the official's role wins — it
   * is copied into `positionRole` on linking, and stating another role (or null) is refused. The
   * assigned handler or a leader; not on a finished matter. One transaction with the timeline event and
   * audit event `subject_identified` (ids, codes and the previous role; no names).
   * @throws ValidationFailedError `subjectId` / `officialId` / `partyMember` / `positionRole` (422);
   *   ForbiddenTransitionError `not_assigned` (403); InvalidStateError `invalid_transition` (409).
   */
  async updateSubject(user: User, id: number, subjectId: number, input: { officialId?: unknown; partyMember?: unknown; positionRole?: unknown }): Promise<ClueSubject> {
    return this.withClue(user, id, 'subject', async (m, clue) => {
      if (clue.assignedUserId !== user.id && !user.hasRole('leader')) throw new ForbiddenTransitionError('not_assigned', '只有本线索的承办人或领导才能确认被反映人身份。');
      if (FINAL_STATUSES.includes(clue.status)) throw new InvalidStateError(allowedNowMessage(clue.status), 'invalid_transition');
      const subject = await m.getRepository(ClueSubject).findOneBy({ id: subjectId, clueId: clue.id });
      if (!subject) throw new ValidationFailedError({ subjectId: '请选择本线索的被反映人' });
      const fields: FieldErrors = {};
      let official: Official | null = null;
      if (input.officialId !== undefined && input.officialId !== null) {
        const oid = input.officialId;
        if (typeof oid !== 'number' || !Number.isSafeInteger(oid) || oid < 1) fields.officialId = '公职人员编号应为正整数';
        else {
          official = await m.getRepository(Official).findOneBy({ id: oid });
          const prefixes = officialScope(clue.regionCode, (await this.viewer(user)).access.ctx.regionPrefixes);
          if (!official || !inOfficialScope(official.regionCode, prefixes)) fields.officialId = '未找到该公职人员（本辖区）';
        }
      }
      if (input.partyMember !== undefined && input.partyMember !== null && typeof input.partyMember !== 'boolean') fields.partyMember = '是否中共党员应为 true 或 false';
      const role = input.positionRole;
      if (role !== undefined && role !== null && (typeof role !== 'string' || !(OFFICIAL_ROLES as readonly string[]).includes(role))) {
        fields.positionRole = `请选择身份类别（${OFFICIAL_ROLES.map((r) => OFFICIAL_ROLE_LABELS[r]).join('、')}）`;
      }
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      const linkedRole = official?.role ?? (subject.officialId !== null ? subject.officialRole : null);
      if (role !== undefined && linkedRole !== null && role !== linkedRole) {
        throw new ValidationFailedError({ positionRole: `该被反映人已关联公职人员档案，身份类别以档案为准（${OFFICIAL_ROLE_LABELS[linkedRole]}），不能另行填写。` });
      }
      const previousRole = subject.positionRole;
      if (official) Object.assign(subject, { officialId: official.id, personId: official.personId, officialRole: official.role, positionRole: official.role, partyMember: official.partyMember });
      else if (role !== undefined) subject.positionRole = role as OfficialRole | null;
      if (typeof input.partyMember === 'boolean') subject.partyMember = input.partyMember;
      await m.getRepository(ClueSubject).save(subject);
      const details = { subjectId: subject.id, officialId: subject.officialId, partyMember: subject.partyMember, officialRole: subject.officialRole, positionRole: subject.positionRole, previousPositionRole: previousRole };
      await this.event(m, clue, user.id, 'subject_identified', null, null, details);
      await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'clue.subject_identified', recordType: 'clue', recordId: clue.id, details });
      return subject;
    });
  }

  /** The transitions `user` may start now on `clue` (for the matter page and the API's `allowedActions`). */
  allowedFor(user: User, clue: Clue): { action: string; label: string; to: MatterStatus[]; needsApproval: boolean }[] {
    if (clue.mergedIntoId !== null) return [];
    return transitionsFrom(clue.status)
      .filter((t) => t.roles.some((r) => user.hasRole(r)) && (!t.assigned || clue.assignedUserId === user.id))
      .map((t) => ({ action: t.action, label: t.label, to: [...t.to], needsApproval: t.approval !== null }));
  }

  // ---------------------------------------------------------------------------------------------

  /** Executes a transition (the caller checked who may); records state, clock, facts, event, audit. */
  /**
   * The subjects of a merged clue join the target: a subject the target lacks is copied; a same-named
   * subject is the same person unless both are identified as different people — then both stay. An
   * identified source subject (official / person) carries its link onto a same-named free-text target
   * subject, so recusal from the official's relatives (`clue-recusal.sql.ts`, by `person_id`) holds on
   * the merged clue and does not rest on the name alone.
   */
  private async mergeSubjects(m: EntityManager, sourceId: number, targetId: number): Promise<void> {
    const repo = m.getRepository(ClueSubject);
    const subjects = await repo.find({ where: { clueId: targetId }, order: { ordinal: 'ASC', id: 'ASC' } });
    let ord = subjects.length;
    const identity = (x: ClueSubject) => (x.officialId !== null ? `o${x.officialId}` : x.personId !== null ? `p${x.personId}` : null);
    for (const s of await repo.find({ where: { clueId: sourceId }, order: { ordinal: 'ASC', id: 'ASC' } })) {
      const named = subjects.filter((x) => x.name === s.name);
      const id = identity(s);
      if (named.length && (id === null || named.some((x) => identity(x) === id))) continue;
      const free = id === null ? undefined : named.find((x) => identity(x) === null);
      if (free) {
        Object.assign(free, { officialId: s.officialId, personId: s.personId, officialRole: s.officialRole, positionRole: s.officialRole ?? s.positionRole ?? free.positionRole, partyMember: free.partyMember || s.partyMember });
        await repo.save(free);
        continue;
      }
      const copy = { ...s, id: undefined, clueId: targetId, ordinal: ord++ };
      await repo.insert(copy);
      subjects.push({ ...s, clueId: targetId } as ClueSubject);
    }
  }

  private async apply(m: EntityManager, user: User, clue: Clue, spec: TransitionSpec, to: MatterStatus, values: Record<string, unknown>, proposal: MatterProposal | null): Promise<TransitionResult> {
    const from = clue.status;
    if (from !== spec.from) throw new InvalidStateError(`该申请已失效：${allowedNowMessage(from)}`, 'proposal_not_pending');
    const now = new Date();
    let caseNumber: string | null = null;
    if (spec.action === 'propose_disposal') clue.disposalMethod = values.method as never;
    if (spec.action === 'approve_disposal') clue.disposalMethod = to as never;
    // Reopening a held clue is a new disposal: the method becomes the target, so a reopened 谈话函询 can
    // record its letters and the ledger counts the clue under how it is now handled (the old method stays in the event).
    if (spec.action === 'reopen') {
      values = { ...values, previousMethod: clue.disposalMethod };
      clue.disposalMethod = to as never;
    }
    if (to === 'concluded') clue.conclusion = values.conclusion as Conclusion;
    if (to === 'transferred') clue.transferredTo = String(values.transferredTo);
    if (to === 'case_filed') {
      const c = await this.numbers.fileCase(m, clue, { proposedByUserId: proposal?.proposedByUserId ?? user.id, approvedByUserId: user.id, at: now });
      caseNumber = c.caseNumber;
    }
    if (spec.action === 'start_investigation') await m.getRepository(Case).update({ clueId: clue.id }, { coHandlerUserId: Number(values.coHandlerUserId) });
    if (to === 'closed') {
      await m.getRepository(Case).update({ clueId: clue.id }, { announcedOn: String(values.announcedOn), closedAt: now });
    }
    clue.status = to;
    clue.stateEnteredAt = now;
    clue.updatedAt = now;
    const clock = STATE_CLOCKS[to] ?? null;
    const due = clock ? dueDateOf(this.calendar, clock, now) : null;
    clue.dueClock = clock;
    clue.dueDate = due?.due ?? null;
    clue.dueFallbackYears = formatFallbackYears(due?.fallbackYears ?? []);
    await m.getRepository(Clue).save(clue);
    if (FINAL_STATUSES.includes(to)) await this.openFeedbackObligations(m, clue, now);
    // For an approved proposal the leader's opinion is the reason of the step; the proposal's own reason stays in details.
    const reason = proposal ? proposal.decisionReason : typeof values.reason === 'string' ? values.reason : null;
    const details = { action: spec.action, ...values, proposalId: proposal?.id ?? null, proposedBy: proposal?.proposedByUserId ?? null, caseNumber };
    await this.event(m, clue, user.id, spec.action, from, reason, details, to);
    await this.audit.record(m, {
      actorUserId: user.id,
      actorKind: 'user',
      action: `clue.${spec.action}`,
      recordType: 'clue',
      recordId: clue.id,
      reason,
      details: { from, to, proposalId: proposal?.id ?? null, proposedBy: proposal?.proposedByUserId ?? null, caseNumber, conclusion: to === 'concluded' ? clue.conclusion : undefined },
    });
    return { clueId: clue.id, status: to, proposalId: proposal?.id ?? null, caseNumber };
  }

  /** The row for `action` from the clue's state, or `invalid_transition` saying what is allowed now. */
  private specFor(clue: Clue, action: string): TransitionSpec {
    const spec = transitionOf(action);
    if (!spec || spec.from !== clue.status) {
      const what = spec ? `不能${spec.label}：` : action ? `未知的操作“${action.slice(0, 40)}”：` : '';
      throw new InvalidStateError(`${what}${allowedNowMessage(clue.status)}`, 'invalid_transition');
    }
    return spec;
  }

  private assertRole(user: User, roles: readonly Role[], label: string): void {
    if (!roles.some((r) => user.hasRole(r))) {
      throw new ForbiddenTransitionError('role_not_allowed', `您的角色不能${label}。`);
    }
  }

  /** Checks the row's fields (and the target); returns the cleaned values. */
  private async validateFields(m: EntityManager, user: User, clue: Clue, spec: TransitionSpec, input: Record<string, unknown>): Promise<{ to: MatterStatus; values: Record<string, unknown> }> {
    const fields: FieldErrors = {};
    const values: Record<string, unknown> = {};
    for (const f of spec.fields) {
      const raw = input[f.name];
      if (f.kind === 'text') {
        const s = cleanText(raw);
        if (!s && f.required) fields[f.name] = `请填写${f.label}`;
        else if ([...s].length > TEXT_MAX) fields[f.name] = `${f.label}不能超过 ${TEXT_MAX} 个字`;
        else if (s) values[f.name] = s;
      } else if (f.kind === 'method') {
        if (typeof raw !== 'string' || !Object.hasOwn(DISPOSAL_METHODS, raw)) fields[f.name] = `请选择${f.label}（谈话函询、初步核实、暂存待查或予以了结）`;
        else values[f.name] = raw;
      } else if (f.kind === 'choice') {
        if (typeof raw !== 'string' || !f.choices!.includes(raw)) fields[f.name] = `请选择${f.label}`;
        else values[f.name] = raw;
      } else if (f.kind === 'date') {
        // Every date of a transition is an event that already happened (宣布日期…): real, not in the future.
        const s = checkDate(fields, f.name, raw, { required: `请填写${f.label}（YYYY-MM-DD）`, notFuture: true });
        if (s) values[f.name] = s;
      } else if (f.kind === 'user') {
        const staff = await this.eligibleStaff(m, raw, clue, 'case_handler');
        if (!staff || staff.id === user.id || staff.id === clue.assignedUserId) fields[f.name] = `请选择${f.label}（本辖区的另一名承办人员，且无回避情形）`;
        else values[f.name] = staff.id;
      }
    }
    let to: MatterStatus = spec.to[0];
    if (spec.action === 'approve_disposal') {
      const proposed = clue.disposalMethod as MatterStatus | null;
      const chosen = typeof input.to === 'string' ? (input.to as MatterStatus) : proposed;
      if (!chosen || !spec.to.includes(chosen)) fields.to = '请选择处置方式';
      else to = chosen;
    } else if (spec.to.length > 1) {
      if (typeof input.to !== 'string' || !spec.to.includes(input.to as MatterStatus)) fields.to = `请选择去向（${spec.to.map((s) => MATTER_STATUSES[s]).join('、')}）`;
      else to = input.to as MatterStatus;
    }
    if (to === 'concluded' && !spec.fields.some((f) => f.name === 'conclusion')) {
      if (typeof input.conclusion !== 'string' || !Object.hasOwn(CONCLUSIONS, input.conclusion)) fields.conclusion = '予以了结须选择了结结论';
      else values.conclusion = input.conclusion;
    }
    if (spec.action === 'reopen' && values.ground === 'new_report') {
      const newer = await m.getRepository(ClueReport).createQueryBuilder('cr').where('cr.clue_id = :id', { id: clue.id }).andWhere('cr.linked_at >= :since', { since: clue.stateEnteredAt }).getCount();
      if (!newer) fields.ground = '暂存期间没有新的举报并入本线索；请选择定期排查，或先将新举报并入';
    }
    if (spec.action === 'close') {
      const subjects = await m.getRepository(ClueSubject).findBy({ clueId: clue.id });
      const withOutcome = new Set((await m.getRepository(MatterOutcome).findBy({ clueId: clue.id, kind: 'verification' })).map((o) => o.subjectId));
      const missing = subjects.filter((s) => !withOutcome.has(s.id)).map((s) => s.name);
      if (missing.length) fields.outcomes = `结案前须对每名被反映人记录核实结论，尚缺：${missing.join('、')}`;
    }
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    return { to, values };
  }

  /**
   * A staff user eligible to work on the clue: active, holding `role` (any matter role when null), clue in
   * their scope, not recused (with `ignoreRecusal`: recused or not — the object of a recusal order).
   */
  private async eligibleStaff(m: EntityManager, rawId: unknown, clue: Clue, role: Role | null, opts: { ignoreRecusal?: boolean } = {}): Promise<User | null> {
    const sid = inputId(rawId);
    if (!sid) return null;
    const u = await m.getRepository(User).findOneBy({ id: sid });
    if (!u || !u.active || !(role ? u.hasRole(role) : MATTER_ROLES.some((r) => u.hasRole(r)))) return null;
    return (await this.repo.findInScope({ access: await this.access.forUser(u, { fresh: true, manager: m }), ignoreRecusal: opts.ignoreRecusal }, clue.id, m)) ? u : null;
  }

  private async pendingProposal(m: EntityManager, clue: Clue, proposalId: number): Promise<MatterProposal> {
    const p = await m.getRepository(MatterProposal).findOneBy({ id: proposalId, clueId: clue.id });
    if (!p) throw new NotFoundError();
    if (p.status !== 'pending' || p.fromStatus !== clue.status) throw new InvalidStateError(`该申请已处理或已失效。${allowedNowMessage(clue.status)}`, 'proposal_not_pending');
    return p;
  }

  private async lastActor(m: EntityManager, clueId: number, action: string): Promise<number | null> {
    const ev = await m.getRepository(ClueEvent).findOne({ where: { clueId, action }, order: { id: 'DESC' } });
    return ev?.actorUserId ?? null;
  }

  /** Result feedback owed to each real-name reporter of the clue: 15 working days from closing. */
  private async openFeedbackObligations(m: EntityManager, clue: Clue, at: Date): Promise<void> {
    const links = await m.getRepository(ClueReport).findBy({ clueId: clue.id });
    if (!links.length) return;
    const realName = await m.getRepository(Report).find({ where: { id: In(links.map((l) => l.reportId)), anonymous: false }, select: { id: true } });
    const due = dueDateOf(this.calendar, 'feedback_result', at);
    for (const r of realName) {
      const hasIdentity = await m.getRepository(ReporterIdentity).count({ where: { reportId: r.id } });
      if (!hasIdentity) continue;
      if (await m.getRepository(ReportFeedback).count({ where: { reportId: r.id } })) continue;
      await m.getRepository(ReportFeedback).insert({
        reportId: r.id,
        clueId: clue.id,
        dueFrom: at,
        dueDate: due.due,
        dueFallbackYears: formatFallbackYears(due.fallbackYears),
        publicText: null,
        sentAt: null,
        sentByUserId: null,
        objectionText: null,
        objectedAt: null,
        answerText: null,
        answeredAt: null,
        answeredByUserId: null,
        createdAt: at,
      });
    }
  }

  private async recusalRow(m: EntityManager, row: Omit<ClueRecusal, 'id' | 'createdAt'>): Promise<void> {
    await m.getRepository(ClueRecusal).insert({ ...row, createdAt: new Date() });
    await this.audit.record(m, { actorUserId: row.byUserId, actorKind: 'user', action: `recusal.${row.kind}`, recordType: 'clue', recordId: row.clueId, reason: row.reason, details: { userId: row.userId } });
  }

  /** Appends one timeline event. */
  async event(m: EntityManager, clue: Clue, actorUserId: number | null, action: string, from: MatterStatus | null, reason: string | null, details: Record<string, unknown>, to: MatterStatus | null = null): Promise<ClueEvent> {
    return m.getRepository(ClueEvent).save(
      m.getRepository(ClueEvent).create({ clueId: clue.id, action, fromStatus: from, toStatus: to, actorUserId, reason, details: JSON.stringify(details), createdAt: new Date() }),
    );
  }
}
