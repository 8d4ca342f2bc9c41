import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One rejected spreadsheet row of an import: row number (header = row 1), the group it belongs to
 * (户编号 for the roster), a stable reason code and a Chinese reason. The row's data is never stored.
 */
@Entity({ name: 'import_rejections' })
@Index('idx_import_rejections_job', ['jobId', 'rowNo'])
export class ImportRejection {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'job_id', type: 'integer' })
  jobId: number;

  @Column({ name: 'row_no', type: 'integer' })
  rowNo: number;

  @Column({ name: 'group_key', type: 'varchar', length: 64, nullable: true })
  groupKey: string | null;

  /** Codes of every problem of this row, comma-separated; the first is the main one. */
  @Column({ type: 'varchar', length: 200 })
  codes: string;

  @Column({ type: 'text' })
  reason: string;
}
