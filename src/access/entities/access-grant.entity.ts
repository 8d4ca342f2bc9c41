import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An explicit grant (指定管辖, DESIGN.md §5): `userId` may handle matters of the region
 * `regionPrefix` (a division code cut by its level) as if it were in their own scope, from
 * `validFrom` until `validUntil` (null: open-ended) unless revoked. Times are UTC.
 */
@Entity({ name: 'access_grants' })
@Index('idx_access_grants_user', ['userId', 'revokedAt'])
export class AccessGrant {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  /** The granted region, 12 digits. */
  @Column({ name: 'region_code', type: 'varchar', length: 12 })
  regionCode: string;

  @Column({ name: 'region_level', type: 'integer' })
  regionLevel: number;

  /** {@link regionCode} cut by its level (2/4/6/9/12 digits). */
  @Column({ name: 'region_prefix', type: 'varchar', length: 12 })
  regionPrefix: string;

  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'granted_by_user_id', type: 'integer', nullable: true })
  grantedByUserId: number | null;

  @Column({ name: 'valid_from', type: 'datetime', precision: 3 })
  validFrom: Date;

  @Column({ name: 'valid_until', type: 'datetime', precision: 3, nullable: true })
  validUntil: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by_user_id', type: 'integer', nullable: true })
  revokedByUserId: number | null;

  @Column({ name: 'revoke_reason', type: 'text', nullable: true })
  revokeReason: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  /** Whether the grant is in force at `now`. */
  activeAt(now: Date): boolean {
    return !this.revokedAt && this.validFrom.getTime() <= now.getTime() && (!this.validUntil || now.getTime() < this.validUntil.getTime());
  }
}
