import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator.js';
import { AuditEventsRepository, parseAuditFilter, type AuditEventPage } from './audit-events.repository.js';
import { AuditVerifier, type AuditVerification } from './audit-verifier.js';

/**
 * JSON access to the audit trail for the `auditor` role (anyone else: 404). Reading the trail and
 * running the verifier are not themselves audited: neither changes anything, events hold no personal
 * data, and an event per read would make the auditor's own paging grow the chain it is reading.
 * Errors: 422 `validation_failed` (bad or unknown filter, fields in Chinese), 404 `not_found`.
 */
@ApiTags('audit')
@Controller('api/v1/audit')
@Roles('auditor')
export class AuditApiController {
  constructor(
    private readonly events: AuditEventsRepository,
    private readonly verifier: AuditVerifier,
  ) {}

  /** → `{ events: AuditEventView[], nextBefore: number | null }`, newest first; pass `before=nextBefore` for the next page. */
  @Get('events')
  @ApiOperation({ summary: '审计事件列表（新到旧，游标翻页）' })
  @ApiQuery({ name: 'action', required: false, description: '操作，如 custody.identity_viewed；以 * 结尾按前缀筛选，如 custody.*' })
  @ApiQuery({ name: 'recordType', required: false })
  @ApiQuery({ name: 'recordId', required: false, description: '需同时给出 recordType' })
  @ApiQuery({ name: 'actorUserId', required: false, type: Number })
  @ApiQuery({ name: 'from', required: false, description: 'YYYY-MM-DD（北京时间）' })
  @ApiQuery({ name: 'to', required: false, description: 'YYYY-MM-DD（北京时间，含当日）' })
  @ApiQuery({ name: 'before', required: false, type: Number, description: '上一页返回的 nextBefore' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1–200，默认 50' })
  async list(@Query() query: Record<string, unknown>): Promise<AuditEventPage> {
    return this.events.findPageNewestFirst(parseAuditFilter(query, true));
  }

  /** Runs the chain verifier now → `AuditVerification` (200 whether the chain is intact or not; see `ok`). */
  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: '校验审计链，返回完好或第一个被改动的事件' })
  async verify(): Promise<AuditVerification> {
    return this.verifier.verify();
  }
}
