import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Roles } from '../auth/roles.decorator.js';
import { NotFoundError, ValidationFailedError } from '../common/domain-error.js';
import { IntakeService } from '../intake/intake.service.js';
import { User } from '../users/entities/user.entity.js';
import { RecusalService } from './recusal.service.js';

const MAX_REASON = 500;

function reasonOf(raw: unknown, required: boolean): string | null {
  const r = typeof raw === 'string' ? raw.normalize('NFC').trim() : '';
  if (required && !r) throw new ValidationFailedError({ reason: '请填写理由' });
  if ([...r].length > MAX_REASON) throw new ValidationFailedError({ reason: `理由不超过 ${MAX_REASON} 字` });
  return r || null;
}

function reportIdOf(raw: unknown): number {
  const id = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,12}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError();
  return id;
}

/**
 * Recusal (回避) JSON API: a staff member's own ID number and declared relatives (`/api/v1/me/…`),
 * their own recusal from a report, and a leader's order or clearing. A report the caller cannot see
 * answers 404 like an absent one. POSTs with the session cookie need `X-CSRF-Token`.
 */
@ApiTags('recusal')
@ApiCookieAuth()
@Controller('api/v1')
export class RecusalController {
  constructor(
    private readonly recusal: RecusalService,
    private readonly intake: IntakeService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @Post('me/person')
  @HttpCode(200)
  @ApiOperation({ summary: '登记本人身份证号码（用于回避）' })
  async linkPerson(@CurrentUser() user: User, @Body() body: Record<string, unknown>) {
    const p = await this.recusal.linkPerson(user.id, { name: body?.name, idNumber: body?.idNumber });
    return { personId: p.id, name: p.name, idMasked: p.idMasked };
  }

  @Get('me/relatives')
  @ApiOperation({ summary: '本人申报的近亲属' })
  async relatives(@CurrentUser() user: User) {
    return { relatives: await this.recusal.relativesOf(user) };
  }

  @Post('me/relatives')
  @HttpCode(201)
  @ApiOperation({ summary: '申报近亲属（姓名、关系，身份证号码可选）' })
  async declareRelative(@CurrentUser() user: User, @Body() body: Record<string, unknown>) {
    return this.recusal.declareRelative(user.id, { name: body?.name, idNumber: body?.idNumber, type: body?.type });
  }

  @Post('me/recusals')
  @HttpCode(201)
  @ApiOperation({ summary: '本人对某件举报申请回避（此后该件对本人不可见）' })
  async declareRecusal(@CurrentUser() user: User, @Body() body: Record<string, unknown>) {
    const reportId = reportIdOf(body?.reportId);
    const reason = reasonOf(body?.reason, false);
    if (!(await this.intake.existsInScope(user, reportId))) throw new NotFoundError();
    await this.ds.transaction((m) => this.recusal.record(m, { userId: user.id, reportId, kind: 'declared', byUserId: user.id, reason }));
    return { reportId, kind: 'declared' };
  }

  @Post('recusals')
  @Roles('leader')
  @HttpCode(201)
  @ApiOperation({ summary: '领导责令某工作人员回避（ordered），或排除同名冲突（cleared）' })
  async decide(@CurrentUser() leader: User, @Body() body: Record<string, unknown>) {
    const reportId = reportIdOf(body?.reportId);
    const kind = body?.kind;
    if (kind !== 'ordered' && kind !== 'cleared') throw new ValidationFailedError({ kind: '应为 ordered 或 cleared' });
    const reason = reasonOf(body?.reason, true);
    const userId = typeof body?.userId === 'number' && Number.isSafeInteger(body.userId) ? body.userId : NaN;
    if (!(await this.intake.existsInScope(leader, reportId))) throw new NotFoundError();
    const target = Number.isSafeInteger(userId) ? await this.ds.getRepository(User).findOneBy({ id: userId }) : null;
    if (!target || target.id === leader.id) throw new ValidationFailedError({ userId: '请选择其他工作人员' });
    await this.ds.transaction((m) => this.recusal.record(m, { userId: target.id, reportId, kind, byUserId: leader.id, reason }));
    return { reportId, userId: target.id, kind };
  }
}
