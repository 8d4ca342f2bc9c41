import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PROBLEM_CATEGORIES, REPORT_CHANNELS, REPORT_KINDS, REPORT_STATUSES } from '../../reports/report-enums.js';
import { DECLINE_GROUNDS, REFERRAL_ORGANS } from '../intake-wording.js';

/**
 * DTOs of the intake JSON API (/api/v1/intake). They check the SHAPE (types, known fields only —
 * unknown fields are refused with `unknown_field`); the rules (required reasons, allowed states,
 * scope) are the service's, so the form and the API answer alike.
 */

const STATUS_FILTERS = [...Object.keys(REPORT_STATUSES), 'all'];
/** Channels an intake officer registers (web and 12388 transfers arrive by themselves). */
export const OFFLINE_CHANNELS = ['letter', 'visit', 'phone'] as const;
export type OfflineChannel = (typeof OFFLINE_CHANNELS)[number];

export class InboxQueryDto {
  @ApiPropertyOptional({ enum: STATUS_FILTERS, default: 'received', description: '状态；all 为全部' })
  @IsOptional()
  @IsIn(STATUS_FILTERS)
  status?: string;

  @ApiPropertyOptional({ enum: Object.keys(REPORT_CHANNELS) })
  @IsOptional()
  @IsIn(Object.keys(REPORT_CHANNELS))
  channel?: string;

  @ApiPropertyOptional({ description: '按被反映人姓名、受益人姓名或反映内容检索（精确字符）', maxLength: 50 })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  q?: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;
}

export class AcceptDto {
  @ApiPropertyOptional({ description: '受理意见（内部，不向举报人显示）', maxLength: 1000 })
  @IsOptional()
  @IsString()
  reason?: string;

  @ApiPropertyOptional({ description: '并入已有线索（受理人员在疑似重复线索中选择）；不填则新建线索' })
  @IsOptional()
  @IsInt()
  @Min(1)
  clueId?: number;
}

export class DeclineDto {
  @ApiProperty({ enum: Object.keys(DECLINE_GROUNDS), description: '不予受理的依据；举报人看到与依据对应的固定表述' })
  @IsString()
  ground: string;

  @ApiProperty({ description: '不予受理的理由（内部，必填）', maxLength: 1000 })
  @IsString()
  reason: string;
}

export class ForwardDto {
  @ApiProperty({ description: '接收机关：当前办理机关的上一级或下一级机关的 id' })
  @IsInt()
  toOfficeId: number;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  reason?: string;
}

export class ReferOutDto {
  @ApiProperty({ enum: Object.keys(REFERRAL_ORGANS) })
  @IsString()
  organ: string;

  @ApiPropertyOptional({ description: '接收机关的具体名称（organ 为 other 时必填）', maxLength: 100 })
  @IsOptional()
  @IsString()
  organName?: string;

  @ApiProperty({ description: '移交的理由（内部，必填）', maxLength: 1000 })
  @IsString()
  reason: string;
}

export class MarkRepeatDto {
  @ApiProperty({ description: '原举报的编号（须在本辖区内）' })
  @IsInt()
  repeatOfId: number;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  reason?: string;
}

export class AcknowledgeDto {
  @ApiProperty({ description: '告知举报人的内容（显示在举报人的查询页面）', maxLength: 2000 })
  @IsString()
  message: string;
}

export class MessageDto {
  @ApiProperty({ description: '给举报人的留言（显示在举报人的查询页面；匿名举报人凭查询码可见）', maxLength: 2000 })
  @IsString()
  message: string;
}

export class AssignDto {
  @ApiProperty({ description: '承办人（本辖区在岗的受理人员或领导，且无须回避）的用户 id' })
  @IsInt()
  userId: number;

  @ApiPropertyOptional({ description: '指派理由；改派时必填', maxLength: 1000 })
  @IsOptional()
  @IsString()
  reason?: string;
}

export class SubjectDto {
  @ApiProperty({ maxLength: 50 }) @IsString() name: string;
  @ApiPropertyOptional({ maxLength: 50 }) @IsOptional() @IsString() position?: string;
  @ApiPropertyOptional({ maxLength: 50 }) @IsOptional() @IsString() unit?: string;
}

export class BeneficiaryDto {
  @ApiProperty({ maxLength: 50 }) @IsString() name: string;
  @ApiPropertyOptional({ maxLength: 50 }) @IsOptional() @IsString() relation?: string;
}

export class ReporterDto {
  @ApiProperty() @IsString() name: string;
  @ApiProperty({ description: '18 位公民身份号码（15 位旧号自动转换）' }) @IsString() idNumber: string;
  @ApiProperty({ description: '11 位手机号码' }) @IsString() phone: string;
  @ApiPropertyOptional() @IsOptional() @IsString() email?: string;
}

export class CreateRegistrationDto {
  @ApiProperty({ enum: OFFLINE_CHANNELS, description: '来信 letter / 来访 visit / 电话 phone' })
  @IsIn(OFFLINE_CHANNELS as unknown as string[])
  channel: OfflineChannel;

  @ApiProperty({ enum: Object.keys(PROBLEM_CATEGORIES) }) @IsString() category: string;
  @ApiProperty({ enum: Object.keys(REPORT_KINDS) }) @IsString() kind: string;
  @ApiProperty({ description: '12 位统计用区划代码，须在登记人的辖区内' }) @IsString() regionCode: string;

  @ApiProperty({ type: [SubjectDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => SubjectDto)
  subjects: SubjectDto[];

  @ApiPropertyOptional({ type: [BeneficiaryDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => BeneficiaryDto)
  beneficiaries?: BeneficiaryDto[];

  @ApiProperty({ description: '事情经过，20–5000 字' }) @IsString() description: string;
  @ApiPropertyOptional() @IsOptional() @IsString() happenedAt?: string;
  @ApiProperty() @IsBoolean() anonymous: boolean;

  @ApiPropertyOptional({ type: ReporterDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ReporterDto)
  reporter?: ReporterDto;
}

export class ClockDto {
  @ApiProperty({ enum: ['acknowledge', 'forward'] }) kind: string;
  @ApiProperty() label: string;
  @ApiProperty({ description: 'YYYY-MM-DD，Asia/Shanghai' }) due: string;
  @ApiProperty({ description: '剩余工作日；负数为已超期的工作日数' }) workingDaysLeft: number;
  @ApiProperty({ enum: ['due', 'due_soon', 'overdue'] }) status: string;
}

export class InboxRowDto {
  @ApiProperty() id: number;
  @ApiProperty({ description: 'UTC, ISO-8601' }) receivedAt: string;
  @ApiProperty() category: string;
  @ApiProperty() categoryLabel: string;
  @ApiProperty() regionCode: string;
  @ApiProperty() regionPath: string;
  @ApiProperty() anonymous: boolean;
  @ApiProperty() channel: string;
  @ApiProperty() status: string;
  @ApiProperty() officeName: string;
  @ApiProperty({ type: [ClockDto] }) clocks: ClockDto[];
  @ApiProperty({ description: '到期日依赖尚未载入节假日安排的年度（按周末计算）' }) calendarFallback: boolean;
}

export class InboxPageDto {
  @ApiProperty({ type: [InboxRowDto] }) items: InboxRowDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class ActionResultDto {
  @ApiProperty() id: number;
  @ApiProperty({ enum: Object.keys(REPORT_STATUSES) }) status: string;
  @ApiProperty() officeId: number;
  @ApiProperty({ description: '举报人在查询页面看到的表述（指派时为空）' }) publicMessage: string;
  @ApiPropertyOptional({ description: '受理时：新建或并入的线索编号' }) clueId?: number;
  @ApiProperty({ nullable: true, description: '承办人用户 id' }) assignedUserId: number | null;
}

export class RegistrationResultDto {
  @ApiProperty() id: number;
  @ApiProperty({ description: '16 位查询码，只显示这一次（4-4-4-4 分组）' }) receiptCode: string;
}

export class ApiErrorBodyDto {
  @ApiProperty({ example: 'invalid_state' }) code: string;
  @ApiProperty() message: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) fields?: Record<string, string>;
}

export class ApiErrorDto {
  @ApiProperty({ type: ApiErrorBodyDto }) error: ApiErrorBodyDto;
}
