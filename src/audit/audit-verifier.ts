import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { GENESIS_HASH, auditEventHash } from './audit.service.js';
import { AuditEvent } from './entities/audit-event.entity.js';

/**
 * What went wrong first:
 * - `content_altered`: the event's stored hash is not the hash of its stored fields (a column was edited);
 * - `link_broken`: the event is self-consistent but its `prevHash` is not the previous event's hash
 *   (the previous event was altered and re-hashed, or this event's link was rewritten);
 * - `gap`: events are missing (deleted) — `firstBadId` is the first missing id; also a deletion
 *   whose later events were renumbered to close the hole;
 * - `order`: the event is intact but sits at another id than the one it was written with (ids or
 *   contents of two events exchanged);
 * - `head_mismatch`: the chain-head row does not match the last event (missing, rewound or rewritten).
 */
export type AuditChainProblem = 'content_altered' | 'link_broken' | 'gap' | 'order' | 'head_mismatch';

/** Result of {@link AuditVerifier.verify}. `events` counts the events checked and found good. */
export type AuditVerification =
  | { ok: true; events: number; lastId: number; lastHash: string }
  | { ok: false; events: number; firstBadId: number; problem: AuditChainProblem; detail: string };

/** One stored row as the verifier reads it (raw SQL, hydrated like TypeORM would). */
interface ChainRow {
  id: number;
  occurredAt: Date;
  actorUserId: number | null;
  actorKind: string;
  action: string;
  recordType: string;
  recordId: string;
  reason: string | null;
  details: string | null;
  prevHash: string | null;
  hash: string | null;
}

/** How far (in ids) a moved event is looked for: 2 × 100,000 hashes, about a quarter of a second. */
const MOVE_SEARCH_DISTANCE = 100_000;

const SELECT_ROWS =
  'SELECT id, occurred_at AS occurredAt, actor_user_id AS actorUserId, actor_kind AS actorKind, action, record_type AS recordType, record_id AS recordId, reason, details, prev_hash AS prevHash, hash FROM audit_events';

/**
 * Walks the hash chain of `audit_events` in id order and names the first event whose content or
 * link was altered. Memory is bounded: rows are read by keyset pagination (`id > last` … `LIMIT n`),
 * one batch at a time; only the previous hash is carried over. Reads need no lock and no long
 * transaction, so the portal keeps writing while it runs: the walk stops at the head it read first
 * (events appended later are outside this run), and a second look at the head at the end catches a
 * head that was rewound behind existing events.
 *
 * What it cannot see: an attacker with write access who rewrites every hash from the altered event
 * to the head (the chain is self-certifying). Keep the printed `lastId`/`lastHash` somewhere else
 * (paper, another system) and compare later runs with them to close that gap.
 */
@Injectable()
export class AuditVerifier {
  private readonly occurredAtColumn: ColumnMetadata;

  constructor(private readonly ds: DataSource) {
    this.occurredAtColumn = ds.getMetadata(AuditEvent).findColumnWithPropertyName('occurredAt')!;
  }

  /**
   * @param opts.batchSize rows read per query (default 5,000).
   * @returns `{ ok: true, events, lastId, lastHash }` for an intact chain (an empty chain is
   *   `{ ok: true, events: 0, lastId: 0, lastHash: GENESIS_HASH }`), else the first problem found.
   */
  async verify(opts: { batchSize?: number } = {}): Promise<AuditVerification> {
    const batchSize = opts.batchSize ?? 5000;
    const head = await this.readHead();
    let limitId = head?.lastId;
    if (limitId === undefined) limitId = await this.maxId();
    let expected = 1;
    let prevHash = GENESIS_HASH;
    let lastSeen = 0;
    for (;;) {
      const rows = await this.readRows(lastSeen, limitId, batchSize);
      if (!rows.length) break;
      for (const row of rows) {
        const good = expected - 1;
        if (row.id !== expected) {
          return fail(good, expected, 'gap', `事件 #${expected}${row.id - 1 > expected ? `–#${row.id - 1}` : ''} 缺失（已被删除）/ event(s) #${expected}${row.id - 1 > expected ? `–#${row.id - 1}` : ''} missing (deleted)`);
        }
        if (row.hash !== hashOf(row)) return this.diagnoseAltered(row, good, limitId);
        if (row.prevHash !== prevHash) {
          return fail(
            good,
            row.id,
            'link_broken',
            `事件 #${row.id} 记录的前一哈希与事件 #${row.id - 1} 的哈希不符：#${row.id - 1} 被改动后重算了哈希，或 #${row.id} 的链接被改写 / ` +
              `the previous hash stored in event #${row.id} is not the hash of event #${row.id - 1}: #${row.id - 1} was altered and re-hashed, or the link of #${row.id} was rewritten`,
          );
        }
        prevHash = row.hash;
        expected += 1;
      }
      lastSeen = rows[rows.length - 1].id;
      if (rows.length < batchSize) break;
    }
    const count = expected - 1;
    if (count < limitId) {
      return fail(count, expected, 'gap', `事件 #${expected}–#${limitId} 缺失（链头记录到 #${limitId}）/ events #${expected}–#${limitId} missing (the head records #${limitId})`);
    }
    if (!head) {
      if (count === 0) return { ok: true, events: 0, lastId: 0, lastHash: GENESIS_HASH };
      return fail(count, count, 'head_mismatch', `链头记录缺失，但有 ${count} 个事件 / the chain-head row is missing but there are ${count} events`);
    }
    if (head.lastHash !== prevHash) {
      return fail(count, head.lastId, 'head_mismatch', `链头记录的哈希与事件 #${head.lastId} 的哈希不符 / the head's hash is not the hash of event #${head.lastId}`);
    }
    // Events committed so far all had the head at or past their id when they committed (same
    // transaction), and the head only grows: read the highest id first, then the head.
    const maxNow = await this.maxId();
    const headNow = await this.readHead();
    if (!headNow || maxNow > headNow.lastId) {
      return fail(count, (headNow?.lastId ?? 0) + 1, 'head_mismatch', `存在链头之后的事件（链头 #${headNow?.lastId ?? '—'}，最大 #${maxNow}）：链头被回退 / events exist past the head (head #${headNow?.lastId ?? '—'}, highest #${maxNow}): the head was rewound`);
    }
    return { ok: true, events: count, lastId: count, lastHash: prevHash };
  }

  /**
   * The row's own hash does not match. If the row is intact under another id it was moved
   * (`order`) — or, when the next row is shifted by the same distance, events before it were
   * deleted and the rest renumbered (`gap`). Otherwise a column was edited (`content_altered`).
   */
  private async diagnoseAltered(row: ChainRow, good: number, limitId: number): Promise<AuditVerification> {
    const original = this.originalIdOf(row, Math.max(limitId, row.id) + 1);
    if (original !== undefined) {
      const shift = original - row.id;
      const [next] = await this.readRows(row.id, row.id + 1, 1);
      const nextShifted = next && next.hash === hashOf(next, next.id + shift);
      if (shift > 0 && nextShifted) {
        return fail(good, row.id, 'gap', `原事件 #${row.id}–#${original - 1} 被删除，其后事件被重新编号 / original event(s) #${row.id}–#${original - 1} were deleted and the later events renumbered`);
      }
      return fail(good, row.id, 'order', `编号为 #${row.id} 的事件原本是 #${original}，顺序被调换 / the event stored as #${row.id} was written as #${original}: events were reordered`);
    }
    return fail(good, row.id, 'content_altered', `事件 #${row.id} 的内容与其哈希不符（内容被改动）/ the content of event #${row.id} does not match its hash (altered)`);
  }

  /**
   * Another id under which the row's stored hash is right, searched nearest first up to `maxId` and
   * at most {@link MOVE_SEARCH_DISTANCE} away (a farther move is reported as `content_altered`).
   */
  private originalIdOf(row: ChainRow, maxId: number): number | undefined {
    if (!row.hash) return undefined;
    for (let d = 1; d <= MOVE_SEARCH_DISTANCE && (row.id - d >= 1 || row.id + d <= maxId); d++) {
      for (const k of [row.id + d, row.id - d]) {
        if (k >= 1 && k <= maxId && hashOf(row, k) === row.hash) return k;
      }
    }
    return undefined;
  }

  private async readHead(): Promise<{ lastId: number; lastHash: string } | undefined> {
    const [head] = (await this.ds.query('SELECT last_id AS lastId, last_hash AS lastHash FROM audit_chain_head WHERE id = 1')) as Array<{ lastId: number | string; lastHash: string }>;
    return head ? { lastId: Number(head.lastId), lastHash: head.lastHash } : undefined;
  }

  private async maxId(): Promise<number> {
    const [r] = (await this.ds.query('SELECT MAX(id) AS m FROM audit_events')) as Array<{ m: number | string | null }>;
    return Number(r?.m ?? 0);
  }

  /** Rows with `after < id <= upTo`, in id order, at most `limit`. */
  private async readRows(after: number, upTo: number, limit: number): Promise<ChainRow[]> {
    const raw = (await this.ds.query(`${SELECT_ROWS} WHERE id > ? AND id <= ? ORDER BY id LIMIT ${Number(limit)}`, [after, upTo])) as Array<Record<string, unknown>>;
    const driver = this.ds.driver;
    return raw.map((r) => ({
      id: Number(r.id),
      occurredAt: driver.prepareHydratedValue(r.occurredAt, this.occurredAtColumn) as Date,
      actorUserId: r.actorUserId === null || r.actorUserId === undefined ? null : Number(r.actorUserId),
      actorKind: r.actorKind as string,
      action: r.action as string,
      recordType: r.recordType as string,
      recordId: r.recordId as string,
      reason: (r.reason as string | null) ?? null,
      details: (r.details as string | null) ?? null,
      prevHash: (r.prevHash as string | null) ?? null,
      hash: (r.hash as string | null) ?? null,
    }));
  }
}

/** The hash the row should carry (under `id`, default its own); '' when a field cannot even be read (e.g. a date edited into garbage). */
function hashOf(row: ChainRow, id = row.id): string {
  try {
    return auditEventHash({ ...row, id }, row.prevHash ?? '');
  } catch {
    return '';
  }
}

function fail(events: number, firstBadId: number, problem: AuditChainProblem, detail: string): AuditVerification {
  return { ok: false, events, firstBadId, problem, detail };
}
