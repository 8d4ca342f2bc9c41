import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Res, UsePipes } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { apiValidationPipe } from '../intake/dto/api-validation.pipe.js';
import { ApiErrorDto } from '../intake/dto/intake-api.dto.js';
import { routeId, sendEvidenceDownload } from '../intake/intake-http.js';
import type { User } from '../users/entities/user.entity.js';
import { CustodyService, type QueueItem, type RevealedReport, type RevealRequestView } from './custody.service.js';
import { QueueResponseDto, RevealedReportDto, RevealReasonDto, RevealRequestResponseDto } from './dto/custody-api.dto.js';

function requestJson(r: RevealRequestView) {
  return {
    id: r.id,
    reportId: r.reportId,
    requesterUserId: r.requesterUserId,
    reason: r.reason,
    state: r.state,
    stateLabel: r.stateLabel,
    requestedAt: r.requestedAt.toISOString(),
    decidedByUserId: r.decidedByUserId,
    decisionReason: r.decisionReason,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
  };
}

function queueJson(q: QueueItem) {
  return {
    ...requestJson(q),
    requesterName: q.requesterName,
    decidedByName: q.decidedByName,
    ownRequest: q.ownRequest,
    categoryLabel: q.categoryLabel,
    kindLabel: q.kindLabel,
    regionPath: q.regionPath,
    anonymous: q.anonymous,
  };
}

function revealedJson(r: RevealedReport) {
  return {
    reportId: r.reportId,
    requestId: r.requestId,
    expiresAt: r.expiresAt.toISOString(),
    identity: r.identity,
    originals: r.originals.map((f) => ({ ...f, url: `/api/v1/custody/reports/${r.reportId}/originals/${f.id}` })),
  };
}

const ERRORS = applyDecorators(
  ApiResponse({ status: 400, description: 'unknown_field', type: ApiErrorDto }),
  ApiResponse({ status: 401, description: 'unauthenticated', type: ApiErrorDto }),
  ApiResponse({ status: 404, description: 'not_found（不存在、不在辖区内、需回避或无相应角色，四者相同）', type: ApiErrorDto }),
);
/** The documentation both decisions share. */
const DECISION = applyDecorators(
  HttpCode(200),
  Roles('identity_custodian'),
  ApiParam({ name: 'rid', type: Number, description: '申请编号' }),
  ApiBody({ type: RevealReasonDto }),
  ApiOkResponse({ type: RevealRequestResponseDto }),
  ApiResponse({ status: 403, description: 'self_approval_forbidden（不能审批本人的申请）', type: ApiErrorDto }),
  ApiResponse({ status: 409, description: 'reveal_request_decided（已审批过）', type: ApiErrorDto }),
  ApiResponse({ status: 422, description: 'validation_failed（fields.reason）', type: ApiErrorDto }),
  ERRORS,
);

/**
 * Reporter identity custody, JSON (/api/v1/custody; DESIGN.md §5). Handlers (`intake_officer`,
 * `case_handler`) ask and, once approved, read; `identity_custodian`s decide. Session cookie +
 * `X-CSRF-Token` on POST. Errors `{ error: { code, message, fields? } }`.
 */
@ApiTags('custody')
@ApiCookieAuth('qf_sess')
@ApiHeader({ name: 'X-CSRF-Token', required: false, description: '使用会话 Cookie 调用 POST 接口时必填（GET /staff/csrf 取得）' })
@Controller('api/v1/custody')
@UsePipes(apiValidationPipe())
export class CustodyApiController {
  constructor(private readonly custody: CustodyService) {}

  @Post('reports/:id/requests')
  @HttpCode(201)
  @Roles('intake_officer', 'case_handler')
  @ApiOperation({ summary: '申请查看举报人身份和证据原件（须写明理由；记入审计日志）' })
  @ApiParam({ name: 'id', type: Number, description: '举报编号' })
  @ApiBody({ type: RevealReasonDto })
  @ApiResponse({ status: 201, type: RevealRequestResponseDto })
  @ApiResponse({ status: 409, description: 'nothing_to_reveal / reveal_request_pending / reveal_already_granted', type: ApiErrorDto })
  @ApiResponse({ status: 422, description: 'validation_failed（fields.reason）', type: ApiErrorDto })
  @ERRORS
  async request(@CurrentUser() user: User, @Param('id') id: string, @Body() body: RevealReasonDto) {
    return requestJson(await this.custody.request(user, routeId(id), body ?? {}));
  }

  @Get('reports/:id/requests')
  @Roles('intake_officer', 'case_handler')
  @ApiOperation({ summary: '本人对该举报提出的查看申请及其状态（新到旧）' })
  @ApiParam({ name: 'id', type: Number, description: '举报编号' })
  @ApiOkResponse({ type: [RevealRequestResponseDto] })
  @ERRORS
  async mine(@CurrentUser() user: User, @Param('id') id: string) {
    return (await this.custody.requestsOn(user, routeId(id))).map(requestJson);
  }

  @Get('reports/:id/identity')
  @Roles('intake_officer', 'case_handler')
  @ApiOperation({ summary: '查看举报人身份（须本人的申请已获批准且在有效期内；每次查看记入审计日志）' })
  @ApiParam({ name: 'id', type: Number, description: '举报编号' })
  @ApiOkResponse({ type: RevealedReportDto })
  @ApiResponse({ status: 403, description: 'reveal_not_granted（未获批准或已过期）', type: ApiErrorDto })
  @ERRORS
  async identity(@CurrentUser() user: User, @Param('id') id: string) {
    return revealedJson(await this.custody.reveal(user, routeId(id)));
  }

  @Get('reports/:id/originals/:attId')
  @Roles('intake_officer', 'case_handler')
  @ApiOperation({ summary: '下载证据原件（未去除元数据；须查看申请已获批准且在有效期内；每次下载记入审计日志）' })
  @ApiParam({ name: 'id', type: Number, description: '举报编号' })
  @ApiParam({ name: 'attId', type: Number, description: '证据文件编号' })
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: '原件内容' })
  @ApiResponse({ status: 403, description: 'reveal_not_granted', type: ApiErrorDto })
  @ERRORS
  async original(@CurrentUser() user: User, @Param('id') id: string, @Param('attId') attId: string, @Res() res: Response): Promise<void> {
    sendEvidenceDownload(res, await this.custody.original(user, routeId(id), routeId(attId)));
  }

  @Get('requests')
  @Roles('identity_custodian')
  @ApiOperation({ summary: '身份保管人的待审批申请（本辖区、无须回避的举报）和最近的审批记录' })
  @ApiOkResponse({ type: QueueResponseDto })
  @ERRORS
  async queue(@CurrentUser() user: User) {
    const q = await this.custody.queue(user);
    return { pending: q.pending.map(queueJson), decided: q.decided.map(queueJson) };
  }

  @Post('requests/:rid/approve')
  @ApiOperation({ summary: '批准查看申请（须写明理由；不能审批本人的申请）' })
  @DECISION
  async approve(@CurrentUser() user: User, @Param('rid') rid: string, @Body() body: RevealReasonDto) {
    return requestJson(await this.custody.decide(user, routeId(rid), 'approve', body ?? {}));
  }

  @Post('requests/:rid/refuse')
  @ApiOperation({ summary: '不予批准查看申请（须写明理由）' })
  @DECISION
  async refuse(@CurrentUser() user: User, @Param('rid') rid: string, @Body() body: RevealReasonDto) {
    return requestJson(await this.custody.decide(user, routeId(rid), 'refuse', body ?? {}));
  }
}
