import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { CSRF } from '../common/common.module.js';
import type { Csrf } from '../common/csrf.js';
import { DomainError } from '../common/domain-error.js';
import type { Office } from '../regions/entities/office.entity.js';
import { CalendarService } from '../regions/calendar.service.js';
import { OfficesService } from '../regions/offices.service.js';
import type { User } from '../users/entities/user.entity.js';
import { checkJsonBody } from './admin-views.js';

const LEVEL_NAMES: Record<number, string> = { 1: '省级', 2: '市级', 3: '县级', 4: '乡镇级', 5: '村级' };

/** The office as the administration API shows it. */
export interface OfficeView {
  id: number;
  regionCode: string;
  regionLevel: number;
  name: string;
}

function officeView(o: Office): OfficeView {
  return { id: o.id, regionCode: o.regionCode, regionLevel: o.regionLevel, name: o.name };
}

/** Dates typed or pasted into a textarea: `YYYY-MM-DD` separated by spaces, commas, semicolons or new lines. */
export function parseDateList(text: unknown): string[] {
  return String(text ?? '')
    .split(/[\s,，;；、]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function actor(user: User) {
  return { actorUserId: user.id, actorKind: 'user' as const };
}

/** Offices (纪委监委) and the working-day calendar pages of the administration (role `admin`). */
@Controller('staff/admin')
@Roles('admin')
export class AdminRegionsController {
  constructor(
    private readonly offices: OfficesService,
    private readonly calendar: CalendarService,
    @Inject(CSRF) private readonly csrf: Csrf,
  ) {}

  @Get('offices')
  async officesPage(@Res() res: Response, @CurrentUser() user: User, @Query('done') done?: string): Promise<void> {
    await this.renderOffices(res, user, { done: done === 'created' ? '机构已创建。' : undefined, form: {} });
  }

  @Post('offices')
  async createOffice(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const form = { regionCode: String(req.body?.regionCode ?? '').trim(), name: String(req.body?.name ?? '').trim() };
    try {
      await this.offices.create(form.regionCode, form.name || undefined, actor(user));
      res.redirect(303, '/staff/admin/offices?done=created');
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500) throw e;
      res.status(e.status);
      await this.renderOffices(res, user, { error: e.message, fields: e.fields ?? {}, form, csrfToken: this.csrf.token(req, res) });
    }
  }

  @Get('calendar')
  async calendarPage(@Res() res: Response, @CurrentUser() user: User, @Query('done') done?: string): Promise<void> {
    await this.renderCalendar(res, user, { done: /^\d{4}$/.test(done ?? '') ? `${done} 年节假日安排已载入，相关期限已重新计算。` : undefined, form: {} });
  }

  @Post('calendar')
  async loadSchedule(@Req() req: Request, @Res() res: Response, @CurrentUser() user: User): Promise<void> {
    const form = { year: String(req.body?.year ?? '').trim(), holidays: String(req.body?.holidays ?? ''), workdays: String(req.body?.workdays ?? '') };
    try {
      const year = /^\d{4}$/.test(form.year) ? Number(form.year) : NaN;
      if (!Number.isInteger(year)) throw new DomainError('invalid_schedule', '请填写四位数的年份', 422, { year: '请填写四位数的年份' });
      await this.calendar.loadYearSchedule(year, { holidays: parseDateList(form.holidays), workdays: parseDateList(form.workdays) }, actor(user));
      res.redirect(303, `/staff/admin/calendar?done=${year}`);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500) throw e;
      res.status(e.status);
      await this.renderCalendar(res, user, { error: e.message, form, csrfToken: this.csrf.token(req, res) });
    }
  }

  private async renderOffices(res: Response, user: User, extra: Record<string, unknown>): Promise<void> {
    const offices = (await this.offices.list()).map((o) => ({ ...o, levelName: LEVEL_NAMES[o.regionLevel] ?? '' }));
    res.render('pages/admin/offices', { title: '机构管理', user, offices, ...extra });
  }

  private async renderCalendar(res: Response, user: User, extra: Record<string, unknown>): Promise<void> {
    const loaded = await this.calendar.loadedSchedules();
    const thisYear = new Date().getUTCFullYear();
    const upcoming = [thisYear, thisYear + 1].map((y) => ({ year: y, covered: this.calendar.covers(y) }));
    res.render('pages/admin/calendar', {
      title: '工作日历',
      user,
      coveredYears: this.calendar.coveredYears().join('、'),
      upcoming,
      loaded: loaded.map((s) => ({ year: s.year, holidays: s.holidays.length, workdays: s.workdays.length })),
      ...extra,
    });
  }
}

/** JSON administration of offices under `/api/v1/admin/offices` (role `admin`). */
@Controller('api/v1/admin/offices')
@Roles('admin')
export class AdminOfficesApiController {
  constructor(private readonly offices: OfficesService) {}

  /** `{ offices: OfficeView[] }` ordered by region code. */
  @Get()
  async list(): Promise<{ offices: OfficeView[] }> {
    return { offices: (await this.offices.list()).map(officeView) };
  }

  /**
   * Body `{ regionCode, name? }` → 201 `{ office }`. Errors: 422 `office_region_invalid` /
   * `office_name_invalid` / `validation_failed`, 400 `invalid_region_code`, 409 `office_exists`.
   */
  @Post()
  async create(@Body() body: unknown, @CurrentUser() user: User): Promise<{ office: OfficeView }> {
    const b = checkJsonBody(body, ['regionCode', 'name'], ['regionCode']);
    return { office: officeView(await this.offices.create(String(b.regionCode), b.name === undefined ? undefined : String(b.name), actor(user))) };
  }
}
