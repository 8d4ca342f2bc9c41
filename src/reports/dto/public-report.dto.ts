import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROBLEM_CATEGORIES, REPORT_KINDS, REPORT_STATUSES } from '../report-enums.js';

/**
 * Shapes of the public JSON API (OpenAPI documentation). Validation is done strictly by
 * `validateSubmissionShape` / `unknownApiFields` (one rule set for the form, the API and offline
 * registration); unknown fields are refused with `unknown_field`.
 */
export class ReportSubjectDto {
  @ApiProperty({ description: '被反映人姓名（≤50 字）', example: '刘建国' }) name: string;
  @ApiPropertyOptional({ description: '职务（≤50 字）', example: '村党支部书记' }) position?: string;
  @ApiPropertyOptional({ description: '单位（≤50 字）', example: '集兵村' }) unit?: string;
}

export class ReportBeneficiaryDto {
  @ApiProperty({ description: '受益人姓名（≤50 字）', example: '刘建民' }) name: string;
  @ApiPropertyOptional({ description: '与被反映人的关系（≤50 字）', example: '哥哥' }) relation?: string;
}

export class ReporterDto {
  @ApiProperty({ description: '真实姓名' }) name: string;
  @ApiProperty({ description: '公民身份号码（GB 11643，18 位或 15 位旧号，x 大小写均可）' }) idNumber: string;
  @ApiProperty({ description: '手机号码（11 位）' }) phone: string;
  @ApiPropertyOptional({ description: '电子邮箱' }) email?: string;
}

export class SubmitReportDto {
  @ApiProperty({ enum: Object.keys(PROBLEM_CATEGORIES), description: '问题类别' }) category: string;
  @ApiProperty({ enum: Object.keys(REPORT_KINDS), description: 'denunciation 检举 / accusation 控告' }) kind: string;
  @ApiProperty({ description: '问题发生地：12 位统计用区划代码，县级及以下，在本平台受理范围内', example: '430421101200' }) regionCode: string;
  @ApiProperty({ type: [ReportSubjectDto], description: '1–10 名被反映人' }) subjects: ReportSubjectDto[];
  @ApiPropertyOptional({ type: [ReportBeneficiaryDto], description: '0–10 名受益人' }) beneficiaries?: ReportBeneficiaryDto[];
  @ApiProperty({ description: '事情经过，20–5000 个字符（按 Unicode 码位计数）' }) description: string;
  @ApiPropertyOptional({ description: '发生时间（自由文字，≤100 字）', example: '2024年起' }) happenedAt?: string;
  @ApiProperty({ description: '是否匿名' }) anonymous: boolean;
  @ApiPropertyOptional({ type: ReporterDto, description: '实名反映时必填' }) reporter?: ReporterDto;
  @ApiProperty({ description: 'GET /api/v1/captcha 返回的 id' }) captchaId: string;
  @ApiProperty({ description: '验证码图片中的字符' }) captchaAnswer: string;
}

export class SubmissionWarningDto {
  @ApiProperty({ enum: ['self_identifying'] }) code: string;
  @ApiProperty() message: string;
}

export class SubmitReportResponseDto {
  @ApiProperty({ description: '16 位查询码，4-4-4-4 分组，只返回这一次', example: '1234-5678-9012-3456' }) receiptCode: string;
  @ApiProperty({ enum: ['received'] }) status: string;
  @ApiProperty({ description: '收到时间，UTC，ISO-8601' }) receivedAt: string;
  @ApiProperty() anonymous: boolean;
  @ApiProperty({ description: '实名反映告知是否受理的期限（日期，YYYY-MM-DD，15 个工作日）；匿名为 null', nullable: true, type: String }) ackDue: string | null;
  @ApiProperty({ description: '承办机关（与回执页相同）' }) handlingOffice: string;
  @ApiProperty({ type: [SubmissionWarningDto] }) warnings: SubmissionWarningDto[];
}

export class FollowupRequestDto {
  @ApiProperty({ description: '16 位查询码（可含空格或横线）', example: '1234-5678-9012-3456' }) receiptCode: string;
}

export class FollowupMessageRequestDto {
  @ApiProperty({ description: '16 位查询码' }) receiptCode: string;
  @ApiProperty({ description: '补充说明，1–5000 个字符' }) body: string;
}

export class FollowupFileDto {
  @ApiProperty({ description: '原文件名' }) originalName: string;
  @ApiProperty({ description: '字节数' }) size: number;
}

export class FollowupMessageDto {
  @ApiProperty({ enum: ['to_reporter', 'from_reporter', 'status'] }) direction: string;
  @ApiProperty() body: string;
  @ApiProperty({ description: 'UTC, ISO-8601' }) createdAt: string;
  @ApiProperty({ type: [FollowupFileDto] }) files: FollowupFileDto[];
}

export class FollowupResponseDto {
  @ApiProperty({ enum: Object.keys(REPORT_STATUSES) }) status: string;
  @ApiProperty({ description: '状态的中文说明' }) statusText: string;
  @ApiProperty({ description: '现办理机关的层级', example: '县级纪检监察机关' }) handlingLevel: string;
  @ApiProperty({ description: '现办理机关', example: '衡阳县纪委监委' }) handlingOffice: string;
  @ApiProperty({ description: '本机关收到的时间（UTC）' }) receivedAt: string;
  @ApiProperty() acknowledged: boolean;
  @ApiProperty({ type: [FollowupMessageDto] }) messages: FollowupMessageDto[];
  @ApiProperty({
    nullable: true,
    description: '处理结果反馈（仅实名举报、办结后）：result 反馈内容，canObject 是否还可提出异议（限一次），objection 异议，answer 答复',
    type: 'object',
    properties: { result: { type: 'string', nullable: true }, canObject: { type: 'boolean' }, objection: { type: 'string', nullable: true }, answer: { type: 'string', nullable: true } },
  })
  resultFeedback: { result: string | null; canObject: boolean; objection: string | null; answer: string | null } | null;
}

export class ApiErrorBodyDto {
  @ApiProperty({ example: 'validation_failed', description: 'validation_failed, unknown_field, captcha_invalid, rate_limited, receipt_not_found, csrf_invalid …' }) code: string;
  @ApiProperty() message: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: '字段 → 中文提示' }) fields?: Record<string, string>;
}

export class ApiErrorDto {
  @ApiProperty({ type: ApiErrorBodyDto }) error: ApiErrorBodyDto;
}
