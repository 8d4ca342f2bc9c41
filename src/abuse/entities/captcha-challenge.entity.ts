import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/** A single-use CAPTCHA challenge: only the HMAC of the answer is kept. */
@Entity({ name: 'captcha_challenges' })
export class CaptchaChallenge {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'answer_hmac', type: 'varchar', length: 64 })
  answerHmac: string;

  /** Epoch milliseconds (UTC). */
  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintNumber })
  expiresAt: number;
}
