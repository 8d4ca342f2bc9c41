import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import type { User } from '../users/entities/user.entity.js';
import { TotpService } from '../auth/totp.service.js';
import { UsersService } from '../users/users.service.js';
import { actorOf } from './admin-users.controller.js';
import { checkJsonBody, parseId, userView, type UserView } from './admin-views.js';

/**
 * JSON administration of staff accounts under `/api/v1/admin/users` (role `admin`; others get 404).
 * Errors: `{ error: { code, message, fields? } }` — 422 `validation_failed` (unknown or missing
 * fields, bad role, unknown region, taken name), 404 `not_found`, 409 `self_lockout`.
 */
@Controller('api/v1/admin/users')
@Roles('admin')
export class AdminApiController {
  constructor(
    private readonly users: UsersService,
    private readonly totp: TotpService,
  ) {}

  /** `{ users: UserView[] }`, ordered by user name. */
  @Get()
  async list(): Promise<{ users: UserView[] }> {
    return { users: (await this.users.list()).map(userView) };
  }

  /**
   * Body `{ username, roles: Role[], scopeRegionCode, displayName? }` → 201 `{ user, oneTimePassword }`:
   * the one-time password is returned this once and must be changed at first login.
   */
  @Post()
  async create(@Body() body: unknown, @CurrentUser() actor: User): Promise<{ user: UserView; oneTimePassword: string }> {
    const b = checkJsonBody(body, ['username', 'displayName', 'roles', 'scopeRegionCode'], ['username', 'roles', 'scopeRegionCode']);
    const created = await this.users.create(
      { username: String(b.username), displayName: b.displayName === undefined ? undefined : String(b.displayName), roles: Array.isArray(b.roles) ? b.roles.map(String) : [String(b.roles)], scopeRegionCode: String(b.scopeRegionCode) },
      actorOf(actor),
    );
    return { user: userView(created.user), oneTimePassword: created.password };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<{ user: UserView }> {
    return { user: userView(await this.users.get(parseId(id))) };
  }

  /** Body `{ roles: Role[] }`. Ends the user's sessions. */
  @Put(':id/roles')
  async setRoles(@Param('id') id: string, @Body() body: unknown, @CurrentUser() actor: User): Promise<{ user: UserView }> {
    const b = checkJsonBody(body, ['roles'], ['roles']);
    return { user: userView(await this.users.setRoles(parseId(id), Array.isArray(b.roles) ? b.roles.map(String) : [String(b.roles)], actorOf(actor))) };
  }

  /** Body `{ scopeRegionCode }`. Ends the user's sessions. */
  @Put(':id/scope')
  async setScope(@Param('id') id: string, @Body() body: unknown, @CurrentUser() actor: User): Promise<{ user: UserView }> {
    const b = checkJsonBody(body, ['scopeRegionCode'], ['scopeRegionCode']);
    return { user: userView(await this.users.setScope(parseId(id), String(b.scopeRegionCode), actorOf(actor))) };
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  async deactivate(@Param('id') id: string, @CurrentUser() actor: User): Promise<{ user: UserView }> {
    return { user: userView(await this.users.deactivate(parseId(id), actorOf(actor))) };
  }

  @Post(':id/activate')
  @HttpCode(200)
  async activate(@Param('id') id: string, @CurrentUser() actor: User): Promise<{ user: UserView }> {
    return { user: userView(await this.users.activate(parseId(id), actorOf(actor))) };
  }

  /** Removes the user's second factor (lost phone): → `{ user }`; 409 `totp_not_enabled` when there is none. */
  @Post(':id/reset-totp')
  @HttpCode(200)
  async resetTotp(@Param('id') id: string, @CurrentUser() actor: User): Promise<{ user: UserView }> {
    return { user: userView(await this.totp.resetByAdministrator(parseId(id), actor.id)) };
  }

  /** → `{ user, oneTimePassword }` (shown this once; must be changed at next login). */
  @Post(':id/reset-password')
  @HttpCode(200)
  async resetPassword(@Param('id') id: string, @CurrentUser() actor: User): Promise<{ user: UserView; oneTimePassword: string }> {
    const r = await this.users.resetPassword(parseId(id), actorOf(actor));
    return { user: userView(r.user), oneTimePassword: r.password };
  }
}
