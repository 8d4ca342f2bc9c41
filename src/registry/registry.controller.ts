import { Body, Controller, Get, HttpCode, Inject, Param, ParseIntPipe, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Roles } from '../auth/roles.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { CSRF } from '../common/common.module.js';
import { ChecksMultipartCsrf, type Csrf } from '../common/csrf.js';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/domain-error.js';
import { discardUpload, receiveRegistryUpload } from './registry-upload.js';
import { APP_CONFIG } from '../config/config.module.js';
import { normaliseUploadName } from '../evidence/upload-options.js';
import type { AppConfig } from '../config/app-config.js';
import type { User } from '../users/entities/user.entity.js';
import { FINDING_STATUSES, FINDING_TYPES, type FindingStatus, type FindingType } from './entities/finding.entity.js';
import type { ImportJob, ImportKind } from './entities/import-job.entity.js';
import { FindingCluesService } from './finding-clues.service.js';
import { FindingsService, type FindingFilters, type Viewer } from './findings.service.js';
import { AccessService } from '../access/access.service.js';
import { ImportWorker } from './imports/import-worker.js';
import { RegistryImportsService } from './imports/registry-imports.service.js';
import { MatcherService } from './matcher.service.js';

/** The job as the API shows it (no storage path). */
export interface ImportJobView {
  id: number;
  kind: ImportKind;
  status: ImportJob['status'];
  scope: { regionPrefix: string; programme: string | null; month: string | null };
  fileName: string;
  format: ImportJob['fileFormat'];
  encoding: string | null;
  /** 0–100, from bytes read. */
  progress: number;
  processedRows: number;
  acceptedRows: number;
  rejectedRows: number;
  acceptedGroups: number;
  rejectedGroups: number;
  closedHouseholds: number;
  /** Sum of accepted households' monthly amounts, fen. */
  amountTotalFen: number;
  notice: string | null;
  error: { code: string; message: string | null } | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export function jobView(j: ImportJob): ImportJobView {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    scope: { regionPrefix: j.scopePrefix, programme: j.programme, month: j.month },
    fileName: j.fileName,
    format: j.fileFormat,
    encoding: j.encoding,
    progress: j.status === 'succeeded' ? 100 : j.totalBytes > 0 ? Math.min(99, Math.floor((j.processedBytes * 100) / j.totalBytes)) : 0,
    processedRows: j.processedRows,
    acceptedRows: j.acceptedRows,
    rejectedRows: j.rejectedRows,
    acceptedGroups: j.acceptedGroups,
    rejectedGroups: j.rejectedGroups,
    closedHouseholds: j.closedHouseholds,
    amountTotalFen: j.amountTotalFen,
    notice: j.notice,
    error: j.errorCode ? { code: j.errorCode, message: j.errorMessage } : null,
    createdAt: j.createdAt,
    finishedAt: j.finishedAt,
  };
}


/** The findings viewer of a user: their access (region scope, grants, recusal — findings.policy.ts). */
export async function findingsViewer(access: AccessService, user: User): Promise<Viewer> {
  return { userId: user.id, scopePrefix: user.scopePrefix, access: await access.forUser(user) };
}

/**
 * JSON API of the registry (/api/v1/registry): imports (registry clerks), job status and report,
 * matching, and the review of findings (registry clerks and case handlers). Everything is limited
 * to the user's region scope; records outside it answer 404.
 */
@Controller('api/v1/registry')
@Roles('registry_clerk', 'case_handler')
export class RegistryController {
  constructor(
    private readonly imports: RegistryImportsService,
    private readonly worker: ImportWorker,
    private readonly matcher: MatcherService,
    private readonly findings: FindingsService,
    private readonly findingClues: FindingCluesService,
    private readonly access: AccessService,
    @Inject(CSRF) private readonly csrf: Csrf,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Uploads a file (multipart field `file`) with `kind`, `regionPrefix`, roster `programme` and
   * `month`, optional `columnMap` (JSON `{field: header}`) and `_csrf` (or the X-CSRF-Token header).
   * 202 with the queued job; the worker runs it. 422 `validation_failed` for a bad scope, a file
   * that is not .csv/.xlsx, or missing columns (the message names them and the headers found).
   */
  @Post('imports')
  @Roles('registry_clerk')
  @ChecksMultipartCsrf()
  @HttpCode(202)
  async createImport(@Req() req: Request, @Res({ passthrough: true }) res: Response, @CurrentUser() user: User): Promise<ImportJobView> {
    const file = await receiveRegistryUpload(req, res, this.config.dataDir);
    try {
      if (!this.csrf.isValid(req)) throw new DomainError('csrf_invalid', '页面已过期，请刷新后重试', 403);
      if (!file) throw new ValidationFailedError({ file: '请选择要导入的文件' });
      const body = req.body as Record<string, string | undefined>;
      const regionPrefix = (body.regionPrefix ?? '').trim();
      if (!regionPrefix.startsWith(user.scopePrefix)) throw new ValidationFailedError({ regionPrefix: '导入范围必须在您的管辖范围之内' });
      let columnMap: Record<string, string> | undefined;
      if (body.columnMap) {
        try {
          const parsed = JSON.parse(body.columnMap) as unknown;
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) throw new Error('shape');
          columnMap = parsed as Record<string, string>;
        } catch {
          throw new ValidationFailedError({ columnMap: '列对应应为 JSON 对象，例如 {"idNumber":"证件号码"}' });
        }
      }
      const job = await this.imports.createJob({
        kind: body.kind as ImportKind,
        scope: { regionPrefix, programme: body.programme ?? null, month: body.month ?? null },
        sourcePath: file.path,
        moveSource: true,
        fileName: normaliseUploadName(file.originalname),
        columnMap,
        createdByUserId: user.id,
      });
      this.worker.kick();
      return jobView(job);
    } finally {
      discardUpload(file?.path);
    }
  }

  /** A job's status and progress, with its first rejected rows (row number, group, codes, reason). */
  @Get('imports/:id')
  @Roles('registry_clerk')
  async getImport(@Param('id', ParseIntPipe) id: number, @CurrentUser() user: User): Promise<ImportJobView & { pendingClosures: number; rejections: { rowNo: number; group: string | null; codes: string[]; reason: string }[] }> {
    const job = await this.imports.getJobInScope(id, user.scopePrefix);
    const rejections = await this.imports.rejections(job.id, 500);
    return { ...jobView(job), pendingClosures: await this.imports.pendingClosures(job), rejections: rejections.map((r) => ({ rowNo: r.rowNo, group: r.groupKey, codes: r.codes.split(','), reason: r.reason })) };
  }

  /**
   * Confirms the closing a roster job held (it accepted no household, or would close more than
   * ROSTER_CLOSE_MAX_SHARE of the scope's open households): 200 with the job. 409 `nothing_to_close`
   * when nothing is pending; 404 outside scope.
   */
  @Post('imports/:id/confirm-close')
  @Roles('registry_clerk')
  @HttpCode(200)
  async confirmClose(@Param('id', ParseIntPipe) id: number, @CurrentUser() user: User): Promise<ImportJobView> {
    return jobView(await this.imports.confirmClosures(id, user.scopePrefix, user.id));
  }

  /** The accepted/rejected report of a job as CSV (UTF-8 with BOM). */
  @Get('imports/:id/report.csv')
  @Roles('registry_clerk')
  async report(@Param('id', ParseIntPipe) id: number, @CurrentUser() user: User, @Res() res: Response): Promise<void> {
    const job = await this.imports.getJobInScope(id, user.scopePrefix);
    const path = this.imports.reportPath(job);
    if (!path) throw new NotFoundError('该导入任务尚未生成报告');
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="import-${job.id}-report.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(path);
  }

  /** Runs the matcher now (`{"mode":"full"}` for a full run; incremental by default). */
  @Post('match')
  @Roles('registry_clerk')
  async match(@Body() body: { mode?: string } | undefined) {
    const mode = body?.mode;
    if (mode !== undefined && mode !== 'full' && mode !== 'incremental') throw new ValidationFailedError({ mode: '应为 full 或 incremental' });
    return this.matcher.run({ mode });
  }

  /** Findings in scope: `?type=&region=&minScore=&status=&page=&pageSize=` (minScore defaults to the review threshold). */
  @Get('findings')
  async list(@Query() q: Record<string, string | undefined>, @CurrentUser() user: User) {
    return this.findings.list(await this.viewer(user), filtersOf(q));
  }

  /** Number of findings per village (household region code) in scope, with the same filters. */
  @Get('findings/counts')
  async counts(@Query() q: Record<string, string | undefined>, @CurrentUser() user: User) {
    return { villages: await this.findings.countsByVillage(await this.viewer(user), filtersOf(q)) };
  }

  @Get('findings/:id')
  async get(@Param('id', ParseIntPipe) id: number, @CurrentUser() user: User) {
    return this.findings.get(await this.viewer(user), id);
  }

  /** Dismisses an open finding: body `{"reason": "…"}` (2–500 characters). */
  @Post('findings/:id/dismiss')
  async dismiss(@Param('id', ParseIntPipe) id: number, @Body() body: { reason?: unknown } | undefined, @CurrentUser() user: User) {
    return this.findings.dismiss(await this.viewer(user), id, typeof body?.reason === 'string' ? body.reason : '');
  }

  private viewer(user: User): Promise<Viewer> {
    return findingsViewer(this.access, user);
  }

  /**
   * Turns an open finding into a clue (source `finding`, subject the official, beneficiary the
   * household): body `{"reason": "…"}` optional. 201 `{ finding, clueId }`; 404 outside scope;
   * 409 `finding_not_open` when it is not open.
   */
  @Post('findings/:id/clue')
  async turnIntoClue(@Param('id', ParseIntPipe) id: number, @Body() body: { reason?: unknown } | undefined, @CurrentUser() user: User) {
    return this.findingClues.turnIntoClue(await this.viewer(user), id, typeof body?.reason === 'string' ? body.reason : null);
  }

}

export function filtersOf(q: Record<string, string | undefined>): FindingFilters {
  const int = (name: string): number | undefined => {
    const v = q[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d{1,6}$/.test(v)) throw new ValidationFailedError({ [name]: '应为整数' });
    return Number(v);
  };
  const type = q.type || undefined;
  const status = q.status || undefined;
  if (type && !FINDING_TYPES.includes(type as FindingType)) throw new ValidationFailedError({ type: '未知的疑点类型' });
  if (status && !FINDING_STATUSES.includes(status as FindingStatus)) throw new ValidationFailedError({ status: '未知的状态' });
  return { type: type as FindingType | undefined, status: status as FindingStatus | undefined, region: q.region || undefined, minScore: int('minScore'), page: int('page'), pageSize: int('pageSize') };
}
