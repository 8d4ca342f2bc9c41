import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A real-name reporter's identity and contact, AES-256-GCM encrypted as one JSON document
 * ({ name, idNumber, phone, email? }). Never joined into lists; read only through custody (DESIGN.md §5).
 */
@Entity({ name: 'reporter_identities' })
@Index('idx_reporter_identities_id_hmac', ['idHmac'])
export class ReporterIdentity {
  @PrimaryColumn({ name: 'report_id', type: 'integer' })
  reportId: number;

  @Column({ type: 'text' })
  ciphertext: string;

  /** The system-wide ID HMAC (DESIGN.md §2), lower-case hex, for recusal checks. */
  @Column({ name: 'id_hmac', type: 'varchar', length: 64, nullable: true })
  idHmac: string | null;
}
