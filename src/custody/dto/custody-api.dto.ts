import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';

/**
 * DTOs of the custody JSON API (/api/v1/custody). They check the shape only (known fields, types);
 * the rules (reason of 5–1000 characters, scope, who may decide) are the service's.
 */

export class RevealReasonDto {
  @ApiProperty({ description: '理由（必填，5–1000 字，记入审计日志）', minLength: 5, maxLength: 1000 })
  @IsOptional()
  @IsString()
  reason?: string;
}

export class RevealRequestResponseDto {
  @ApiProperty() id: number;
  @ApiProperty() reportId: number;
  @ApiProperty() requesterUserId: number;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: ['pending', 'approved', 'refused', 'expired'] }) state: string;
  @ApiProperty({ description: '待审批 / 已批准 / 未批准 / 已过期' }) stateLabel: string;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiPropertyOptional({ nullable: true }) decidedByUserId: number | null;
  @ApiPropertyOptional({ nullable: true }) decisionReason: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) decidedAt: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, description: '批准后查看的截止时间（UTC）' }) expiresAt: string | null;
}

export class QueueItemDto extends RevealRequestResponseDto {
  @ApiProperty() requesterName: string;
  @ApiPropertyOptional({ nullable: true }) decidedByName: string | null;
  @ApiProperty({ description: '本人提出的申请（须由其他保管人审批）' }) ownRequest: boolean;
  @ApiProperty() categoryLabel: string;
  @ApiProperty() kindLabel: string;
  @ApiProperty() regionPath: string;
  @ApiProperty() anonymous: boolean;
}

export class QueueResponseDto {
  @ApiProperty({ type: [QueueItemDto], description: '待审批（先到先列）' }) pending: QueueItemDto[];
  @ApiProperty({ type: [QueueItemDto], description: '最近 50 条已审批' }) decided: QueueItemDto[];
}

export class ReporterIdentityDto {
  @ApiProperty() name: string;
  @ApiProperty() idNumber: string;
  @ApiProperty() phone: string;
  @ApiPropertyOptional({ nullable: true }) email: string | null;
}

export class OriginalFileDto {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty() mime: string;
  @ApiProperty({ description: '字节' }) size: number;
  @ApiProperty({ description: '下载原件（每次下载记入审计日志）' }) url: string;
}

export class RevealedReportDto {
  @ApiProperty() reportId: number;
  @ApiProperty() requestId: number;
  @ApiProperty({ format: 'date-time', description: '查看截止时间（UTC）' }) expiresAt: string;
  @ApiPropertyOptional({ type: ReporterIdentityDto, nullable: true, description: '匿名举报为 null（只开放证据原件）' }) identity: ReporterIdentityDto | null;
  @ApiProperty({ type: [OriginalFileDto] }) originals: OriginalFileDto[];
}
