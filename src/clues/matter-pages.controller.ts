import { RegionsService } from '../regions/regions.service.js';
import { Body, Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/domain-error.js';
import { ACCOUNTABILITY, FIRST_FORM_MEASURES, GOVERNMENT_SANCTIONS, ORGANISATIONAL_HANDLING, PARTY_SANCTIONS, VERIFICATION_RESULTS, type OutcomeKind } from '../cases/sanctions.js';
import { OutcomesService } from '../cases/outcomes.service.js';
import { leftText } from '../intake/intake-clocks.js';
import { routeId } from '../intake/intake-http.js';
import { CLOCK_STATUS_LABELS } from '../intake/intake-wording.js';
import { REPORT_CHANNELS, type ReportChannel } from '../reports/report-enums.js';
import type { Role, User } from '../users/entities/user.entity.js';
import { CONCLUSIONS, DISPOSAL_METHODS, MATTER_STATUSES, type MatterStatus } from './clue-enums.js';
import { FeedbackService } from './feedback.service.js';
import type { ClockView } from './matter-clocks.service.js';
import { MATTER_CLOCKS } from './matter-clocks.js';
import { MATTER_DOCUMENTS, MatterPagesService, OVERDUE_LIMIT, type MatterDocument } from './matter-pages.service.js';
import { FINAL_STATUSES, transitionOf, type FieldSpec } from './matter-transitions.js';
import { MatterViewsService } from './matter-views.service.js';
import { MattersService } from './matters.service.js';
import { InquiryLettersService } from './inquiry-letters.service.js';
import { MatterSubjectForms, officialScope } from './matter-subject-forms.js';
import { OFFICIAL_ROLE_LABELS, type OfficialRole } from '../registry/official-roles.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';

const OUTCOME_KIND_LABELS: Record<OutcomeKind, string> = {
  verification: '核实结论',
  party_sanction: '党纪处分',
  government_sanction: '政务处分',
  first_form_measure: '第一种形态',
  organisational_handling: '组织处理',
  accountability: '问责',
  prosecution_referral: '移送检察机关',
};

const OUTCOME_TYPE_LABELS: Record<OutcomeKind, Record<string, string>> = {
  verification: VERIFICATION_RESULTS,
  party_sanction: Object.fromEntries(Object.entries(PARTY_SANCTIONS).map(([k, v]) => [k, v.label])),
  government_sanction: Object.fromEntries(Object.entries(GOVERNMENT_SANCTIONS).map(([k, v]) => [k, v.label])),
  first_form_measure: FIRST_FORM_MEASURES,
  organisational_handling: ORGANISATIONAL_HANDLING,
  accountability: ACCOUNTABILITY,
  prosecution_referral: { referral: '移送检察机关' },
};

/** Labels of timeline events that are not transitions of the state table. */
const EVENT_LABELS: Record<string, string> = {
  registered: '登记线索',
  proposed: '提出申请（待领导审批）',
  proposal_rejected: '领导不同意',
  assigned: '分配承办人',
  reassigned: '更换承办人',
  report_linked: '并入举报',
  merged_into: '并入其他线索',
  merged_from: '合并线索',
  investigation_step: '调查措施',
  outcome_recorded: '记录处理结果',
  recovery_recorded: '记录追缴金额',
  entitlement_changed: '记录停保/减保',
  review_requested: '政务处分复审/复核申请',
  review_decided: '复审/复核决定',
  trial_extended: '批准延长审理期限',
  recusal_declared: '本人申请回避',
  recusal_ordered: '领导决定回避',
  recusal_cleared: '排除同名冲突',
  rectification_added: '布置整改任务',
  rectification_completed: '整改完成',
  name_cleared: '澄清正名',
  message_sent: '给举报人留言',
  feedback_sent: '向实名举报人反馈处理结果',
  objection_raised: '举报人对处理结果提出异议',
  objection_answered: '答复举报人异议',
  inquiry_sent: '发出函询函',
  inquiry_received: '被函询人签收函询函',
  inquiry_replied: '收到函询回复',
  subject_identified: '确认被反映人身份',
};

const REOPEN_GROUNDS: Record<string, string> = { new_report: '有新的举报并入', periodic_review: '定期排查' };

const DONE: Record<string, string> = {
  transition: '已办理。',
  proposed: '已提交，等待领导审批。',
  approved: '已批准。',
  rejected: '已作不同意处理。',
  assigned: '已分配承办人。',
  outcome: '已记录。',
  message: '留言已发送，举报人在查询页面可以看到并回复。',
  feedback: '已向举报人反馈处理结果。',
  answer: '已答复举报人的异议。',
  inquiry: '已登记函询。',
  subject: '已保存被反映人身份。',
  review: '已登记政务处分复审/复核申请，决定期限已计算。',
  review_decided: '已记录复审/复核决定。',
  extended: '已批准延长审理期限（延长一个月）。',
  merged: '已将该线索并入本线索。',
  recusal_ordered: '已记录回避决定。',
  recused: '已登记您本人的回避申请；此后您不能再查看或办理该线索。',
};

/** The forms of the matter page that read their typed values from the shared `values` of the view. */
const SHARED_VALUE_FORMS = ['assign', 'step', 'outcome', 'recovery', 'entitlement', 'rectification', 'clearing'];

/** 政务处分 复审/复核 (政务处分法 art. 55): kinds and results as the forms show them. */
const REVIEW_KINDS: Record<string, string> = { review: '复审', re_review: '复核' };
const REVIEW_RESULTS: Record<string, string> = { upheld: '维持', changed: '变更', revoked: '撤销' };
const RECUSAL_ORDER_KINDS: Record<string, string> = { ordered: '责令回避', cleared: '排除同名冲突（经核实系同名不同人）' };

type Values = Record<string, unknown>;
interface FormError {
  form: string;
  message: string;
  fields: Record<string, string>;
}

function options(map: Record<string, string>, selected?: unknown) {
  return Object.entries(map).map(([value, label]) => ({ value, label, selected: value === selected }));
}

/** Timeline facts of an inquiry-letter step (函询): addressee and the dates recorded. */
function inquiryFacts(d: Record<string, unknown>, subjectName: (sid: number | null) => string): { label: string; value: string }[] {
  const facts = [{ label: '被函询人', value: subjectName(Number(d.subjectId)) }];
  const dates: [string, string][] = [['sentOn', '发函日期'], ['receivedOn', '签收日期'], ['replyDue', '回复期限'], ['repliedOn', '回复日期']];
  for (const [k, label] of dates) if (typeof d[k] === 'string') facts.push({ label, value: d[k] });
  return facts;
}

/** A clock as the pages show it: label, due date, state and plain words. */
export function clockText(c: ClockView | null) {
  if (!c) return null;
  return { ...c, statusLabel: CLOCK_STATUS_LABELS[c.status], leftText: leftText(c.workingDaysLeft, c.status) };
}

/** `12.50` (yuan, up to 2 decimals) → 1250 fen; null when malformed. */
export function yuanToFen(raw: unknown): number | null {
  const s = typeof raw === 'string' ? raw.trim() : '';
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** fen → `12.50`. */
export function fenToYuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/**
 * Staff pages of clues and cases (DESIGN.md §4): the work list, the matter page with its forms, the
 * leaders' approvals queue and overdue list, printable documents. Server-rendered, usable without
 * JavaScript; every form carries the CSRF token. Outside scope, absent and recused are the same 404.
 */
@ApiExcludeController()
@Controller('staff/matters')
@Roles('case_handler', 'trial_reviewer', 'leader', 'intake_officer')
export class MatterPagesController {
  constructor(
    private readonly matters: MattersService,
    private readonly views: MatterViewsService,
    private readonly pages: MatterPagesService,
    private readonly outcomes: OutcomesService,
    private readonly feedback: FeedbackService,
    private readonly regions: RegionsService,
    private readonly inquiries: InquiryLettersService,
    private readonly subjectForms: MatterSubjectForms,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  async list(@CurrentUser() user: User, @Res() res: Response, @Query('tab') tab?: string, @Query('status') status?: string, @Query('page') page?: string, @Query('done') done?: string): Promise<void> {
    const mine = tab !== 'all';
    const st = status === 'all' || (status && Object.hasOwn(MATTER_STATUSES, status)) ? (status as MatterStatus | 'all') : 'open';
    const p = Number(page) > 0 ? Math.floor(Number(page)) : 1;
    const result = await this.views.list(user, { status: st, mine, page: p });
    const names = await this.pages.userNames(result.items.map((i) => i.assignedUserId));
    const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
    const link = (n: number) => `/staff/matters?${new URLSearchParams({ tab: mine ? 'mine' : 'all', status: st, ...(n > 1 ? { page: String(n) } : {}) }).toString()}`;
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/matters/list', {
      bodyClass: 'wide',
      title: '线索和案件',
      user,
      done: done ? (DONE[done] ?? null) : null,
      mine,
      isLeader: user.hasRole('leader'),
      total: result.total,
      page: result.page,
      pages,
      rows: result.items.map((i) => ({ ...i, clock: clockText(i.clock), assignee: i.assignedUserId ? (names.get(i.assignedUserId) ?? '') : null })),
      statusOptions: [{ value: 'open', label: '办理中', selected: st === 'open' }, { value: 'all', label: '全部', selected: st === 'all' }, ...options(MATTER_STATUSES, st)],
      tabMineUrl: `/staff/matters?tab=mine&status=${st}`,
      tabAllUrl: `/staff/matters?tab=all&status=${st}`,
      prevUrl: result.page > 1 ? link(result.page - 1) : null,
      nextUrl: result.page < pages ? link(result.page + 1) : null,
    });
  }

  @Get('approvals')
  @Roles('leader')
  async approvals(@CurrentUser() user: User, @Res() res: Response): Promise<void> {
    const items = await this.pages.approvals(user);
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/matters/approvals', { title: '待审批事项', bodyClass: 'wide', user, items });
  }

  @Get('overdue')
  @Roles('leader')
  async overdue(@CurrentUser() user: User, @Res() res: Response): Promise<void> {
    const { groups, limited } = await this.pages.overdueByRegion(user);
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/matters/overdue', {
      bodyClass: 'wide',
      title: '逾期清单',
      user,
      total: groups.reduce((a, g) => a + g.rows.length, 0),
      limited,
      limit: OVERDUE_LIMIT,
      groups: groups.map((g) => ({ ...g, rows: g.rows.map((r) => ({ ...r, clock: clockText(r.clock) })) })),
    });
  }

  @Get(':id')
  async detail(@CurrentUser() user: User, @Param('id') rawId: string, @Res() res: Response, @Query('done') done?: string): Promise<void> {
    await this.renderDetail(res, user, routeId(rawId), { done: done ? (DONE[done] ?? null) : null });
  }

  @Post(':id/transition')
  async transition(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    const action = typeof body?.action === 'string' ? body.action : '';
    await this.act(res, user, rawId, `t-${action}`, body, async (id) => {
      await this.matters.transition(user, id, body ?? {});
      return transitionOf(action)?.approval ? 'proposed' : 'transition';
    });
  }

  @Post(':id/proposals/:pid/:decision')
  @Roles('leader')
  async decide(@CurrentUser() user: User, @Param('id') rawId: string, @Param('pid') pid: string, @Param('decision') decision: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    if (decision !== 'approve' && decision !== 'reject') throw new NotFoundError();
    const proposalId = routeId(pid);
    await this.act(res, user, rawId, `p-${proposalId}`, body, async (id) => {
      if (decision === 'approve') await this.matters.approve(user, id, proposalId, { reason: body?.reason });
      else await this.matters.reject(user, id, proposalId, { reason: body?.reason });
      return decision === 'approve' ? 'approved' : 'rejected';
    });
  }

  @Post(':id/assign')
  @Roles('leader')
  async assign(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'assign', body, async (id) => {
      await this.matters.assign(user, id, { assigneeUserId: body?.assigneeUserId, reason: body?.reason });
      return 'assigned';
    });
  }

  /** 被反映人身份: link to an official by registry id, party member, stated position role ({@link MatterSubjectForms}). */
  @Post(':id/subjects/:sid')
  async subject(@CurrentUser() user: User, @Param('id') rawId: string, @Param('sid') sid: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    const subjectId = routeId(sid);
    await this.act(res, user, rawId, `subj-${subjectId}`, body, async (id) => {
      await this.matters.updateSubject(user, id, subjectId, MatterSubjectForms.input(body));
      return 'subject';
    });
  }

  @Post(':id/investigation-steps')
  async step(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'step', body, async (id) => {
      const raw = body?.staffUserIds;
      const ids = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
      await this.matters.recordInvestigationStep(user, id, { kind: body?.kind, on: body?.on, staffUserIds: ids, note: body?.note });
      return 'outcome';
    });
  }

  @Post(':id/inquiry-letters')
  async inquiryLetter(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'inquiry', body, async (id) => {
      await this.inquiries.send(user, id, { subjectId: body?.subjectId, sentOn: body?.sentOn, receivedOn: body?.receivedOn });
      return 'inquiry';
    });
  }

  @Post(':id/inquiry-letters/:lid/receipt')
  async inquiryReceipt(@CurrentUser() user: User, @Param('id') rawId: string, @Param('lid') lid: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    const letterId = routeId(lid);
    await this.act(res, user, rawId, `inq-rcpt-${letterId}`, body, async (id) => {
      await this.inquiries.recordReceipt(user, id, letterId, { receivedOn: body?.receivedOn });
      return 'inquiry';
    });
  }

  @Post(':id/inquiry-letters/:lid/reply')
  async inquiryReply(@CurrentUser() user: User, @Param('id') rawId: string, @Param('lid') lid: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    const letterId = routeId(lid);
    await this.act(res, user, rawId, `inq-reply-${letterId}`, body, async (id) => {
      await this.inquiries.recordReply(user, id, letterId, { repliedOn: body?.repliedOn, summary: body?.summary });
      return 'inquiry';
    });
  }

  @Post(':id/outcomes')
  async outcome(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'outcome', body, async (id) => {
      const [kind, type] = String(body?.kindType ?? '').split(':');
      await this.outcomes.recordOutcome(user, id, {
        subjectId: Number(body?.subjectId),
        kind,
        type: type ?? '',
        decidedOn: body?.decidedOn,
        receivedOn: body?.receivedOn,
        effectMonths: body?.effectMonths ? Number(body.effectMonths) : undefined,
        note: body?.note,
      });
      return 'outcome';
    });
  }

  @Post(':id/recoveries')
  async recovery(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'recovery', body, async (id) => {
      const fen = yuanToFen(body?.amountYuan);
      if (fen === null || fen <= 0) throw new ValidationFailedError({ amountYuan: '请填写追缴金额（元，最多两位小数）' });
      await this.outcomes.recordRecovery(user, id, { amountFen: fen, recoveredOn: body?.recoveredOn, kind: body?.kind, subjectId: body?.subjectId ? Number(body.subjectId) : undefined, note: body?.note });
      return 'outcome';
    });
  }

  @Post(':id/entitlement-changes')
  async entitlement(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'entitlement', body, async (id) => {
      let reduction: number | undefined;
      if (body?.change === 'reduced') {
        const fen = yuanToFen(body?.monthlyReductionYuan);
        if (fen === null || fen <= 0) throw new ValidationFailedError({ monthlyReductionYuan: '减保须填写每月减少的金额（元，最多两位小数）' });
        reduction = fen;
      }
      await this.outcomes.recordEntitlementChange(user, id, {
        change: body?.change,
        effectiveMonth: body?.effectiveMonth,
        householdLabel: body?.householdLabel,
        householdId: body?.householdId ? Number(body.householdId) : undefined,
        monthlyReductionFen: reduction,
        note: body?.note,
      });
      return 'outcome';
    });
  }

  @Post(':id/rectifications')
  async rectification(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'rectification', body, async (id) => {
      await this.outcomes.addRectification(user, id, { task: body?.task, ownerUnit: body?.ownerUnit, dueDate: body?.dueDate });
      return 'outcome';
    });
  }

  @Post(':id/rectifications/:rid/complete')
  async completeRectification(@CurrentUser() user: User, @Param('id') rawId: string, @Param('rid') rid: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    const rectificationId = routeId(rid);
    await this.act(res, user, rawId, `rect-${rectificationId}`, body, async (id) => {
      await this.outcomes.completeRectification(user, id, rectificationId, { evidence: body?.evidence, completedOn: body?.completedOn });
      return 'outcome';
    });
  }

  @Post(':id/name-clearings')
  async clearName(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'clearing', body, async (id) => {
      await this.outcomes.clearName(user, id, { subjectId: Number(body?.subjectId), clearedOn: body?.clearedOn, method: body?.method, note: body?.note });
      return 'outcome';
    });
  }

  @Post(':id/messages/:reportId')
  async message(@CurrentUser() user: User, @Param('id') rawId: string, @Param('reportId') rawReport: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    const reportId = routeId(rawReport);
    await this.act(res, user, rawId, `msg-${reportId}`, body, async (id) => {
      await this.pages.sendMessage(user, id, reportId, { body: body?.body });
      return 'message';
    });
  }

  @Post(':id/feedback/:reportId')
  async sendFeedback(@CurrentUser() user: User, @Param('id') rawId: string, @Param('reportId') rawReport: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    const reportId = routeId(rawReport);
    await this.act(res, user, rawId, `fb-${reportId}`, body, async (id) => {
      await this.matters.withClue(user, id, 'feedback', (m, clue) => this.feedback.send(m, user, clue, reportId, { text: body?.text }));
      return 'feedback';
    });
  }

  @Post(':id/feedback/:reportId/answer')
  async answer(@CurrentUser() user: User, @Param('id') rawId: string, @Param('reportId') rawReport: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    const reportId = routeId(rawReport);
    await this.act(res, user, rawId, `ans-${reportId}`, body, async (id) => {
      await this.matters.withClue(user, id, 'feedback', (m, clue) => this.feedback.answer(m, user, clue, reportId, { text: body?.text }));
      return 'answer';
    });
  }

  /** 政务处分 复审/复核 request (OutcomesService.requestReview: the handler, a trial reviewer or a leader). */
  @Post(':id/sanction-reviews')
  async review(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'review', body, async (id) => {
      await this.outcomes.requestReview(user, id, { outcomeId: body?.outcomeId, kind: body?.kind, requestedOn: body?.requestedOn, note: body?.note });
      return 'review';
    });
  }

  /** The 复审/复核 decision of request `rid` (OutcomesService.decideReview). */
  @Post(':id/sanction-reviews/:rid/decision')
  async reviewDecision(@CurrentUser() user: User, @Param('id') rawId: string, @Param('rid') rid: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    const reviewId = routeId(rid);
    await this.act(res, user, rawId, `rev-${reviewId}`, body, async (id) => {
      await this.outcomes.decideReview(user, id, reviewId, { result: body?.result, decidedOn: body?.decidedOn });
      return 'review_decided';
    });
  }

  /** A leader extends the trial review once (MattersService.extendTrial; like the API, an in-scope non-leader gets 403 role_not_allowed with the reason). */
  @Post(':id/extend-trial')
  async extendTrial(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'extend', body, async (id) => {
      await this.matters.extendTrial(user, id, { reason: body?.reason });
      return 'extended';
    });
  }

  /** 并入线索: clue `sourceClueId` joins this one (MattersService.merge). */
  @Post(':id/merge')
  async merge(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'merge', body, async (id) => {
      const raw = typeof body?.sourceClueId === 'string' ? body.sourceClueId.trim().replace(/^#/, '') : '';
      if (!/^\d{1,15}$/.test(raw)) throw new ValidationFailedError({ sourceClueId: '请填写要并入的线索编号（数字）' });
      await this.matters.merge(user, id, { sourceClueId: Number(raw), reason: body?.reason });
      return 'merged';
    });
  }

  /** 本人申请回避 (MattersService.declareRecusal): afterwards the matter is 404 for the user, so back to the work list. */
  @Post(':id/recusal')
  async declareRecusal(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(
      res,
      user,
      rawId,
      'recusal',
      body,
      async (id) => {
        await this.matters.declareRecusal(user, id, { reason: body?.reason });
        return 'recused';
      },
      () => '/staff/matters?done=recused',
    );
  }

  /** A leader orders a staff member's recusal (责令回避) or clears a name-only conflict (MattersService.orderRecusal). */
  @Post(':id/recusal-orders')
  @Roles('leader')
  async orderRecusal(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Values, @Res() res: Response): Promise<void> {
    await this.act(res, user, rawId, 'recusal-order', body, async (id) => {
      const kind = body?.kind === 'ordered' || body?.kind === 'cleared' ? body.kind : null;
      if (!kind) throw new ValidationFailedError({ kind: '请选择责令回避或排除同名冲突' });
      await this.matters.orderRecusal(user, id, { userId: body?.userId, kind, reason: body?.reason });
      return 'recusal_ordered';
    });
  }

  /**
   * A printable document (print-friendly page, no site chrome): `acknowledgement` and `feedback` need
   * `?report=` (a real-name report of the matter), `inquiry` needs `?subject=`. The reporter's name is
   * shown only under the user's own open reveal (custody); otherwise a blank to fill in by hand.
   * Opening a document is audited (`clue.document_printed`).
   */
  @Get(':id/documents/:kind')
  async document(@CurrentUser() user: User, @Param('id') rawId: string, @Param('kind') kind: string, @Res() res: Response, @Query('report') rawReport?: string, @Query('subject') rawSubject?: string): Promise<void> {
    const id = routeId(rawId);
    if (!Object.hasOwn(MATTER_DOCUMENTS, kind)) throw new NotFoundError();
    const doc = kind as MatterDocument;
    const m = await this.views.detail(user, id);
    const office = await this.pages.officeName({ officeId: null, regionCode: m.regionCode });
    const model: Record<string, unknown> = { title: MATTER_DOCUMENTS[doc], layout: 'layouts/print', doc, office, matter: m, today: this.todayLabel() };
    const details: Record<string, unknown> = {};
    if (doc === 'acknowledgement' || doc === 'feedback') {
      const reportId = routeId(rawReport ?? '');
      const reporter = await this.pages.reporterOnDocument(user, id, reportId);
      model.reporter = reporter;
      details.reportId = reportId;
      details.named = reporter.name !== null;
      if (doc === 'feedback') {
        const fb = m.feedback.find((f) => f.reportId === reportId);
        if (!fb?.publicText) this.pages.notAvailable('尚未向该举报人反馈处理结果，请先在线索页面填写并发送反馈内容。');
        model.feedbackText = fb.publicText;
        model.sentAt = fb.sentAt;
      }
    } else if (doc === 'inquiry') {
      const subjectId = routeId(rawSubject ?? '');
      const subject = m.subjects.find((s) => s.id === subjectId);
      if (!subject) throw new NotFoundError();
      if (m.disposalMethod !== 'talk_inquiry') this.pages.notAvailable('本线索的处置方式不是谈话函询，不能出具函询函。');
      model.subject = subject;
      model.replyDays = MATTER_CLOCKS.inquiry_reply.n;
      details.subjectId = subjectId;
    } else if (doc === 'filing') {
      if (!m.case) this.pages.notAvailable('本线索尚未立案，不能出具立案决定书。');
      model.filing = await this.pages.filingFields(id);
    }
    await this.pages.auditDocument(user, id, doc, details);
    res.setHeader('Cache-Control', 'no-store');
    res.render(`pages/matters/document-${doc}`, model);
  }

  // ---------------------------------------------------------------------------------------------

  private todayLabel(): string {
    const [y, mo, d] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()).split('-');
    return `${y}年${Number(mo)}月${Number(d)}日`;
  }

  /**
   * Runs a form action; on a refusal (4xx but 404) the matter page comes back with the message and the
   * typed values; on success a 303 to the matter page with the flash (`done`), or to `redirect(id, done)`.
   */
  private async act(res: Response, user: User, rawId: string, form: string, body: Values, fn: (id: number) => Promise<string>, redirect?: (id: number, done: string) => string): Promise<void> {
    const id = routeId(rawId);
    let done: string;
    try {
      done = await fn(id);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500 || e.status === 404) throw e;
      res.status(e.status);
      await this.renderDetail(res, user, id, { error: { form, message: e.message, fields: e.fields ?? {} }, values: body ?? {} });
      return;
    }
    res.redirect(303, redirect ? redirect(id, done) : `/staff/matters/${id}?done=${done}#top`);
  }

  private async renderDetail(res: Response, user: User, id: number, extra: { done?: string | null; error?: FormError; values?: Values }): Promise<void> {
    const m = await this.views.detail(user, id);
    const form = extra.error?.form ?? '';
    const v = (f: string, key: string, dflt = ''): string => (form === f && typeof extra.values?.[key] === 'string' ? (extra.values[key] as string) : dflt);
    const handlers = await this.pages.staffFor(m.regionCode, 'case_handler');
    const allStaff = await this.pages.staffFor(m.regionCode, null);
    const staffIds = [m.assignedUserId, ...m.timeline.map((t) => t.actorUserId), ...m.timeline.map((t) => Number((t.details as Record<string, unknown> | null)?.userId) || null), ...m.proposals.flatMap((p) => [p.proposedByUserId, p.decidedByUserId]), m.case?.coHandlerUserId];
    const names = await this.pages.userNames(staffIds);
    const name = (uid: number | null | undefined) => (uid ? (names.get(uid) ?? `#${uid}`) : '');
    const subjectName = (sid: number | null) => m.subjects.find((s) => s.id === sid)?.name ?? '';
    const messages = await this.pages.messagesOf(m.reports.map((r) => r.reportId));
    const isLeader = user.hasRole('leader');
    const isWorker = m.assignedUserId === user.id || isLeader;
    const finished = ['concluded', 'transferred', 'closed', 'withdrawn'].includes(m.status);

    const fieldInput = (action: string, f: FieldSpec) => {
      const key = `t-${action}`;
      const value = v(key, f.name);
      const base = { name: f.name, label: f.label, required: f.required, value, error: form === key ? (extra.error?.fields[f.name] ?? null) : null, id: `${action}-${f.name}` };
      if (f.kind === 'text') return { ...base, textarea: true };
      if (f.kind === 'date') return { ...base, date: true };
      if (f.kind === 'method') return { ...base, select: options(DISPOSAL_METHODS, value) };
      if (f.kind === 'user') return { ...base, select: handlers.filter((h) => h.id !== user.id && h.id !== m.assignedUserId).map((h) => ({ value: String(h.id), label: h.name, selected: String(h.id) === value })) };
      const labels: Record<string, string> = f.name === 'conclusion' ? CONCLUSIONS : f.name === 'ground' ? REOPEN_GROUNDS : {};
      return { ...base, select: (f.choices ?? []).map((c) => ({ value: c, label: labels[c] ?? c, selected: c === value })) };
    };
    const pendingProposal = m.proposals.find((p) => p.status === 'pending') ?? null;
    const actions = m.allowedActions.map((a) => {
      const spec = transitionOf(a.action)!;
      const key = `t-${a.action}`;
      const fields = spec.fields.map((f) => fieldInput(a.action, f));
      const multi = a.to.length > 1;
      const mayConclude = a.to.includes('concluded') && !spec.fields.some((f) => f.name === 'conclusion');
      const dfltTo = a.action === 'approve_disposal' ? (m.disposalMethod ?? '') : '';
      return {
        action: a.action,
        label: a.label,
        needsApproval: a.needsApproval,
        blockedByPending: a.needsApproval && !!pendingProposal,
        toSelect: multi ? a.to.map((s) => ({ value: s, label: MATTER_STATUSES[s], selected: s === v(key, 'to', dfltTo) })) : null,
        conclusionSelect: mayConclude ? options(CONCLUSIONS, v(key, 'conclusion')) : null,
        fields,
        error: form === key ? extra.error : null,
        ownDisposal: a.action === 'approve_disposal' && m.timeline.filter((t) => t.action === 'propose_disposal').at(-1)?.actorUserId === user.id,
      };
    });
    const outcomeChoices = (Object.keys(OUTCOME_TYPE_LABELS) as OutcomeKind[]).map((k) => ({
      label: OUTCOME_KIND_LABELS[k],
      options: Object.entries(OUTCOME_TYPE_LABELS[k]).map(([t, label]) => ({ value: `${k}:${t}`, label, selected: v('outcome', 'kindType') === `${k}:${t}` })),
    }));
    const err = (f: string) => (form === f ? extra.error : null);
    const formValues = (f: string, keys: string[]) => Object.fromEntries(keys.map((k) => [k, v(f, k)]));
    const isReviewer = user.hasRole('trial_reviewer');
    const govOutcomes = m.outcomes.filter((o) => o.kind === 'government_sanction');
    const outcomeLabel = (oid: number) => {
      const o = m.outcomes.find((x) => x.id === oid);
      return o ? `${subjectName(o.subjectId)}：${OUTCOME_TYPE_LABELS.government_sanction[o.type] ?? o.type}（${o.decidedOn ?? ''}）` : `#${oid}`;
    };
    // Who may use the forms below mirrors the services (which check again): OutcomesService.assertWorker,
    // MattersService.extendTrial / merge / declareRecusal / orderRecusal.
    const mayWorkOutcomes = m.assignedUserId === user.id || isLeader || isReviewer;
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/matters/detail', {
      bodyClass: 'wide',
      title: `线索 #${m.id}`,
      user,
      m: {
        ...m,
        clock: clockText(m.clock),
        assignee: name(m.assignedUserId),
        recoveredTotalYuan: fenToYuan(m.recoveredTotalFen),
        regionName: (await this.regions.pathLabel(m.regionCode).catch(() => '')) || m.regionCode,
      },
      done: extra.done ?? null,
      error: extra.error && !actions.some((a) => a.error) ? extra.error : null,
      errors: { assign: err('assign'), outcome: err('outcome'), recovery: err('recovery'), entitlement: err('entitlement'), rectification: err('rectification'), clearing: err('clearing'), step: err('step') },
      isLeader,
      isWorker,
      finished,
      actions,
      pending: m.proposals
        .filter((p) => p.status === 'pending')
        .map((p) => ({
          ...p,
          label: transitionOf(p.action)?.label ?? p.action,
          toLabel: MATTER_STATUSES[p.to as MatterStatus] ?? p.to,
          proposedBy: name(p.proposedByUserId),
          own: p.proposedByUserId === user.id,
          fieldList: Object.entries((p.fields ?? {}) as Record<string, unknown>).map(([k, val]) => ({ label: transitionOf(p.action)?.fields.find((f) => f.name === k)?.label ?? k, value: String(val) })),
          error: form === `p-${p.id}` ? extra.error : null,
        })),
      timeline: m.timeline.map((t) => {
        const d = (t.details ?? {}) as Record<string, unknown>;
        const spec = transitionOf(t.action);
        const facts = spec
          ? spec.fields.filter((f) => typeof d[f.name] === 'string' || typeof d[f.name] === 'number').map((f) => ({ label: f.label, value: f.kind === 'user' ? name(Number(d[f.name])) : f.name === 'conclusion' ? CONCLUSIONS[d[f.name] as keyof typeof CONCLUSIONS] : f.kind === 'method' ? DISPOSAL_METHODS[d[f.name] as keyof typeof DISPOSAL_METHODS] : String(d[f.name]) }))
          : [];
        if (t.action === 'assigned' || t.action === 'reassigned') facts.push({ label: '承办人', value: name(Number(d.assigneeUserId)) });
        if (typeof d.caseNumber === 'string') facts.push({ label: '案号', value: d.caseNumber });
        if (typeof d.proposedBy === 'number' && d.proposedBy !== t.actorUserId) facts.push({ label: '提出人', value: name(d.proposedBy) });
        if (t.action === 'investigation_step' && Array.isArray(d.staffUserIds)) facts.push({ label: '措施', value: `${String(d.kind)}（${String(d.on)}）：${(d.staffUserIds as number[]).map((x) => name(x)).join('、')}` });
        if (['message_sent', 'report_linked', 'feedback_sent', 'objection_raised', 'objection_answered'].includes(t.action)) facts.push({ label: '举报', value: `#${String(d.reportId)}` });
        if (t.action.startsWith('inquiry_')) facts.push(...inquiryFacts(d, subjectName));
        if (t.action === 'subject_identified') facts.push({ label: '被反映人', value: subjectName(Number(d.subjectId)) }, { label: '身份类别', value: d.positionRole ? (OFFICIAL_ROLE_LABELS[d.positionRole as OfficialRole] ?? String(d.positionRole)) : '不明' });
        if (t.action === 'merged_from') facts.push({ label: '并入的线索', value: `#${String(d.sourceClueId)}` });
        if (t.action === 'merged_into') facts.push({ label: '并入到线索', value: `#${String(d.targetClueId)}` });
        if (t.action.startsWith('recusal_')) facts.push({ label: '工作人员', value: name(Number(d.userId)) + (d.unassigned ? '（已不再担任承办人）' : '') });
        if (t.action === 'trial_extended') facts.push({ label: '审理期限', value: `${String(d.previousDue)} → ${String(d.due)}` });
        if (t.action === 'review_requested' || t.action === 'review_decided') {
          facts.push({ label: '类别', value: REVIEW_KINDS[String(d.kind ?? m.sanctionReviews.find((x) => x.id === d.reviewId)?.kind)] ?? '' });
          if (typeof d.result === 'string') facts.push({ label: '决定', value: REVIEW_RESULTS[d.result] ?? d.result });
          if (typeof d.decisionDue === 'string') facts.push({ label: '决定期限', value: d.decisionDue });
        }
        return {
          at: t.at,
          label: spec?.label ?? EVENT_LABELS[t.action] ?? t.action,
          actor: t.actorUserId ? name(t.actorUserId) : '系统',
          fromLabel: t.from ? MATTER_STATUSES[t.from as MatterStatus] : null,
          toLabel: t.to ? MATTER_STATUSES[t.to as MatterStatus] : null,
          reason: t.reason,
          facts,
        };
      }),
      reports: m.reports.map((r) => ({
        ...r,
        channelLabel: r.channel ? (REPORT_CHANNELS[r.channel as ReportChannel] ?? r.channel) : '',
        messages: (messages.get(r.reportId) ?? []).map((x) => ({ at: x.createdAt, direction: x.direction, body: x.body, who: x.direction === 'from_reporter' ? '举报人' : x.direction === 'to_reporter' ? '工作人员' : '办理进展' })),
        messageValue: v(`msg-${r.reportId}`, 'body'),
        messageError: err(`msg-${r.reportId}`),
        canMessage: isWorker && (user.hasRole('case_handler') || isLeader),
        // Identity custody (DESIGN.md §5): handlers ask on the custody page; never shown here.
        canCustody: user.hasRole('case_handler') || user.hasRole('intake_officer'),
      })),
      feedback: m.feedback.map((f) => ({ ...f, clock: clockText(f.clock), sendError: err(`fb-${f.reportId}`), answerError: err(`ans-${f.reportId}`), textValue: v(`fb-${f.reportId}`, 'text'), answerValue: v(`ans-${f.reportId}`, 'text') })),
      outcomes: m.outcomes.map((o) => ({ ...o, subject: subjectName(o.subjectId), kindLabel: OUTCOME_KIND_LABELS[o.kind as OutcomeKind] ?? o.kind, typeLabel: OUTCOME_TYPE_LABELS[o.kind as OutcomeKind]?.[o.type] ?? o.type })),
      recoveries: m.recoveries.map((x) => ({ ...x, yuan: fenToYuan(x.amountFen), subject: subjectName(x.subjectId), kindLabel: x.kind === 'restitution' ? '责令退赔' : '追缴' })),
      entitlementChanges: m.entitlementChanges.map((x) => ({ ...x, changeLabel: x.change === 'removed' ? '停保' : '减保', reductionYuan: x.monthlyReductionFen ? fenToYuan(x.monthlyReductionFen) : null })),
      rectifications: m.rectifications.map((x) => ({ ...x, statusLabel: x.status === 'done' ? '已完成' : x.overdue ? '已超期' : '整改中', error: err(`rect-${x.id}`) })),
      nameClearings: m.nameClearings.map((x) => ({ ...x, subject: subjectName(x.subjectId) })),
      outcomeChoices,
      subjectOptions: m.subjects.map((s) => ({ value: String(s.id), label: `${s.name}${s.partyMember ? '（中共党员）' : ''}`, selected: String(s.id) === (v('outcome', 'subjectId') || v('clearing', 'subjectId')) })),
      assignOptions: handlers.map((h) => ({ value: String(h.id), label: h.name, selected: String(h.id) === v('assign', 'assigneeUserId') })),
      stepStaff: allStaff.map((s) => ({ value: String(s.id), label: s.name, checked: s.id === user.id })),
      // The typed values of the forms that share `values` (the newer forms carry their own, so a refused
      // merge or recusal never fills the assignment's reason field).
      values: Object.fromEntries(['reason', 'decidedOn', 'note', 'amountYuan', 'recoveredOn', 'householdLabel', 'effectiveMonth', 'monthlyReductionYuan', 'task', 'ownerUnit', 'dueDate', 'clearedOn', 'method', 'kind', 'on'].map((k) => [k, SHARED_VALUE_FORMS.includes(form) ? v(form, k) : ''])),
      documents: {
        inquiry: m.disposalMethod === 'talk_inquiry' ? m.subjects.map((s) => ({ id: s.id, name: s.name })) : [],
        filing: !!m.case,
        realName: m.reports.filter((r) => !r.anonymous).map((r) => ({ reportId: r.reportId, fedBack: !!m.feedback.find((f) => f.reportId === r.reportId && f.publicText) })),
      },
      inquiry: {
        show: m.disposalMethod === 'talk_inquiry' || m.inquiryLetters.length > 0,
        canRecord: m.mayRecordInquiry,
        error: err('inquiry'),
        subjectOptions: m.subjects.map((s) => ({ value: String(s.id), label: s.name, selected: String(s.id) === v('inquiry', 'subjectId') })),
        sentOn: v('inquiry', 'sentOn'),
        receivedOn: v('inquiry', 'receivedOn'),
        awaiting: m.status === 'talk_inquiry' && m.inquiryLetters.some((l) => !l.repliedOn),
        letters: m.inquiryLetters.map((l) => ({
          ...l,
          clock: clockText(l.clock),
          stateLabel: l.repliedOn ? '已回复' : l.receivedOn ? '待回复' : '待签收',
          receiptError: err(`inq-rcpt-${l.id}`),
          receivedValue: v(`inq-rcpt-${l.id}`, 'receivedOn'),
          replyError: err(`inq-reply-${l.id}`),
          repliedValue: v(`inq-reply-${l.id}`, 'repliedOn'),
          summaryValue: v(`inq-reply-${l.id}`, 'summary'),
        })),
      },
      sanctionReviews: m.sanctionReviews.map((x) => ({
        ...x,
        kindLabel: REVIEW_KINDS[x.kind] ?? x.kind,
        resultLabel: x.result ? (REVIEW_RESULTS[x.result] ?? x.result) : null,
        outcome: outcomeLabel(x.outcomeId),
        clock: clockText(x.clock),
        canDecide: mayWorkOutcomes && !x.decidedOn,
        error: err(`rev-${x.id}`),
        values: formValues(`rev-${x.id}`, ['decidedOn']),
        resultOptions: options(REVIEW_RESULTS, v(`rev-${x.id}`, 'result')),
      })),
      reviewForm: mayWorkOutcomes && govOutcomes.length
        ? {
            error: err('review'),
            values: formValues('review', ['requestedOn', 'note']),
            outcomeOptions: govOutcomes.map((o) => ({ value: String(o.id), label: outcomeLabel(o.id), selected: String(o.id) === v('review', 'outcomeId') })),
            kindOptions: options(REVIEW_KINDS, v('review', 'kind', 'review')),
          }
        : null,
      extendForm: isLeader && m.status === 'trial' && m.clock?.clock === 'trial' ? { error: err('extend'), values: formValues('extend', ['reason']) } : null,
      mergeForm: ['intake_officer', 'case_handler', 'leader'].some((r) => user.hasRole(r as Role)) && !FINAL_STATUSES.includes(m.status) ? { error: err('merge'), values: formValues('merge', ['sourceClueId', 'reason']) } : null,
      recusalForm: { error: err('recusal'), values: formValues('recusal', ['reason']) },
      recusalOrderForm: isLeader
        ? {
            error: err('recusal-order'),
            values: formValues('recusal-order', ['reason']),
            staffOptions: allStaff.filter((s) => s.id !== user.id).map((s) => ({ value: String(s.id), label: s.name, selected: String(s.id) === v('recusal-order', 'userId') })),
            kindOptions: options(RECUSAL_ORDER_KINDS, v('recusal-order', 'kind', 'ordered')),
          }
        : null,
      canOutcomes: isWorker && !['registered', 'disposal_proposed', 'closed'].includes(m.status),
      canAssign: isLeader && !finished,
      canStep: m.status === 'investigation' && m.assignedUserId === user.id,
      subjectForms: await this.subjectForms.model(m.subjects, { canEdit: isWorker && !finished, limitedRoles: this.config.sanctionLimitedRoles, officialPrefixes: officialScope(m.regionCode, (await this.matters.viewer(user)).access.ctx.regionPrefixes), form, error: extra.error, values: extra.values }),
    });
  }
}
