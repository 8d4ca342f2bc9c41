import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** States of a reveal request. `expired` is not stored: it is an `approved` request past `expiresAt`. */
export const REVEAL_STATUSES = ['pending', 'approved', 'refused'] as const;
export type RevealStatus = (typeof REVEAL_STATUSES)[number];

/**
 * A handler's request to see a report's reporter identity and original (uncleaned) evidence files
 * (DESIGN.md §5, reporter identity custody): asked with a reason, approved or refused with a reason by
 * an `identity_custodian` who is not the requester; an approval opens the identity to the requester
 * only, for this report only, until `expiresAt` (UTC).
 */
@Entity({ name: 'reveal_requests' })
@Index('idx_reveal_requests_report_requester', ['reportId', 'requesterUserId'])
@Index('idx_reveal_requests_status', ['status', 'id'])
export class RevealRequest {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'report_id', type: 'integer' })
  reportId: number;

  @Column({ name: 'requester_user_id', type: 'integer' })
  requesterUserId: number;

  /** Why the requester needs the identity (staff text, internal). */
  @Column({ type: 'text' })
  reason: string;

  /** {@link RevealStatus}. */
  @Column({ type: 'varchar', length: 16 })
  status: RevealStatus;

  /** UTC. */
  @Column({ name: 'requested_at', type: 'datetime', precision: 3 })
  requestedAt: Date;

  @Column({ name: 'decided_by_user_id', type: 'integer', nullable: true })
  decidedByUserId: number | null;

  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason: string | null;

  /** UTC. */
  @Column({ name: 'decided_at', type: 'datetime', precision: 3, nullable: true })
  decidedAt: Date | null;

  /** End of the approved reveal (UTC): `decidedAt` + `REVEAL_HOURS`. Null unless approved. */
  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt: Date | null;
}
