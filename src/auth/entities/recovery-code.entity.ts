import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One single-use recovery code of a staff user's second factor. Only an HMAC of the code is stored. */
@Entity({ name: 'recovery_codes' })
@Index('idx_recovery_codes_user', ['userId'])
export class RecoveryCode {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  /** `hmacHex(recovery-code key, 'recovery:<userId>:<normalised code>')`, lower-case hex. */
  @Index('uq_recovery_codes_hash', { unique: true })
  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash: string;

  /** When the code was spent (UTC); null while unused. */
  @Column({ name: 'used_at', type: 'datetime', precision: 3, nullable: true })
  usedAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
