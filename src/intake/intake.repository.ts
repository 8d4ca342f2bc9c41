import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { Report } from '../reports/entities/report.entity.js';
import { ReportSubject } from '../reports/entities/report-subject.entity.js';
import { ReportBeneficiary } from '../reports/entities/report-beneficiary.entity.js';
import { ReportEvent } from '../reports/entities/report-event.entity.js';
import { ReportMessage } from '../reports/entities/report-message.entity.js';
import { Attachment } from '../reports/entities/attachment.entity.js';
import type { ReportChannel, ReportStatus } from '../reports/report-enums.js';
import type { UserAccess } from '../access/user-access.js';

/** Filters of the intake inbox. `status: 'all'` lists every status. */
export interface InboxFilters {
  status: ReportStatus | 'all';
  channel?: ReportChannel;
  /** Search text (subject name, beneficiary name or report text), exact characters; empty = no search. */
  q?: string;
  /** 1-based page. */
  page: number;
  pageSize: number;
}

/**
 * Who reads: the user's access (src/access) — its `read` rules on `Report` are the scope (region
 * prefix or granted region, not recused). `ignoreRecusal` applies the scope without recusal — used
 * solely to tell a recused read (audited) from an absent one.
 */
export interface IntakeViewer {
  access: UserAccess;
  /** The action whose rules scope the query: `read` (default), or e.g. `custody`. */
  action?: string;
  ignoreRecusal?: boolean;
}

/** Escape for LIKE with `!` as escape character (portable: no backslash rules differ between SQLite and MySQL). */
export function likeEscape(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}

/**
 * Reads of the intake side. The scope condition lives in ONE method ({@link IntakeRepository.inScope});
 * every list, count, search and single-record read goes through it, so a record outside the caller's
 * scope is simply not found (404). The condition is derived from the access policy
 * (src/access/policies/reports.policy.ts), so lists, counts and single reads apply the same rules as
 * the check of a loaded record.
 *
 * Text search is here only (STACK.md: dialect choices behind one method): LIKE with escaped wildcards.
 * Both databases compare exactly (SQLite; MariaDB with utf8mb4_bin), so 王𠮷 never matches 王😡.
 */
@Injectable()
export class IntakeRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Reports in the scope, newest received first, one page.
   * @throws Error when `scopePrefix` is malformed (a broken scope must never match everything).
   */
  async findInboxForScope(viewer: IntakeViewer, filters: InboxFilters): Promise<Report[]> {
    return this.inboxQuery(viewer, filters)
      .orderBy('r.received_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .skip((Math.max(1, filters.page) - 1) * filters.pageSize)
      .take(filters.pageSize)
      .getMany();
  }

  /** Number of reports matching the inbox filters in the scope (all pages). */
  async countInboxForScope(viewer: IntakeViewer, filters: InboxFilters): Promise<number> {
    return this.inboxQuery(viewer, filters).getCount();
  }

  /** Reports in the scope whose subject name, beneficiary name or text contains `q` (any status), newest first. */
  async searchInScope(viewer: IntakeViewer, q: string, limit = 50): Promise<Report[]> {
    return this.findInboxForScope(viewer, { status: 'all', q, page: 1, pageSize: limit });
  }

  /** One report with its subjects and beneficiaries (ordered), or null when absent OR outside the scope. */
  async findInScope(viewer: IntakeViewer, id: number, manager?: EntityManager): Promise<Report | null> {
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    const qb = (manager ?? this.ds.manager).getRepository(Report).createQueryBuilder('r');
    this.inScope(qb, viewer);
    const report = await qb.andWhere('r.id = :id', { id }).getOne();
    if (!report) return null;
    const m = manager ?? this.ds.manager;
    report.subjects = await m.getRepository(ReportSubject).find({ where: { reportId: id }, order: { ordinal: 'ASC', id: 'ASC' } });
    report.beneficiaries = await m.getRepository(ReportBeneficiary).find({ where: { reportId: id }, order: { ordinal: 'ASC', id: 'ASC' } });
    return report;
  }

  /**
   * The report row locked for update inside the caller's transaction (scope checked), without children.
   * SQLite has no row locks; its write transaction is serialised anyway.
   */
  async lockInScope(manager: EntityManager, viewer: IntakeViewer, id: number): Promise<Report | null> {
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    const qb = manager.getRepository(Report).createQueryBuilder('r');
    this.inScope(qb, viewer);
    qb.andWhere('r.id = :id', { id });
    if (manager.connection.options.type !== 'better-sqlite3') qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /** Whether report `id` exists within the scope. */
  async existsInScope(viewer: IntakeViewer, id: number, manager?: EntityManager): Promise<boolean> {
    if (!Number.isSafeInteger(id) || id <= 0) return false;
    const qb = (manager ?? this.ds.manager).getRepository(Report).createQueryBuilder('r');
    this.inScope(qb, viewer);
    return (await qb.andWhere('r.id = :id', { id }).getCount()) > 0;
  }

  /** Of `ids`, those within the scope (the same condition as every other read). */
  async idsInScope(viewer: IntakeViewer, ids: number[]): Promise<Set<number>> {
    const wanted = [...new Set(ids)].filter((id) => Number.isSafeInteger(id) && id > 0);
    if (wanted.length === 0) return new Set();
    const qb = this.ds.getRepository(Report).createQueryBuilder('r').select('r.id', 'id');
    this.inScope(qb, viewer);
    const rows = await qb.andWhere('r.id IN (:...ids)', { ids: wanted }).getRawMany<{ id: number | string }>();
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** History of a report, oldest first. */
  async eventsOf(reportId: number): Promise<ReportEvent[]> {
    return this.ds.getRepository(ReportEvent).find({ where: { reportId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Messages of a report (all directions), oldest first. */
  async messagesOf(reportId: number): Promise<ReportMessage[]> {
    return this.ds.getRepository(ReportMessage).find({ where: { reportId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Evidence files of a report (those added with the report and with later messages). */
  async attachmentsOf(reportId: number): Promise<Attachment[]> {
    return this.ds.getRepository(Attachment).find({ where: { reportId }, order: { id: 'ASC' } });
  }

  /** One evidence file of a report that is itself in scope (the caller checked the report). */
  async attachmentOf(reportId: number, attachmentId: number): Promise<Attachment | null> {
    if (!Number.isSafeInteger(attachmentId) || attachmentId <= 0) return null;
    return this.ds.getRepository(Attachment).findOne({ where: { id: attachmentId, reportId } });
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * THE scope condition: the `read` rules of the user's access on `Report` as SQL (region within the
   * scope prefix or a granted prefix, and not recused — 回避: recusal rows, the reporter, the subjects).
   */
  private inScope(qb: SelectQueryBuilder<Report>, viewer: IntakeViewer): SelectQueryBuilder<Report> {
    return viewer.access.scope(qb, viewer.action ?? 'read', 'Report', 'r', { ignoreRecusal: viewer.ignoreRecusal });
  }

  private inboxQuery(viewer: IntakeViewer, f: InboxFilters): SelectQueryBuilder<Report> {
    const qb = this.ds.getRepository(Report).createQueryBuilder('r');
    this.inScope(qb, viewer);
    if (f.status !== 'all') qb.andWhere('r.status = :status', { status: f.status });
    if (f.channel) qb.andWhere('r.channel = :channel', { channel: f.channel });
    const q = f.q?.trim();
    if (q) {
      const like = `%${likeEscape(q)}%`;
      qb.andWhere(
        new Brackets((w) => {
          w.where("r.description LIKE :like ESCAPE '!'", { like })
            .orWhere(
              `EXISTS (SELECT 1 FROM report_subjects s WHERE s.report_id = r.id AND s.name LIKE :like ESCAPE '!')`,
            )
            .orWhere(
              `EXISTS (SELECT 1 FROM report_beneficiaries b WHERE b.report_id = r.id AND b.name LIKE :like ESCAPE '!')`,
            );
        }),
      );
    }
    return qb;
  }
}
