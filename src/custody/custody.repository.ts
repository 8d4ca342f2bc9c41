import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, MoreThan, type EntityManager } from 'typeorm';
import { Attachment } from '../reports/entities/attachment.entity.js';
import { ReporterIdentity } from '../reports/entities/reporter-identity.entity.js';
import { Report } from '../reports/entities/report.entity.js';
import { User } from '../users/entities/user.entity.js';
import { RevealRequest, type RevealStatus } from './entities/reveal-request.entity.js';

/** How a request stands now: the stored status, or `expired` for an approval past its end. */
export type RevealState = RevealStatus | 'expired';

export const REVEAL_STATE_LABELS: Record<RevealState, string> = {
  pending: '待审批',
  approved: '已批准',
  refused: '未批准',
  expired: '已过期',
};

/** The state of `r` at `now` (UTC). */
export function revealState(r: Pick<RevealRequest, 'status' | 'expiresAt'>, now: Date): RevealState {
  if (r.status === 'approved' && (!r.expiresAt || r.expiresAt.getTime() <= now.getTime())) return 'expired';
  return r.status;
}

/** What the report page shows the current user about their own reveal requests on that report. */
export interface CustodyPanel {
  /** The user may ask now: nothing pending, no open reveal, and there is something to reveal. */
  canRequest: boolean;
  /** Neither an identity nor evidence files: nothing to ask for. */
  nothingToReveal: boolean;
  pending: { id: number; requestedAt: Date; reason: string } | null;
  /** The open reveal (approved, not expired). */
  active: { id: number; expiresAt: Date } | null;
  history: { id: number; state: RevealState; stateLabel: string; requestedAt: Date; reason: string; decidedAt: Date | null; decisionReason: string | null; expiresAt: Date | null }[];
}

/**
 * Reads and writes of reveal requests (DESIGN.md §5, identity custody), the encrypted identity row and
 * the attachment rows of a report. It knows nothing about scope: callers check the report first (through
 * the intake scope). Nothing here decrypts.
 */
@Injectable()
export class CustodyRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Requests of `userId` on `reportId`, newest first (at most 20). */
  requestsOf(reportId: number, userId: number, manager?: EntityManager): Promise<RevealRequest[]> {
    return (manager ?? this.ds.manager).getRepository(RevealRequest).find({ where: { reportId, requesterUserId: userId }, order: { id: 'DESC' }, take: 20 });
  }

  /** Every open reveal of `userId` at `now` (approved, `expiresAt` later than `now`): the access layer's field grants. */
  async openRevealsOf(userId: number, now: Date): Promise<RevealRequest[]> {
    return this.ds.getRepository(RevealRequest).find({ where: { requesterUserId: userId, status: 'approved', expiresAt: MoreThan(now) }, order: { id: 'ASC' } });
  }

  /** The open reveal of `userId` on `reportId` at `now`: approved and `expiresAt` later than `now`; else null. */
  activeGrant(reportId: number, userId: number, now: Date): Promise<RevealRequest | null> {
    return this.ds.getRepository(RevealRequest).findOne({ where: { reportId, requesterUserId: userId, status: 'approved', expiresAt: MoreThan(now) }, order: { id: 'DESC' } });
  }

  /** The panel of the report page for `userId` (their own requests only). */
  async panelFor(reportId: number, userId: number, revealable: boolean, now = new Date()): Promise<CustodyPanel> {
    const rows = await this.requestsOf(reportId, userId);
    const pending = rows.find((r) => r.status === 'pending') ?? null;
    const active = rows.find((r) => revealState(r, now) === 'approved') ?? null;
    return {
      canRequest: revealable && !pending && !active,
      nothingToReveal: !revealable,
      pending: pending ? { id: pending.id, requestedAt: pending.requestedAt, reason: pending.reason } : null,
      active: active ? { id: active.id, expiresAt: active.expiresAt! } : null,
      history: rows.map((r) => {
        const state = revealState(r, now);
        return { id: r.id, state, stateLabel: REVEAL_STATE_LABELS[state], requestedAt: r.requestedAt, reason: r.reason, decidedAt: r.decidedAt, decisionReason: r.decisionReason, expiresAt: r.expiresAt };
      }),
    };
  }

  /** Inserts a pending request inside the caller's transaction. @returns the saved row. */
  insertPending(m: EntityManager, row: { reportId: number; requesterUserId: number; reason: string; requestedAt: Date }): Promise<RevealRequest> {
    const repo = m.getRepository(RevealRequest);
    return repo.save(repo.create({ ...row, status: 'pending', decidedByUserId: null, decisionReason: null, decidedAt: null, expiresAt: null }));
  }

  /** One request by id, or null. */
  findById(id: number, manager?: EntityManager): Promise<RevealRequest | null> {
    if (!Number.isSafeInteger(id) || id <= 0) return Promise.resolve(null);
    return (manager ?? this.ds.manager).getRepository(RevealRequest).findOneBy({ id });
  }

  /**
   * Records a decision on a request that is still pending, inside the caller's transaction. The update
   * is conditional (`status = 'pending'`), so of two custodians deciding at once only one succeeds.
   * @returns whether this call decided it.
   */
  async decide(m: EntityManager, id: number, d: { status: 'approved' | 'refused'; decidedByUserId: number; decisionReason: string; decidedAt: Date; expiresAt: Date | null }): Promise<boolean> {
    const r = await m.createQueryBuilder().update(RevealRequest).set(d).where('id = :id AND status = :pending', { id, pending: 'pending' }).execute();
    return (r.affected ?? 0) === 1;
  }

  /** Pending requests, oldest first (at most `limit`), for the custodians' queue (the caller filters by scope). */
  pending(limit = 500): Promise<RevealRequest[]> {
    return this.ds.getRepository(RevealRequest).find({ where: { status: 'pending' }, order: { id: 'ASC' }, take: limit });
  }

  /** Decided requests, newest first (at most `limit`; the caller filters by scope). */
  recentlyDecided(limit = 200): Promise<RevealRequest[]> {
    return this.ds.getRepository(RevealRequest).find({ where: { status: In(['approved', 'refused']) }, order: { decidedAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** Display names of users by id. */
  async userNames(ids: number[]): Promise<Map<number, string>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const users = await this.ds.getRepository(User).find({ where: { id: In(unique) }, select: { id: true, displayName: true, username: true } });
    return new Map(users.map((u) => [u.id, `${u.displayName}（${u.username}）`]));
  }

  /** Category, region and kind of reports (no content), for the custodians' queue. */
  async reportSummaries(ids: number[]): Promise<Map<number, Pick<Report, 'id' | 'category' | 'kind' | 'regionCode' | 'anonymous' | 'status'>>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const rows = await this.ds.getRepository(Report).find({ where: { id: In(unique) }, select: { id: true, category: true, kind: true, regionCode: true, anonymous: true, status: true } });
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** The encrypted identity row of a report, or null (anonymous). */
  identityOf(reportId: number): Promise<ReporterIdentity | null> {
    return this.ds.getRepository(ReporterIdentity).findOne({ where: { reportId }, select: { reportId: true, ciphertext: true } });
  }

  /** Whether the report has an identity row or evidence files (something a reveal would open). */
  async hasSomethingToReveal(reportId: number, manager?: EntityManager): Promise<boolean> {
    const m = manager ?? this.ds.manager;
    const [identity, files] = await Promise.all([m.getRepository(ReporterIdentity).countBy({ reportId }), m.getRepository(Attachment).countBy({ reportId })]);
    return identity + files > 0;
  }

  /** Evidence files of a report, oldest first. */
  attachmentsOf(reportId: number): Promise<Attachment[]> {
    return this.ds.getRepository(Attachment).find({ where: { reportId }, order: { id: 'ASC' } });
  }

  /** One evidence file of a report, or null. */
  attachmentOf(reportId: number, attachmentId: number): Promise<Attachment | null> {
    if (!Number.isSafeInteger(attachmentId) || attachmentId <= 0) return Promise.resolve(null);
    return this.ds.getRepository(Attachment).findOneBy({ id: attachmentId, reportId });
  }
}
