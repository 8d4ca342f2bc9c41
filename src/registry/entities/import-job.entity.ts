import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers.js';

export const IMPORT_KINDS = ['roster', 'officials', 'kin', 'approvals'] as const;
/** roster = 低保名册; officials = 公职人员名单; kin = 近亲属备案; approvals = 审核审批记录. */
export type ImportKind = (typeof IMPORT_KINDS)[number];
export type ImportFormat = 'csv' | 'xlsx';
export type ImportJobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/**
 * One import of one file, run by the in-process worker (or synchronously by the CLI). Progress is
 * committed with each batch, so a job interrupted mid-way resumes after `resumeRow` (the last
 * spreadsheet row whose outcome is committed; header = row 1) and truncates its report file back to
 * `reportBytes`.
 */
@Entity({ name: 'import_jobs' })
@Index('idx_import_jobs_status', ['status', 'id'])
export class ImportJob {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'varchar', length: 16 })
  kind: ImportKind;

  @Column({ type: 'varchar', length: 16 })
  status: ImportJobStatus;

  /** Region prefix (2/4/6/9/12 digits) the file may cover; rows outside are rejected. */
  @Column({ name: 'scope_prefix', type: 'varchar', length: 12 })
  scopePrefix: string;

  /** Roster: 保障类别 of the scope (e.g. 农村低保); approvals: optional filter. */
  @Column({ type: 'varchar', length: 50, nullable: true })
  programme: string | null;

  /** Roster: the month `YYYY-MM` the file lists. */
  @Column({ type: 'varchar', length: 7, nullable: true })
  month: string | null;

  /** Original file name (shown to the uploader only). */
  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName: string;

  @Column({ name: 'file_format', type: 'varchar', length: 8 })
  fileFormat: ImportFormat;

  /** Detected text encoding of a CSV (`utf-8`, `gb18030`). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  encoding: string | null;

  /** File name of the uploaded source under `<dataDir>/registry-imports/` (deleted when the job ends). */
  @Column({ name: 'storage_key', type: 'varchar', length: 80 })
  storageKey: string;

  /** JSON `{ field: header }` overriding the standard Chinese headers. */
  @Column({ name: 'column_map', type: 'text', nullable: true })
  columnMap: string | null;

  @Column({ name: 'total_bytes', type: 'bigint', transformer: bigintNumber, default: 0 })
  totalBytes: number;

  @Column({ name: 'processed_bytes', type: 'bigint', transformer: bigintNumber, default: 0 })
  processedBytes: number;

  @Column({ name: 'processed_rows', type: 'integer', default: 0 })
  processedRows: number;

  @Column({ name: 'accepted_rows', type: 'integer', default: 0 })
  acceptedRows: number;

  @Column({ name: 'rejected_rows', type: 'integer', default: 0 })
  rejectedRows: number;

  /** Households (roster) or records accepted / rejected. */
  @Column({ name: 'accepted_groups', type: 'integer', default: 0 })
  acceptedGroups: number;

  @Column({ name: 'rejected_groups', type: 'integer', default: 0 })
  rejectedGroups: number;

  /** Roster: households of the scope closed because this newer month no longer lists them. */
  @Column({ name: 'closed_households', type: 'integer', default: 0 })
  closedHouseholds: number;

  /** Roster: sum of accepted households' monthly amounts, fen, each household once. */
  @Column({ name: 'amount_total_fen', type: 'bigint', transformer: bigintNumber, default: 0 })
  amountTotalFen: number;

  @Column({ name: 'resume_row', type: 'integer', default: 1 })
  resumeRow: number;

  @Column({ name: 'report_bytes', type: 'bigint', transformer: bigintNumber, default: 0 })
  reportBytes: number;

  /** A file-level warning in Chinese (e.g. the ID column was stored as numbers). */
  @Column({ type: 'text', nullable: true })
  notice: string | null;

  @Column({ name: 'error_code', type: 'varchar', length: 40, nullable: true })
  errorCode: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  @Column({ name: 'created_by_user_id', type: 'integer', nullable: true })
  createdByUserId: number | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'datetime', precision: 3, nullable: true })
  startedAt: Date | null;

  /** Renewed with every committed batch; a running job with an old heartbeat is taken over. */
  @Column({ name: 'heartbeat_at_ms', type: 'bigint', transformer: bigintNumber, default: 0 })
  heartbeatAtMs: number;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;
}
