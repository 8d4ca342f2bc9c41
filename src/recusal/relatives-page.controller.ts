import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { DomainError } from '../common/domain-error.js';
import { Person } from '../registry/entities/person.entity.js';
import { KIN_TYPES, KIN_TYPE_LABELS } from '../registry/kin-types.js';
import type { User } from '../users/entities/user.entity.js';
import { RecusalService } from './recusal.service.js';

const DONE: Record<string, string> = { person: '本人身份证号码已登记。', relative: '近亲属已申报。' };

/**
 * A staff member's own page `/staff/relatives` (any signed-in user): register their own ID number
 * (so that recusal can recognise them as a reporter or a relative) and declare their close
 * relatives (近亲属备案). Server-rendered, CSRF on both forms, no script. The same service as the
 * JSON API `/api/v1/me/*` (audited there; ID numbers are shown masked only).
 */
@ApiExcludeController()
@Controller('staff/relatives')
export class RelativesPageController {
  constructor(
    private readonly recusal: RecusalService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @Get()
  async page(@CurrentUser() user: User, @Res() res: Response, @Query('done') done?: string): Promise<void> {
    await this.render(res, user, { done: done ? (DONE[done] ?? null) : null });
  }

  @Post('person')
  @HttpCode(200)
  async linkPerson(@CurrentUser() user: User, @Req() req: Request, @Res() res: Response): Promise<void> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await this.recusal.linkPerson(user.id, { name: body.name, idNumber: body.idNumber });
      res.redirect(303, '/staff/relatives?done=person');
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500) throw e;
      res.status(e.status);
      await this.render(res, user, { error: { form: 'person', message: e.message, fields: e.fields ?? {} }, personForm: { name: String(body.name ?? '') } });
    }
  }

  @Post()
  @HttpCode(200)
  async declare(@CurrentUser() user: User, @Req() req: Request, @Res() res: Response): Promise<void> {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      await this.recusal.declareRelative(user.id, { name: body.name, idNumber: body.idNumber, type: body.type });
      res.redirect(303, '/staff/relatives?done=relative');
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500) throw e;
      res.status(e.status);
      await this.render(res, user, { error: { form: 'relative', message: e.message, fields: e.fields ?? {} }, relativeForm: { name: String(body.name ?? ''), type: String(body.type ?? '') } });
    }
  }

  private async render(res: Response, user: User, extra: Record<string, unknown>): Promise<void> {
    // The user row of the request may predate a link made in this request: read the person afresh.
    const fresh = await this.ds.getRepository(Person).createQueryBuilder('p').innerJoin('users', 'u', 'u.person_id = p.id').where('u.id = :id', { id: user.id }).getOne();
    const relatives = await this.recusal.relativesOf({ personId: fresh?.id ?? null });
    const selected = (extra.relativeForm as { type?: string } | undefined)?.type ?? '';
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/auth/relatives', {
      title: '本人及近亲属',
      user,
      person: fresh ? { name: fresh.name, idMasked: fresh.idMasked } : null,
      relatives,
      types: KIN_TYPES.map((t) => ({ value: t, label: KIN_TYPE_LABELS[t], selected: t === selected })),
      ...extra,
    });
  }
}
