import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { GrantsService, type GrantView } from '../access/grants.service.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { NotFoundError, ValidationFailedError } from '../common/domain-error.js';
import type { User } from '../users/entities/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { actorOf } from './admin-users.controller.js';
import { checkJsonBody, parseId } from './admin-views.js';

const DONE: Record<string, string> = {
  created: '已授予指定管辖，该用户需要重新登录。',
  revoked: '已撤销指定管辖，该用户需要重新登录。',
};

/**
 * Explicit grants (指定管辖) pages under /staff/admin/grants (role `admin`): list, grant, revoke.
 * Every change ends the user's sessions and is audited (GrantsService).
 */
@Controller('staff/admin/grants')
@Roles('admin')
export class AdminGrantsController {
  constructor(
    private readonly grants: GrantsService,
    private readonly users: UsersService,
  ) {}

  @Get()
  async page(@Res() res: Response, @CurrentUser() user: User, @Query('done') done?: string): Promise<void> {
    await this.render(res, user, { done: done ? DONE[done] : undefined, form: {} });
  }

  @Post()
  async create(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const form = { userId: String(b.userId ?? ''), regionCode: String(b.regionCode ?? ''), reason: String(b.reason ?? ''), validFrom: String(b.validFrom ?? ''), validUntil: String(b.validUntil ?? '') };
    try {
      await this.grants.create(form, actorOf(user));
      res.redirect(303, '/staff/admin/grants?done=created');
    } catch (e) {
      if (!(e instanceof ValidationFailedError)) throw e;
      res.status(422);
      await this.render(res, user, { error: e.message, fields: e.fields, form });
    }
  }

  @Post(':id/revoke')
  async revoke(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    try {
      await this.grants.revoke(parseId(id), (req.body as Record<string, unknown> | undefined)?.reason, actorOf(user));
      res.redirect(303, '/staff/admin/grants?done=revoked');
    } catch (e) {
      if (!(e instanceof ValidationFailedError)) throw e;
      res.status(422);
      await this.render(res, user, { error: `撤销未完成：${e.fields?.reason ?? e.message}`, form: {} });
    }
  }

  private async render(res: Response, user: User, extra: Record<string, unknown>): Promise<void> {
    const [grants, users] = await Promise.all([this.grants.list(), this.users.list()]);
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/admin/grants', { title: '指定管辖', user, grants, users: users.map((u) => ({ id: String(u.id), username: u.username, displayName: u.displayName })), ...extra });
  }
}

/**
 * JSON administration of explicit grants (指定管辖) under `/api/v1/admin/grants` (role `admin`).
 * Errors: 422 `validation_failed` (fields userId, regionCode, reason, validFrom, validUntil), 404.
 */
@Controller('api/v1/admin/grants')
@Roles('admin')
export class AdminGrantsApiController {
  constructor(private readonly grants: GrantsService) {}

  /** `?userId=` → `{ grants: GrantView[] }`, newest first. */
  @Get()
  async list(@Query('userId') userId?: string): Promise<{ grants: GrantView[] }> {
    if (userId !== undefined && !/^\d{1,10}$/.test(userId)) throw new ValidationFailedError({ userId: '应为用户 id' });
    return { grants: await this.grants.list(userId ? Number(userId) : undefined) };
  }

  /** Body `{ userId, regionCode, reason, validFrom?, validUntil? }` (dates `YYYY-MM-DD` Asia/Shanghai or ISO-8601) → 201 `{ grant }`. Ends the user's sessions. */
  @Post()
  async create(@Body() body: unknown, @CurrentUser() actor: User): Promise<{ grant: GrantView }> {
    const b = checkJsonBody(body, ['userId', 'regionCode', 'reason', 'validFrom', 'validUntil'], ['userId', 'regionCode', 'reason']);
    return { grant: await this.grants.create(b as { userId: unknown; regionCode: unknown; reason: unknown }, actorOf(actor)) };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<{ grant: GrantView }> {
    return { grant: await this.grants.get(parseId(id)) };
  }

  /** Body `{ reason }` → `{ grant }`. Ends the user's sessions. */
  @Post(':id/revoke')
  @HttpCode(200)
  async revoke(@Param('id') id: string, @Body() body: unknown, @CurrentUser() actor: User): Promise<{ grant: GrantView }> {
    const b = checkJsonBody(body, ['reason'], ['reason']);
    const gid = parseId(id);
    if (!gid) throw new NotFoundError();
    return { grant: await this.grants.revoke(gid, b.reason, actorOf(actor)) };
  }
}
