import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/**
 * A fixed-window counter for rate limits when no Redis is configured. The key is an HMAC of
 * (limit name, client address) that expires with its window: addresses are never stored in clear.
 */
@Entity({ name: 'rate_limit_buckets' })
export class RateLimitBucket {
  @PrimaryColumn({ type: 'varchar', length: 80 })
  key: string;

  @Column({ type: 'integer' })
  hits: number;

  /** Epoch milliseconds (UTC) when the window ends. */
  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintNumber })
  expiresAt: number;
}
