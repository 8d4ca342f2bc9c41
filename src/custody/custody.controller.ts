import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { DomainError } from '../common/domain-error.js';
import { routeId, sendEvidenceDownload } from '../intake/intake-http.js';
import type { User } from '../users/entities/user.entity.js';
import { CustodyService, type QueueItem } from './custody.service.js';

const DONE: Record<string, string> = {
  requested: '已提出申请，请等待身份保管人审批。',
  approved: '已批准。申请人可在有效期内查看举报人身份和证据原件。',
  refused: '已作不予批准处理。',
};

/** A page's error: the Chinese message and the field messages (never the submitted personal data). */
interface PageError {
  message: string;
  fields: Record<string, string>;
}

/**
 * Pages of reporter identity custody (DESIGN.md §5), server-rendered, without JavaScript, every form
 * with the CSRF token:
 * - `/staff/custody` — the `identity_custodian`'s queue (approve / refuse with a reason);
 * - `/staff/custody/reports/:id` — a handler's own requests on a report and the request form (also
 *   shown on the intake report page);
 * - `/staff/custody/reports/:id/identity` — the revealed identity and the original files (audited).
 */
@ApiExcludeController()
@Controller('staff/custody')
export class CustodyController {
  constructor(private readonly custody: CustodyService) {}

  @Get()
  @Roles('identity_custodian')
  async queue(@CurrentUser() user: User, @Res() res: Response, @Query('done') done?: string): Promise<void> {
    await this.renderQueue(res, user, { done: done ? (DONE[done] ?? null) : null });
  }

  @Post('requests/:rid/decision')
  @Roles('identity_custodian')
  async decide(@CurrentUser() user: User, @Param('rid') rawRid: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const rid = routeId(rawRid);
    const decision = body?.decision === 'approve' || body?.decision === 'refuse' ? body.decision : null;
    try {
      if (!decision) throw new DomainError('validation_failed', '请选择“批准”或“不予批准”', 422, { decision: '请选择“批准”或“不予批准”' });
      await this.custody.decide(user, rid, decision, { reason: body.reason });
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500 || e.status === 404) throw e;
      res.status(e.status);
      await this.renderQueue(res, user, { errorFor: rid, error: { message: e.message, fields: e.fields ?? {} }, reason: typeof body?.reason === 'string' ? body.reason : '' });
      return;
    }
    res.redirect(303, `/staff/custody?done=${decision === 'approve' ? 'approved' : 'refused'}`);
  }

  @Get('reports/:id')
  @Roles('intake_officer', 'case_handler')
  async report(@CurrentUser() user: User, @Param('id') rawId: string, @Res() res: Response, @Query('done') done?: string): Promise<void> {
    await this.renderReport(res, user, routeId(rawId), { done: done ? (DONE[done] ?? null) : null });
  }

  @Post('reports/:id/requests')
  @Roles('intake_officer', 'case_handler')
  async request(@CurrentUser() user: User, @Param('id') rawId: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const id = routeId(rawId);
    try {
      await this.custody.request(user, id, { reason: body?.reason });
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500 || e.status === 404) throw e;
      res.status(e.status);
      await this.renderReport(res, user, id, { error: { message: e.message, fields: e.fields ?? {} }, reason: typeof body?.reason === 'string' ? body.reason : '' });
      return;
    }
    res.redirect(303, `/staff/custody/reports/${id}?done=requested`);
  }

  @Get('reports/:id/identity')
  @Roles('intake_officer', 'case_handler')
  async identity(@CurrentUser() user: User, @Param('id') rawId: string, @Res() res: Response): Promise<void> {
    const revealed = await this.custody.reveal(user, routeId(rawId));
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/custody/identity', { title: '查看举报人身份', user, revealed, backToReport: user.hasRole('intake_officer') });
  }

  @Get('reports/:id/originals/:attId')
  @Roles('intake_officer', 'case_handler')
  async original(@CurrentUser() user: User, @Param('id') rawId: string, @Param('attId') rawAtt: string, @Res() res: Response): Promise<void> {
    sendEvidenceDownload(res, await this.custody.original(user, routeId(rawId), routeId(rawAtt)));
  }

  // ---------------------------------------------------------------------------------------------

  private async renderQueue(res: Response, user: User, extra: { done?: string | null; errorFor?: number; error?: PageError; reason?: string }): Promise<void> {
    const q = await this.custody.queue(user);
    const withForm = (i: QueueItem) => ({ ...i, error: extra.errorFor === i.id ? extra.error : null, reasonValue: extra.errorFor === i.id ? extra.reason : '' });
    const misplaced = extra.error && extra.errorFor !== undefined && !q.pending.some((p) => p.id === extra.errorFor) ? extra.error : null;
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/custody/queue', {
      title: '身份查看审批',
      user,
      done: extra.done ?? null,
      error: misplaced,
      pending: q.pending.map(withForm),
      decided: q.decided,
      revealHours: this.custody.revealHours(),
    });
  }

  private async renderReport(res: Response, user: User, id: number, extra: { done?: string | null; error?: PageError; reason?: string }): Promise<void> {
    const custody = await this.custody.panel(user, id);
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/custody/report', {
      title: '申请查看举报人身份',
      user,
      reportId: id,
      custody,
      done: extra.done ?? null,
      custodyError: extra.error ?? null,
      custodyReason: extra.reason ?? '',
      revealHours: this.custody.revealHours(),
      backToReport: user.hasRole('intake_officer'),
    });
  }
}
