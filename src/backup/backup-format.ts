import { createHash, createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

/**
 * The backup container (format version 1): ONE gzip file of JSON lines, one record per line, in
 * this order:
 *
 *   {"t":"manifest", …BackupManifest}
 *   {"t":"keys", "source": "secrets.json"|"environment", "secrets": {sessionSecret, encryptionKey, …}}   (optional)
 *   {"t":"table", "name": "users", "columns": ["id", "username", …]}
 *   {"t":"rows", "rows": [[typed value, …], …]}          (0..n per table, ≤ 500 rows each)
 *   …next table…
 *   {"t":"file", "path": "ab12….clean", "mode": 384, "size": 1234}
 *   {"t":"chunk", "data": "<base64, ≤ 1 MiB>"}           (0..n per file)
 *   …next file…
 *   {"t":"end", "lines": N, "sha256": "<hex of every preceding line + \n>"}
 *
 * Typed values (so dates, bigints, booleans and binary data round-trip between SQLite and
 * MySQL/MariaDB): JSON null/number/string/boolean as themselves; `{"$d": ISO-8601 UTC}` a date;
 * `{"$b": base64}` bytes; `{"$n": "digits"}` a bigint; `{"$j": value}` a JSON column's object.
 * Values are entity property values (after TypeORM's hydration and the columns' transformers),
 * written back through the same driver and transformers, so each database stores its own form.
 *
 * The `end` record makes truncation and edits detectable (gzip's CRC-32 catches bit rot).
 */
export const BACKUP_FORMAT_VERSION = 1;

export interface BackupManifest {
  format: 'qingfeng-backup';
  version: number;
  /** UTC, ISO-8601. */
  createdAt: string;
  databaseKind: 'sqlite' | 'mysql';
  /** Names of the migrations applied to the backed-up database, in order of execution. */
  migrations: string[];
  /** Rows per table (table name → count), read in the same snapshot as the rows. */
  rowCounts: Record<string, number>;
  /** Files under `<dataDir>/files/` in the backup. */
  fileCount: number;
  /** The audit chain head at the snapshot: last event id and its hash (0 and the genesis hash when empty). */
  auditChain: { lastId: number; lastHash: string };
  /** Where the keys of the source lived and whether they are in this file. */
  keys: { source: 'secrets.json' | 'environment'; included: boolean; fingerprint: string };
}

export type BackupRecord =
  | ({ t: 'manifest' } & BackupManifest)
  | { t: 'keys'; source: 'secrets.json' | 'environment'; secrets: Record<string, string> }
  | { t: 'table'; name: string; columns: string[] }
  | { t: 'rows'; rows: unknown[][] }
  | { t: 'file'; path: string; mode: number; size: number }
  | { t: 'chunk'; data: string }
  | { t: 'end'; lines: number; sha256: string };

/** A backup file that cannot be used: unreadable, truncated, altered, or of an unknown format. */
export class BackupFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupFormatError';
  }
}

/** Encodes one entity property value as a typed JSON value (see the format comment). */
export function encodeValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new Error('invalid date in a row');
    return { $d: v.toISOString() };
  }
  if (Buffer.isBuffer(v)) return { $b: v.toString('base64') };
  if (v instanceof Uint8Array) return { $b: Buffer.from(v).toString('base64') };
  if (typeof v === 'bigint') return { $n: v.toString() };
  if (typeof v === 'object') return { $j: v };
  return v;
}

/** Inverse of {@link encodeValue}. */
export function decodeValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  if ('$d' in o) return new Date(String(o.$d));
  if ('$b' in o) return Buffer.from(String(o.$b), 'base64');
  if ('$n' in o) return String(o.$n);
  if ('$j' in o) return o.$j;
  throw new BackupFormatError('备份文件中有无法识别的取值 / unknown typed value in the backup');
}

/**
 * A fingerprint of the keys that encrypt and index the data (encryption, receipt HMAC, ID HMAC):
 * an HMAC of a fixed label under each key. It tells whether a restored portal has the right keys
 * without revealing them.
 */
export function keyFingerprint(secrets: { encryptionKey: Buffer; receiptHmacKey: Buffer; idHmacKey: Buffer }): string {
  const h = createHash('sha256');
  for (const k of [secrets.encryptionKey, secrets.receiptHmacKey, secrets.idHmacKey]) h.update(createHmac('sha256', k).update('qingfeng:backup-key-check').digest());
  return h.digest('hex').slice(0, 32);
}

/**
 * Reads a backup file record by record (streaming: one line in memory at a time), checking the
 * running SHA-256 against the `end` record.
 * @throws BackupFormatError (Chinese / English message) for an unreadable, truncated or altered file.
 */
export async function* readBackup(file: string): AsyncGenerator<BackupRecord> {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  let streamError: Error | undefined;
  input.on('error', (e) => {
    streamError = e;
    gunzip.destroy(e);
  });
  input.pipe(gunzip);
  const lines = createInterface({ input: gunzip, crlfDelay: Infinity });
  const hash = createHash('sha256');
  let count = 0;
  let ended = false;
  try {
    for await (const line of lines) {
      if (ended) throw new BackupFormatError('备份文件在结束标记之后还有内容 / data after the end record');
      let rec: BackupRecord;
      try {
        rec = JSON.parse(line) as BackupRecord;
      } catch {
        throw new BackupFormatError(`备份文件第 ${count + 1} 行已损坏 / line ${count + 1} of the backup is corrupted`);
      }
      if (count === 0 && (rec.t !== 'manifest' || rec.format !== 'qingfeng-backup')) throw new BackupFormatError('这不是清风备份文件 / not a Qingfeng backup file');
      if (rec.t === 'end') {
        if (rec.lines !== count || rec.sha256 !== hash.digest('hex')) throw new BackupFormatError('备份文件校验和不符，文件已被改动或损坏 / backup checksum mismatch: the file was altered or corrupted');
        ended = true;
      } else {
        hash.update(line).update('\n');
        count += 1;
      }
      yield rec;
    }
  } catch (e) {
    if (e instanceof BackupFormatError) throw e;
    const err = streamError ?? (e as Error);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupFormatError(`找不到备份文件 / backup file not found: ${file}`);
    throw new BackupFormatError(`备份文件无法读取或已损坏 / backup file unreadable or corrupted (${(err as NodeJS.ErrnoException).code ?? err.message})`);
  } finally {
    input.destroy();
  }
  if (streamError) throw new BackupFormatError(`备份文件无法读取 / backup file unreadable (${(streamError as NodeJS.ErrnoException).code ?? streamError.message})`);
  if (!ended) throw new BackupFormatError('备份文件不完整（缺少结束标记），可能在写入时中断 / backup file is incomplete (no end record): it was truncated');
}
