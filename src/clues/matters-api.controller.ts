import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { DomainError, NotFoundError } from '../common/domain-error.js';
import { IntakeService } from '../intake/intake.service.js';
import { routeId } from '../intake/intake-http.js';
import { OutcomesService } from '../cases/outcomes.service.js';
import type { User } from '../users/entities/user.entity.js';
import { CluesService } from './clues.service.js';
import type { MatterStatus } from './clue-enums.js';
import { MATTER_STATUSES } from './clue-enums.js';
import {
  AssignDto,
  CompleteRectificationDto,
  CreateClueDto,
  DecisionDto,
  EntitlementChangeDto,
  InquiryLetterDto,
  InquiryLetterResultDto,
  InquiryReceiptDto,
  InquiryReplyDto,
  InvestigationStepDto,
  MergeDto,
  NameClearingDto,
  OutcomeDto,
  RecoveryDto,
  RectificationDto,
  RecusalOrderDto,
  SubjectUpdateDto,
  ReviewDecisionDto,
  SanctionReviewDto,
  TextDto,
  TransitionDto,
  TransitionResultDto,
} from './dto/matters-api.dto.js';
import { FeedbackService } from './feedback.service.js';
import { MatterClocksService, OVERDUE_LIMIT } from './matter-clocks.service.js';
import { MATTER_TRANSITIONS } from './matter-transitions.js';
import { MatterViewsService } from './matter-views.service.js';
import { MattersService } from './matters.service.js';
import { InquiryLettersService } from './inquiry-letters.service.js';
import { ValidationFailedError } from '../common/domain-error.js';
import { isRegionCode12 } from '../regions/region-code.js';
import { RegionsService } from '../regions/regions.service.js';
import { checkDate, checkText, MATTER_TEXT_LIMITS, MAX_CLUE_PEOPLE } from './matter-input.js';

/** Known keys only (400 `unknown_field`), like the rest of the API. */
function body(raw: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DomainError('bad_request', '请求体应为 JSON 对象', HttpStatus.BAD_REQUEST);
  const unknown = Object.keys(raw).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new DomainError('unknown_field', `不支持的字段：${unknown.slice(0, 10).join('、')}`, HttpStatus.BAD_REQUEST, Object.fromEntries(unknown.map((k) => [k, '不支持的字段'])));
  return raw as Record<string, unknown>;
}

const TRANSITION_KEYS = ['action', 'to', 'conclusion', ...new Set(MATTER_TRANSITIONS.flatMap((t) => t.fields.map((f) => f.name)))];

function iso<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * The matters JSON API (/api/v1/matters): clues and cases through the state table of DESIGN.md §4,
 * assignment, merging, outcomes, clocks, the overdue list and feedback to real-name reporters. Session
 * cookie + `X-CSRF-Token` on POST. Errors `{ error: { code, message, fields? } }`; outside scope,
 * absent and recused are the same 404.
 */
@ApiTags('matters')
@ApiCookieAuth('qf_sess')
@ApiHeader({ name: 'X-CSRF-Token', required: false, description: '使用会话 Cookie 调用 POST 接口时必填' })
@ApiResponse({ status: 404, description: 'not_found（不存在、不在辖区内或须回避，三者相同）' })
@Controller('api/v1/matters')
@Roles('case_handler', 'trial_reviewer', 'leader', 'intake_officer')
export class MattersApiController {
  constructor(
    private readonly matters: MattersService,
    private readonly views: MatterViewsService,
    private readonly clocks: MatterClocksService,
    private readonly outcomes: OutcomesService,
    private readonly feedback: FeedbackService,
    private readonly clues: CluesService,
    private readonly intake: IntakeService,
    private readonly regions: RegionsService,
    private readonly inquiries: InquiryLettersService,
  ) {}

  @Get()
  @ApiOperation({ summary: '工作清单：本辖区线索与案件（status=open 默认，mine=1 仅本人承办）' })
  async list(@CurrentUser() user: User, @Query('status') status?: string, @Query('mine') mine?: string, @Query('page') page?: string) {
    const s = status && (status === 'open' || status === 'all' || Object.hasOwn(MATTER_STATUSES, status)) ? (status as MatterStatus) : 'open';
    return iso(await this.views.list(user, { status: s, mine: mine === '1' || mine === 'true', page: Number(page) || 1 }));
  }

  @Get('overdue')
  @Roles('leader')
  @ApiOperation({ summary: '逾期清单（领导）：本辖区超过法定期限的线索、案件、应反馈事项、逾期未回复的函询（函询回复）和超期的举报受理义务，逾期最久的 200 件；limited=true 表示另有更多' })
  @ApiResponse({ status: 422, description: 'validation_failed（today 不是真实的日历日期 YYYY-MM-DD）' })
  async overdue(@CurrentUser() user: User, @Query('today') today?: unknown) {
    const fields: Record<string, string> = {};
    const day = checkDate(fields, 'today', today);
    if (day === null) throw new ValidationFailedError(fields);
    const rows = await this.clocks.overdue(user, day || undefined, OVERDUE_LIMIT + 1);
    return { items: iso(rows.slice(0, OVERDUE_LIMIT)), limited: rows.length > OVERDUE_LIMIT };
  }

  @Get('suggestions')
  @ApiOperation({ summary: '受理时的疑似重复线索（同县同名被反映人、受益人相同或相近、近一年），由受理人员决定' })
  async suggestions(@CurrentUser() user: User, @Query('reportId') reportId: string) {
    const id = routeId(reportId ?? '');
    if (!(await this.intake.existsInScope(user, id))) throw new NotFoundError();
    return { items: iso(await this.views.suggestionsForReport(user, id)) };
  }

  @Post()
  @Roles('case_handler', 'leader', 'intake_officer')
  @ApiOperation({ summary: '手工登记线索（来源：巡察/监督检查或其他）' })
  @ApiBody({ type: CreateClueDto })
  async create(@CurrentUser() user: User, @Body() raw: unknown) {
    const b = body(raw, ['source', 'regionCode', 'category', 'summary', 'subjects', 'beneficiaries', 'reason']);
    if (b.source !== 'inspection' && b.source !== 'other') throw new ValidationFailedError({ source: '手工登记的线索来源须为 inspection 或 other' });
    const fields: Record<string, string> = {};
    const regionCode = typeof b.regionCode === 'string' ? b.regionCode : '';
    const region = isRegionCode12(regionCode) ? await this.regions.find(regionCode) : null;
    if (!region) fields.regionCode = '请填写真实的 12 位统计用区划代码';
    else if (!regionCode.startsWith(user.scopePrefix)) fields.regionCode = '只能登记本辖区的线索';
    const reason = checkText(fields, 'reason', b.reason, MATTER_TEXT_LIMITS.note, '请填写登记理由');
    const summary = checkText(fields, 'summary', b.summary, MATTER_TEXT_LIMITS.long);
    if (b.category !== undefined && b.category !== null && typeof b.category !== 'string') fields.category = '问题类别不正确';
    const subjects = checkPeople(fields, 'subjects', b.subjects, true);
    const beneficiaries = checkPeople(fields, 'beneficiaries', b.beneficiaries, false);
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    const clue = await this.matters.runInTransaction((m) =>
      this.clues.createClue(m, {
        source: b.source as 'inspection' | 'other',
        regionCode,
        category: (b.category as never) ?? null,
        summary: summary || null,
        subjects: subjects as never,
        beneficiaries: beneficiaries as never,
        actorUserId: user.id,
        reason,
      }),
    );
    return { clueId: clue.id, status: clue.status };
  }

  @Get(':id')
  @ApiOperation({ summary: '线索/案件详情：被反映人、受益人、举报、案号、待批申请、时间线、处理结果、期限、当前可做的操作（读取记入审计）' })
  async detail(@CurrentUser() user: User, @Param('id') id: string) {
    return iso(await this.views.detail(user, routeId(id)));
  }

  @Post(':id/transitions')
  @HttpCode(200)
  @ApiOperation({ summary: '状态流转（或提出须领导批准的申请）' })
  @ApiBody({ type: TransitionDto })
  @ApiResponse({ status: 200, type: TransitionResultDto })
  @ApiResponse({ status: 403, description: 'role_not_allowed / not_assigned / self_approval' })
  @ApiResponse({ status: 409, description: 'invalid_transition（消息说明当前可进行的操作）/ proposal_pending / inquiry_reply_pending（函询函尚未回复：不能谈话函询后了结；回复期限内不能转初步核实）' })
  @ApiResponse({ status: 422, description: 'validation_failed' })
  async transition(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return this.matters.transition(user, routeId(id), body(raw, TRANSITION_KEYS));
  }

  @Post(':id/proposals/:pid/approve')
  @HttpCode(200)
  @ApiOperation({ summary: '领导批准（提出人不能批准本人的申请）' })
  @ApiResponse({ status: 403, description: 'role_not_allowed（本辖区内的非领导）/ self_approval' })
  @ApiBody({ type: DecisionDto, required: false })
  @ApiResponse({ status: 200, type: TransitionResultDto })
  async approve(@CurrentUser() user: User, @Param('id') id: string, @Param('pid') pid: string, @Body() raw: unknown) {
    return this.matters.approve(user, routeId(id), routeId(pid), body(raw ?? {}, ['reason']));
  }

  @Post(':id/proposals/:pid/reject')
  @HttpCode(200)
  @ApiOperation({ summary: '领导不同意（须说明理由）' })
  @ApiResponse({ status: 403, description: 'role_not_allowed（本辖区内的非领导）/ self_approval' })
  @ApiBody({ type: DecisionDto })
  async reject(@CurrentUser() user: User, @Param('id') id: string, @Param('pid') pid: string, @Body() raw: unknown) {
    return this.matters.reject(user, routeId(id), routeId(pid), body(raw, ['reason']));
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Roles('leader')
  @ApiOperation({ summary: '分配/更换承办人（须回避的人员不能承办）' })
  @ApiBody({ type: AssignDto })
  async assign(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return this.matters.assign(user, routeId(id), body(raw, ['assigneeUserId', 'reason']));
  }

  @Post(':id/subjects/:sid')
  @HttpCode(200)
  @ApiOperation({ summary: '确认被反映人身份（关联公职人员）、标注是否中共党员、填写身份类别（未关联时用于处分种类的限制）' })
  @ApiBody({ type: SubjectUpdateDto })
  @ApiResponse({ status: 422, description: 'validation_failed（officialId / partyMember / positionRole；已关联公职人员的，身份类别以档案为准）' })
  async subject(@CurrentUser() user: User, @Param('id') id: string, @Param('sid') sid: string, @Body() raw: unknown) {
    return iso(await this.matters.updateSubject(user, routeId(id), routeId(sid), body(raw, ['officialId', 'partyMember', 'positionRole'])));
  }

  @Post(':id/extend-trial')
  @HttpCode(200)
  @ApiOperation({ summary: '批准延长审理期限（一次，延长一个月）' })
  @ApiResponse({ status: 403, description: 'role_not_allowed（本辖区内的非领导）' })
  @ApiBody({ type: DecisionDto })
  async extendTrial(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return this.matters.extendTrial(user, routeId(id), body(raw, ['reason']));
  }

  @Post(':id/merge')
  @HttpCode(200)
  @ApiOperation({ summary: '把另一条线索并入本线索' })
  @ApiBody({ type: MergeDto })
  async merge(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return this.matters.merge(user, routeId(id), body(raw, ['sourceClueId', 'reason']));
  }

  @Post(':id/recusal')
  @HttpCode(204)
  @ApiOperation({ summary: '本人申请回避（此后本线索对本人不可见）' })
  async declareRecusal(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    await this.matters.declareRecusal(user, routeId(id), body(raw ?? {}, ['reason']));
  }

  @Post(':id/recusal-orders')
  @HttpCode(204)
  @Roles('leader')
  @ApiOperation({ summary: '领导决定回避（ordered）或解除同名冲突（cleared）' })
  @ApiBody({ type: RecusalOrderDto })
  async orderRecusal(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    await this.matters.orderRecusal(user, routeId(id), body(raw, ['userId', 'kind', 'reason']));
  }

  @Post(':id/investigation-steps')
  @ApiOperation({ summary: '记录调查措施（两人以上进行）' })
  @ApiBody({ type: InvestigationStepDto })
  async step(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return this.matters.recordInvestigationStep(user, routeId(id), body(raw, ['kind', 'on', 'staffUserIds', 'note']));
  }

  @Post(':id/inquiry-letters')
  @ApiOperation({ summary: '登记函询：向本线索的被反映人发出函询函（可同时登记签收日期，回复期限自签收次日起 15 个工作日）' })
  @ApiBody({ type: InquiryLetterDto })
  @ApiResponse({ status: 201, type: InquiryLetterResultDto })
  @ApiResponse({ status: 403, description: 'role_not_allowed / not_assigned（须由本线索承办人登记）' })
  @ApiResponse({ status: 409, description: 'invalid_transition（须处于谈话函询阶段且处置方式为谈话函询）/ inquiry_letter_open（该被反映人已有未回复的函询函）' })
  @ApiResponse({ status: 422, description: 'validation_failed（subjectId 不是本线索的被反映人；日期不真实、晚于今天，或签收早于发函）' })
  async inquiryLetter(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return iso(await this.inquiries.send(user, routeId(id), body(raw, ['subjectId', 'sentOn', 'receivedOn'])));
  }

  @Post(':id/inquiry-letters/:lid/receipt')
  @HttpCode(200)
  @ApiOperation({ summary: '登记被函询人签收函询函的日期（开始计算回复期限）' })
  @ApiBody({ type: InquiryReceiptDto })
  @ApiResponse({ status: 200, type: InquiryLetterResultDto })
  @ApiResponse({ status: 403, description: 'role_not_allowed / not_assigned' })
  @ApiResponse({ status: 409, description: 'invalid_transition / inquiry_receipt_recorded（已登记签收）' })
  @ApiResponse({ status: 422, description: 'validation_failed（receivedOn）' })
  async inquiryReceipt(@CurrentUser() user: User, @Param('id') id: string, @Param('lid') lid: string, @Body() raw: unknown) {
    return iso(await this.inquiries.recordReceipt(user, routeId(id), routeId(lid), body(raw, ['receivedOn'])));
  }

  @Post(':id/inquiry-letters/:lid/reply')
  @HttpCode(200)
  @ApiOperation({ summary: '登记被函询人的书面回复（日期、内容摘要），函询回复期限随之结束' })
  @ApiBody({ type: InquiryReplyDto })
  @ApiResponse({ status: 200, type: InquiryLetterResultDto })
  @ApiResponse({ status: 403, description: 'role_not_allowed / not_assigned' })
  @ApiResponse({ status: 409, description: 'invalid_transition / inquiry_receipt_missing（尚未登记签收）/ inquiry_reply_recorded（已登记回复）' })
  @ApiResponse({ status: 422, description: 'validation_failed（repliedOn、summary）' })
  async inquiryReply(@CurrentUser() user: User, @Param('id') id: string, @Param('lid') lid: string, @Body() raw: unknown) {
    return iso(await this.inquiries.recordReply(user, routeId(id), routeId(lid), body(raw, ['repliedOn', 'summary'])));
  }

  @Post(':id/outcomes')
  @ApiOperation({ summary: '按被反映人记录核实结论、处分、第一种形态、组织处理、问责或移送检察机关' })
  @ApiBody({ type: OutcomeDto })
  @ApiResponse({ status: 422, description: 'validation_failed / party_sanction_non_member / sanction_not_allowed_for_role' })
  async outcome(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return iso(await this.outcomes.recordOutcome(user, routeId(id), body(raw, ['subjectId', 'kind', 'type', 'decidedOn', 'receivedOn', 'effectMonths', 'note'])));
  }

  @Post(':id/recoveries')
  @ApiOperation({ summary: '追缴/责令退赔金额（分）' })
  @ApiBody({ type: RecoveryDto })
  async recovery(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return iso(await this.outcomes.recordRecovery(user, routeId(id), body(raw, ['amountFen', 'recoveredOn', 'kind', 'subjectId', 'note'])));
  }

  @Post(':id/entitlement-changes')
  @ApiOperation({ summary: '停保/减保' })
  @ApiBody({ type: EntitlementChangeDto })
  async entitlement(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return iso(await this.outcomes.recordEntitlementChange(user, routeId(id), body(raw, ['change', 'effectiveMonth', 'householdId', 'householdLabel', 'monthlyReductionFen', 'note'])));
  }

  @Post(':id/rectifications')
  @ApiOperation({ summary: '整改任务' })
  @ApiBody({ type: RectificationDto })
  async rectification(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return iso(await this.outcomes.addRectification(user, routeId(id), body(raw, ['task', 'ownerUnit', 'dueDate'])));
  }

  @Post(':id/rectifications/:rid/complete')
  @HttpCode(200)
  @ApiOperation({ summary: '整改完成（材料、日期）' })
  @ApiBody({ type: CompleteRectificationDto })
  async completeRectification(@CurrentUser() user: User, @Param('id') id: string, @Param('rid') rid: string, @Body() raw: unknown) {
    return iso(await this.outcomes.completeRectification(user, routeId(id), routeId(rid), body(raw, ['evidence', 'completedOn'])));
  }

  @Post(':id/name-clearings')
  @ApiOperation({ summary: '澄清正名（核实不实或诬告陷害）' })
  @ApiBody({ type: NameClearingDto })
  async clearName(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return iso(await this.outcomes.clearName(user, routeId(id), body(raw, ['subjectId', 'clearedOn', 'method', 'note'])));
  }

  @Post(':id/sanction-reviews')
  @ApiOperation({ summary: '政务处分复审/复核申请（期限自动计算）' })
  @ApiBody({ type: SanctionReviewDto })
  async review(@CurrentUser() user: User, @Param('id') id: string, @Body() raw: unknown) {
    return iso(await this.outcomes.requestReview(user, routeId(id), body(raw, ['outcomeId', 'kind', 'requestedOn', 'note'])));
  }

  @Post(':id/sanction-reviews/:rid/decision')
  @HttpCode(200)
  @ApiOperation({ summary: '复审/复核决定' })
  @ApiBody({ type: ReviewDecisionDto })
  async reviewDecision(@CurrentUser() user: User, @Param('id') id: string, @Param('rid') rid: string, @Body() raw: unknown) {
    return iso(await this.outcomes.decideReview(user, routeId(id), routeId(rid), body(raw, ['result', 'decidedOn'])));
  }

  @Post(':id/feedback/:reportId')
  @HttpCode(200)
  @ApiOperation({ summary: '向实名举报人反馈处理结果（公开措辞，举报人在查询页看到）' })
  @ApiBody({ type: TextDto })
  async sendFeedback(@CurrentUser() user: User, @Param('id') id: string, @Param('reportId') reportId: string, @Body() raw: unknown) {
    const b = body(raw, ['text']);
    return iso(await this.matters.withClue(user, routeId(id), 'feedback', (m, clue) => this.feedback.send(m, user, clue, routeId(reportId), b)));
  }

  @Post(':id/feedback/:reportId/answer')
  @HttpCode(200)
  @ApiOperation({ summary: '答复举报人对处理结果的异议' })
  @ApiBody({ type: TextDto })
  async answerObjection(@CurrentUser() user: User, @Param('id') id: string, @Param('reportId') reportId: string, @Body() raw: unknown) {
    const b = body(raw, ['text']);
    return iso(await this.matters.withClue(user, routeId(id), 'feedback', (m, clue) => this.feedback.answer(m, user, clue, routeId(reportId), b)));
  }
}

const PERSON_TEXT = { subjects: ['name', 'position', 'unit'], beneficiaries: ['name', 'relation'] } as const;
const PERSON_IDS = { subjects: ['officialId', 'personId'], beneficiaries: ['householdId', 'personId'] } as const;

/**
 * Checks the subjects (被反映人) or beneficiaries of a manual clue: an array of at most
 * {@link MAX_CLUE_PEOPLE} objects; text fields strings of at most {@link MATTER_TEXT_LIMITS}.short
 * characters (refused, never cut), ids positive integers, `partyMember` a boolean. Problems go into
 * `fields`; the cleaned list is returned. Unknown keys are refused.
 */
function checkPeople(fields: Record<string, string>, key: 'subjects' | 'beneficiaries', raw: unknown, required: boolean): Record<string, unknown>[] {
  if (raw === undefined || raw === null) {
    if (required) fields[key] = '请至少填写一名被反映人';
    return [];
  }
  if (!Array.isArray(raw) || (required && !raw.length)) {
    fields[key] = required ? '请至少填写一名被反映人' : '应为列表';
    return [];
  }
  if (raw.length > MAX_CLUE_PEOPLE) {
    fields[key] = `最多 ${MAX_CLUE_PEOPLE} 人`;
    return [];
  }
  const allowed: readonly string[] = [...PERSON_TEXT[key], ...PERSON_IDS[key], ...(key === 'subjects' ? ['partyMember'] : [])];
  return raw.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      fields[`${key}.${i}`] = '应为对象';
      return {};
    }
    const o = item as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) if (!allowed.includes(k)) fields[`${key}.${i}.${k}`] = '未知字段';
    for (const k of PERSON_TEXT[key]) {
      const v = checkText(fields, `${key}.${i}.${k}`, o[k], MATTER_TEXT_LIMITS.short);
      if (v) out[k] = v;
    }
    for (const k of PERSON_IDS[key]) {
      if (o[k] === undefined || o[k] === null) continue;
      if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 1) fields[`${key}.${i}.${k}`] = '编号应为正整数';
      else out[k] = o[k];
    }
    if (key === 'subjects' && o.partyMember !== undefined && o.partyMember !== null) {
      if (typeof o.partyMember !== 'boolean') fields[`${key}.${i}.partyMember`] = '应为 true 或 false';
      else out.partyMember = o.partyMember;
    }
    return out;
  });
}
