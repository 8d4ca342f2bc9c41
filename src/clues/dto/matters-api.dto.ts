import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CLUE_SOURCES, CONCLUSIONS, DISPOSAL_METHODS, MATTER_STATUSES } from '../clue-enums.js';
import { MATTER_TRANSITIONS } from '../matter-transitions.js';
import { OUTCOME_KINDS } from '../../cases/sanctions.js';
import { OFFICIAL_ROLES } from '../../registry/official-roles.js';

/**
 * OpenAPI shapes of the matters API (/api/v1/matters). Bodies are checked by the controller for known
 * keys (unknown → 400 `unknown_field`) and by the services for the rules (422 `validation_failed` with
 * Chinese field messages; 409 `invalid_transition` saying what is allowed now; 403 `role_not_allowed`
 * / `not_assigned` / `self_approval`; 404 for absent, outside scope or recused).
 */
export class TransitionDto {
  @ApiProperty({ enum: MATTER_TRANSITIONS.map((t) => t.action), description: '状态表（DESIGN.md §4）中的操作' }) action: string;
  @ApiPropertyOptional({ enum: Object.keys(MATTER_STATUSES), description: '有多个去向时选择其一（批准处置意见时默认为所提处置方式）' }) to?: string;
  @ApiPropertyOptional({ enum: Object.keys(DISPOSAL_METHODS) }) method?: string;
  @ApiPropertyOptional() reasoning?: string;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional({ enum: Object.keys(CONCLUSIONS), description: '去向为 concluded 时必填' }) conclusion?: string;
  @ApiPropertyOptional() situationReport?: string;
  @ApiPropertyOptional() verificationReport?: string;
  @ApiPropertyOptional() filingDecision?: string;
  @ApiPropertyOptional() transferredTo?: string;
  @ApiPropertyOptional({ enum: ['new_report', 'periodic_review'] }) ground?: string;
  @ApiPropertyOptional() investigationPlan?: string;
  @ApiPropertyOptional({ description: '第二名调查人员的用户编号（两人原则）' }) coHandlerUserId?: number;
  @ApiPropertyOptional() investigationReport?: string;
  @ApiPropertyOptional() trialOpinion?: string;
  @ApiPropertyOptional({ description: 'YYYY-MM-DD' }) announcedOn?: string;
}

export class TransitionResultDto {
  @ApiProperty() clueId: number;
  @ApiProperty({ enum: Object.keys(MATTER_STATUSES) }) status: string;
  @ApiProperty({ nullable: true, description: '需领导批准时为待批申请的编号' }) proposalId: number | null;
  @ApiProperty({ nullable: true, example: '430421-2026-0001' }) caseNumber: string | null;
}

export class DecisionDto {
  @ApiPropertyOptional({ description: '审批意见（不同意时必填）' }) reason?: string;
}

export class AssignDto {
  @ApiProperty() assigneeUserId: number;
  @ApiPropertyOptional({ description: '更换承办人时必填' }) reason?: string;
}

export class MergeDto {
  @ApiProperty({ description: '并入本线索的另一条线索' }) sourceClueId: number;
  @ApiProperty() reason: string;
}

export class CreateClueDto {
  @ApiProperty({ enum: Object.keys(CLUE_SOURCES).filter((s) => s !== 'report') }) source: string;
  @ApiProperty({ example: '430421101200' }) regionCode: string;
  @ApiPropertyOptional() category?: string;
  @ApiPropertyOptional() summary?: string;
  @ApiProperty({ description: '[{ name?, position?, unit?, officialId?, personId?, partyMember? }]，1–50 人；姓名、职务、单位各不超过 100 字（超长拒绝，不截断）；regionCode 须为本辖区内真实的区划代码；summary ≤ 20000 字，reason ≤ 2000 字（见 src/clues/matter-input.ts）' }) subjects: object[];
  @ApiPropertyOptional({ description: '[{ name?, relation?, householdId?, personId? }]' }) beneficiaries?: object[];
  @ApiProperty({ description: '登记理由' }) reason: string;
}

export class OutcomeDto {
  @ApiProperty() subjectId: number;
  @ApiProperty({ enum: OUTCOME_KINDS }) kind: string;
  @ApiProperty({ description: '如 warning / serious_warning / demerit / substantiated / talk_reminder / referral' }) type: string;
  @ApiPropertyOptional({ description: '决定（或移送）日期 YYYY-MM-DD；处分必填' }) decidedOn?: string;
  @ApiPropertyOptional({ description: '受处分人收到决定的日期（复审申请期限的起点）' }) receivedOn?: string;
  @ApiPropertyOptional({ description: '留党察看：12 或 24' }) effectMonths?: number;
  @ApiPropertyOptional() note?: string;
}

export class RecoveryDto {
  @ApiProperty({ description: '金额（分，正整数；单笔不超过 10^11 分即 10 亿元）；结案后不能再记录（409）' }) amountFen: number;
  @ApiProperty() recoveredOn: string;
  @ApiPropertyOptional({ enum: ['recovered', 'restitution'] }) kind?: string;
  @ApiPropertyOptional() subjectId?: number;
  @ApiPropertyOptional() note?: string;
}

export class EntitlementChangeDto {
  @ApiProperty({ enum: ['removed', 'reduced'] }) change: string;
  @ApiProperty({ description: 'YYYY-MM' }) effectiveMonth: string;
  @ApiPropertyOptional({ description: '低保台账中的户' }) householdId?: number;
  @ApiPropertyOptional() householdLabel?: string;
  @ApiPropertyOptional({ description: '减保：每月减少金额（分）' }) monthlyReductionFen?: number;
  @ApiPropertyOptional() note?: string;
}

export class RectificationDto {
  @ApiProperty() task: string;
  @ApiProperty() ownerUnit: string;
  @ApiProperty() dueDate: string;
}

export class CompleteRectificationDto {
  @ApiProperty() evidence: string;
  @ApiProperty() completedOn: string;
}

export class NameClearingDto {
  @ApiProperty() subjectId: number;
  @ApiProperty() clearedOn: string;
  @ApiProperty() method: string;
  @ApiPropertyOptional() note?: string;
}

export class SanctionReviewDto {
  @ApiProperty() outcomeId: number;
  @ApiProperty({ enum: ['review', 're_review'] }) kind: string;
  @ApiProperty() requestedOn: string;
  @ApiPropertyOptional() note?: string;
}

export class ReviewDecisionDto {
  @ApiProperty({ enum: ['upheld', 'changed', 'revoked'] }) result: string;
  @ApiProperty() decidedOn: string;
}

export class InvestigationStepDto {
  @ApiProperty() kind: string;
  @ApiProperty() on: string;
  @ApiProperty({ type: [Number], description: '至少两名工作人员' }) staffUserIds: number[];
  @ApiPropertyOptional() note?: string;
}

export class TextDto {
  @ApiProperty() text: string;
}

export class RecusalOrderDto {
  @ApiProperty() userId: number;
  @ApiPropertyOptional({ enum: ['ordered', 'cleared'] }) kind?: string;
  @ApiProperty() reason: string;
}

export class SubjectUpdateDto {
  @ApiPropertyOptional({ description: '关联的公职人员（registry officials.id）' }) officialId?: number;
  @ApiPropertyOptional() partyMember?: boolean;
  @ApiPropertyOptional({
    enum: OFFICIAL_ROLES,
    nullable: true,
    description: '身份类别（公职人员名录的 role 代码；null = 不明）。决定可给予的政务处分：村（居）民委员会成员（SANCTION_LIMITED_ROLES）及身份不明的只能警告、记过、记大过。已关联公职人员的以档案为准',
  })
  positionRole?: string | null;
}

export class InquiryLetterDto {
  @ApiProperty({ description: '被函询人：本线索被反映人的编号（clue_subjects.id）' }) subjectId: number;
  @ApiProperty({ description: '发函日期 YYYY-MM-DD（不能晚于今天）', example: '2026-09-25' }) sentOn: string;
  @ApiPropertyOptional({ description: '签收日期 YYYY-MM-DD（可发函时一并登记，或以后登记；不早于发函日期，不晚于今天）', example: '2026-09-28' }) receivedOn?: string;
}

export class InquiryReceiptDto {
  @ApiProperty({ description: '被函询人签收日期 YYYY-MM-DD：回复期限自次日起算 15 个工作日（监督执纪工作规则第二十八条）' }) receivedOn: string;
}

export class InquiryReplyDto {
  @ApiProperty({ description: '收到书面回复的日期 YYYY-MM-DD（不早于签收日期，不晚于今天）' }) repliedOn: string;
  @ApiProperty({ description: '回复内容摘要（必填，不超过 2000 字）' }) summary: string;
}

export class InquiryLetterResultDto {
  @ApiProperty() id: number;
  @ApiProperty() clueId: number;
  @ApiProperty() subjectId: number;
  @ApiProperty({ example: '2026-09-25' }) sentOn: string;
  @ApiProperty({ nullable: true, example: '2026-09-28' }) receivedOn: string | null;
  @ApiProperty({ nullable: true, description: '回复期限（签收次日起 15 个工作日，法定节假日与调休按官方安排）', example: '2026-10-23' }) replyDue: string | null;
  @ApiProperty({ description: '按周末休息暂算的年份（逗号分隔，空为无）' }) replyDueFallbackYears: string;
  @ApiProperty({ nullable: true }) repliedOn: string | null;
  @ApiProperty({ nullable: true }) replySummary: string | null;
}
