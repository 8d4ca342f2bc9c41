import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { InvalidStateError, NotFoundError, ValidationFailedError } from '../common/domain-error.js';
import { Finding, FINDING_STATUSES, FINDING_TYPES, type FindingEvidence, type FindingStatus, type FindingType } from './entities/finding.entity.js';
import { DEFAULT_REVIEW_THRESHOLD } from './matcher.service.js';
import type { UserAccess } from '../access/user-access.js';
import { findingRecusedFor } from '../recusal/viewer-kin.js';
import { cleanTypedText } from '../common/invisible-chars.js';
import { pageNumber } from '../common/page-number.js';

export interface FindingFilters {
  type?: FindingType;
  /** Region prefix (2/4/6/9/12 digits) inside the caller's scope. */
  region?: string;
  /** Minimum score (default {@link DEFAULT_REVIEW_THRESHOLD}). */
  minScore?: number;
  status?: FindingStatus;
  page?: number;
  pageSize?: number;
}

/** A finding as listed (no ID numbers; names and the explanation for reviewers in scope). */
export interface FindingView {
  id: number;
  type: FindingType;
  status: FindingStatus;
  score: number;
  explanation: string;
  evidence: FindingEvidence[];
  regionCode: string;
  official: { id: number; name: string; position: string; role: string; regionCode: string };
  household: { id: number; householdNo: string; programme: string; status: string };
  person: { id: number; name: string; idMasked: string | null };
  dismissReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Who is looking: a staff user's access (src/access/policies/findings.policy.ts: region scope or
 * grant, recusal) and the action checked (`read` for the review API; `card` for person cards).
 */
export interface Viewer {
  userId: number;
  scopePrefix: string;
  access: UserAccess;
  action?: 'read' | 'card';
}

/**
 * Review of findings: scoped lists with filters and per-village counts, detail, dismissal with a
 * reason (audited). Lists and counts apply the findings policy as SQL; a single finding is found by
 * the same SQL and its loaded record checked again with the ability (recusal on the record). Outside
 * scope, and recused (回避), is "not found"; a finding withheld only by recusal is audited
 * (`recusal.blocked`).
 */
@Injectable()
export class FindingsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Findings in scope, best score first.
   * @throws ValidationFailedError for an unknown type or status, or a malformed region prefix.
   */
  async list(viewer: Viewer, filters: FindingFilters = {}): Promise<{ total: number; page: number; pageSize: number; threshold: number; items: FindingView[] }> {
    const page = pageNumber(filters.page);
    const pageSize = Math.min(200, Math.max(1, Math.floor(filters.pageSize ?? 50)));
    const qb = this.scoped(viewer, filters);
    const total = await qb.getCount();
    const rows = await qb
      .leftJoinAndSelect('f.official', 'o')
      .leftJoinAndSelect('o.person', 'op')
      .leftJoinAndSelect('f.household', 'h')
      .leftJoinAndSelect('f.person', 'p')
      .orderBy('f.score', 'DESC')
      .addOrderBy('f.id', 'ASC')
      .skip((page - 1) * pageSize)
      .take(pageSize)
      .getMany();
    return { total, page, pageSize, threshold: filters.minScore ?? DEFAULT_REVIEW_THRESHOLD, items: rows.map(view) };
  }

  /** Number of findings per village (household region code) in scope, with the same filters. */
  async countsByVillage(viewer: Viewer, filters: FindingFilters = {}): Promise<{ regionCode: string; count: number }[]> {
    const rows = await this.scoped(viewer, filters).select('f.region_code', 'regionCode').addSelect('COUNT(*)', 'count').groupBy('f.region_code').orderBy('f.region_code', 'ASC').getRawMany<{ regionCode: string; count: unknown }>();
    return rows.map((r) => ({ regionCode: r.regionCode, count: Number(r.count) }));
  }

  /** One finding in scope. @throws NotFoundError outside scope, recused or absent. */
  async get(viewer: Viewer, id: number, action: 'read' | 'card' | 'dismiss' = viewer.action ?? 'read'): Promise<FindingView> {
    if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError();
    const qb = this.ds
      .getRepository(Finding)
      .createQueryBuilder('f')
      .leftJoinAndSelect('f.official', 'o')
      .leftJoinAndSelect('o.person', 'op')
      .leftJoinAndSelect('f.household', 'h')
      .leftJoinAndSelect('f.person', 'p')
      .where('f.id = :id', { id });
    const f = await viewer.access.scope(qb, action, 'Finding', 'f').getOne();
    if (f) {
      const recused = await findingRecusedFor(this.ds.manager, viewer.access.ctx.recusal, f);
      if (viewer.access.can(action, 'Finding', { id: f.id, regionCode: f.regionCode, recused })) return view(f);
    }
    const withheld = f ?? (await viewer.access.scope(this.ds.getRepository(Finding).createQueryBuilder('f').where('f.id = :id', { id }), action, 'Finding', 'f', { ignoreRecusal: true }).getOne());
    if (withheld) {
      await this.ds.transaction((m) => this.audit.record(m, { actorUserId: viewer.userId, actorKind: 'user', action: 'recusal.blocked', recordType: 'finding', recordId: id, details: { access: action } }));
    }
    throw new NotFoundError();
  }

  /**
   * Dismisses an open finding with a reason (2–500 characters), audited in the same transaction.
   * A dismissed finding stays dismissed when later runs reproduce it.
   * @throws NotFoundError outside scope; ValidationFailedError for a missing reason;
   *   InvalidStateError `finding_not_open` when it is not open.
   */
  async dismiss(viewer: Viewer, id: number, reason: string): Promise<FindingView> {
    const text = cleanTypedText(reason);
    if (Array.from(text).length < 2 || Array.from(text).length > 500) throw new ValidationFailedError({ reason: '请填写排除理由（2 至 500 字）' });
    await this.get(viewer, id, 'dismiss');
    await this.ds.transaction(async (m) => {
      const res = await m
        .createQueryBuilder()
        .update(Finding)
        .set({ status: 'dismissed', dismissReason: text, reviewedByUserId: viewer.userId, reviewedAt: new Date(), updatedAt: new Date() })
        .where('id = :id AND status = :open', { id, open: 'open' })
        .execute();
      if (res.affected !== 1) throw new InvalidStateError('只能排除待核查状态的疑点', 'finding_not_open');
      await this.audit.record(m, { actorUserId: viewer.userId, actorKind: 'user', action: 'registry.finding.dismiss', recordType: 'finding', recordId: id, reason: text });
    });
    return this.get(viewer, id);
  }

  private scoped(viewer: Viewer, filters: FindingFilters): SelectQueryBuilder<Finding> {
    const fields: Record<string, string> = {};
    if (filters.type && !FINDING_TYPES.includes(filters.type)) fields.type = '未知的疑点类型';
    if (filters.status && !FINDING_STATUSES.includes(filters.status)) fields.status = '未知的状态';
    if (filters.region !== undefined && (!/^\d+$/.test(filters.region) || ![2, 4, 6, 9, 12].includes(filters.region.length))) fields.region = '区划应为 2、4、6、9 或 12 位代码前缀';
    if (filters.minScore !== undefined && !(Number.isInteger(filters.minScore) && filters.minScore >= 0 && filters.minScore <= 100)) fields.minScore = '分数应为 0 至 100 的整数';
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    // The policy's scope (region or grant, not recused) AND the requested region; disjoint → nothing.
    const qb = this.ds.getRepository(Finding).createQueryBuilder('f').where('f.score >= :min', { min: filters.minScore ?? DEFAULT_REVIEW_THRESHOLD });
    viewer.access.scope(qb, viewer.action ?? 'read', 'Finding', 'f');
    if (filters.region) qb.andWhere('f.region_code LIKE :regionLike', { regionLike: `${filters.region}%` });
    if (filters.type) qb.andWhere('f.type = :type', { type: filters.type });
    if (filters.status) qb.andWhere('f.status = :status', { status: filters.status });
    return qb;
  }
}

function view(f: Finding): FindingView {
  return {
    id: f.id,
    type: f.type,
    status: f.status,
    score: f.score,
    explanation: f.explanation,
    evidence: JSON.parse(f.evidence) as FindingEvidence[],
    regionCode: f.regionCode,
    official: { id: f.official.id, name: f.official.person?.name ?? '', position: f.official.position, role: f.official.role, regionCode: f.official.regionCode },
    household: { id: f.household.id, householdNo: f.household.householdNo, programme: f.household.programme, status: f.household.status },
    person: { id: f.person.id, name: f.person.name, idMasked: f.person.idMasked },
    dismissReason: f.dismissReason,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  };
}
