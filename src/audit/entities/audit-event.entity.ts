import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One event of the append-only audit trail (actor, time, action, record, reason), written in the
 * same transaction as the change it records. `prevHash`/`hash` chain the events (SHA-256).
 * Never contains reporter identities, ID numbers or report bodies.
 */
@Entity({ name: 'audit_events' })
@Index('idx_audit_record', ['recordType', 'recordId'])
@Index('idx_audit_actor', ['actorUserId', 'occurredAt'])
@Index('idx_audit_action', ['action', 'id'])
@Index('idx_audit_occurred', ['occurredAt'])
export class AuditEvent {
  /** Sequence number assigned under the chain-head lock (gap-free). */
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt: Date;

  @Column({ name: 'actor_user_id', type: 'integer', nullable: true })
  actorUserId: number | null;

  /** `user`, `citizen`, `system`, `cli`. */
  @Column({ name: 'actor_kind', type: 'varchar', length: 10 })
  actorKind: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'record_type', type: 'varchar', length: 32 })
  recordType: string;

  @Column({ name: 'record_id', type: 'varchar', length: 64 })
  recordId: string;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** JSON object with non-personal details (e.g. from/to office). */
  @Column({ type: 'text', nullable: true })
  details: string | null;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64, nullable: true })
  prevHash: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  hash: string | null;
}
