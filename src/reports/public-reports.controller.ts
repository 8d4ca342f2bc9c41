import { Controller, Get, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { CSRF } from '../common/common.module.js';
import { ChecksMultipartCsrf, type Csrf } from '../common/csrf.js';
import { DomainError, type FieldErrors } from '../common/domain-error.js';
import { formatReceiptCode } from '../common/crypto.js';
import { Public } from '../common/public.decorator.js';
import { RegionsService } from '../regions/regions.service.js';
import { CaptchaService } from '../abuse/captcha.service.js';
import { RateLimiterService } from '../abuse/rate-limiter.service.js';
import { LIMITS } from '../abuse/limits.js';
import { EvidenceService, type PendingFile } from '../evidence/evidence.service.js';
import { PROBLEM_CATEGORIES } from './report-enums.js';
import type { Attachment } from './entities/attachment.entity.js';
import { ReportsService } from './reports.service.js';
import { buildFormView, LEVEL_LABELS, type RegionStepView } from './report-form.view.js';
import { parseMultipart } from './multipart.js';
import { issueFollowupToken, readFollowupToken } from './followup-token.js';
import { FeedbackService } from '../clues/feedback.service.js';

/** Limit names shared with the JSON API (one budget per client across both surfaces). */
export const SUBMISSION_LIMIT = LIMITS.submission;
export const RECEIPT_LIMIT = LIMITS.receiptLookup;
const UPLOADS_THROTTLED = '上传文件过于频繁，这次的文件没有保存。请过一段时间再上传；已填写的内容都还在。';

const NOT_FOUND_MESSAGE = '查询码不正确，或没有这条记录。请核对后重新输入。';

function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
}

/**
 * The citizen's pages (DESIGN.md §3): home, the tip-off form (works without JavaScript: region steps,
 * extra rows and file removal are submit buttons that re-render the form, files wait under a draft
 * token), the receipt page (a POST response — the code never travels in a URL or cookie) and the
 * follow-up page (code entered by POST; replies carry a short-lived opaque token, not the code).
 */
@Public()
@ApiExcludeController()
@Controller()
export class PublicReportsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CSRF) private readonly csrf: Csrf,
    private readonly ds: DataSource,
    private readonly reports: ReportsService,
    private readonly regions: RegionsService,
    private readonly captcha: CaptchaService,
    private readonly limiter: RateLimiterService,
    private readonly evidence: EvidenceService,
    private readonly feedback: FeedbackService,
  ) {}

  @Get()
  home(@Res() res: Response): void {
    res.render('pages/public/home', {
      title: '便民服务',
      categories: Object.entries(PROBLEM_CATEGORIES).map(([value, label]) => ({ value, label })),
    });
  }

  @Get('report')
  async form(@Req() req: Request, @Res() res: Response): Promise<void> {
    noStore(res);
    const { token } = this.evidence.newDraftToken();
    await this.renderForm(req, res, {}, { draftToken: token, draftHash: null });
  }

  @Post('report')
  @ChecksMultipartCsrf()
  async submitForm(@Req() req: Request, @Res() res: Response): Promise<void> {
    noStore(res);
    let uploaded: Express.Multer.File[] = [];
    let uploadError: FieldErrors = {};
    try {
      uploaded = await parseMultipart(req, res, this.evidence.multerOptions(), this.config.uploads.maxFiles, this.config.uploads.maxFileBytes);
    } catch (e) {
      // A file over the limit or too many files: the parts read so far are kept, the files dropped.
      if (!(e instanceof DomainError) || !e.fields) throw e;
      uploadError = e.fields;
    }
    this.assertCsrf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;

    const draft = this.draftOf(body.draftToken);
    const held = await this.evidence.listDraft(draft.hash);
    if (uploaded.length && !(await this.uploadAllowed(req))) {
      uploaded = [];
      uploadError = { ...uploadError, files: UPLOADS_THROTTLED };
    }
    const { stored, errors: fileErrors } = await this.evidence.storeUploads(uploaded, { addedBy: 'reporter', alreadyAttached: held.length });
    const fields: FieldErrors = { ...uploadError };
    if (Object.keys(fileErrors).length) fields.files = Object.values(fileErrors).join(' ');

    const action = typeof body.action === 'string' ? body.action : 'refresh';
    const region = await this.resolveRegion(body);
    const raw = { ...body, regionCode: region ?? '' };

    if (action === 'submit' && !Object.keys(uploadError).length) {
      const outcome = await this.reports.validateSubmission(raw);
      if (!outcome.ok) Object.assign(fields, outcome.fields);
      const captchaOk = await this.captcha.verify(String(body.captchaId ?? ''), String(body.captchaAnswer ?? ''));
      if (!captchaOk) fields.captcha = '验证码不正确或已过期，请输入新的验证码';
      const needsConfirm = outcome.warnings.length > 0 && body.confirmSelfIdentifying !== '1';
      if (outcome.ok && !Object.keys(fields).length && !needsConfirm) {
        const limit = await this.limiter.consume(SUBMISSION_LIMIT, this.limiter.clientKey(req), {
          points: this.config.limits.submissions,
          windowSeconds: this.config.limits.submissionWindowSeconds,
        });
        if (!limit.allowed) {
          await this.holdInDraft(stored, draft.hash);
          if (limit.retryAfterSeconds) res.setHeader('Retry-After', String(limit.retryAfterSeconds));
          return this.renderForm(req, res, raw, { draftToken: draft.token, draftHash: draft.hash, status: HttpStatus.TOO_MANY_REQUESTS, info: null, errors: { submit: '提交过于频繁，请过一段时间再提交。您填写的内容和文件都还在。' } });
        }
        const { report, receiptCode } = await this.reports.submit(outcome.value, { channel: 'web', draftHash: draft.hash, files: stored });
        const view = await this.reports.followupView(report.id);
        res.status(HttpStatus.OK).render('pages/public/receipt', {
          title: '便民服务',
          receiptCode: formatReceiptCode(receiptCode),
          anonymous: report.anonymous,
          ackDue: report.ackDue,
          handlingOffice: view.handlingOffice || view.handlingLevel,
          fileCount: view.files.length,
        });
        return;
      }
      await this.holdInDraft(stored, draft.hash);
      return this.renderForm(req, res, raw, {
        draftToken: draft.token,
        draftHash: draft.hash,
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        errors: fields,
        selfWarning: needsConfirm ? outcome.warnings[0].message : null,
      });
    }

    // A step of the no-JS form: keep the files, apply the step, show the form again.
    await this.holdInDraft(stored, draft.hash);
    let addSubjectRows = 0;
    let addBeneficiaryRows = 0;
    let info: string | null = null;
    if (action === 'add_subject') addSubjectRows = 1;
    else if (action === 'add_beneficiary') addBeneficiaryRows = 1;
    else if (action.startsWith('remove_file:')) {
      const id = Number(action.slice('remove_file:'.length));
      if (Number.isSafeInteger(id)) {
        await this.evidence.removeFromDraft(draft.hash, id);
        info = '已删除该文件';
      }
    }
    const status = Object.keys(fields).length ? HttpStatus.UNPROCESSABLE_ENTITY : HttpStatus.OK;
    return this.renderForm(req, res, raw, { draftToken: draft.token, draftHash: draft.hash, status, errors: fields, info, addSubjectRows, addBeneficiaryRows });
  }

  @Get('followup')
  followupForm(@Res() res: Response): void {
    noStore(res);
    res.render('pages/public/followup-lookup', { title: '便民服务' });
  }

  @Post('followup')
  async followupLookup(@Req() req: Request, @Res() res: Response): Promise<void> {
    noStore(res);
    const limit = await this.consumeReceiptTry(req);
    if (!limit.allowed) {
      if (limit.retryAfterSeconds) res.setHeader('Retry-After', String(limit.retryAfterSeconds));
      res.status(HttpStatus.TOO_MANY_REQUESTS).render('pages/public/followup-lookup', {
        title: '便民服务',
        csrfToken: this.csrf.token(req, res),
        error: `查询次数过多，请 ${Math.ceil((limit.retryAfterSeconds || 60) / 60)} 分钟后再试。`,
      });
      return;
    }
    const report = await this.reports.findByReceiptCode((req.body as Record<string, unknown>)?.receiptCode);
    if (!report) {
      res.status(HttpStatus.NOT_FOUND).render('pages/public/followup-lookup', { title: '便民服务', csrfToken: this.csrf.token(req, res), error: NOT_FOUND_MESSAGE });
      return;
    }
    await this.renderStatus(req, res, report.id, {});
  }

  @Post('followup/reply')
  @ChecksMultipartCsrf()
  async followupReply(@Req() req: Request, @Res() res: Response): Promise<void> {
    noStore(res);
    const files = await parseMultipart(req, res, this.evidence.multerOptions(), this.config.uploads.maxFiles, this.config.uploads.maxFileBytes);
    this.assertCsrf(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reportId = readFollowupToken(this.config.secrets.encryptionKey, body.token);
    if (reportId === null) {
      res.status(HttpStatus.FORBIDDEN).render('pages/public/followup-lookup', { title: '便民服务', csrfToken: this.csrf.token(req, res), error: '页面已过期，请重新输入查询码。' });
      return;
    }
    if (files.length && !(await this.uploadAllowed(req))) {
      return this.renderStatus(req, res, reportId, { status: HttpStatus.TOO_MANY_REQUESTS, replyError: UPLOADS_THROTTLED, replyBody: body.body });
    }
    const { stored, errors } = await this.evidence.storeUploads(files, { addedBy: 'reporter' });
    if (Object.keys(errors).length) {
      await this.evidence.discard(stored);
      return this.renderStatus(req, res, reportId, { status: HttpStatus.UNPROCESSABLE_ENTITY, replyError: Object.values(errors).join(' '), replyBody: body.body });
    }
    try {
      await this.reports.addReporterMessage(reportId, body.body, stored);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'validation_failed') {
        return this.renderStatus(req, res, reportId, { status: HttpStatus.UNPROCESSABLE_ENTITY, replyError: e.message, replyBody: body.body });
      }
      throw e;
    }
    await this.renderStatus(req, res, reportId, { notice: '已收到您的补充，工作人员会一并查看。' });
  }

  /** 对处理结果的异议 (once, after the result was fed back), from the follow-up page. */
  @Post('followup/objection')
  async followupObjection(@Req() req: Request, @Res() res: Response): Promise<void> {
    noStore(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reportId = readFollowupToken(this.config.secrets.encryptionKey, body.token);
    if (reportId === null) {
      res.status(HttpStatus.FORBIDDEN).render('pages/public/followup-lookup', { title: '便民服务', csrfToken: this.csrf.token(req, res), error: '页面已过期，请重新输入查询码。' });
      return;
    }
    try {
      await this.feedback.object(reportId, { body: body.body });
    } catch (e) {
      if (e instanceof DomainError && (e.code === 'validation_failed' || e.code === 'objection_not_allowed')) {
        const message = e.fields ? Object.values(e.fields).join(' ') : e.message;
        return this.renderStatus(req, res, reportId, { status: e.status, objectionError: message, objectionBody: body.body });
      }
      throw e;
    }
    await this.renderStatus(req, res, reportId, { notice: '已收到您的异议，工作人员会作出答复。' });
  }

  // ---------------------------------------------------------------------------------------------

  /** One request with files for this client (config.limits.uploads per uploadWindowSeconds). */
  private async uploadAllowed(req: Request): Promise<boolean> {
    const { uploads, uploadWindowSeconds } = this.config.limits;
    return (await this.limiter.consume(LIMITS.upload, this.limiter.clientKey(req), { points: uploads, windowSeconds: uploadWindowSeconds })).allowed;
  }

  private assertCsrf(req: Request): void {
    if (!this.csrf.isValid(req)) throw new DomainError('csrf_invalid', '页面已过期或请求无效，请刷新页面后重新提交', HttpStatus.FORBIDDEN);
  }

  /** The draft of this form (files held while it is corrected): the token sent back, or a new one. */
  private draftOf(raw: unknown): { token: string; hash: string } {
    const hash = typeof raw === 'string' ? this.evidence.draftHashOf(raw) : null;
    return hash ? { token: raw as string, hash } : this.evidence.newDraftToken();
  }

  private async holdInDraft(stored: PendingFile[], draftHash: string): Promise<void> {
    if (!stored.length) return;
    try {
      await this.ds.transaction((m) => this.evidence.saveAttachments(m, stored, { draftHash }));
    } catch (e) {
      await this.evidence.discard(stored);
      throw e;
    }
  }

  private consumeReceiptTry(req: Request) {
    const { receiptTries, receiptWindowSeconds, receiptSurgeAlarm } = this.config.limits;
    // The surge alarm never blocks, and its failure must not fail (or crash) the lookup.
    this.limiter.recordGlobal(RECEIPT_LIMIT, receiptWindowSeconds, receiptSurgeAlarm).catch(() => undefined);
    return this.limiter.consume(RECEIPT_LIMIT, this.limiter.clientKey(req), { points: receiptTries, windowSeconds: receiptWindowSeconds });
  }

  /**
   * The chosen region from the step selects `region_l1`…`region_l5`: each level is kept only while it
   * is a child of the level above (a changed township drops the old village). Null when none.
   */
  private async resolveRegion(body: Record<string, unknown>): Promise<string | null> {
    let parent = this.regions.rootCode();
    let chosen: string | null = null;
    for (let level = 1; level <= 5; level++) {
      const v = body[`region_l${level}`];
      if (typeof v !== 'string' || !/^\d{12}$/.test(v) || !this.regions.isWithinRoot(v)) continue;
      const region = await this.regions.find(v).catch(() => null);
      if (!region || region.parentCode !== parent) continue;
      chosen = parent = region.code;
    }
    return chosen;
  }

  private async regionSteps(selected: string | null): Promise<{ steps: RegionStepView[]; pathText: string; root: string }> {
    const choices = await this.regions.choicesFor(selected);
    const steps: RegionStepView[] = [];
    // One select per level below the root, each listing the siblings of the chosen place.
    for (let i = 1; i < choices.path.length; i++) {
      const siblings = await this.regions.children(choices.path[i - 1].code);
      steps.push({
        level: choices.path[i].level,
        label: LEVEL_LABELS[choices.path[i].level] ?? '下一级',
        placeholder: '请选择',
        options: siblings.map((r) => ({ code: r.code, name: r.name, selected: r.code === choices.path[i].code })),
      });
    }
    if (choices.options.length) {
      const level = choices.options[0].level;
      steps.push({
        level,
        label: LEVEL_LABELS[level] ?? '下一级',
        placeholder: level === 5 ? '请选择（不清楚可不选）' : '请选择',
        options: choices.options.map((r) => ({ code: r.code, name: r.name, selected: false })),
      });
    }
    return { steps, pathText: choices.path.length > 1 ? RegionsService.label(choices.path) : '', root: choices.root.code };
  }

  private async renderForm(
    req: Request,
    res: Response,
    raw: Record<string, unknown>,
    o: {
      draftToken: string;
      draftHash: string | null;
      status?: number;
      errors?: FieldErrors;
      info?: string | null;
      selfWarning?: string | null;
      addSubjectRows?: number;
      addBeneficiaryRows?: number;
    },
  ): Promise<void> {
    const region = typeof raw.regionCode === 'string' && raw.regionCode ? raw.regionCode : null;
    const [regions, files, captcha] = await Promise.all([
      this.regionSteps(region),
      o.draftHash ? this.evidence.listDraft(o.draftHash) : Promise.resolve([] as Attachment[]),
      this.captcha.create(),
    ]);
    const errors = { ...(o.errors ?? {}) };
    const view = buildFormView(raw, {
      csrfToken: this.csrf.token(req, res),
      draftToken: o.draftToken,
      regionSteps: regions.steps,
      regionRoot: regions.root,
      regionPathText: regions.pathText,
      files: files.map((f) => ({ id: f.id, originalName: f.originalName, size: f.size })),
      maxFiles: this.config.uploads.maxFiles,
      maxFileBytes: this.config.uploads.maxFileBytes,
      captcha,
      errors,
      info: o.info ?? null,
      selfWarning: o.selfWarning ?? null,
      addSubjectRows: o.addSubjectRows,
      addBeneficiaryRows: o.addBeneficiaryRows,
    });
    res.status(o.status ?? HttpStatus.OK).render('pages/public/report-form', view);
  }

  private async renderStatus(
    req: Request,
    res: Response,
    reportId: number,
    o: { status?: number; notice?: string; replyError?: string; replyBody?: unknown; objectionError?: string; objectionBody?: unknown },
  ): Promise<void> {
    const view = await this.reports.followupView(reportId);
    const resultFeedback = await this.feedback.publicView(reportId);
    res.status(o.status ?? HttpStatus.OK).render('pages/public/followup-status', {
      title: '便民服务',
      ...view,
      csrfToken: this.csrf.token(req, res),
      token: issueFollowupToken(this.config.secrets.encryptionKey, reportId),
      maxFiles: this.config.uploads.maxFiles,
      maxFileMb: Math.round(this.config.uploads.maxFileBytes / 1024 / 1024),
      notice: o.notice ?? null,
      replyError: o.replyError ?? null,
      replyBody: typeof o.replyBody === 'string' ? o.replyBody : '',
      resultFeedback,
      objectionError: o.objectionError ?? null,
      objectionBody: typeof o.objectionBody === 'string' ? o.objectionBody : '',
    });
  }
}

export { NOT_FOUND_MESSAGE };
