import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditEvent } from './entities/audit-event.entity.js';
import { AuditChainHead } from './entities/audit-chain-head.entity.js';
import { insertRows } from '../database/insert-rows.js';

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
    // Row lock on MySQL/MariaDB; SQLite serialises writers on the file anyway (and has no FOR UPDATE).
    // Plain SQL: this runs inside every audited change, so it stays cheap (see insertRows).
    const lock = manager.connection.options.type === 'mysql' ? ' FOR UPDATE' : '';
    const [head] = (await manager.query(`SELECT last_id AS lastId, last_hash AS lastHash FROM audit_chain_head WHERE id = 1${lock}`)) as Array<{ lastId: number; lastHash: string }>;
    const prevHash = head?.lastHash ?? GENESIS_HASH;
    const event = manager.getRepository(AuditEvent).create({
      id: Number(head?.lastId ?? 0) + 1,
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
    await insertRows(manager, AuditEvent, event);
    if (head) await manager.query('UPDATE audit_chain_head SET last_id = ?, last_hash = ? WHERE id = 1', [event.id, event.hash]);
    else await insertRows(manager, AuditChainHead, { id: 1, lastId: event.id, lastHash: event.hash });
    return event;
  }
}
