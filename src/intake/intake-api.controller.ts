import { Body, Controller, Get, HttpCode, Param, Post, Query, UsePipes } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import type { ReportChannel, ReportStatus } from '../reports/report-enums.js';
import type { User } from '../users/entities/user.entity.js';
import { apiValidationPipe } from './dto/api-validation.pipe.js';
import {
  AcceptDto,
  AcknowledgeDto,
  ActionResultDto,
  AssignDto,
  MessageDto,
  ApiErrorDto,
  CreateRegistrationDto,
  DeclineDto,
  ForwardDto,
  InboxPageDto,
  InboxQueryDto,
  MarkRepeatDto,
  ReferOutDto,
  RegistrationResultDto,
} from './dto/intake-api.dto.js';
import { routeId } from './intake-http.js';
import { IntakeService, type ActionResult, type InboxRow, type ReportDetail } from './intake.service.js';

function rowJson(r: InboxRow) {
  return {
    id: r.id,
    receivedAt: r.receivedAt.toISOString(),
    category: r.category,
    categoryLabel: r.categoryLabel,
    kindLabel: r.kindLabel,
    regionCode: r.regionCode,
    regionPath: r.regionPath,
    anonymous: r.anonymous,
    channel: r.channel,
    status: r.status,
    statusLabel: r.statusLabel,
    officeName: r.officeName,
    clocks: r.clocks.clocks.map((c) => ({ kind: c.kind, label: c.label, due: c.due, workingDaysLeft: c.workingDaysLeft, status: c.status })),
    calendarFallback: r.clocks.fallback,
    calendarFallbackNotice: r.clocks.fallbackNotice,
  };
}

function detailJson(d: ReportDetail) {
  return {
    ...rowJson(d),
    kind: d.kind,
    description: d.description,
    happenedAt: d.happenedAt,
    subjects: d.subjects,
    beneficiaries: d.beneficiaries,
    acknowledgedAt: d.acknowledgedAt?.toISOString() ?? null,
    repeatOfId: d.repeatOfId,
    referredTo: d.referredTo,
    officeId: d.officeId,
    history: d.history.map((h) => ({ ...h, at: h.at.toISOString() })),
    messages: d.messages.map((m) => ({ ...m, at: m.at.toISOString() })),
    evidence: d.evidence.map((e) => ({ ...e, cleanCopyUrl: e.hasCleanCopy ? `/staff/intake/reports/${d.id}/attachments/${e.id}` : null })),
    forwardTargets: d.forwardTargets,
    clueSuggestions: d.clueSuggestions.map((x) => ({ ...x, registeredAt: x.registeredAt.toISOString() })),
    assignedUserId: d.assignedUserId,
    assigneeName: d.assigneeName,
    allowedActions: d.can,
  };
}

const ERRORS = [
  ApiResponse({ status: 400, description: 'unknown_field / bad_request', type: ApiErrorDto }),
  ApiResponse({ status: 401, description: 'unauthenticated', type: ApiErrorDto }),
  ApiResponse({ status: 403, description: 'csrf_invalid（使用会话 Cookie 时须带 X-CSRF-Token）', type: ApiErrorDto }),
  ApiResponse({ status: 404, description: 'not_found（不存在、不在辖区内或无受理权限，三者相同）', type: ApiErrorDto }),
];
const ACTION_ERRORS = [
  ...ERRORS,
  ApiResponse({ status: 409, description: 'invalid_state（当前状态不允许该操作）/ not_handling_office', type: ApiErrorDto }),
  ApiResponse({ status: 422, description: 'validation_failed（fields 为各字段的中文提示）', type: ApiErrorDto }),
];
function apply(decorators: MethodDecorator[]): MethodDecorator {
  return (target, key, desc) => {
    for (const d of decorators) d(target, key, desc);
  };
}

/**
 * The intake JSON API (/api/v1/intake) for signed-in intake officers and leaders: the same service,
 * scope and rules as the pages (src/access/policies/reports.policy.ts: once a report is assigned,
 * its intake actions are for the assignee or a leader — others get 409 `not_assignee`; assigning is
 * for leaders). Session cookie + `X-CSRF-Token` header on POST. Errors: `{ error: { code, message, fields? } }`.
 */
@ApiTags('intake')
@ApiCookieAuth('qf_sess')
@ApiHeader({ name: 'X-CSRF-Token', required: false, description: '使用会话 Cookie 调用 POST 接口时必填（GET /staff/csrf 取得）' })
@Controller('api/v1/intake')
@Roles('intake_officer', 'leader')
@UsePipes(apiValidationPipe())
export class IntakeApiController {
  constructor(private readonly intake: IntakeService) {}

  @Get('reports')
  @ApiOperation({ summary: '受理收件箱：本辖区的举报，按收到时间倒序，每页 20 条' })
  @ApiOkResponse({ type: InboxPageDto })
  @apply(ERRORS)
  async inbox(@CurrentUser() user: User, @Query() q: InboxQueryDto) {
    const page = await this.intake.inbox(user, {
      status: (q.status as ReportStatus | 'all' | undefined) ?? 'received',
      channel: q.channel as ReportChannel | undefined,
      q: q.q,
      page: q.page ?? 1,
    });
    return { items: page.rows.map(rowJson), total: page.total, page: page.page, pageSize: page.pageSize };
  }

  @Get('reports/:id')
  @ApiOperation({ summary: '举报详情（读取即记入审计日志）；不含举报人身份' })
  @ApiParam({ name: 'id', type: Number })
  @apply(ERRORS)
  async detail(@CurrentUser() user: User, @Param('id') id: string) {
    return detailJson(await this.intake.detail(user, routeId(id)));
  }

  @Post('reports/:id/accept')
  @HttpCode(200)
  @ApiOperation({ summary: '受理（仅限“已收到，待受理”）' })
  @ApiBody({ type: AcceptDto, required: false })
  @ApiOkResponse({ type: ActionResultDto })
  @apply(ACTION_ERRORS)
  accept(@CurrentUser() user: User, @Param('id') id: string, @Body() body: AcceptDto): Promise<ActionResult> {
    return this.intake.accept(user, routeId(id), body ?? {});
  }

  @Post('reports/:id/decline')
  @HttpCode(200)
  @ApiOperation({ summary: '不予受理（依据和理由必填；举报人只看到依据对应的固定表述）' })
  @ApiOkResponse({ type: ActionResultDto })
  @apply(ACTION_ERRORS)
  decline(@CurrentUser() user: User, @Param('id') id: string, @Body() body: DeclineDto): Promise<ActionResult> {
    return this.intake.decline(user, routeId(id), body);
  }

  @Post('reports/:id/forward')
  @HttpCode(200)
  @ApiOperation({ summary: '转送（上一级）/转办（下一级）；接收机关按“已收到”重新起算期限' })
  @ApiOkResponse({ type: ActionResultDto })
  @apply(ACTION_ERRORS)
  forward(@CurrentUser() user: User, @Param('id') id: string, @Body() body: ForwardDto): Promise<ActionResult> {
    return this.intake.forward(user, routeId(id), body);
  }

  @Post('reports/:id/refer-out')
  @HttpCode(200)
  @ApiOperation({ summary: '移交民政、公安等有关部门（机关和理由必填）' })
  @ApiOkResponse({ type: ActionResultDto })
  @apply(ACTION_ERRORS)
  referOut(@CurrentUser() user: User, @Param('id') id: string, @Body() body: ReferOutDto): Promise<ActionResult> {
    return this.intake.referOut(user, routeId(id), body);
  }

  @Post('reports/:id/mark-repeat')
  @HttpCode(200)
  @ApiOperation({ summary: '标记为重复件（原举报须在本辖区内）' })
  @ApiOkResponse({ type: ActionResultDto })
  @apply(ACTION_ERRORS)
  markRepeat(@CurrentUser() user: User, @Param('id') id: string, @Body() body: MarkRepeatDto): Promise<ActionResult> {
    return this.intake.markRepeat(user, routeId(id), body);
  }

  @Post('reports/:id/acknowledge')
  @HttpCode(200)
  @ApiOperation({ summary: '告知实名举报人受理情况（仅一次；停止告知期限）' })
  @ApiOkResponse({ type: ActionResultDto })
  @apply(ACTION_ERRORS)
  acknowledge(@CurrentUser() user: User, @Param('id') id: string, @Body() body: AcknowledgeDto): Promise<ActionResult> {
    return this.intake.acknowledge(user, routeId(id), body);
  }

  @Post('reports/:id/messages')
  @HttpCode(201)
  @ApiOperation({ summary: '向举报人留言（举报人在查询页面可见）' })
  @ApiResponse({ status: 201, type: ActionResultDto })
  @apply(ACTION_ERRORS)
  message(@CurrentUser() user: User, @Param('id') id: string, @Body() body: MessageDto): Promise<ActionResult> {
    return this.intake.message(user, routeId(id), body);
  }

  @Post('reports/:id/assign')
  @Roles('leader')
  @HttpCode(200)
  @ApiOperation({ summary: '指派/改派承办人（领导；改派须填写理由；须回避或不在辖区的人员不能指派）' })
  @ApiOkResponse({ type: ActionResultDto })
  @apply(ACTION_ERRORS)
  assign(@CurrentUser() user: User, @Param('id') id: string, @Body() body: AssignDto): Promise<ActionResult> {
    return this.intake.assign(user, routeId(id), body);
  }

  @Post('registrations')
  @Roles('intake_officer')
  @HttpCode(201)
  @ApiOperation({ summary: '登记来信、来访、电话举报；返回只显示一次的查询码' })
  @ApiResponse({ status: 201, type: RegistrationResultDto })
  @apply(ACTION_ERRORS)
  async register(@CurrentUser() user: User, @Body() body: CreateRegistrationDto) {
    const r = await this.intake.register(user, body as unknown as Record<string, unknown>);
    return { id: r.id, receiptCode: r.receiptCode };
  }
}
