import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { DomainError, NotFoundError } from '../common/domain-error.js';
import { PROBLEM_CATEGORIES, REPORT_CHANNELS, REPORT_KINDS, REPORT_STATUSES, type ReportChannel, type ReportStatus } from '../reports/report-enums.js';
import type { User } from '../users/entities/user.entity.js';
import { IntakeService, type ActionResult } from './intake.service.js';
import { DECLINE_GROUNDS, DEFAULT_ACKNOWLEDGEMENT, REFERRAL_ORGANS } from './intake-wording.js';
import { OFFLINE_CHANNELS } from './dto/intake-api.dto.js';
import { routeId, sendEvidenceDownload } from './intake-http.js';
import { CustodyRepository } from '../custody/custody.repository.js';

const DONE_MESSAGES: Record<string, string> = {
  accepted: '已受理。',
  declined: '已作不予受理处理。',
  forwarded: '已转送/转办。',
  referred_out: '已移交。',
  repeat: '已标记为重复件。',
  acknowledged: '已告知举报人受理情况。',
  message_sent: '留言已发送给举报人。',
  assigned: '已指派承办人。',
};

const ACTIONS = ['accept', 'decline', 'forward', 'refer-out', 'mark-repeat', 'acknowledge', 'message', 'assign'] as const;
type ActionPath = (typeof ACTIONS)[number];

function options(map: Record<string, string>, selected: string | undefined) {
  return Object.entries(map).map(([value, label]) => ({ value, label, selected: value === selected }));
}

/** Staff pages of intake (server-rendered, work without JavaScript; every form carries the CSRF token). */
@ApiExcludeController()
@Controller('staff/intake')
@Roles('intake_officer', 'leader')
export class IntakeController {
  constructor(
    private readonly intake: IntakeService,
    private readonly custody: CustodyRepository,
  ) {}

  @Get()
  async inbox(
    @CurrentUser() user: User,
    @Res() res: Response,
    @Query('status') status?: string,
    @Query('q') q?: string,
    @Query('channel') channel?: string,
    @Query('page') page?: string,
  ): Promise<void> {
    const st = status === 'all' || (status && Object.hasOwn(REPORT_STATUSES, status)) ? (status as ReportStatus | 'all') : 'received';
    const ch = channel && Object.hasOwn(REPORT_CHANNELS, channel) ? (channel as ReportChannel) : undefined;
    const query = typeof q === 'string' ? [...q.trim()].slice(0, 50).join('') : '';
    const result = await this.intake.inbox(user, { status: st, channel: ch, q: query || undefined, page: Number(page) > 0 ? Math.floor(Number(page)) : 1 });
    const link = (p: number) => {
      const params = new URLSearchParams({ status: st });
      if (query) params.set('q', query);
      if (ch) params.set('channel', ch);
      if (p > 1) params.set('page', String(p));
      return `/staff/intake?${params.toString()}`;
    };
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/intake/inbox', {
      title: '举报受理',
      user,
      canRegister: user.hasRole('intake_officer'),
      result,
      q: query,
      statusOptions: [{ value: 'all', label: '全部', selected: st === 'all' }, ...options(REPORT_STATUSES, st)],
      channelOptions: options(REPORT_CHANNELS, ch),
      prevUrl: result.page > 1 ? link(result.page - 1) : null,
      nextUrl: result.page < result.pages ? link(result.page + 1) : null,
    });
  }

  @Get('register')
  @Roles('intake_officer')
  registerForm(@CurrentUser() user: User, @Res() res: Response): void {
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/intake/register', this.registerModel(user, {}, null));
  }

  @Post('register')
  @Roles('intake_officer')
  @HttpCode(200)
  async register(@CurrentUser() user: User, @Req() req: Request, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const { id, receiptCode } = await this.intake.register(user, body);
      res.render('pages/intake/registered', { title: '登记完成', user, id, receiptCode, channelLabel: REPORT_CHANNELS[body.channel as ReportChannel] });
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500 || e.status === 404) throw e;
      res.status(e.status).render('pages/intake/register', this.registerModel(user, body, e));
    }
  }

  @Get('reports/:id')
  async detail(@CurrentUser() user: User, @Param('id') rawId: string, @Res() res: Response, @Query('done') done?: string): Promise<void> {
    await this.renderDetail(res, user, routeId(rawId), { done: done ? (DONE_MESSAGES[done] ?? null) : null });
  }

  @Get('reports/:id/attachments/:attId')
  async attachment(@CurrentUser() user: User, @Param('id') rawId: string, @Param('attId') rawAtt: string, @Res() res: Response): Promise<void> {
    sendEvidenceDownload(res, await this.intake.cleanEvidence(user, routeId(rawId), routeId(rawAtt)));
  }

  @Post('reports/:id/:action')
  async act(@CurrentUser() user: User, @Param('id') rawId: string, @Param('action') action: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const id = routeId(rawId);
    if (!(ACTIONS as readonly string[]).includes(action)) throw new NotFoundError();
    let result: ActionResult;
    try {
      result = await this.run(user, id, action as ActionPath, body ?? {});
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500 || e.status === 404) throw e;
      res.status(e.status);
      await this.renderDetail(res, user, id, { error: { action, message: e.message, fields: e.fields ?? {} }, form: { action, values: body ?? {} } });
      return;
    }
    const done = action === 'acknowledge' ? 'acknowledged' : action === 'message' ? 'message_sent' : action === 'assign' ? 'assigned' : result.status;
    res.redirect(303, `/staff/intake/reports/${id}?done=${encodeURIComponent(done)}`);
  }

  // ---------------------------------------------------------------------------------------------

  private run(user: User, id: number, action: ActionPath, body: Record<string, unknown>): Promise<ActionResult> {
    switch (action) {
      case 'accept':
        return this.intake.accept(user, id, body);
      case 'decline':
        return this.intake.decline(user, id, body);
      case 'forward':
        return this.intake.forward(user, id, body);
      case 'refer-out':
        return this.intake.referOut(user, id, body);
      case 'mark-repeat':
        return this.intake.markRepeat(user, id, body);
      case 'acknowledge':
        return this.intake.acknowledge(user, id, body);
      case 'message':
        return this.intake.message(user, id, body);
      case 'assign':
        return this.intake.assign(user, id, body);
    }
  }

  private async renderDetail(
    res: Response,
    user: User,
    id: number,
    extra: { done?: string | null; error?: { action: string; message: string; fields: Record<string, string> }; form?: { action: string; values: Record<string, unknown> } },
  ): Promise<void> {
    const report = await this.intake.detail(user, id);
    const personCards = await this.intake.personCards(user, id);
    // Identity custody: only the user's own reveal requests on this report (DESIGN.md §5).
    const custody = await this.custody.panelFor(id, user.id, !report.anonymous || report.evidence.length > 0);
    const values = extra.form?.values ?? {};
    const v = (action: string, key: string) => (extra.form?.action === action && typeof values[key] === 'string' ? (values[key] as string) : '');
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/intake/detail', {
      title: '举报详情',
      user,
      canRegister: user.hasRole('intake_officer'),
      report,
      personCards,
      custody,
      done: extra.done ?? null,
      error: extra.error ?? null,
      declineGrounds: options(
        Object.fromEntries(Object.entries(DECLINE_GROUNDS).map(([k, g]) => [k, g.label])),
        v('decline', 'ground'),
      ),
      organs: options(REFERRAL_ORGANS, v('refer-out', 'organ')),
      forwardTargets: report.forwardTargets.map((t) => ({ ...t, selected: String(t.id) === v('forward', 'toOfficeId'), directionLabel: t.direction === 'up' ? '转送上级' : '转办下级' })),
      values: {
        acceptReason: v('accept', 'reason'),
        declineReason: v('decline', 'reason'),
        forwardReason: v('forward', 'reason'),
        referReason: v('refer-out', 'reason'),
        organName: v('refer-out', 'organName'),
        repeatOfId: v('mark-repeat', 'repeatOfId'),
        repeatReason: v('mark-repeat', 'reason'),
        ackMessage: extra.form?.action === 'acknowledge' ? v('acknowledge', 'message') : DEFAULT_ACKNOWLEDGEMENT,
        message: v('message', 'message'),
        assignUserId: v('assign', 'userId'),
        assignReason: v('assign', 'reason'),
      },
    });
  }

  private registerModel(user: User, body: Record<string, unknown>, error: DomainError | null) {
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const rows = (k: string, n: number) => {
      const raw = body[k];
      const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw as object) : [];
      return Array.from({ length: n }, (_, i) => ({ index: i, ...(list[i] && typeof list[i] === 'object' ? (list[i] as Record<string, string>) : {}) }));
    };
    const reporter = body.reporter && typeof body.reporter === 'object' ? (body.reporter as Record<string, string>) : {};
    return {
      title: '登记举报',
      user,
      error: error ? { message: error.message, fields: error.fields ?? {} } : null,
      channels: options(Object.fromEntries(OFFLINE_CHANNELS.map((c) => [c, REPORT_CHANNELS[c]])), str('channel') || 'letter'),
      categories: options(PROBLEM_CATEGORIES, str('category')),
      kinds: options(REPORT_KINDS, str('kind') || 'denunciation'),
      regionCode: str('regionCode'),
      subjects: rows('subjects', 3),
      beneficiaries: rows('beneficiaries', 3),
      description: str('description'),
      happenedAt: str('happenedAt'),
      anonymous: str('anonymous') !== 'false',
      reporter,
    };
  }
}
