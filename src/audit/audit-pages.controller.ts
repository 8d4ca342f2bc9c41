import { Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { ValidationFailedError } from '../common/domain-error.js';
import type { User } from '../users/entities/user.entity.js';
import { AuditEventsRepository, parseAuditFilter, type AuditEventFilter, type AuditEventView } from './audit-events.repository.js';
import { AuditVerifier, type AuditChainProblem } from './audit-verifier.js';

const PROBLEM_LABELS: Record<AuditChainProblem, string> = {
  content_altered: '内容被改动',
  link_broken: '链接断裂',
  gap: '事件缺失（被删除）',
  order: '顺序被调换',
  head_mismatch: '链头与最后一个事件不符',
};

const ACTOR_KIND_LABELS: Record<string, string> = { user: '工作人员', citizen: '群众', system: '系统', cli: '命令行' };

const FORM_KEYS = ['action', 'recordType', 'recordId', 'actorUserId', 'from', 'to'] as const;

function row(e: AuditEventView) {
  return { ...e, actorKindLabel: ACTOR_KIND_LABELS[e.actorKind] ?? e.actorKind, detailsText: e.details === null ? '' : typeof e.details === 'string' ? e.details : JSON.stringify(e.details) };
}

/**
 * The auditor's pages (role `auditor`; anyone else 404): `/staff/audit` lists events newest first
 * with filters (action, record type and id, actor, Asia/Shanghai date range) and cursor paging; the
 * "校验审计链" button posts to `/staff/audit/verify`, which runs the verifier and shows the result.
 * Work without JavaScript; every value is escaped by `{{…}}`. Not audited (see AuditApiController).
 */
@Controller('staff/audit')
@Roles('auditor')
export class AuditPagesController {
  constructor(
    private readonly events: AuditEventsRepository,
    private readonly verifier: AuditVerifier,
  ) {}

  @Get()
  async list(@Res() res: Response, @CurrentUser() user: User, @Query() query: Record<string, unknown>): Promise<void> {
    const form = Object.fromEntries(FORM_KEYS.map((k) => [k, typeof query[k] === 'string' ? (query[k] as string) : '']));
    let filter: AuditEventFilter;
    try {
      filter = parseAuditFilter(query);
    } catch (e) {
      if (!(e instanceof ValidationFailedError)) throw e;
      res.status(422).render('pages/audit/index', { title: '审计日志', user, form, error: e.message, fields: e.fields ?? {}, events: [] });
      return;
    }
    const page = await this.events.findPageNewestFirst({ ...filter, limit: undefined });
    let nextHref: string | undefined;
    if (page.nextBefore !== null) {
      const qs = new URLSearchParams();
      for (const k of FORM_KEYS) if (form[k].trim()) qs.set(k, form[k].trim());
      qs.set('before', String(page.nextBefore));
      nextHref = `/staff/audit?${qs.toString()}`;
    }
    res.render('pages/audit/index', { title: '审计日志', user, form, fields: {}, events: page.events.map(row), nextHref, paged: filter.before !== undefined });
  }

  @Post('verify')
  @HttpCode(200)
  async verify(@Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const started = Date.now();
    const result = await this.verifier.verify();
    res.render('pages/audit/verify', {
      title: '审计链校验',
      user,
      result,
      problemLabel: result.ok ? undefined : PROBLEM_LABELS[result.problem],
      badHref: result.ok ? undefined : `/staff/audit?before=${result.firstBadId + 1}`,
      seconds: ((Date.now() - started) / 1000).toFixed(1),
    });
  }
}
