import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { cappedText, checkDate, checkMonth, MATTER_TEXT_LIMITS, MAX_RECOVERY_FEN, inputId } from '../clues/matter-input.js';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError, InvalidStateError, ValidationFailedError, type FieldErrors } from '../common/domain-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { CalendarService } from '../regions/calendar.service.js';
import { Household } from '../registry/entities/household.entity.js';
import { formatYuan } from '../registry/matcher.service.js';
import { User } from '../users/entities/user.entity.js';
import { ClueSubject, sanctionRoleOf } from '../clues/entities/clue-subject.entity.js';
import { Clue } from '../clues/entities/clue.entity.js';
import { MattersService } from '../clues/matters.service.js';
import { MATTER_STATUSES, type MatterStatus } from '../clues/clue-enums.js';
import { MATTER_CLOCKS } from '../clues/matter-clocks.js';
import { EntitlementChange, MatterOutcome, NameClearing, Rectification, Recovery, SanctionReview } from './entities/outcomes.entity.js';
import { GOVERNMENT_SANCTIONS, LIMITED_ROLE_SANCTIONS, OUTCOME_KINDS, OUTCOME_TYPES, PARTY_SANCTIONS, type OutcomeKind } from './sanctions.js';


/** A sanction the rules forbid for this subject (422 with a code of its own). */
export class SanctionNotAllowedError extends DomainError {
  constructor(code: 'sanction_not_allowed_for_role' | 'party_sanction_non_member' | 'subject_position_unknown', message: string) {
    super(code, message, HttpStatus.UNPROCESSABLE_ENTITY);
  }
}

/** States in which outcomes of each kind may be recorded. */
const OUTCOME_STATES: Record<'verification' | 'sanction' | 'after', readonly MatterStatus[]> = {
  verification: ['talk_inquiry', 'preliminary_verification', 'investigation', 'trial', 'decided', 'concluded'],
  sanction: ['trial', 'decided'],
  // Not `closed`: a closed case (结案) is final; recoveries, 停保/减保, new rectification tasks and other outcomes are
  // recorded before closing. `concluded` (了结 without a case) keeps them. Completing an existing rectification task
  // stays possible after closing (整改 runs on after 结案).
  after: ['investigation', 'trial', 'decided', 'concluded'],
};

/**
 * States in which no new rectification task (整改) may be set: before a disposal is approved (已登记、已提出处置意见 —
 * nothing has been looked into yet) and after closing (结案 is final). The matter page hides its outcome forms in the same states (canOutcomes).
 */
export const NO_RECTIFICATION_STATES: readonly MatterStatus[] = ['registered', 'disposal_proposed', 'closed'];

function addMonthsPlain(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const idx = m - 1 + months;
  const ty = y + Math.floor(idx / 12);
  const tm = (idx % 12) + 1;
  const last = new Date(Date.UTC(ty, tm, 0)).getUTCDate();
  return `${ty}-${String(tm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/**
 * Outcomes of a matter (DESIGN.md §4): per-subject verification conclusion and outcomes, money
 * recovered (integer fen), entitlement changes, rectification tasks, name clearing and 政务处分 review
 * requests. Every write: the same scope/recusal as transitions (404), the assigned handler (or a
 * leader), one transaction with a timeline event and an audit event (no names in the audit details).
 */
@Injectable()
export class OutcomesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly matters: MattersService,
    private readonly audit: AuditService,
    private readonly calendar: CalendarService,
  ) {}

  /**
   * Records an outcome for one subject. Input `{ subjectId, kind, type, decidedOn?, receivedOn?,
   * effectMonths? (留党察看 12|24), note? }`. Sanctions: party sanctions only for party members
   * (`party_sanction_non_member`); for the configured limited roles (default village/residents'
   * committee; 政务处分法 art. 22) only 警告/记过/记大过 (`sanction_not_allowed_for_role`) — the role is the
   * linked official's, else the position role stated for a free-text subject; a subject with neither
   * (position unknown) likewise only 警告/记过/记大过 (`subject_position_unknown`, 422) until linked or stated;
   * one party and one government sanction per subject in a matter (409 `sanction_already_recorded`,
   * 政务处分法 art. 10). Dates real and not in the future. Effect period from the rule;
   * `effectTo` = decision date + months (null when permanent).
   */
  async recordOutcome(user: User, clueId: number, input: Record<string, unknown>): Promise<MatterOutcome> {
    return this.matters.withClue(user, clueId, 'outcome', async (m, clue) => {
      this.assertWorker(user, clue);
      const fields: FieldErrors = {};
      const kind = input.kind as OutcomeKind;
      if (!OUTCOME_KINDS.includes(kind)) fields.kind = '请选择处理类别';
      const type = typeof input.type === 'string' ? input.type : '';
      if (OUTCOME_KINDS.includes(kind) && !OUTCOME_TYPES[kind].includes(type)) fields.type = '请选择具体的处理方式';
      const subject = await this.subjectOf(m, clue, input.subjectId, fields);
      const monthsGiven = input.effectMonths !== undefined && input.effectMonths !== null && input.effectMonths !== '' ? inputId(input.effectMonths) : undefined;
      if (monthsGiven === null) fields.effectMonths = '期限应为正整数（月）';
      const isSanction = kind === 'party_sanction' || kind === 'government_sanction';
      const needsDate = isSanction || kind === 'prosecution_referral' ? (kind === 'prosecution_referral' ? '请填写移送检察机关的日期' : '请填写处分决定日期') : undefined;
      const decidedOn = checkDate(fields, 'decidedOn', input.decidedOn, { required: needsDate, notFuture: true }) ?? '';
      const receivedOn = checkDate(fields, 'receivedOn', input.receivedOn, { notFuture: true }) ?? '';
      if (decidedOn && receivedOn && receivedOn < decidedOn) fields.receivedOn = '收到决定的日期不能早于决定日期';
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      const allowed = kind === 'verification' ? OUTCOME_STATES.verification : isSanction ? OUTCOME_STATES.sanction : OUTCOME_STATES.after;
      if (!allowed.includes(clue.status)) throw new InvalidStateError(`当前状态为“${MATTER_STATUSES[clue.status]}”，不能记录该处理结果。`, 'invalid_transition');
      let months: number | null = null;
      if (kind === 'party_sanction') {
        if (!subject!.partyMember) throw new SanctionNotAllowedError('party_sanction_non_member', '被反映人不是中共党员，不能给予党纪处分。');
        const t = PARTY_SANCTIONS[type];
        months = t.months;
        if (t.monthChoices) {
          const chosen = Number(monthsGiven ?? t.months);
          if (!t.monthChoices.includes(chosen)) throw new ValidationFailedError({ effectMonths: `${t.label}的期限为 ${t.monthChoices.join(' 或 ')} 个月` });
          months = chosen;
        }
      }
      if (isSanction) {
        // One decision per subject and kind in a matter: several violations are merged into one sanction (政务处分法 art. 10; 纪律处分条例 art. 24).
        const earlier = await m.getRepository(MatterOutcome).countBy({ clueId: clue.id, subjectId: subject!.id, kind });
        if (earlier) throw new InvalidStateError(`该被反映人在本案已有${kind === 'party_sanction' ? '党纪处分' : '政务处分'}；数个违法行为应合并作出一个处分决定，不能再记录。`, 'sanction_already_recorded');
      }
      if (kind === 'government_sanction') {
        // The linked official's role, else the role the handler stated for a free-text subject.
        const role = sanctionRoleOf(subject!);
        if (role && this.config.sanctionLimitedRoles.includes(role) && !LIMITED_ROLE_SANCTIONS.includes(type)) {
          throw new SanctionNotAllowedError('sanction_not_allowed_for_role', `村（居）民委员会成员只能给予警告、记过或者记大过，不能给予${GOVERNMENT_SANCTIONS[type].label}。`);
        }
        // No role known: it may be a village committee member, who may only get 警告/记过/记大过 (DESIGN.md §4).
        if (!role && !LIMITED_ROLE_SANCTIONS.includes(type)) {
          throw new SanctionNotAllowedError('subject_position_unknown', `被反映人身份不明，不能给予${GOVERNMENT_SANCTIONS[type].label}；请先关联公职人员，或填写被反映人的身份类别。`);
        }
        months = GOVERNMENT_SANCTIONS[type].months;
      }
      const now = new Date();
      const row = await m.getRepository(MatterOutcome).save(
        m.getRepository(MatterOutcome).create({
          clueId: clue.id,
          subjectId: subject!.id,
          kind,
          type,
          effectMonths: months,
          effectFrom: isSanction ? decidedOn : null,
          effectTo: isSanction && months !== null ? addMonthsPlain(decidedOn, months) : null,
          decidedOn: decidedOn || null,
          receivedOn: receivedOn || null,
          note: cappedText(input.note, 'note') || null,
          recordedByUserId: user.id,
          createdAt: now,
        }),
      );
      await this.record(m, user, clue, 'outcome_recorded', { outcomeId: row.id, subjectId: subject!.id, kind, type, effectMonths: months });
      return row;
    });
  }

  /** Money recovered (追缴/责令退赔): `amountFen` a positive integer (fen) ≤ {@link MAX_RECOVERY_FEN} (10^11 fen) per record, `recoveredOn` a real date not in the future. Refused after closing (409). */
  async recordRecovery(user: User, clueId: number, input: Record<string, unknown>): Promise<Recovery> {
    return this.matters.withClue(user, clueId, 'recovery', async (m, clue) => {
      this.assertWorker(user, clue);
      this.assertState(clue, OUTCOME_STATES.after);
      const fields: FieldErrors = {};
      const amountFen = input.amountFen;
      if (typeof amountFen !== 'number' || !Number.isSafeInteger(amountFen) || amountFen <= 0) fields.amountFen = '金额以“分”为单位，须为正整数';
      else if (amountFen > MAX_RECOVERY_FEN) fields.amountFen = `单笔金额不能超过 ${MAX_RECOVERY_FEN / 100} 元；请核对金额`;
      const on = checkDate(fields, 'recoveredOn', input.recoveredOn, { required: '请填写追缴日期（YYYY-MM-DD）', notFuture: true }) ?? '';
      const kind = input.kind === 'restitution' ? 'restitution' : 'recovered';
      let subjectId: number | null = null;
      if (input.subjectId !== undefined && input.subjectId !== null) subjectId = (await this.subjectOf(m, clue, input.subjectId, fields))?.id ?? null;
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      const row = await m.getRepository(Recovery).save({ clueId: clue.id, subjectId, amountFen: amountFen as number, recoveredOn: on, kind, note: cappedText(input.note, 'note') || null, recordedByUserId: user.id, createdAt: new Date() });
      await this.record(m, user, clue, 'recovery_recorded', { recoveryId: row.id, amountFen, kind });
      return row;
    });
  }

  /**
   * 停保/减保 of a household (`householdId` of the roster when known, else `householdLabel`). Input
   * `{ change: 'removed'|'reduced', effectiveMonth: 'YYYY-MM', householdId?, householdLabel?,
   * monthlyReductionFen? (减保: positive integer fen), note? }`. A reduction cannot exceed the linked
   * household's monthly allowance from the roster (`Household.monthlyAmountFen`; 422
   * `reduction_exceeds_allowance`) or, for a household not linked to the roster, the configured cap
   * `MAX_MONTHLY_REDUCTION_FEN` (default 1,000,000 fen; 422 `reduction_exceeds_cap`). Both name the field
   * `monthlyReductionFen`. Refused after closing (409).
   */
  async recordEntitlementChange(user: User, clueId: number, input: Record<string, unknown>): Promise<EntitlementChange> {
    return this.matters.withClue(user, clueId, 'entitlement_change', async (m, clue) => {
      this.assertWorker(user, clue);
      this.assertState(clue, OUTCOME_STATES.after);
      const fields: FieldErrors = {};
      const change = input.change === 'removed' || input.change === 'reduced' ? input.change : null;
      if (!change) fields.change = '请选择停保或减保';
      const month = checkMonth(fields, 'effectiveMonth', input.effectiveMonth, '请填写生效年月（YYYY-MM）') ?? '';
      let household: Household | null = null;
      let label = cappedText(input.householdLabel, 'householdLabel', MATTER_TEXT_LIMITS.short);
      if (input.householdId !== undefined && input.householdId !== null) {
        const hid = inputId(input.householdId);
        const h = hid ? await m.getRepository(Household).findOneBy({ id: hid }) : null;
        if (!h || !h.regionCode.startsWith(user.scopePrefix)) fields.householdId = '未找到该低保户';
        else {
          household = h;
          label ||= `户编号 ${h.householdNo}`;
        }
      }
      const householdId = household?.id ?? null;
      if (!label) fields.householdLabel = '请选择低保户或填写户主姓名';
      const reduction = input.monthlyReductionFen;
      if (change === 'reduced' && (typeof reduction !== 'number' || !Number.isSafeInteger(reduction) || reduction <= 0)) fields.monthlyReductionFen = '减保须填写每月减少的金额（分，正整数）';
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      if (change === 'reduced') this.assertReductionWithin(reduction as number, household);
      const row = await m.getRepository(EntitlementChange).save({
        clueId: clue.id,
        householdId,
        householdLabel: [...label].slice(0, 100).join(''),
        change: change!,
        monthlyReductionFen: change === 'reduced' ? (reduction as number) : null,
        effectiveMonth: month,
        note: cappedText(input.note, 'note') || null,
        recordedByUserId: user.id,
        createdAt: new Date(),
      });
      await this.record(m, user, clue, 'entitlement_changed', { changeId: row.id, householdId, change });
      return row;
    });
  }

  /**
   * A rectification task (整改): `{ task, ownerUnit, dueDate: 'YYYY-MM-DD' }`.
   * @throws InvalidStateError 409 `invalid_transition` in {@link NO_RECTIFICATION_STATES} (before the disposal is
   *   approved, or after closing); ValidationFailedError 422 `task` / `ownerUnit` / `dueDate`.
   */
  async addRectification(user: User, clueId: number, input: Record<string, unknown>): Promise<Rectification> {
    return this.matters.withClue(user, clueId, 'rectification', async (m, clue) => {
      this.assertWorker(user, clue);
      const fields: FieldErrors = {};
      if (clue.status === 'closed') throw new InvalidStateError('案件已结案，不能再布置整改任务（已布置的任务仍可登记完成）。', 'invalid_transition');
      if (NO_RECTIFICATION_STATES.includes(clue.status)) {
        throw new InvalidStateError(`当前状态为“${MATTER_STATUSES[clue.status]}”，还不能布置整改任务；处置意见经领导批准、线索进入谈话函询、初步核实或立案审查等阶段后才能布置（结案前）。`, 'invalid_transition');
      }
      const task = cappedText(input.task, 'task');
      if (!task) fields.task = '请填写整改任务';
      const owner = cappedText(input.ownerUnit, 'ownerUnit', MATTER_TEXT_LIMITS.short);
      if (!owner) fields.ownerUnit = '请填写责任单位';
      const due = checkDate(fields, 'dueDate', input.dueDate, { required: '请填写整改期限（YYYY-MM-DD）' }) ?? '';
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      const row = await m.getRepository(Rectification).save({ clueId: clue.id, task, ownerUnit: [...owner].slice(0, 100).join(''), dueDate: due, status: 'open', evidence: null, completedOn: null, recordedByUserId: user.id, createdAt: new Date() });
      await this.record(m, user, clue, 'rectification_added', { rectificationId: row.id, dueDate: due });
      return row;
    });
  }

  /** Completes a rectification task with its evidence and completion date. */
  async completeRectification(user: User, clueId: number, rectificationId: number, input: Record<string, unknown>): Promise<Rectification> {
    return this.matters.withClue(user, clueId, 'rectification', async (m, clue) => {
      this.assertWorker(user, clue);
      const row = await m.getRepository(Rectification).findOneBy({ id: rectificationId, clueId: clue.id });
      if (!row) throw new ValidationFailedError({ rectificationId: '未找到该整改任务' });
      if (row.status === 'done') throw new InvalidStateError('该整改任务已完成。');
      const fields: FieldErrors = {};
      const evidence = cappedText(input.evidence, 'evidence');
      if (!evidence) fields.evidence = '请填写整改材料';
      const on = checkDate(fields, 'completedOn', input.completedOn, { required: '请填写完成日期（YYYY-MM-DD）', notFuture: true }) ?? '';
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      Object.assign(row, { status: 'done', evidence, completedOn: on });
      await m.getRepository(Rectification).save(row);
      await this.record(m, user, clue, 'rectification_completed', { rectificationId: row.id, completedOn: on, onTime: on <= row.dueDate });
      return row;
    });
  }

  /**
   * 澄清正名 for a subject whose verification conclusion is 不实 or 诬告陷害, or of a matter concluded as
   * `cleared`. @throws InvalidStateError `name_clearing_not_applicable` otherwise.
   */
  async clearName(user: User, clueId: number, input: Record<string, unknown>): Promise<NameClearing> {
    return this.matters.withClue(user, clueId, 'name_clearing', async (m, clue) => {
      this.assertWorker(user, clue);
      const fields: FieldErrors = {};
      const subject = await this.subjectOf(m, clue, input.subjectId, fields);
      const on = checkDate(fields, 'clearedOn', input.clearedOn, { required: '请填写澄清日期（YYYY-MM-DD）', notFuture: true }) ?? '';
      const method = cappedText(input.method, 'method', MATTER_TEXT_LIMITS.short);
      if (!method) fields.method = '请填写澄清方式（如召开澄清会、书面澄清）';
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      const verdicts = await m.getRepository(MatterOutcome).findBy({ clueId: clue.id, subjectId: subject!.id, kind: 'verification' });
      const applicable = verdicts.some((v) => v.type === 'unsubstantiated' || v.type === 'false_accusation') || clue.conclusion === 'cleared';
      if (!applicable) throw new InvalidStateError('只有核实结论为不实或诬告陷害（或予以澄清了结）的才能澄清正名。', 'name_clearing_not_applicable');
      const row = await m.getRepository(NameClearing).save({ clueId: clue.id, subjectId: subject!.id, clearedOn: on, method: [...method].slice(0, 100).join(''), note: cappedText(input.note, 'note') || null, recordedByUserId: user.id, createdAt: new Date() });
      await this.record(m, user, clue, 'name_cleared', { nameClearingId: row.id, subjectId: subject!.id });
      return row;
    });
  }

  /**
   * A 政务处分 复审 (`review`) or 复核 (`re_review`) request about a government sanction (政务处分法 art.
   * 55): the request deadline is 1 month from `receivedOn` (the decision, or the review decision for
   * 复核), the decision deadline 1 month (复审) / 2 months (复核) from `requestedOn`; 复核 needs a
   * decided 复审 first. A late request is refused (`request_out_of_time`), a second request of the same
   * kind for the decision too (409 `review_already_requested`), and `requestedOn` before the date it runs
   * from (422 `requestedOn`).
   */
  async requestReview(user: User, clueId: number, input: Record<string, unknown>): Promise<SanctionReview> {
    return this.matters.withClue(user, clueId, 'sanction_review', async (m, clue) => {
      this.assertWorker(user, clue);
      const fields: FieldErrors = {};
      const kind = input.kind === 're_review' ? 're_review' : input.kind === 'review' ? 'review' : null;
      if (!kind) fields.kind = '请选择复审或复核';
      const requestedOn = checkDate(fields, 'requestedOn', input.requestedOn, { required: '请填写申请日期（YYYY-MM-DD）', notFuture: true }) ?? '';
      const outcomeId = inputId(input.outcomeId);
      const outcome = outcomeId ? await m.getRepository(MatterOutcome).findOneBy({ id: outcomeId, clueId: clue.id, kind: 'government_sanction' }) : null;
      if (!outcome) fields.outcomeId = '请选择本案的政务处分';
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      let from: string | null = outcome!.receivedOn ?? outcome!.decidedOn;
      if (kind === 're_review') {
        const review = await m.getRepository(SanctionReview).findOneBy({ outcomeId: outcome!.id, kind: 'review' });
        if (!review?.decidedOn) throw new InvalidStateError('须先经复审并作出复审决定，才能申请复核。', 'review_not_decided');
        from = review.decidedOn;
      }
      // One 复审 and one 复核 per decision (政务处分法 art. 55); a request cannot precede the decision it contests.
      if (await m.getRepository(SanctionReview).countBy({ outcomeId: outcome!.id, kind: kind! })) {
        throw new InvalidStateError(`该政务处分已有${kind === 'review' ? '复审' : '复核'}申请，不能重复登记。`, 'review_already_requested');
      }
      if (from && requestedOn < from) throw new ValidationFailedError({ requestedOn: `申请日期不能早于${kind === 'review' ? '收到处分决定' : '复审决定'}的日期（${from}）` });
      const requestDue = this.calendar.addMonths(from!, MATTER_CLOCKS[kind === 'review' ? 'review_request' : 're_review_request'].n).due;
      if (requestedOn > requestDue) throw new InvalidStateError(`申请已超过期限（应于 ${requestDue} 前提出）。`, 'request_out_of_time');
      const decisionDue = this.calendar.addMonths(requestedOn, MATTER_CLOCKS[kind === 'review' ? 'review_decision' : 're_review_decision'].n).due;
      const row = await m.getRepository(SanctionReview).save({ clueId: clue.id, outcomeId: outcome!.id, kind: kind!, requestedOn, requestDue, decisionDue, decidedOn: null, result: null, note: cappedText(input.note, 'note') || null, recordedByUserId: user.id, createdAt: new Date() });
      await this.record(m, user, clue, 'review_requested', { reviewId: row.id, kind, requestDue, decisionDue });
      return row;
    });
  }

  /** Records the 复审/复核 decision (`upheld` / `changed` / `revoked`, date: real, not in the future, not before the request). */
  async decideReview(user: User, clueId: number, reviewId: number, input: Record<string, unknown>): Promise<SanctionReview> {
    return this.matters.withClue(user, clueId, 'sanction_review', async (m, clue) => {
      this.assertWorker(user, clue);
      const row = await m.getRepository(SanctionReview).findOneBy({ id: reviewId, clueId: clue.id });
      if (!row) throw new ValidationFailedError({ reviewId: '未找到该申请' });
      if (row.decidedOn) throw new InvalidStateError('已作出决定。');
      const fields: FieldErrors = {};
      const on = checkDate(fields, 'decidedOn', input.decidedOn, { required: '请填写决定日期（YYYY-MM-DD）', notFuture: true }) ?? '';
      const result = ['upheld', 'changed', 'revoked'].includes(String(input.result)) ? String(input.result) : null;
      if (!result) fields.result = '请选择维持、变更或撤销';
      if (on && on < row.requestedOn) fields.decidedOn = `决定日期不能早于申请日期（${row.requestedOn}）`;
      if (Object.keys(fields).length) throw new ValidationFailedError(fields);
      Object.assign(row, { decidedOn: on, result });
      await m.getRepository(SanctionReview).save(row);
      await this.record(m, user, clue, 'review_decided', { reviewId: row.id, result, onTime: on <= row.decisionDue });
      return row;
    });
  }

  // ---------------------------------------------------------------------------------------------

  /** The assigned handler, a leader or (for trial) a trial reviewer works the outcomes. */
  private assertWorker(user: User, clue: Clue): void {
    if (clue.assignedUserId === user.id || user.hasRole('leader') || user.hasRole('trial_reviewer')) return;
    throw new DomainError('not_assigned', '只有本线索的承办人、审理人员或领导才能记录处理结果。', HttpStatus.FORBIDDEN);
  }

  /** 减保 ≤ the roster's monthly allowance of a linked household, else ≤ the configured cap (both 422, field `monthlyReductionFen`). */
  private assertReductionWithin(fen: number, household: Household | null): void {
    if (household) {
      if (fen <= household.monthlyAmountFen) return;
      const message = `每月减少的金额（${formatYuan(fen)} 元）不能超过该户在低保名册中的月保障金额 ${formatYuan(household.monthlyAmountFen)} 元；全部取消请选择停保。`;
      throw new DomainError('reduction_exceeds_allowance', message, HttpStatus.UNPROCESSABLE_ENTITY, { monthlyReductionFen: message });
    }
    if (fen <= this.config.maxMonthlyReductionFen) return;
    const message = `每月减少的金额（${formatYuan(fen)} 元）超过上限 ${formatYuan(this.config.maxMonthlyReductionFen)} 元，请核对金额（该户未关联低保名册，按系统设置的上限核对）。`;
    throw new DomainError('reduction_exceeds_cap', message, HttpStatus.UNPROCESSABLE_ENTITY, { monthlyReductionFen: message });
  }

  private assertState(clue: Clue, states: readonly MatterStatus[]): void {
    if (!states.includes(clue.status)) throw new InvalidStateError(`当前状态为“${MATTER_STATUSES[clue.status]}”，不能记录该事项。`, 'invalid_transition');
  }

  private async subjectOf(m: EntityManager, clue: Clue, raw: unknown, fields: FieldErrors): Promise<ClueSubject | null> {
    const id = inputId(raw);
    const s = id ? await m.getRepository(ClueSubject).findOneBy({ id, clueId: clue.id }) : null;
    if (!s) fields.subjectId = '请选择本线索的被反映人';
    return s;
  }

  private async record(m: EntityManager, user: User, clue: Clue, action: string, details: Record<string, unknown>): Promise<void> {
    clue.updatedAt = new Date();
    await m.getRepository(Clue).update({ id: clue.id }, { updatedAt: clue.updatedAt });
    await this.matters.event(m, clue, user.id, action, null, null, details);
    await this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: `clue.${action}`, recordType: 'clue', recordId: clue.id, details });
  }
}
