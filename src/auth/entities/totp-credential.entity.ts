import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/**
 * A staff user's TOTP credential (RFC 6238: SHA-1, 6 digits, 30-second steps). While `enabledAt` is
 * null the credential is an enrolment in progress and does not count as a second factor.
 */
@Entity({ name: 'totp_credentials' })
export class TotpCredential {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId: number;

  /** The base32 secret, `encryptJson(config.secrets.encryptionKey, secret, 'totp:<userId>')`. */
  @Column({ name: 'secret_ciphertext', type: 'text' })
  secretCiphertext: string;

  /** When the user confirmed the enrolment with a code (UTC); null while pending. */
  @Column({ name: 'enabled_at', type: 'datetime', precision: 3, nullable: true })
  enabledAt: Date | null;

  /** The last accepted time step (floor(unix seconds / 30)): a code of this or an earlier step is refused (no replay). */
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true, transformer: bigintNumber })
  lastUsedStep: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
