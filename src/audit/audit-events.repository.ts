import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ValidationFailedError, type FieldErrors } from '../common/domain-error.js';
import { AuditEvent } from './entities/audit-event.entity.js';

/**
 * The auditor's filters. Dates are calendar days in Asia/Shanghai (UTC+8, no daylight saving),
 * both ends included. `before` is the keyset cursor: only events with a smaller id (older).
 */
export interface AuditEventFilter {
  /** An action (`report.view`), or a prefix ending in `*` (`custody.*`). */
  action?: string;
  recordType?: string;
  recordId?: string;
  actorUserId?: number;
  /** `YYYY-MM-DD`, Asia/Shanghai. */
  from?: string;
  /** `YYYY-MM-DD`, Asia/Shanghai, included. */
  to?: string;
  before?: number;
  /** 1–200, default 50. */
  limit?: number;
}

/** One event as the auditor pages and the API show it. Events hold no personal data by design. */
export interface AuditEventView {
  id: number;
  /** ISO-8601, UTC. */
  occurredAt: string;
  actorUserId: number | null;
  actorKind: string;
  action: string;
  recordType: string;
  recordId: string;
  reason: string | null;
  /** The stored JSON object; the raw text when it is not valid JSON (an altered row). */
  details: unknown;
  prevHash: string | null;
  hash: string | null;
}

/** A page of events, newest first; `nextBefore` is the cursor of the next (older) page, or null. */
export interface AuditEventPage {
  events: AuditEventView[];
  nextBefore: number | null;
}

export const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;
const FILTER_KEYS = ['action', 'recordType', 'recordId', 'actorUserId', 'from', 'to', 'before', 'limit'] as const;
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/**
 * Parses the filters of a query string (page or API). Empty values mean "no filter".
 * @param strict reject unknown parameters (the API); pages ignore them.
 * @throws ValidationFailedError with Chinese field messages.
 */
export function parseAuditFilter(query: Record<string, unknown>, strict = false): AuditEventFilter {
  const fields: FieldErrors = {};
  const str = (k: string): string | undefined => {
    const v = query[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      fields[k] = '只能填写一个值';
      return undefined;
    }
    const t = v.trim();
    return t === '' ? undefined : t;
  };
  const positiveInt = (k: string, label: string): number | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    if (!/^\d{1,10}$/.test(v) || Number(v) < 1 || Number(v) > 2_147_483_647) {
      fields[k] = `${label}应为正整数`;
      return undefined;
    }
    return Number(v);
  };
  const day = (k: string, label: string): string | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const d = new Date(`${v}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) {
      fields[k] = `${label}应为日期，格式 YYYY-MM-DD`;
      return undefined;
    }
    return v;
  };
  const text = (k: string, label: string, max: number, prefix = false): string | undefined => {
    const v = str(k);
    if (v !== undefined && (v.length > max || !(prefix ? /^[A-Za-z0-9_.:-]+\*?$/ : /^[A-Za-z0-9_.:-]+$/).test(v))) {
      fields[k] = `${label}只能包含字母、数字和 _ . : -${prefix ? '（以 * 结尾表示前缀，如 custody.*）' : ''}，最长 ${max} 个字符`;
      return undefined;
    }
    return v;
  };
  if (strict) for (const k of Object.keys(query)) if (!(FILTER_KEYS as readonly string[]).includes(k)) fields[k] = '不支持的查询参数';
  const filter: AuditEventFilter = {
    action: text('action', '操作', 64, true),
    recordType: text('recordType', '记录类型', 32),
    recordId: text('recordId', '记录编号', 64),
    actorUserId: positiveInt('actorUserId', '操作人编号'),
    from: day('from', '起始日期'),
    to: day('to', '截止日期'),
    before: positiveInt('before', '翻页位置'),
    limit: positiveInt('limit', '每页条数'),
  };
  if (filter.recordId !== undefined && filter.recordType === undefined) fields.recordType = '按记录编号筛选时请同时填写记录类型';
  if (filter.limit !== undefined && filter.limit > MAX_PAGE_SIZE) fields.limit = `每页最多 ${MAX_PAGE_SIZE} 条`;
  if (filter.from && filter.to && filter.from > filter.to) fields.to = '截止日期不能早于起始日期';
  if (Object.keys(fields).length) throw new ValidationFailedError(fields, '筛选条件有误，请按提示修改');
  return filter;
}

/** Reads of the audit trail (the chain itself is written only by AuditService.record). */
@Injectable()
export class AuditEventsRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Events matching every given filter, newest first (by id, which follows commit order), one page.
   * Uses the indexes on (action, id), (record_type, record_id), (actor_user_id, occurred_at) and occurred_at.
   */
  async findPageNewestFirst(filter: AuditEventFilter): Promise<AuditEventPage> {
    const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
    const occurredAt = this.ds.getMetadata(AuditEvent).findColumnWithPropertyName('occurredAt')!;
    const asDbTime = (d: Date): unknown => this.ds.driver.preparePersistentValue(d, occurredAt);
    const qb = this.ds.getRepository(AuditEvent).createQueryBuilder('e');
    if (filter.action?.endsWith('*')) qb.andWhere("e.action LIKE :actionPrefix ESCAPE '!'", { actionPrefix: `${filter.action.slice(0, -1).replace(/[!%_]/g, (c) => `!${c}`)}%` });
    else if (filter.action !== undefined) qb.andWhere('e.action = :action', { action: filter.action });
    if (filter.recordType !== undefined) qb.andWhere('e.recordType = :recordType', { recordType: filter.recordType });
    if (filter.recordId !== undefined) qb.andWhere('e.recordId = :recordId', { recordId: filter.recordId });
    if (filter.actorUserId !== undefined) qb.andWhere('e.actorUserId = :actorUserId', { actorUserId: filter.actorUserId });
    if (filter.from !== undefined) qb.andWhere('e.occurredAt >= :from', { from: asDbTime(new Date(Date.parse(`${filter.from}T00:00:00Z`) - SHANGHAI_OFFSET_MS)) });
    if (filter.to !== undefined) qb.andWhere('e.occurredAt < :to', { to: asDbTime(new Date(Date.parse(`${filter.to}T00:00:00Z`) + 86_400_000 - SHANGHAI_OFFSET_MS)) });
    if (filter.before !== undefined) qb.andWhere('e.id < :before', { before: filter.before });
    const rows = await qb.orderBy('e.id', 'DESC').limit(limit + 1).getMany();
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    return { events: page.map(eventView), nextBefore: more ? page[page.length - 1].id : null };
  }
}

function eventView(e: AuditEvent): AuditEventView {
  let details: unknown = e.details;
  if (e.details !== null) {
    try {
      details = JSON.parse(e.details);
    } catch {
      details = e.details;
    }
  }
  const t = new Date(e.occurredAt);
  return {
    id: e.id,
    occurredAt: Number.isNaN(t.getTime()) ? String(e.occurredAt) : t.toISOString(),
    actorUserId: e.actorUserId,
    actorKind: e.actorKind,
    action: e.action,
    recordType: e.recordType,
    recordId: e.recordId,
    reason: e.reason,
    details,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
