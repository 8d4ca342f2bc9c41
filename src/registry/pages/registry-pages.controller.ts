import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { Roles } from '../../auth/roles.decorator.js';
import { CSRF } from '../../common/common.module.js';
import { ChecksMultipartCsrf, type Csrf } from '../../common/csrf.js';
import { DomainError, NotFoundError, ValidationFailedError } from '../../common/domain-error.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { normaliseUploadName } from '../../evidence/upload-options.js';
import { routeId } from '../../intake/intake-http.js';
import { RegionsService } from '../../regions/regions.service.js';
import type { User } from '../../users/entities/user.entity.js';
import { FINDING_STATUSES, FINDING_TYPES } from '../entities/finding.entity.js';
import { IMPORT_KINDS, type ImportJob, type ImportKind } from '../entities/import-job.entity.js';
import { FindingCluesService } from '../finding-clues.service.js';
import { FindingsService } from '../findings.service.js';
import { IMPORT_FIELDS, headerKey } from '../imports/columns.js';
import { ImportWorker } from '../imports/import-worker.js';
import { RegistryImportsService } from '../imports/registry-imports.service.js';
import { DEFAULT_REVIEW_THRESHOLD } from '../matcher.service.js';
import { filtersOf, findingsViewer, jobView } from '../registry.controller.js';
import { AccessService } from '../../access/access.service.js';
import { discardUpload, receiveRegistryUpload } from '../registry-upload.js';
import { FINDING_STATUS_LABELS, FINDING_TYPE_LABELS, IMPORT_KIND_LABELS, JOB_STATUS_LABELS } from './registry-labels.js';

/** A staged upload waiting for its column mapping is kept this long. */
const STAGED_TTL_MS = 60 * 60 * 1000;
const TOKEN_RE = /^[a-f0-9]{24}$/;

/** What the import form sends besides the file (re-sent by the mapping step as hidden fields). */
interface ImportFormValues {
  kind: string;
  regionPrefix: string;
  programme: string;
  month: string;
}

/**
 * Staff pages of the registry (server-rendered, zh-CN, usable without JavaScript; forms carry the
 * CSRF token; no inline script or style): imports for registry clerks (upload, column-mapping step,
 * job progress, report), and the review of findings for clerks and case handlers (list with filters
 * and counts per village, detail with explanation and evidence, dismissal with a reason).
 * Records outside the user's scope answer 404.
 */
@ApiExcludeController()
@Controller('staff/registry')
@Roles('registry_clerk', 'case_handler')
export class RegistryPagesController {
  constructor(
    private readonly imports: RegistryImportsService,
    private readonly worker: ImportWorker,
    private readonly findings: FindingsService,
    private readonly findingClues: FindingCluesService,
    private readonly regions: RegionsService,
    private readonly access: AccessService,
    @Inject(CSRF) private readonly csrf: Csrf,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // ------------------------------------------------------------------------------------- imports

  @Get('imports')
  @Roles('registry_clerk')
  async importPage(@CurrentUser() user: User, @Res() res: Response): Promise<void> {
    await this.renderImportPage(res, user, { kind: 'roster', regionPrefix: user.scopePrefix, programme: '农村低保', month: '' }, null);
  }

  /** Upload (multipart): on success 303 to the job page; missing columns → the column-mapping step (422). */
  @Post('imports')
  @Roles('registry_clerk')
  @ChecksMultipartCsrf()
  @HttpCode(200)
  async upload(@CurrentUser() user: User, @Req() req: Request, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const file = await receiveRegistryUpload(req, res, this.config.dataDir);
    this.csrf.token(req, res); // for a re-rendered form
    const values = formValues(req.body);
    try {
      if (!this.csrf.isValid(req)) throw new DomainError('csrf_invalid', '页面已过期，请刷新后重试', 403);
      if (!file) throw new ValidationFailedError({ file: '请选择要导入的文件' }, '请选择要导入的文件');
      const fileName = normaliseUploadName(file.originalname);
      try {
        const job = await this.create(user, values, file.path, fileName, undefined, false);
        res.redirect(303, `/staff/registry/imports/${job.id}`);
      } catch (e) {
        if (!(e instanceof ValidationFailedError) || !e.fields?.columnMap || e.fields.columnMap.startsWith('未知')) throw e;
        const token = this.stage(user, file.path);
        const headers = await this.imports.readHeaders(this.stagedPath(user, token), fileName);
        res.status(422);
        this.renderMapping(res, user, values, token, fileName, headers, {}, e.fields.columnMap);
      }
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500 || e.status === 404 || e.status === 403) throw e;
      res.status(e.status);
      await this.renderImportPage(res, user, values, e);
    } finally {
      discardUpload(file?.path);
    }
  }

  /** The column-mapping step: `map.<field>` = a header of the staged file. */
  @Post('imports/mapping')
  @Roles('registry_clerk')
  @HttpCode(200)
  async mapping(@CurrentUser() user: User, @Req() req: Request, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    this.csrf.token(req, res); // for a re-rendered form
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = formValues(body);
    const token = typeof body.token === 'string' && TOKEN_RE.test(body.token) ? body.token : null;
    const path = token ? this.stagedPath(user, token) : null;
    const fileName = typeof body.fileName === 'string' ? body.fileName.slice(0, 255) : '';
    if (!token || !path || !existsSync(path)) {
      res.status(410);
      await this.renderImportPage(res, user, values, new DomainError('upload_expired', '上传的文件已过期，请重新上传', 410));
      return;
    }
    const map: Record<string, string> = {};
    const raw = (body.map ?? {}) as Record<string, unknown>;
    if (IMPORT_KINDS.includes(values.kind as ImportKind)) {
      for (const spec of IMPORT_FIELDS[values.kind as ImportKind]) {
        const v = raw[spec.field];
        if (typeof v === 'string' && v !== '') map[spec.field] = v;
      }
    }
    try {
      const job = await this.create(user, values, path, fileName, map, false);
      discardUpload(path);
      res.redirect(303, `/staff/registry/imports/${job.id}`);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500 || e.status === 404) throw e;
      res.status(e.status);
      const headers = await this.imports.readHeaders(path, fileName);
      this.renderMapping(res, user, values, token, fileName, headers, map, e.fields ? Object.values(e.fields).join('；') : e.message);
    }
  }

  /** The job page: progress (polled by /assets/registry-import.js, or refreshed by hand), rejections, report. */
  @Get('imports/:id')
  @Roles('registry_clerk')
  async job(@CurrentUser() user: User, @Param('id') rawId: string, @Res() res: Response): Promise<void> {
    const job = await this.imports.getJobInScope(routeId(rawId), user.scopePrefix);
    const view = jobView(job);
    const done = job.status === 'succeeded' || job.status === 'failed';
    const rejections = done ? await this.imports.rejections(job.id, 200) : [];
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/registry/import-job', {
      title: '导入任务',
      user,
      job: view,
      kindLabel: IMPORT_KIND_LABELS[job.kind],
      statusLabel: JOB_STATUS_LABELS[job.status],
      done,
      succeeded: job.status === 'succeeded',
      hasReport: this.imports.reportPath(job) !== null,
      amountYuan: (view.amountTotalFen / 100).toFixed(2),
      rejections: rejections.map((r) => ({ rowNo: r.rowNo, group: r.groupKey, codes: r.codes.split(',').join('、'), reason: r.reason })),
      moreRejections: job.rejectedRows > rejections.length,
      pendingClosures: done ? await this.imports.pendingClosures(job) : 0,
    });
  }

  /** The confirm step of a roster import whose closing was held: closes the unlisted households, 303 back. */
  @Post('imports/:id/confirm-close')
  @Roles('registry_clerk')
  async confirmClose(@CurrentUser() user: User, @Param('id') rawId: string, @Res() res: Response): Promise<void> {
    const job = await this.imports.getJobInScope(routeId(rawId), user.scopePrefix);
    try {
      await this.imports.confirmClosures(job.id, user.scopePrefix, user.id);
    } catch (e) {
      if (!(e instanceof DomainError) || e.code !== 'nothing_to_close') throw e;
    }
    res.redirect(303, `/staff/registry/imports/${job.id}`);
  }

  // ------------------------------------------------------------------------------------ findings

  @Get('findings')
  async findingsList(@CurrentUser() user: User, @Query() q: Record<string, string | undefined>, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const query = { type: str(q.type), region: str(q.region), minScore: str(q.minScore), status: str(q.status), page: str(q.page) };
    let error: string | null = null;
    let list: Awaited<ReturnType<FindingsService['list']>> | null = null;
    let villages: { regionCode: string; count: number; name: string }[] = [];
    try {
      const filters = filtersOf({ ...query, pageSize: '50' });
      list = await this.findings.list(await findingsViewer(this.access, user), filters);
      const counts = await this.findings.countsByVillage(await findingsViewer(this.access, user), { ...filters, page: undefined });
      villages = await Promise.all(counts.slice(0, 300).map(async (c) => ({ ...c, name: await this.regionName(c.regionCode) })));
    } catch (e) {
      if (!(e instanceof ValidationFailedError)) throw e;
      res.status(422);
      error = Object.values(e.fields ?? {}).join('；') || e.message;
    }
    const pages = list ? Math.max(1, Math.ceil(list.total / list.pageSize)) : 1;
    const link = (p: number) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v && k !== 'page') params.set(k, v);
      if (p > 1) params.set('page', String(p));
      return `/staff/registry/findings?${params.toString()}`;
    };
    res.render('pages/registry/findings', {
      title: '比对疑点',
      user,
      error,
      query,
      threshold: DEFAULT_REVIEW_THRESHOLD,
      typeOptions: FINDING_TYPES.map((value) => ({ value, label: FINDING_TYPE_LABELS[value], selected: value === query.type })),
      statusOptions: FINDING_STATUSES.map((value) => ({ value, label: FINDING_STATUS_LABELS[value], selected: value === query.status })),
      total: list?.total ?? 0,
      items: (list?.items ?? []).map((f) => ({ ...f, typeLabel: FINDING_TYPE_LABELS[f.type], statusLabel: FINDING_STATUS_LABELS[f.status] })),
      villages,
      page: list?.page ?? 1,
      pages,
      prevUrl: list && list.page > 1 ? link(list.page - 1) : null,
      nextUrl: list && list.page < pages ? link(list.page + 1) : null,
      canImport: user.hasRole('registry_clerk'),
    });
  }

  @Get('findings/:id')
  async findingPage(@CurrentUser() user: User, @Param('id') rawId: string, @Res() res: Response, @Query('done') done?: string): Promise<void> {
    await this.renderFinding(res, user, routeId(rawId), { done: done === 'dismissed' ? '已排除该疑点。' : done === 'clue' ? '已转为问题线索。' : null });
  }

  /** Turns the finding into a clue (optional note `reason`); 303 back to the finding. */
  @Post('findings/:id/clue')
  async turnIntoClue(@CurrentUser() user: User, @Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const id = routeId(rawId);
    this.csrf.token(req, res); // for a re-rendered form
    const note = typeof req.body?.reason === 'string' ? (req.body.reason as string) : '';
    try {
      await this.findingClues.turnIntoClue(await findingsViewer(this.access, user), id, note);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500 || e.status === 404) throw e;
      res.status(e.status);
      await this.renderFinding(res, user, id, { clueError: Object.values(e.fields ?? {}).join('；') || e.message, clueNote: note });
      return;
    }
    res.redirect(303, `/staff/registry/findings/${id}?done=clue`);
  }

  @Post('findings/:id/dismiss')
  async dismiss(@CurrentUser() user: User, @Param('id') rawId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const id = routeId(rawId);
    this.csrf.token(req, res); // for a re-rendered form
    const reason = typeof req.body?.reason === 'string' ? (req.body.reason as string) : '';
    try {
      await this.findings.dismiss(await findingsViewer(this.access, user), id, reason);
    } catch (e) {
      if (!(e instanceof DomainError) || e.status >= 500 || e.status === 404) throw e;
      res.status(e.status);
      await this.renderFinding(res, user, id, { error: Object.values(e.fields ?? {}).join('；') || e.message, reason });
      return;
    }
    res.redirect(303, `/staff/registry/findings/${id}?done=dismissed`);
  }

  // ------------------------------------------------------------------------------------- helpers

  private async renderFinding(res: Response, user: User, id: number, extra: { done?: string | null; error?: string; reason?: string; clueError?: string; clueNote?: string }): Promise<void> {
    const f = await this.findings.get(await findingsViewer(this.access, user), id);
    const clueId = f.status === 'turned_into_clue' ? await this.findingClues.clueIdOf(f.id) : null;
    res.setHeader('Cache-Control', 'no-store');
    res.render('pages/registry/finding', {
      title: '比对疑点详情',
      user,
      f,
      typeLabel: FINDING_TYPE_LABELS[f.type],
      statusLabel: FINDING_STATUS_LABELS[f.status],
      regionName: await this.regionName(f.regionCode),
      isOpen: f.status === 'open',
      clueId,
      ...extra,
    });
  }

  private async create(user: User, v: ImportFormValues, path: string, fileName: string, columnMap: Record<string, string> | undefined, move: boolean): Promise<ImportJob> {
    const regionPrefix = v.regionPrefix.trim();
    if (!regionPrefix.startsWith(user.scopePrefix)) throw new ValidationFailedError({ regionPrefix: '导入范围必须在您的管辖范围之内' }, '导入范围必须在您的管辖范围之内');
    const job = await this.imports.createJob({
      kind: v.kind as ImportKind,
      scope: { regionPrefix, programme: v.kind === 'roster' ? v.programme : null, month: v.kind === 'roster' ? v.month : null },
      sourcePath: path,
      moveSource: move,
      fileName,
      columnMap,
      createdByUserId: user.id,
    });
    this.worker.kick();
    return job;
  }

  private async renderImportPage(res: Response, user: User, values: ImportFormValues, error: DomainError | null): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const jobs = await this.imports.recentJobs(user.scopePrefix, 20);
    res.render('pages/registry/imports', {
      title: '数据导入',
      user,
      values,
      kindOptions: IMPORT_KINDS.map((value) => ({ value, label: IMPORT_KIND_LABELS[value], selected: value === values.kind })),
      error: error ? { message: error.message, fields: error.fields ?? {} } : null,
      jobs: jobs.map((j) => ({ id: j.id, kindLabel: IMPORT_KIND_LABELS[j.kind], statusLabel: JOB_STATUS_LABELS[j.status], fileName: j.fileName, scope: [j.scopePrefix, j.programme, j.month].filter(Boolean).join(' · '), createdAt: j.createdAt })),
    });
  }

  private renderMapping(res: Response, user: User, values: ImportFormValues, token: string, fileName: string, headers: string[], chosen: Record<string, string>, message: string): void {
    const kind = values.kind as ImportKind;
    const keys = headers.map(headerKey);
    const fields = IMPORT_FIELDS[kind].map((spec) => {
      const standard = headers.find((_, i) => spec.headers.some((h) => headerKey(h) === keys[i]));
      const selected = chosen[spec.field] ?? standard ?? '';
      return {
        field: spec.field,
        label: spec.headers[0],
        required: spec.required,
        options: headers.filter(Boolean).map((h) => ({ value: h, selected: h === selected })),
      };
    });
    res.render('pages/registry/import-mapping', { title: '列对应', user, values, token, fileName, message, fields, kindLabel: IMPORT_KIND_LABELS[kind] });
  }

  /** Moves an upload aside for the mapping step, under a name bound to the user; old ones are removed. */
  private stage(user: User, path: string): string {
    const dir = join(this.config.dataDir, 'registry-uploads');
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      if (!name.startsWith('staged-')) continue;
      try {
        if (now - statSync(join(dir, name)).mtimeMs > STAGED_TTL_MS) unlinkSync(join(dir, name));
      } catch {
        // removed concurrently
      }
    }
    const token = randomBytes(12).toString('hex');
    renameSync(path, this.stagedPath(user, token));
    return token;
  }

  private stagedPath(user: User, token: string): string {
    return join(this.config.dataDir, 'registry-uploads', `staged-${user.id}-${token}`);
  }


  private async regionName(code: string): Promise<string> {
    try {
      return (await this.regions.find(code))?.name ?? '';
    } catch {
      return '';
    }
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v.slice(0, 40) : undefined;
}

function formValues(body: unknown): ImportFormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const s = (k: string) => (typeof b[k] === 'string' ? (b[k] as string).slice(0, 50) : '');
  return { kind: s('kind'), regionPrefix: s('regionPrefix'), programme: s('programme'), month: s('month') };
}
