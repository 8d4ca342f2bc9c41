import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { booleanFlag } from '../../database/transformers.js';

/**
 * An evidence file. The original is stored encrypted under `data/files/<storageKey>`; a cleaned copy
 * (metadata removed) under `<storageKey>.clean` when one could be made. While a no-JS form is being
 * corrected, the file belongs to a draft (draftHash set, reportId null) that expires.
 */
@Entity({ name: 'attachments' })
@Index('idx_attachments_report', ['reportId'])
@Index('idx_attachments_draft', ['draftHash'])
export class Attachment {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'report_id', type: 'integer', nullable: true })
  reportId: number | null;

  @Column({ name: 'message_id', type: 'integer', nullable: true })
  messageId: number | null;

  /** HMAC of the draft token while the file waits for a corrected form. */
  @Column({ name: 'draft_hash', type: 'varchar', length: 64, nullable: true })
  draftHash: string | null;

  @Column({ name: 'storage_key', type: 'varchar', length: 64, unique: true })
  storageKey: string;

  /** Exactly as the citizen named it (UTF-8, e.g. 低保名单-李家村.xlsx). */
  @Column({ name: 'original_name', type: 'varchar', length: 255 })
  originalName: string;

  /** Detected from the content, not the name. */
  @Column({ type: 'varchar', length: 100 })
  mime: string;

  @Column({ type: 'integer' })
  size: number;

  @Column({ name: 'has_clean_copy', type: 'boolean', default: false, transformer: booleanFlag })
  hasCleanCopy: boolean;

  /** `reporter` or `staff`. */
  @Column({ name: 'added_by', type: 'varchar', length: 10, default: 'reporter' })
  addedBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
