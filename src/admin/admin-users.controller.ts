import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { CSRF } from '../common/common.module.js';
import type { Csrf } from '../common/csrf.js';
import { InvalidStateError, ValidationFailedError } from '../common/domain-error.js';
import type { User } from '../users/entities/user.entity.js';
import { UsersService, type Actor } from '../users/users.service.js';
import { TotpService } from '../auth/totp.service.js';
import { ROLE_LABELS, asList, parseId, roleOptions } from './admin-views.js';

const DONE_MESSAGES: Record<string, string> = {
  roles: '角色已更新，该用户需要重新登录。',
  scope: '管辖范围已更新，该用户需要重新登录。',
  deactivated: '账号已停用，其登录已全部失效。',
  activated: '账号已启用。',
  totp_reset: '两步验证已清除，其登录已全部失效；该用户下次登录时需要重新设置。',
};

export function actorOf(user: User): Actor {
  return { userId: user.id, kind: 'user' };
}

function listRow(u: User) {
  return { ...u, roleNames: u.roleList().map((r) => ROLE_LABELS[r]).join('、') };
}

/**
 * Administration of staff accounts (role `admin` only): list, create (the one-time password is shown
 * once), edit roles and scope, deactivate/reactivate, reset the password. Pages work without JavaScript.
 */
@Controller('staff/admin')
@Roles('admin')
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly totp: TotpService,
    @Inject(CSRF) private readonly csrf: Csrf,
  ) {}

  @Get()
  index(@Res() res: Response, @CurrentUser() user: User): void {
    res.render('pages/admin/index', { title: '系统管理', user });
  }

  @Get('users')
  async list(@Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const users = await this.users.list();
    res.render('pages/admin/users', { title: '用户管理', user, users: users.map(listRow) });
  }

  @Get('users/new')
  newForm(@Res() res: Response, @CurrentUser() user: User): void {
    res.render('pages/admin/user-new', { title: '新建用户', user, roleOptions: roleOptions([]), form: {} });
  }

  @Post('users')
  async create(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = { username: String(body.username ?? ''), displayName: String(body.displayName ?? ''), scopeRegionCode: String(body.scopeRegionCode ?? '') };
    const roles = asList(body.roles);
    try {
      const created = await this.users.create({ ...form, roles }, actorOf(user));
      this.showOneTimePassword(req, res, user, created.user, created.password, '用户已创建');
    } catch (e) {
      if (!(e instanceof ValidationFailedError)) throw e;
      res.status(422).render('pages/admin/user-new', { title: '新建用户', user, roleOptions: roleOptions(roles), form, error: e.message, fields: e.fields, csrfToken: this.csrf.token(req, res) });
    }
  }

  @Get('users/:id')
  async edit(@Param('id') id: string, @Res() res: Response, @CurrentUser() user: User, @Query('done') done?: string): Promise<void> {
    const target = await this.users.get(parseId(id));
    await this.renderEdit(res, user, target, { done: done ? DONE_MESSAGES[done] : undefined });
  }

  @Post('users/:id/roles')
  async setRoles(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    await this.editAction(req, res, user, parseId(id), 'roles', (uid) => this.users.setRoles(uid, asList(req.body?.roles), actorOf(user)));
  }

  @Post('users/:id/scope')
  async setScope(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    await this.editAction(req, res, user, parseId(id), 'scope', (uid) => this.users.setScope(uid, String(req.body?.scopeRegionCode ?? ''), actorOf(user)));
  }

  @Post('users/:id/deactivate')
  async deactivate(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    await this.editAction(req, res, user, parseId(id), 'deactivated', (uid) => this.users.deactivate(uid, actorOf(user)));
  }

  @Post('users/:id/activate')
  async activate(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    await this.editAction(req, res, user, parseId(id), 'activated', (uid) => this.users.activate(uid, actorOf(user)));
  }

  @Post('users/:id/reset-password')
  async resetPassword(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const { user: target, password } = await this.users.resetPassword(parseId(id), actorOf(user));
    this.showOneTimePassword(req, res, user, target, password, '密码已重置');
  }

  @Post('users/:id/reset-totp')
  async resetTotp(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    await this.editAction(req, res, user, parseId(id), 'totp_reset', (uid) => this.totp.resetByAdministrator(uid, user.id));
  }

  private showOneTimePassword(req: Request, res: Response, user: User, target: User, password: string, heading: string): void {
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).render('pages/admin/one-time-password', { title: heading, heading, user, target, password, csrfToken: this.csrf.token(req, res) });
  }

  private async renderEdit(res: Response, user: User, target: User, extra: Record<string, unknown>): Promise<void> {
    res.render('pages/admin/user-edit', {
      title: '编辑用户',
      user,
      target,
      totpEnabled: await this.totp.isEnabled(target.id),
      self: target.id === user.id,
      roleOptions: roleOptions(target.roleList()),
      ...extra,
    });
  }

  /** Runs an edit; on success redirects back to the edit page with a notice, on a refusal re-renders it with the message. */
  private async editAction(req: Request, res: Response, user: User, id: number, done: string, run: (id: number) => Promise<unknown>): Promise<void> {
    try {
      await run(id);
      res.redirect(303, `/staff/admin/users/${id}?done=${done}`);
    } catch (e) {
      if (!(e instanceof ValidationFailedError || e instanceof InvalidStateError)) throw e;
      const target = await this.users.get(id);
      res.status(e.status);
      await this.renderEdit(res, user, target, { error: e.message, fields: e instanceof ValidationFailedError ? e.fields : undefined, csrfToken: this.csrf.token(req, res) });
    }
  }
}
