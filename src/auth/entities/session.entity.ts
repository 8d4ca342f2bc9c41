import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

/** A server-side staff session (express-session store), shared by every instance through the database. */
@Entity({ name: 'sessions' })
@Index('idx_sessions_user', ['userId'])
@Index('idx_sessions_expires', ['expiresAt'])
export class SessionRecord {
  /** HMAC of the session id (lower-case hex), so a leaked table does not leak live cookies. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId: number | null;

  /** Epoch milliseconds (UTC). */
  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintNumber })
  expiresAt: number;

  @Column({ type: 'text' })
  data: string;
}
