import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DomainError, TooManyRequestsError, ValidationFailedError } from '../common/domain-error.js';
import { formatReceiptCode } from '../common/crypto.js';
import { Public } from '../common/public.decorator.js';
import { CaptchaService } from '../abuse/captcha.service.js';
import { RateLimiterService } from '../abuse/rate-limiter.service.js';
import { LIMITS } from '../abuse/limits.js';
import { ReportsService, type FollowupView } from './reports.service.js';
import { FeedbackService, type FeedbackPublicView } from '../clues/feedback.service.js';
import { unknownApiFields, wrongTypeApiFields } from './report-validation.js';
import {
  ApiErrorDto,
  FollowupMessageRequestDto,
  FollowupRequestDto,
  FollowupResponseDto,
  SubmitReportDto,
  SubmitReportResponseDto,
} from './dto/public-report.dto.js';

export class ReceiptNotFoundError extends DomainError {
  constructor() {
    super('receipt_not_found', '查询码不正确，或没有这条记录。请核对后重新输入。', HttpStatus.NOT_FOUND);
  }
}

function strictKeys(body: unknown, allowed: string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DomainError('bad_request', '请求体应为 JSON 对象', HttpStatus.BAD_REQUEST);
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length) throw unknownFieldError(unknown);
  return body as Record<string, unknown>;
}

function unknownFieldError(paths: string[]): DomainError {
  return new DomainError('unknown_field', `不支持的字段：${paths.slice(0, 10).join('、')}`, HttpStatus.BAD_REQUEST, Object.fromEntries(paths.map((p) => [p, '不支持的字段'])));
}

/**
 * The public JSON API of the citizen side (`/api/v1`, no account): submit a tip-off (CAPTCHA like the
 * form; per-client limit), read its follow-up and reply with the receipt code. Files go through the
 * web form (multipart) only. Errors: `{ error: { code, message, fields? } }` with stable codes.
 */
@Public()
@ApiTags('public')
@Controller('api/v1')
export class ReportsApiController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reports: ReportsService,
    private readonly captcha: CaptchaService,
    private readonly limiter: RateLimiterService,
    private readonly feedback: FeedbackService,
  ) {}

  @Post('reports')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: '提交检举控告（需验证码）', description: '成功时只返回一次查询码。自称受益人时附 self_identifying 警告（仍然受理）。' })
  @ApiBody({ type: SubmitReportDto })
  @ApiResponse({ status: 201, type: SubmitReportResponseDto })
  @ApiResponse({ status: 400, type: ApiErrorDto, description: 'unknown_field / captcha_invalid / bad_request' })
  @ApiResponse({ status: 422, type: ApiErrorDto, description: 'validation_failed（fields 为各字段的中文提示；类型不对的字段——如数字写成 JSON 数字——也在此列出，不做转换）' })
  @ApiResponse({ status: 429, type: ApiErrorDto, description: 'rate_limited' })
  async submit(@Body() body: SubmitReportDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<SubmitReportResponseDto> {
    const unknown = unknownApiFields(body);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DomainError('bad_request', '请求体应为 JSON 对象', HttpStatus.BAD_REQUEST);
    if (unknown.length) throw unknownFieldError(unknown);
    const wrongTypes = wrongTypeApiFields(body);
    if (Object.keys(wrongTypes).length) throw new ValidationFailedError(wrongTypes);
    const outcome = await this.reports.validateSubmission(body);
    if (!outcome.ok) throw new ValidationFailedError(outcome.fields);
    if (!(await this.captcha.verify(body.captchaId, body.captchaAnswer))) {
      throw new DomainError('captcha_invalid', '验证码不正确或已过期，请获取新的验证码', HttpStatus.BAD_REQUEST, { captchaAnswer: '验证码不正确或已过期' });
    }
    const limit = await this.limiter.consume(LIMITS.submission, this.limiter.clientKey(req), {
      points: this.config.limits.submissions,
      windowSeconds: this.config.limits.submissionWindowSeconds,
    });
    if (!limit.allowed) throw new TooManyRequestsError('提交过于频繁，请稍后再试', limit.retryAfterSeconds);
    const { report, receiptCode } = await this.reports.submit(outcome.value, { channel: 'web' });
    const view = await this.reports.followupView(report.id);
    res.setHeader('Cache-Control', 'no-store');
    // What the receipt page shows, no more: never the internal id.
    return {
      receiptCode: formatReceiptCode(receiptCode),
      status: 'received',
      receivedAt: view.receivedAt.toISOString(),
      anonymous: report.anonymous,
      ackDue: report.ackDue,
      handlingOffice: view.handlingOffice || view.handlingLevel,
      warnings: outcome.warnings,
    };
  }

  @Post('followup')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: '用查询码查看办理情况', description: '错误的和不存在的查询码答复相同（receipt_not_found）。每个客户端限次。' })
  @ApiBody({ type: FollowupRequestDto })
  @ApiResponse({ status: 200, type: FollowupResponseDto })
  @ApiResponse({ status: 404, type: ApiErrorDto, description: 'receipt_not_found' })
  @ApiResponse({ status: 429, type: ApiErrorDto, description: 'rate_limited' })
  async followup(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<FollowupResponseDto> {
    const b = strictKeys(body, ['receiptCode']);
    const reportId = await this.lookup(req, b.receiptCode);
    res.setHeader('Cache-Control', 'no-store');
    return toResponse(await this.reports.followupView(reportId), await this.feedback.publicView(reportId));
  }

  @Post('followup/objection')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: '对处理结果提出异议（实名举报人收到结果反馈后，限一次）' })
  @ApiBody({ type: FollowupMessageRequestDto })
  @ApiResponse({ status: 201, type: FollowupResponseDto })
  @ApiResponse({ status: 404, type: ApiErrorDto, description: 'receipt_not_found' })
  @ApiResponse({ status: 409, type: ApiErrorDto, description: 'objection_not_allowed（尚未反馈结果或已提出过异议）' })
  @ApiResponse({ status: 422, type: ApiErrorDto, description: 'validation_failed' })
  @ApiResponse({ status: 429, type: ApiErrorDto, description: 'rate_limited' })
  async object(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<FollowupResponseDto> {
    const b = strictKeys(body, ['receiptCode', 'body']);
    const reportId = await this.lookup(req, b.receiptCode);
    await this.feedback.object(reportId, { body: b.body });
    res.setHeader('Cache-Control', 'no-store');
    return toResponse(await this.reports.followupView(reportId), await this.feedback.publicView(reportId));
  }

  @Post('followup/messages')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: '补充说明（以查询码为凭）' })
  @ApiBody({ type: FollowupMessageRequestDto })
  @ApiResponse({ status: 201, type: FollowupResponseDto })
  @ApiResponse({ status: 404, type: ApiErrorDto, description: 'receipt_not_found' })
  @ApiResponse({ status: 422, type: ApiErrorDto, description: 'validation_failed' })
  @ApiResponse({ status: 429, type: ApiErrorDto, description: 'rate_limited' })
  async reply(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<FollowupResponseDto> {
    const b = strictKeys(body, ['receiptCode', 'body']);
    const reportId = await this.lookup(req, b.receiptCode);
    if (typeof b.body !== 'string') throw new ValidationFailedError({ body: '请填写补充说明' });
    await this.reports.addReporterMessage(reportId, b.body);
    res.setHeader('Cache-Control', 'no-store');
    return toResponse(await this.reports.followupView(reportId), await this.feedback.publicView(reportId));
  }

  /** One receipt-code try for this client (limited; surge alarm over all clients); 404 for wrong or unknown. */
  private async lookup(req: Request, code: unknown): Promise<number> {
    const { receiptTries, receiptWindowSeconds, receiptSurgeAlarm } = this.config.limits;
    // The surge alarm never blocks, and its failure must not fail (or crash) the lookup.
    this.limiter.recordGlobal(LIMITS.receiptLookup, receiptWindowSeconds, receiptSurgeAlarm).catch(() => undefined);
    const limit = await this.limiter.consume(LIMITS.receiptLookup, this.limiter.clientKey(req), { points: receiptTries, windowSeconds: receiptWindowSeconds });
    if (!limit.allowed) throw new TooManyRequestsError('查询次数过多，请稍后再试', limit.retryAfterSeconds);
    const report = await this.reports.findByReceiptCode(code);
    if (!report) throw new ReceiptNotFoundError();
    return report.id;
  }
}

function toResponse(v: FollowupView, feedback: FeedbackPublicView | null = null): FollowupResponseDto {
  return {
    resultFeedback: feedback,
    status: v.status,
    statusText: v.statusText,
    handlingLevel: v.handlingLevel,
    handlingOffice: v.handlingOffice,
    receivedAt: v.receivedAt.toISOString(),
    acknowledged: v.acknowledged,
    messages: v.messages.map((m) => ({ direction: m.direction, body: m.body, createdAt: m.createdAt.toISOString(), files: m.files })),
  };
}
