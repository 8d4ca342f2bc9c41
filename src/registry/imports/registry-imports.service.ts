import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { AuditService } from '../../audit/audit.service.js';
import { DomainError, NotFoundError, ValidationFailedError } from '../../common/domain-error.js';
import { isWithinScope, regionLevelOf } from '../../regions/region-code.js';
import { ApprovalRecord } from '../entities/approval-record.entity.js';
import { HouseholdMember } from '../entities/household-member.entity.js';
import { Household } from '../entities/household.entity.js';
import { IMPORT_KINDS, ImportJob, type ImportFormat, type ImportKind } from '../entities/import-job.entity.js';
import { ImportRejection } from '../entities/import-rejection.entity.js';
import { KinRelation } from '../entities/kin-relation.entity.js';
import { Official } from '../entities/official.entity.js';
import { PersonsService } from '../persons.service.js';
import { addressKey } from '../text-keys.js';
import { resolveColumns, type ColumnIndex } from './columns.js';
import { formatOfFileName, openRows, type SourceRow } from './row-source.js';
import { contentHashOf, insertRows, scopeRange } from './import-helpers.js';
import {
  isEmptyRow,
  rosterGroupKey,
  validateApprovalRow,
  validateKinRow,
  validateOfficialRow,
  validateRosterHousehold,
  type ApprovalRow,
  type GroupResult,
  type KinRow,
  type OfficialRow,
  type Rejection,
  type RosterHousehold,
  type ValidationContext,
} from './row-validation.js';

/** The scope of an import: region prefix (2/4/6/9/12 digits); roster: programme and month too. */
export interface ImportScope {
  regionPrefix: string;
  programme?: string | null;
  /** `YYYY-MM` (roster). */
  month?: string | null;
}

export interface CreateImportInput {
  kind: ImportKind;
  scope: ImportScope;
  /** A file on disk; it is copied (or moved, with `moveSource`) into the data directory. */
  sourcePath: string;
  /** The original file name (decides CSV or XLSX). */
  fileName: string;
  /** Field → header as written in the file, for files whose headers differ from the standard ones. */
  columnMap?: Record<string, string>;
  createdByUserId?: number | null;
  moveSource?: boolean;
}

export interface RunOptions {
  /** Checked after each committed batch; when true the job stops and stays resumable. */
  shouldStop?: () => boolean;
  /**
   * Roster: close the households the file no longer lists even when the guard would hold them
   * (no household accepted, or more than `rosterCloseMaxShare` of the scope's open households).
   */
  confirmClose?: boolean;
}

/** The outcome of the closing step of a roster import. */
interface ClosingOutcome {
  closed: number;
  /** Households left open because the guard held the closing (0 when nothing was held). */
  held: number;
  open: number;
  /** The job accepted no household. */
  noneAccepted: boolean;
}

/** Raised inside a run that was asked to stop; the job stays `running` and resumes later. */
export class ImportInterrupted extends Error {
  constructor() {
    super('import interrupted');
  }
}

/** Source rows per committed batch (a roster household is never split between batches). */
const BATCH_ROWS = 2000;
/** A running job whose heartbeat is older than this is taken over (its worker died). */
export const STALE_JOB_MS = 2 * 60 * 1000;
const IN_CHUNK = 500;
const REPORT_HEADER = '\ufeff行号,户编号,结果,原因代码,原因\n';

interface Batch {
  accepted: { value: unknown; rows: number[]; key: string | null }[];
  rejections: Rejection[];
}

/**
 * Imports of the registry (DESIGN.md §6): the dibao roster, the officials list, their kinship
 * declarations and the approval records, from CSV (UTF-8 with/without BOM, GBK) or XLSX.
 *
 * Each import is an {@link ImportJob}: the file is read as a stream, validated row by row (a roster
 * household whole), and committed in batches together with the job's progress, so a job that stops
 * resumes where it was. Rejected rows are kept as (row number, group, reason codes, reason) only.
 * A downloadable CSV report lists every row as accepted (接收) or rejected (拒收).
 */
@Injectable()
export class RegistryImportsService {
  private readonly logger = new Logger('RegistryImports');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly persons: PersonsService,
    private readonly audit: AuditService,
  ) {}

  /** Directory of uploaded sources and reports (mode 0700). */
  get directory(): string {
    const dir = join(this.config.dataDir, 'registry-imports');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /**
   * Registers an import as a queued job after checking its scope and its header row.
   * @throws ValidationFailedError for an unknown kind, a malformed scope (roster: programme and
   *   month `YYYY-MM` required), a file that is neither .csv nor .xlsx, or a header row lacking a
   *   required column (the message names them and the headers found: pass `columnMap`).
   */
  async createJob(input: CreateImportInput): Promise<ImportJob> {
    const { kind, scope } = input;
    const fields: Record<string, string> = {};
    if (!IMPORT_KINDS.includes(kind)) fields.kind = '导入类型应为 roster、officials、kin 或 approvals';
    if (!/^\d+$/.test(scope.regionPrefix) || ![2, 4, 6, 9, 12].includes(scope.regionPrefix.length)) fields.regionPrefix = '范围应为 2、4、6、9 或 12 位区划代码前缀';
    const programme = scope.programme?.trim() || null;
    const month = scope.month?.trim() || null;
    if (kind === 'roster') {
      if (!programme) fields.programme = '低保名册导入需要注明保障类别（例如 农村低保）';
      if (!month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) fields.month = '低保名册导入需要注明名册月份（例如 2025-01）';
    }
    const format = formatOfFileName(input.fileName);
    if (!format) fields.file = '请上传 .csv 或 .xlsx 文件（.xls 请先另存为 .xlsx）';
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);

    const storageKey = `job-${randomBytes(12).toString('hex')}.${format}`;
    const path = join(this.directory, storageKey);
    if (input.moveSource) {
      try {
        renameSync(input.sourcePath, path);
      } catch {
        copyFileSync(input.sourcePath, path);
        unlinkSync(input.sourcePath);
      }
    } else copyFileSync(input.sourcePath, path);
    try {
      await this.checkHeader(kind, path, format!, input.columnMap ?? {});
    } catch (err) {
      unlinkSync(path);
      throw err;
    }
    return this.ds.transaction(async (m) => {
      const job = await m.getRepository(ImportJob).save(
        m.getRepository(ImportJob).create({
          kind,
          status: 'queued',
          scopePrefix: scope.regionPrefix,
          programme,
          month,
          fileName: input.fileName.slice(0, 255),
          fileFormat: format!,
          encoding: null,
          storageKey,
          columnMap: input.columnMap && Object.keys(input.columnMap).length ? JSON.stringify(input.columnMap) : null,
          totalBytes: statSync(path).size,
          createdByUserId: input.createdByUserId ?? null,
          createdAt: new Date(),
        }),
      );
      await this.audit.record(m, {
        actorUserId: input.createdByUserId ?? null,
        actorKind: input.createdByUserId ? 'user' : 'cli',
        action: 'registry.import.create',
        recordType: 'import_job',
        recordId: job.id,
        details: { kind, scopePrefix: scope.regionPrefix, programme, month, format },
      });
      return job;
    });
  }

  /** Creates a job and runs it to the end in this call (command line, tests); `confirmClose` as in {@link RunOptions}. */
  async importFile(input: CreateImportInput, opts: Pick<RunOptions, 'confirmClose'> = {}): Promise<ImportJob> {
    const job = await this.createJob(input);
    return this.runJob(job.id, opts);
  }

  /**
   * Households a finished roster job held open and would close on confirmation: 0 unless the job is
   * a succeeded roster import that closed nothing and no later roster job of the same scope and
   * programme has succeeded since.
   */
  async pendingClosures(job: ImportJob, m: EntityManager = this.ds.manager): Promise<number> {
    if (job.kind !== 'roster' || job.status !== 'succeeded' || job.closedHouseholds > 0 || !job.month) return 0;
    const later = await m
      .getRepository(ImportJob)
      .createQueryBuilder('j')
      .where('j.kind = :k AND j.id > :id AND j.status = :s AND j.programme = :p AND j.scope_prefix = :sp', { k: 'roster', id: job.id, s: 'succeeded', p: job.programme, sp: job.scopePrefix })
      .getCount();
    if (later > 0) return 0;
    const [lo, hi] = scopeRange(job.scopePrefix);
    return m
      .getRepository(Household)
      .createQueryBuilder('h')
      .where('h.programme = :p AND h.region_code >= :lo AND h.region_code <= :hi AND h.status = :a AND h.last_month < :m', { p: job.programme, lo, hi, a: 'active', m: job.month })
      .getCount();
  }

  /**
   * Confirms the closing a roster job held (see {@link RunOptions.confirmClose}): closes the scope's
   * households the job's month no longer lists, records the count on the job and audits it.
   * @returns the job as updated.
   * @throws NotFoundError for a job outside `scopePrefix`; DomainError `nothing_to_close` (409) when
   *   the job holds no closing (already closed, not a roster job, or superseded by a later import).
   */
  async confirmClosures(jobId: number, scopePrefix: string, userId: number | null): Promise<ImportJob> {
    const job = await this.getJobInScope(jobId, scopePrefix);
    return this.ds.transaction(async (m) => {
      if ((await this.pendingClosures(job, m)) === 0) throw new DomainError('nothing_to_close', '该导入任务没有待确认关闭的家庭', 409);
      const outcome = await this.closeMissingHouseholds(m, job, true);
      const notice = `${job.notice ? `${job.notice}\n` : ''}已确认：关闭了 ${outcome.closed} 户本月名册未列出的家庭。`;
      await m.getRepository(ImportJob).update({ id: job.id }, { closedHouseholds: outcome.closed, notice });
      await this.audit.record(m, {
        actorUserId: userId,
        actorKind: userId ? 'user' : 'cli',
        action: 'registry.import.confirm_close',
        recordType: 'import_job',
        recordId: job.id,
        details: { closedHouseholds: outcome.closed },
      });
      return m.getRepository(ImportJob).findOneByOrFail({ id: job.id });
    });
  }

  /** A job by id, or NotFoundError. */
  async getJob(id: number): Promise<ImportJob> {
    const job = await this.ds.getRepository(ImportJob).findOneBy({ id });
    if (!job) throw new NotFoundError();
    return job;
  }

  /**
   * The header cells of a file (first row) as written, for the column-mapping step.
   * @throws ValidationFailedError for a file that is neither .csv nor .xlsx, or an empty file.
   */
  async readHeaders(path: string, fileName: string): Promise<string[]> {
    const format = formatOfFileName(fileName);
    if (!format) throw new ValidationFailedError({ file: '请上传 .csv 或 .xlsx 文件（.xls 请先另存为 .xlsx）' });
    const reader = await openRows(path, format);
    for await (const row of reader.rows) return row.cells.map((c) => c.text.replace(/^\ufeff/, '').trim());
    throw new ValidationFailedError({ file: '文件是空的' }, '文件是空的');
  }

  /** The latest jobs whose scope lies within `scopePrefix`, newest first. */
  async recentJobs(scopePrefix: string, limit = 20): Promise<ImportJob[]> {
    return this.ds
      .getRepository(ImportJob)
      .createQueryBuilder('j')
      .where('j.scope_prefix LIKE :p', { p: `${scopePrefix}%` })
      .orderBy('j.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** A job whose scope lies within `scopePrefix`. @throws NotFoundError when absent or outside. */
  async getJobInScope(id: number, scopePrefix: string): Promise<ImportJob> {
    const job = await this.getJob(id);
    if (!job.scopePrefix.startsWith(scopePrefix)) throw new NotFoundError();
    return job;
  }

  /** Rejected rows of a job, by row number (at most `limit`). */
  async rejections(jobId: number, limit = 10_000): Promise<ImportRejection[]> {
    return this.ds.getRepository(ImportRejection).find({ where: { jobId }, order: { rowNo: 'ASC' }, take: limit });
  }

  /** Path of the CSV report of a job (UTF-8 with BOM: 行号,户编号,结果,原因代码,原因), or null before it runs. */
  reportPath(job: ImportJob): string | null {
    const p = join(this.directory, `job-${job.id}.report.csv`);
    return existsSync(p) ? p : null;
  }

  /** The oldest job waiting or abandoned by a dead worker, or null. */
  async nextRunnableJobId(): Promise<number | null> {
    const row = await this.ds
      .getRepository(ImportJob)
      .createQueryBuilder('j')
      .select('j.id', 'id')
      .where('j.status = :q OR (j.status = :r AND j.heartbeat_at_ms < :stale)', { q: 'queued', r: 'running', stale: Date.now() - STALE_JOB_MS })
      .orderBy('j.id', 'ASC')
      .limit(1)
      .getRawOne<{ id: number }>();
    return row ? Number(row.id) : null;
  }

  /**
   * Claims and runs a job (queued, or running with a stale heartbeat — then it resumes after its
   * last committed row). Returns the job as it ended. A job claimed by someone else is returned as is.
   */
  async runJob(jobId: number, opts: RunOptions = {}): Promise<ImportJob> {
    const now = Date.now();
    const claimed = await this.ds
      .createQueryBuilder()
      .update(ImportJob)
      .set({ status: 'running', heartbeatAtMs: now })
      .where('id = :id AND (status = :q OR (status = :r AND heartbeat_at_ms < :stale))', { id: jobId, q: 'queued', r: 'running', stale: now - STALE_JOB_MS })
      .execute();
    let job = await this.getJob(jobId);
    if (claimed.affected !== 1) return job;
    if (!job.startedAt) await this.ds.getRepository(ImportJob).update({ id: job.id }, { startedAt: new Date() });
    try {
      await this.process(job, opts);
    } catch (err) {
      if (err instanceof ImportInterrupted) return this.getJob(jobId);
      const known = err instanceof ValidationFailedError;
      // Never log row data: the class name and our own Chinese message only.
      this.logger.error(`import job ${jobId} failed: ${err instanceof Error ? err.name : 'error'}`);
      await this.ds.transaction(async (m) => {
        await m.getRepository(ImportJob).update(
          { id: jobId },
          {
            status: 'failed',
            errorCode: known ? 'import_missing_columns' : 'import_failed',
            errorMessage: known ? (Object.values((err as ValidationFailedError).fields ?? {})[0] ?? (err as Error).message) : '导入时发生内部错误，已导入的批次保留；请稍后重试或联系管理员。',
            finishedAt: new Date(),
          },
        );
        await this.audit.record(m, { actorUserId: null, actorKind: 'system', action: 'registry.import.fail', recordType: 'import_job', recordId: jobId });
      });
      this.removeSource(job);
    }
    job = await this.getJob(jobId);
    return job;
  }

  // ------------------------------------------------------------------------------------------ run

  private async checkHeader(kind: ImportKind, path: string, format: ImportFormat, columnMap: Record<string, string>): Promise<void> {
    const reader = await openRows(path, format);
    for await (const row of reader.rows) {
      resolveColumns(kind, row.cells, columnMap);
      return;
    }
    throw new ValidationFailedError({ file: '文件是空的' }, '文件是空的');
  }

  private async process(job: ImportJob, opts: RunOptions): Promise<void> {
    const path = join(this.directory, job.storageKey);
    const reader = await openRows(path, job.fileFormat);
    if (reader.encoding && job.encoding !== reader.encoding) await this.ds.getRepository(ImportJob).update({ id: job.id }, { encoding: reader.encoding });
    const reportPath = join(this.directory, `job-${job.id}.report.csv`);
    if (job.reportBytes > 0 && existsSync(reportPath)) truncateSync(reportPath, job.reportBytes);
    else {
      writeFileSync(reportPath, REPORT_HEADER, { mode: 0o600 });
      job.reportBytes = Buffer.byteLength(REPORT_HEADER);
    }
    const columnMap = job.columnMap ? (JSON.parse(job.columnMap) as Record<string, string>) : {};
    // "Today" in Asia/Shanghai once per run (birth dates in the future), not once per ID number.
    const ctx: ValidationContext = { scopePrefix: job.scopePrefix, programme: job.programme, today: new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10) };
    let index: ColumnIndex | null = null;
    let batch: Batch = { accepted: [], rejections: [] };
    let batchRows = 0;
    let lastRow = job.resumeRow;
    let numericIds = 0;
    const seenHouseholds = new Set<string>();
    let current: { key: string; rows: SourceRow[] } | null = null;
    // One batch is committed while the next is read and validated (the database and this process
    // work at the same time); at most two batches are in memory. A batch starts only after the
    // previous one committed, and the stop request is looked at between them, as before.
    let committing: Promise<void> | null = null;
    let commitError: { error: unknown } | null = null;
    const startFlush = async (b: Batch, last: number, bytes: number) => {
      if (committing) {
        await committing;
        if (commitError) throw commitError.error;
        if (opts.shouldStop?.()) throw new ImportInterrupted();
      }
      committing = this.flush(job, b, last, reportPath, bytes).catch((error: unknown) => {
        commitError = { error };
      });
    };

    const addGroup = async (rows: SourceRow[], key: string | null) => {
      let result: GroupResult<unknown>;
      if (job.kind === 'roster' && key && seenHouseholds.has(key)) {
        result = {
          ok: false,
          rejections: rows.map((r) => ({
            rowNo: r.rowNo,
            groupKey: key,
            problems: [{ code: 'household_rows_not_contiguous', reason: '同一户编号的成员行不相邻（前面已出现过该户）；请按户编号排序后重新导入' }],
          })),
        };
      } else result = this.validate(job.kind, rows, index!, ctx);
      if (job.kind === 'roster' && key) seenHouseholds.add(key);
      if (result.ok) batch.accepted.push({ value: result.value, rows: result.rows, key });
      else batch.rejections.push(...result.rejections);
      numericIds += result.ok ? 0 : result.rejections.filter((r) => r.problems.some((p) => p.reason.includes('被存成了数字'))).length;
      batchRows += rows.length;
      lastRow = rows[rows.length - 1].rowNo;
      if (batchRows >= BATCH_ROWS) {
        await startFlush(batch, lastRow, reader.bytesRead());
        batch = { accepted: [], rejections: [] };
        batchRows = 0;
      }
    };

    try {
      for await (const row of reader.rows) {
        if (!index) {
          index = resolveColumns(job.kind, row.cells, columnMap);
          continue;
        }
        if (row.rowNo <= job.resumeRow || isEmptyRow(row)) continue;
        if (job.kind === 'roster') {
          const key = rosterGroupKey(row, index);
          if (current && key && key === current.key) {
            current.rows.push(row);
            continue;
          }
          if (current) await addGroup(current.rows, current.key || null);
          current = { key, rows: [row] };
        } else await addGroup([row], null);
      }
      if (!index) throw new ValidationFailedError({ file: '文件是空的' }, '文件是空的');
      if (current) await addGroup(current.rows, current.key || null);
      await startFlush(batch, lastRow, job.totalBytes);
      await committing;
      if (commitError) throw (commitError as { error: unknown }).error;
    } catch (err) {
      // Never leave a batch committing behind a failed or stopped run.
      if (committing) await committing;
      throw err;
    }

    await this.ds.transaction(async (m) => {
      let closed = 0;
      let held = 0;
      const notices: string[] = [];
      if (numericIds > 0) notices.push(`有 ${numericIds} 行的身份证号码在表格中被存成了数字（精度已丢失），这些行已拒收。请把身份证号码列设为“文本”格式、重新填写完整号码后再导入。`);
      if (job.kind === 'roster') {
        const outcome = await this.closeMissingHouseholds(m, job, opts.confirmClose === true);
        closed = outcome.closed;
        held = outcome.held;
        if (held > 0) notices.push(this.heldNotice(outcome));
      }
      const notice = notices.length ? notices.join('\n') : null;
      await m.getRepository(ImportJob).update({ id: job.id }, { status: 'succeeded', closedHouseholds: closed, notice, processedBytes: job.totalBytes, finishedAt: new Date() });
      const done = await m.getRepository(ImportJob).findOneByOrFail({ id: job.id });
      await this.audit.record(m, {
        actorUserId: null,
        actorKind: 'system',
        action: 'registry.import.finish',
        recordType: 'import_job',
        recordId: job.id,
        details: { kind: job.kind, acceptedRows: done.acceptedRows, rejectedRows: done.rejectedRows, closedHouseholds: closed, closeHeld: held },
      });
    });
    this.removeSource(job);
  }

  private validate(kind: ImportKind, rows: SourceRow[], index: ColumnIndex, ctx: ValidationContext): GroupResult<unknown> {
    switch (kind) {
      case 'roster':
        return validateRosterHousehold(rows, index, ctx);
      case 'officials':
        return validateOfficialRow(rows[0], index, ctx);
      case 'kin':
        return validateKinRow(rows[0], index, ctx);
      case 'approvals':
        return validateApprovalRow(rows[0], index, ctx);
    }
  }

  /** Commits one batch: the records, its rejections, the report lines and the job's progress, together. */
  private async flush(job: ImportJob, batch: Batch, lastRow: number, reportPath: string, bytesRead: number): Promise<void> {
    const reportBefore = job.reportBytes;
    await this.ds.transaction(async (m) => {
      const nowMs = Date.now();
      const late = await this.commit(m, job, batch.accepted.map((a) => a.value), nowMs);
      const lateRows = new Set(late.rejections.map((r) => r.rowNo));
      const rejections = [...batch.rejections, ...late.rejections];
      const accepted = batch.accepted.filter((a) => !a.rows.some((r) => lateRows.has(r)));
      for (let i = 0; i < rejections.length; i += IN_CHUNK) {
        await m
          .createQueryBuilder()
          .insert()
          .into(ImportRejection)
          .values(
            rejections.slice(i, i + IN_CHUNK).map((r) => ({
              jobId: job.id,
              rowNo: r.rowNo,
              groupKey: r.groupKey?.slice(0, 64) ?? null,
              codes: r.problems.map((p) => p.code).join(',').slice(0, 200),
              reason: r.problems.map((p) => p.reason).join('；'),
            })),
          )
          .updateEntity(false)
          .execute();
      }
      const lines: [number, string][] = [];
      for (const a of accepted) for (const r of a.rows) lines.push([r, `${r},${csvCell(a.key ?? '')},接收,,\n`]);
      for (const r of rejections) {
        lines.push([r.rowNo, `${r.rowNo},${csvCell(r.groupKey ?? '')},拒收,${csvCell(r.problems.map((p) => p.code).join(' '))},${csvCell(r.problems.map((p) => p.reason).join('；'))}\n`]);
      }
      lines.sort((a, b) => a[0] - b[0]);
      const text = lines.map((l) => l[1]).join('');
      const rejectedGroups = job.kind === 'roster' ? new Set(rejections.map((r) => r.groupKey ?? `row${r.rowNo}`)).size : rejections.length;
      job.processedRows += accepted.reduce((n, a) => n + a.rows.length, 0) + rejections.length;
      job.acceptedRows += accepted.reduce((n, a) => n + a.rows.length, 0);
      job.rejectedRows += rejections.length;
      job.acceptedGroups += accepted.length;
      job.rejectedGroups += rejectedGroups;
      job.amountTotalFen += late.amountFen ?? 0;
      job.resumeRow = lastRow;
      job.reportBytes = reportBefore + Buffer.byteLength(text);
      job.processedBytes = Math.min(bytesRead, job.totalBytes);
      await m.getRepository(ImportJob).update(
        { id: job.id },
        {
          processedRows: job.processedRows,
          acceptedRows: job.acceptedRows,
          rejectedRows: job.rejectedRows,
          acceptedGroups: job.acceptedGroups,
          rejectedGroups: job.rejectedGroups,
          amountTotalFen: job.amountTotalFen,
          resumeRow: job.resumeRow,
          reportBytes: job.reportBytes,
          processedBytes: job.processedBytes,
          heartbeatAtMs: nowMs,
        },
      );
      // Written last inside the transaction: if the commit fails, the file is cut back below.
      if (text) appendFileSync(reportPath, text);
    }).catch((err: unknown) => {
      if (existsSync(reportPath)) truncateSync(reportPath, reportBefore);
      job.reportBytes = reportBefore;
      throw err;
    });
  }

  private async commit(m: EntityManager, job: ImportJob, values: unknown[], nowMs: number): Promise<{ rejections: Rejection[]; amountFen?: number }> {
    if (values.length === 0) return { rejections: [] };
    switch (job.kind) {
      case 'roster':
        return this.commitHouseholds(m, job, values as RosterHousehold[], nowMs);
      case 'officials':
        return this.commitOfficials(m, values as OfficialRow[], nowMs);
      case 'kin':
        return this.commitKin(m, job, values as KinRow[], nowMs);
      case 'approvals':
        return this.commitApprovals(m, job, values as ApprovalRow[], nowMs);
    }
  }

  // --------------------------------------------------------------------------------------- roster

  private async commitHouseholds(m: EntityManager, job: ImportJob, households: RosterHousehold[], nowMs: number): Promise<{ rejections: Rejection[]; amountFen: number }> {
    const month = job.month!;
    const now = new Date(nowMs);
    const personIds = await this.persons.ensurePersons(
      m,
      households.flatMap((h) => h.members.map((x) => ({ id: x.id, name: x.name, phone: x.phone }))),
    );
    const keyOf = (h: { regionCode: string; programme: string; householdNo: string }) => `${h.regionCode}|${h.programme}|${h.householdNo}`;
    const existing = new Map<string, Household>();
    const nos = [...new Set(households.map((h) => h.householdNo))];
    for (let i = 0; i < nos.length; i += IN_CHUNK) {
      const found = await m.getRepository(Household).find({ where: { householdNo: In(nos.slice(i, i + IN_CHUNK)), programme: job.programme! } });
      for (const h of found) existing.set(keyOf(h), h);
    }
    const members = (h: RosterHousehold, householdId: number) =>
      h.members.map((x) => ({ householdId, personId: personIds.get(this.persons.idHmacOf(x.id))!, relationToHead: x.relationToHead, isHead: x.relationToHead === '户主' }));
    const fieldsOf = (h: RosterHousehold) => ({
      registerNo: h.registerNo,
      address: h.address.slice(0, 200),
      addressKey: addressKey(h.address),
      size: h.size,
      monthlyAmountFen: h.monthlyAmountFen,
      periodStart: h.periodStart,
      filedAsRelative: h.filedAsRelative,
    });
    const fresh: { h: RosterHousehold; hash: string }[] = [];
    const seenIds: number[] = [];
    let amountFen = 0;
    for (const h of households) {
      amountFen += h.monthlyAmountFen;
      const hash = contentHashOf(h, (x) => this.persons.idHmacOf(x.id));
      const ex = existing.get(keyOf(h));
      if (!ex) {
        fresh.push({ h, hash });
        continue;
      }
      // An older month than what is stored never overwrites newer data nor reopens a closed household.
      if (month < ex.lastMonth || (ex.closedMonth && month < ex.closedMonth)) continue;
      if (ex.contentHash === hash && ex.status === 'active') {
        seenIds.push(ex.id);
        continue;
      }
      await m.getRepository(Household).update(
        { id: ex.id },
        { ...fieldsOf(h), status: 'active', closedMonth: null, lastMonth: month, contentHash: hash, lastImportJobId: job.id, changedAtMs: nowMs, updatedAt: now },
      );
      await m.getRepository(HouseholdMember).delete({ householdId: ex.id });
      await insertRows(m, HouseholdMember, members(h, ex.id));
    }
    for (let i = 0; i < seenIds.length; i += IN_CHUNK) {
      await m.getRepository(Household).update({ id: In(seenIds.slice(i, i + IN_CHUNK)) }, { lastMonth: month, lastImportJobId: job.id });
    }
    if (fresh.length) {
      const rows = fresh.map(({ h, hash }) => ({
        regionCode: h.regionCode,
        programme: h.programme,
        householdNo: h.householdNo.slice(0, 64),
        ...fieldsOf(h),
        status: 'active' as const,
        lastMonth: month,
        closedMonth: null,
        contentHash: hash,
        lastImportJobId: job.id,
        changedAtMs: nowMs,
        createdAt: now,
        updatedAt: now,
      }));
      await insertRows(m, Household, rows);
      const ids = new Map<string, number>();
      const freshNos = [...new Set(fresh.map(({ h }) => h.householdNo))];
      for (let i = 0; i < freshNos.length; i += IN_CHUNK) {
        const found = await m.getRepository(Household).find({ where: { householdNo: In(freshNos.slice(i, i + IN_CHUNK)), programme: job.programme! }, select: { id: true, regionCode: true, programme: true, householdNo: true } });
        for (const h of found) ids.set(keyOf(h), h.id);
      }
      const memberRows = fresh.flatMap(({ h }) => members(h, ids.get(keyOf(h))!));
      await insertRows(m, HouseholdMember, memberRows);
    }
    return { rejections: [], amountFen };
  }

  /**
   * Closes the households of the job's scope (programme + region prefix) that this month's roster no
   * longer lists. Households of other programmes or outside the prefix are untouched; a household
   * whose rows were rejected this month still counts as listed (it is kept, not closed).
   * Unless `force`, the closing is held (nothing closed, `held` = how many would be) when the job
   * accepted no household or would close more than `rosterCloseMaxShare` of the open households.
   */
  private async closeMissingHouseholds(m: EntityManager, job: ImportJob, force: boolean): Promise<ClosingOutcome> {
    const [lo, hi] = scopeRange(job.scopePrefix);
    // Rejected households were listed: keep them open with their last accepted data.
    const rejected = await m
      .getRepository(ImportRejection)
      .createQueryBuilder('r')
      .select('DISTINCT r.group_key', 'k')
      .where('r.job_id = :id AND r.group_key IS NOT NULL', { id: job.id })
      .getRawMany<{ k: string }>();
    const keys = rejected.map((r) => r.k);
    for (let i = 0; i < keys.length; i += IN_CHUNK) {
      await m
        .createQueryBuilder()
        .update(Household)
        .set({ lastMonth: job.month! })
        .where('programme = :p AND region_code >= :lo AND region_code <= :hi AND household_no IN (:...nos) AND last_month < :m AND status = :a', {
          p: job.programme,
          lo,
          hi,
          nos: keys.slice(i, i + IN_CHUNK),
          m: job.month,
          a: 'active',
        })
        .execute();
    }
    const inScope = () =>
      m.getRepository(Household).createQueryBuilder('h').where('h.programme = :p AND h.region_code >= :lo AND h.region_code <= :hi AND h.status = :a', { p: job.programme, lo, hi, a: 'active' });
    const open = await inScope().getCount();
    const missing = await inScope().andWhere('h.last_month < :m', { m: job.month }).getCount();
    if (missing === 0) return { closed: 0, held: 0, open, noneAccepted: false };
    if (!force) {
      const { acceptedGroups } = await m.getRepository(ImportJob).findOneByOrFail({ id: job.id });
      if (acceptedGroups === 0 || missing > open * this.config.rosterCloseMaxShare) return { closed: 0, held: missing, open, noneAccepted: acceptedGroups === 0 };
    }
    const nowMs = Date.now();
    const res = await m
      .createQueryBuilder()
      .update(Household)
      .set({ status: 'closed', closedMonth: job.month!, changedAtMs: nowMs, updatedAt: new Date(nowMs) })
      .where('programme = :p AND region_code >= :lo AND region_code <= :hi AND status = :a AND last_month < :m', { p: job.programme, lo, hi, a: 'active', m: job.month })
      .execute();
    return { closed: res.affected ?? 0, held: 0, open, noneAccepted: false };
  }

  private heldNotice(o: ClosingOutcome): string {
    const why =
      o.noneAccepted
        ? '本次导入没有接收任何家庭'
        : `本次导入将关闭 ${o.held} 户，占本范围在保家庭（${o.open} 户）的 ${Math.round((o.held * 100) / o.open)}%，超过 ${Math.round(this.config.rosterCloseMaxShare * 100)}%`;
    return `${why}，为防止误关闭，未关闭任何家庭（待确认关闭 ${o.held} 户）。请先核对名册；确认本月名册确实不再列出这些家庭后，在任务页点击“确认关闭”。`;
  }

  // ------------------------------------------------------------------------------------ officials

  private async commitOfficials(m: EntityManager, rows: OfficialRow[], nowMs: number): Promise<{ rejections: Rejection[] }> {
    const now = new Date(nowMs);
    const personIds = await this.persons.ensurePersons(m, rows.map((r) => ({ id: r.id, name: r.name, phone: r.phone })));
    const ids = [...new Set(personIds.values())];
    const existing = new Map<string, Official>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      for (const o of await m.getRepository(Official).find({ where: { personId: In(ids.slice(i, i + IN_CHUNK)) } })) existing.set(`${o.personId}|${o.regionCode}|${o.role}`, o);
    }
    const inserts: Partial<Official>[] = [];
    for (const r of rows) {
      const personId = personIds.get(this.persons.idHmacOf(r.id))!;
      const data = {
        position: r.position,
        unit: r.unit,
        regionLevel: regionLevelOf(r.regionCode),
        termStart: r.termStart,
        termEnd: r.termEnd,
        partyMember: r.partyMember,
        householdRegisterNo: r.registerNo?.slice(0, 64) ?? null,
        address: r.address?.slice(0, 200) ?? null,
        addressKey: addressKey(r.address),
      };
      const key = `${personId}|${r.regionCode}|${r.role}`;
      const ex = existing.get(key);
      if (!ex) {
        inserts.push({ personId, role: r.role, regionCode: r.regionCode, ...data, changedAtMs: nowMs, createdAt: now, updatedAt: now });
        existing.set(key, { ...data, personId, role: r.role, regionCode: r.regionCode } as Official);
        continue;
      }
      const changed = (Object.keys(data) as (keyof typeof data)[]).some((k) => ex[k] !== data[k]);
      if (changed) await m.getRepository(Official).update({ id: ex.id }, { ...data, changedAtMs: nowMs, updatedAt: now });
    }
    await insertRows(m, Official, inserts);
    return { rejections: [] };
  }

  // ------------------------------------------------------------------------------------------ kin

  private async commitKin(m: EntityManager, job: ImportJob, rows: KinRow[], nowMs: number): Promise<{ rejections: Rejection[] }> {
    const now = new Date(nowMs);
    const officialPersons = await this.persons.findIdsByHmac(m, rows.map((r) => this.persons.idHmacOf(r.officialId)));
    const pids = [...new Set(officialPersons.values())];
    // The declaring official: the person's first post within the job's scope.
    const officialOf = new Map<number, number>();
    for (let i = 0; i < pids.length; i += IN_CHUNK) {
      const posts = await m.getRepository(Official).find({ where: { personId: In(pids.slice(i, i + IN_CHUNK)) }, order: { id: 'ASC' }, select: { id: true, personId: true, regionCode: true } });
      for (const o of posts) if (!officialOf.has(o.personId) && isWithinScope(o.regionCode, job.scopePrefix)) officialOf.set(o.personId, o.id);
    }
    const rejections: Rejection[] = [];
    const ok: { row: KinRow; personId: number; officialId: number }[] = [];
    for (const r of rows) {
      const personId = officialPersons.get(this.persons.idHmacOf(r.officialId));
      const officialId = personId !== undefined ? officialOf.get(personId) : undefined;
      if (personId === undefined || officialId === undefined) {
        rejections.push({ rowNo: r.rowNo, groupKey: null, problems: [{ code: 'official_unknown', reason: '本范围的公职人员名单中没有该公职人员身份证号码；请先导入公职人员名单' }] });
      } else ok.push({ row: r, personId, officialId });
    }
    if (!ok.length) return { rejections };
    const relatives = await this.persons.ensurePersons(m, ok.map((o) => ({ id: o.row.relativeId, name: o.row.relativeName })));
    const existing = new Map<string, KinRelation>();
    const edgePids = [...new Set(ok.map((o) => o.personId))];
    for (let i = 0; i < edgePids.length; i += IN_CHUNK) {
      for (const k of await m.getRepository(KinRelation).find({ where: { personId: In(edgePids.slice(i, i + IN_CHUNK)), source: 'declared' } })) existing.set(`${k.personId}|${k.relativePersonId}|${k.type}`, k);
    }
    const touched = new Set<number>();
    const inserts: Partial<KinRelation>[] = [];
    for (const o of ok) {
      const relativePersonId = relatives.get(this.persons.idHmacOf(o.row.relativeId))!;
      const key = `${o.personId}|${relativePersonId}|${o.row.type}`;
      const ex = existing.get(key);
      const data = { label: o.row.label, declaredByOfficialId: o.officialId, validFrom: o.row.declaredAt };
      if (!ex) {
        inserts.push({ personId: o.personId, relativePersonId, type: o.row.type, source: 'declared', ...data, validTo: null, changedAtMs: nowMs, createdAt: now, updatedAt: now });
        existing.set(key, { ...data, personId: o.personId, relativePersonId, type: o.row.type } as KinRelation);
        touched.add(o.personId);
      } else if (ex.label !== data.label || ex.declaredByOfficialId !== data.declaredByOfficialId || ex.validFrom !== data.validFrom) {
        await m.getRepository(KinRelation).update({ id: ex.id }, { ...data, changedAtMs: nowMs, updatedAt: now });
        touched.add(o.personId);
      }
    }
    await insertRows(m, KinRelation, inserts);
    const t = [...touched];
    for (let i = 0; i < t.length; i += IN_CHUNK) await m.getRepository(Official).update({ personId: In(t.slice(i, i + IN_CHUNK)) }, { changedAtMs: nowMs, updatedAt: now });
    return { rejections };
  }

  // ------------------------------------------------------------------------------------ approvals

  private async commitApprovals(m: EntityManager, job: ImportJob, rows: ApprovalRow[], nowMs: number): Promise<{ rejections: Rejection[] }> {
    const now = new Date(nowMs);
    const [lo, hi] = scopeRange(job.scopePrefix);
    const byNo = new Map<string, number[]>();
    const nos = [...new Set(rows.map((r) => r.householdNo))];
    for (let i = 0; i < nos.length; i += IN_CHUNK) {
      const qb = m
        .getRepository(Household)
        .createQueryBuilder('h')
        .select(['h.id', 'h.householdNo'])
        .where('h.household_no IN (:...nos) AND h.region_code >= :lo AND h.region_code <= :hi', { nos: nos.slice(i, i + IN_CHUNK), lo, hi });
      if (job.programme) qb.andWhere('h.programme = :p', { p: job.programme });
      for (const h of await qb.getMany()) byNo.set(h.householdNo, [...(byNo.get(h.householdNo) ?? []), h.id]);
    }
    const rejections: Rejection[] = [];
    const ok: { row: ApprovalRow; householdId: number }[] = [];
    for (const r of rows) {
      const ids = byNo.get(r.householdNo) ?? [];
      if (ids.length === 1) ok.push({ row: r, householdId: ids[0] });
      else if (ids.length === 0) rejections.push({ rowNo: r.rowNo, groupKey: r.householdNo, problems: [{ code: 'household_unknown', reason: '本范围的低保名册中没有该户编号；请先导入低保名册' }] });
      else rejections.push({ rowNo: r.rowNo, groupKey: r.householdNo, problems: [{ code: 'household_ambiguous', reason: '本范围内有多个相同户编号的家庭；请缩小导入范围或注明保障类别' }] });
    }
    if (!ok.length) return { rejections };
    const personIds = await this.persons.ensurePersons(m, ok.map((o) => ({ id: o.row.officialId, name: o.row.officialName })));
    const householdIds = [...new Set(ok.map((o) => o.householdId))];
    const existing = new Set<string>();
    for (let i = 0; i < householdIds.length; i += IN_CHUNK) {
      for (const a of await m.getRepository(ApprovalRecord).find({ where: { householdId: In(householdIds.slice(i, i + IN_CHUNK)) }, select: { householdId: true, step: true, personId: true, date: true } })) {
        existing.add(`${a.householdId}|${a.step}|${a.personId}|${a.date}`);
      }
    }
    const touched = new Set<number>();
    const inserts: Partial<ApprovalRecord>[] = [];
    for (const o of ok) {
      const personId = personIds.get(this.persons.idHmacOf(o.row.officialId))!;
      const key = `${o.householdId}|${o.row.step}|${personId}|${o.row.date}`;
      if (existing.has(key)) continue;
      existing.add(key);
      inserts.push({ householdId: o.householdId, step: o.row.step, personId, date: o.row.date, importJobId: job.id, createdAt: now });
      touched.add(o.householdId);
    }
    await insertRows(m, ApprovalRecord, inserts);
    const t = [...touched];
    for (let i = 0; i < t.length; i += IN_CHUNK) await m.getRepository(Household).update({ id: In(t.slice(i, i + IN_CHUNK)) }, { changedAtMs: nowMs, updatedAt: now });
    return { rejections };
  }

  private removeSource(job: ImportJob): void {
    const p = join(this.directory, job.storageKey);
    if (existsSync(p)) unlinkSync(p);
  }
}

/** A CSV cell (quoted when it holds a comma, quote or newline; formula-leading characters neutralised). */
function csvCell(s: string): string {
  let v = s;
  if (/^[=+\-@]/.test(v)) v = `'${v}`;
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

