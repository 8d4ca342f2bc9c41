import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { ValidationFailedError } from '../common/domain-error.js';
import { RegistryAdminService, type OfficialView } from '../registry/registry-admin.service.js';
import type { User } from '../users/entities/user.entity.js';
import { checkJsonBody, parseId } from './admin-views.js';

const DONE: Record<string, string> = { official: '公职人员已登记。', relative: '近亲属已登记。' };

/**
 * Officials and their declared relatives entered one by one (role `admin`): pages under
 * /staff/admin/officials. Bulk lists come through the registry imports.
 */
@Controller('staff/admin/officials')
@Roles('admin')
export class AdminOfficialsController {
  constructor(private readonly registry: RegistryAdminService) {}

  @Get()
  async page(@Res() res: Response, @CurrentUser() user: User, @Query('region') region?: string, @Query('done') done?: string): Promise<void> {
    await this.render(res, user, { done: done ? DONE[done] : undefined, region: /^\d{2,12}$/.test(region ?? '') ? region : '', form: {} });
  }

  @Post()
  async create(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await this.registry.createOfficial(body, { userId: user.id });
      res.redirect(303, '/staff/admin/officials?done=official');
    } catch (e) {
      if (!(e instanceof ValidationFailedError)) throw e;
      res.status(422);
      await this.render(res, user, { error: e.message, fields: e.fields, form: { name: String(body.name ?? ''), position: String(body.position ?? ''), unit: String(body.unit ?? ''), regionCode: String(body.regionCode ?? ''), role: String(body.role ?? '') } });
    }
  }

  @Post(':id/relatives')
  async addRelative(@Param('id') id: string, @Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    try {
      await this.registry.addRelative(parseId(id), (req.body ?? {}) as Record<string, unknown>, { userId: user.id });
      res.redirect(303, '/staff/admin/officials?done=relative');
    } catch (e) {
      if (!(e instanceof ValidationFailedError)) throw e;
      res.status(422);
      await this.render(res, user, { error: `近亲属未登记：${Object.values(e.fields ?? {}).join('；') || e.message}`, form: {} });
    }
  }

  private async render(res: Response, user: User, extra: Record<string, unknown> & { region?: string; form: Record<string, string> }): Promise<void> {
    const officials = await this.registry.listOfficials(extra.region ?? '');
    const { roles, kinTypes } = this.registry.choices();
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/admin/officials', { title: '公职人员与近亲属', user, officials, roles: roles.map((r) => ({ ...r, selected: r.value === extra.form.role })), kinTypes, ...extra });
  }
}

/**
 * JSON administration of officials and their declared relatives under `/api/v1/admin/officials`
 * (role `admin`). Errors: 422 `validation_failed` with Chinese field messages, 404 `not_found`.
 */
@Controller('api/v1/admin/officials')
@Roles('admin')
export class AdminOfficialsApiController {
  constructor(private readonly registry: RegistryAdminService) {}

  /** `?region=<prefix>` → `{ officials: OfficialView[] }` (newest first, at most 200). */
  @Get()
  async list(@Query('region') region?: string): Promise<{ officials: OfficialView[] }> {
    return { officials: await this.registry.listOfficials(region ?? '') };
  }

  /** Body `{ name, idNumber?, role, position?, unit?, regionCode, partyMember? }` → 201 `{ official }`. */
  @Post()
  async create(@Body() body: unknown, @CurrentUser() user: User): Promise<{ official: OfficialView }> {
    const b = checkJsonBody(body, ['name', 'idNumber', 'role', 'position', 'unit', 'regionCode', 'partyMember'], ['name', 'role', 'regionCode']);
    return { official: await this.registry.createOfficial(b, { userId: user.id }) };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<{ official: OfficialView }> {
    return { official: await this.registry.getOfficial(parseId(id)) };
  }

  /** Body `{ name, idNumber?, type }` (type code or Chinese label) → 201 `{ official }` with its relatives. */
  @Post(':id/relatives')
  async addRelative(@Param('id') id: string, @Body() body: unknown, @CurrentUser() user: User): Promise<{ official: OfficialView }> {
    const b = checkJsonBody(body, ['name', 'idNumber', 'type'], ['name', 'type']);
    return { official: await this.registry.addRelative(parseId(id), b, { userId: user.id }) };
  }
}
