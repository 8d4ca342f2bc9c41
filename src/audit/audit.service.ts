import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditEvent } from './entities/audit-event.entity.js';
import { AuditChainHead } from './entities/audit-chain-head.entity.js';

/** What one audit event says. Details must hold no personal data (no names, ID numbers, contact, report text). */
export interface AuditEntry {
  actorUserId: number | null;
  actorKind: 'user' | 'citizen' | 'system' | 'cli';
  action: string;
  recordType: string;
  recordId: string | number;
  reason?: string | null;
  details?: Record<string, unknown> | null;
}

/** Hash of the empty chain (the `prevHash` of event 1). */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 over a canonical serialisation of an event and the previous hash. The serialisation is a
 * JSON array in fixed field order (times as ISO-8601 UTC with milliseconds), so it is byte-stable.
 */
export function auditEventHash(e: Pick<AuditEvent, 'id' | 'occurredAt' | 'actorUserId' | 'actorKind' | 'action' | 'recordType' | 'recordId' | 'reason' | 'details'>, prevHash: string): string {
  const canonical = JSON.stringify([e.id, new Date(e.occurredAt).toISOString(), e.actorUserId ?? null, e.actorKind, e.action, e.recordType, String(e.recordId), e.reason ?? null, e.details ?? null, prevHash]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/**
 * The append-only, hash-chained audit trail. Always called with the EntityManager of the transaction
 * that makes the change being recorded (house style habit 9), so the event and the change commit together.
 */
@Injectable()
export class AuditService {
  /** Appends one event. Takes the chain-head row lock for the rest of the caller's transaction. */
  async record(manager: EntityManager, entry: AuditEntry): Promise<AuditEvent> {
    if (!manager.queryRunner?.isTransactionActive) throw new Error('AuditService.record must run inside the transaction of the change it records');
    const heads = manager.getRepository(AuditChainHead);
    const qb = heads.createQueryBuilder('h').where('h.id = 1');
    // TypeORM refuses row locks on better-sqlite3; SQLite serialises writers on the file anyway.
    if (manager.connection.options.type !== 'better-sqlite3') qb.setLock('pessimistic_write');
    const head = await qb.getOne();
    const prevHash = head?.lastHash ?? GENESIS_HASH;
    const event = manager.getRepository(AuditEvent).create({
      id: (head?.lastId ?? 0) + 1,
      occurredAt: new Date(),
      actorUserId: entry.actorUserId,
      actorKind: entry.actorKind,
      action: entry.action,
      recordType: entry.recordType,
      recordId: String(entry.recordId),
      reason: entry.reason ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
      prevHash,
    });
    event.hash = auditEventHash(event, prevHash);
    await manager.getRepository(AuditEvent).insert(event);
    if (head) await heads.update({ id: 1 }, { lastId: event.id, lastHash: event.hash });
    else await heads.insert({ id: 1, lastId: event.id, lastHash: event.hash });
    return event;
  }
}
