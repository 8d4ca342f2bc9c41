import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The single row that serialises audit writers (SELECT … FOR UPDATE) so two instances never fork the chain. */
@Entity({ name: 'audit_chain_head' })
export class AuditChainHead {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'last_id', type: 'integer' })
  lastId: number;

  @Column({ name: 'last_hash', type: 'varchar', length: 64 })
  lastHash: string;
}
