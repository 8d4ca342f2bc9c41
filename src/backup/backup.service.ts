import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { createGzip } from 'node:zlib';
import { DataSource, type DataSourceOptions, type EntityMetadata, type QueryRunner } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type { AppConfig } from '../config/app-config.js';
import { AuditVerifier, type AuditVerification } from '../audit/audit-verifier.js';
import { GENESIS_HASH } from '../audit/audit.service.js';
import { buildDataSourceOptions } from '../database/data-source-options.js';
import { ALL_ENTITIES } from '../database/entities.js';
import { runMigrations } from '../database/migrate.js';
import { prepareDatabase } from '../database/prepare-database.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { BACKUP_FORMAT_VERSION, BackupFormatError, decodeValue, encodeValue, keyFingerprint, readBackup, type BackupManifest, type BackupRecord } from './backup-format.js';

/** Rows read per query and written per `rows` record / INSERT statement. */
const BATCH = 500;
const CHUNK_BYTES = 1024 * 1024;
const SECRET_NAMES = ['sessionSecret', 'encryptionKey', 'receiptHmacKey', 'idHmacKey', 'clientHashKey'] as const;
/** Tables whose rows make a target "not empty" (restore refuses without --force). */
const GUARD_TABLES = ['users', 'reports', 'audit_events'];

export const KEY_WARNING = [
  '警告 / WARNING: 丢失 ENCRYPTION_KEY 即永久丢失全部举报人身份信息和证据文件，无法恢复。',
  '  Losing ENCRYPTION_KEY loses every reporter identity and every evidence file, for good.',
  '  密钥应与备份分开保存（不同的介质、不同的保管人）/ store the keys apart from the backups (other media, other custodian).',
];

/** A restore refused before anything was written (target not empty, keys unavailable, version mismatch). */
export class RestoreRefusedError extends Error {}

export interface BackupResult {
  manifest: BackupManifest;
  file: string;
}

/** Where this portal's keys live: `secrets.json` (development, generated) or the environment (production). */
function keySource(config: AppConfig): 'secrets.json' | 'environment' {
  return config.env !== 'production' && existsSync(join(config.dataDir, 'secrets.json')) ? 'secrets.json' : 'environment';
}

/** The entity tables in dependency order (the order of ALL_ENTITIES: parents first). */
function entityTables(ds: DataSource): EntityMetadata[] {
  const seen = new Set<string>();
  return ALL_ENTITIES.map((e) => ds.getMetadata(e)).filter((m) => m.tableType === 'regular' && !seen.has(m.tableName) && seen.add(m.tableName));
}

/** One column per database column (a relation's join column and its plain id column share one). */
function tableColumns(meta: EntityMetadata): ColumnMetadata[] {
  const byName = new Map<string, ColumnMetadata>();
  for (const c of meta.columns) {
    if (c.isVirtual) continue;
    const prev = byName.get(c.databaseName);
    if (!prev || (prev.relationMetadata && !c.relationMetadata)) byName.set(c.databaseName, c);
  }
  return [...byName.values()];
}

/** Applied migrations (names, in order), or [] when the migrations table does not exist yet. */
async function appliedMigrations(q: QueryRunner): Promise<string[]> {
  if (!(await q.hasTable('migrations'))) return [];
  const rows = (await q.query('SELECT name FROM migrations ORDER BY id')) as { name: string }[];
  return rows.map((r) => r.name);
}

function knownMigrationNames(): string[] {
  return MIGRATIONS.map((m) => (m as unknown as { name: string }).name);
}

async function countRows(q: QueryRunner, table: string): Promise<number> {
  const [row] = (await q.query(`SELECT COUNT(*) AS n FROM ${q.connection.driver.escape(table)}`)) as { n: number | string }[];
  return Number(row.n);
}

/**
 * Writes a backup of the database, the evidence files and (in development, or with `includeKeys`)
 * the keys to ONE file (format: see backup-format.ts), atomically (`<file>.partial`, renamed at the end), mode 0600.
 *
 * The database is read in one consistent snapshot (MySQL/MariaDB: REPEATABLE READ with
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT`; SQLite: one read transaction on the WAL file), table
 * by table in primary-key order by keyset pagination ({@link BATCH} rows at a time, constant memory),
 * so a backup taken while the portal runs is consistent. Evidence files are copied after the
 * snapshot as they are (already encrypted), in 1 MiB chunks; files are written before their rows,
 * so every file the snapshot refers to is there.
 *
 * @param opts.includeKeys production only: also write the environment's keys into the file.
 * @param opts.log progress and warning lines.
 * @throws the database's or the file system's error (the partial file is removed).
 */
export async function createBackup(config: AppConfig, file: string, opts: { includeKeys?: boolean; log?: (line: string) => void } = {}): Promise<BackupResult> {
  const log = opts.log ?? (() => undefined);
  const source = keySource(config);
  const includeKeys = source === 'secrets.json' || !!opts.includeKeys;
  const partial = `${file}.partial`;
  await mkdir(dirname(file), { recursive: true });
  const gz = createGzip({ level: 6 });
  const out = createWriteStream(partial, { mode: 0o600 });
  gz.pipe(out);
  const hash = createHash('sha256');
  let lines = 0;
  const write = async (rec: BackupRecord): Promise<void> => {
    const line = JSON.stringify(rec);
    hash.update(line).update('\n');
    lines += 1;
    if (!gz.write(`${line}\n`)) await once(gz, 'drain');
  };

  const ds = await new DataSource(buildDataSourceOptions(config.database, { poolSize: 2 })).initialize();
  const q = ds.createQueryRunner();
  let manifest: BackupManifest;
  try {
    await q.connect();
    const mysql = ds.options.type === 'mysql';
    if (mysql) {
      await q.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await q.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    } else {
      await q.query('BEGIN');
    }
    try {
      const tables = entityTables(ds);
      const rowCounts: Record<string, number> = {};
      for (const t of tables) rowCounts[t.tableName] = await countRows(q, t.tableName);
      const head = (await q.query('SELECT last_id AS lastId, last_hash AS lastHash FROM audit_chain_head WHERE id = 1')) as { lastId: number | string; lastHash: string }[];
      const files = await listFiles(join(config.dataDir, 'files'));
      manifest = {
        format: 'qingfeng-backup',
        version: BACKUP_FORMAT_VERSION,
        createdAt: new Date().toISOString(),
        databaseKind: config.database.type,
        migrations: await appliedMigrations(q),
        rowCounts,
        fileCount: files.length,
        auditChain: head.length ? { lastId: Number(head[0].lastId), lastHash: head[0].lastHash } : { lastId: 0, lastHash: GENESIS_HASH },
        keys: { source, included: includeKeys, fingerprint: keyFingerprint(config.secrets) },
      };
      await write({ t: 'manifest', ...manifest });
      if (includeKeys) {
        const secrets: Record<string, string> = {};
        for (const k of SECRET_NAMES) {
          const v = config.secrets[k];
          secrets[k] = typeof v === 'string' ? v : v.toString('base64');
        }
        await write({ t: 'keys', source, secrets });
      }
      for (const t of tables) {
        const n = await dumpTable(q, t, write);
        if (n !== rowCounts[t.tableName]) throw new Error(`table ${t.tableName}: read ${n} rows, counted ${rowCounts[t.tableName]} (snapshot not consistent)`);
      }
      await q.query('COMMIT');
      // Files after the snapshot: every file a snapshot row refers to was written before its row.
      const filesDir = join(config.dataDir, 'files');
      let copied = 0;
      for (const rel of files) {
        const path = join(filesDir, rel);
        let info;
        try {
          info = await stat(path);
        } catch {
          log(`注意 / note: 文件在备份过程中被清理 / file removed during the backup (draft or orphan sweep): ${rel}`);
          continue;
        }
        await write({ t: 'file', path: rel.split(sep).join('/'), mode: info.mode & 0o777, size: info.size });
        const fh = await open(path, 'r');
        try {
          const buf = Buffer.alloc(CHUNK_BYTES);
          for (;;) {
            const { bytesRead } = await fh.read(buf, 0, CHUNK_BYTES, null);
            if (!bytesRead) break;
            await write({ t: 'chunk', data: buf.subarray(0, bytesRead).toString('base64') });
          }
        } finally {
          await fh.close();
        }
        copied += 1;
      }
      manifest.fileCount = copied;
    } catch (e) {
      await q.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    const digest = hash.digest('hex');
    gz.end(`${JSON.stringify({ t: 'end', lines, sha256: digest })}\n`);
    await once(out, 'finish');
    await chmod(partial, 0o600);
    await rename(partial, file);
  } catch (e) {
    gz.destroy();
    out.destroy();
    await rm(partial, { force: true });
    throw e;
  } finally {
    await q.release();
    await ds.destroy();
  }
  return { manifest, file };
}

/** Reads one table in primary-key order by keyset pagination and writes its `table` and `rows` records. @returns rows written. */
async function dumpTable(q: QueryRunner, meta: EntityMetadata, write: (rec: BackupRecord) => Promise<void>): Promise<number> {
  const driver = q.connection.driver;
  const columns = tableColumns(meta);
  const pk = meta.primaryColumns.map((p) => columns.find((c) => c.databaseName === p.databaseName)!);
  if (!pk.length || pk.some((c) => !c)) throw new Error(`table ${meta.tableName} has no primary key`);
  await write({ t: 'table', name: meta.tableName, columns: columns.map((c) => c.databaseName) });
  const select = `SELECT ${columns.map((c) => driver.escape(c.databaseName)).join(', ')} FROM ${driver.escape(meta.tableName)}`;
  const order = ` ORDER BY ${pk.map((c) => driver.escape(c.databaseName)).join(', ')} LIMIT ${BATCH}`;
  let last: unknown[] | null = null;
  let total = 0;
  for (;;) {
    let where = '';
    const params: unknown[] = [];
    if (last) {
      // (a > ?) OR (a = ? AND b > ?) OR … — keyset over a composite key.
      const ors: string[] = [];
      for (let i = 0; i < pk.length; i++) {
        const parts: string[] = [];
        for (let j = 0; j < i; j++) {
          parts.push(`${driver.escape(pk[j].databaseName)} = ?`);
          params.push(last[j]);
        }
        parts.push(`${driver.escape(pk[i].databaseName)} > ?`);
        params.push(last[i]);
        ors.push(`(${parts.join(' AND ')})`);
      }
      where = ` WHERE ${ors.join(' OR ')}`;
    }
    const raw = (await q.query(select + where + order, params)) as Record<string, unknown>[];
    if (!raw.length) break;
    await write({ t: 'rows', rows: raw.map((r) => columns.map((c) => encodeValue(driver.prepareHydratedValue(r[c.databaseName], c)))) });
    total += raw.length;
    const end = raw[raw.length - 1];
    last = pk.map((c) => end[c.databaseName]);
    if (raw.length < BATCH) break;
  }
  return total;
}

/** Regular files under `dir`, relative paths, sorted; [] when the directory does not exist. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = prefix ? join(prefix, e.name) : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

export interface RestoreResult {
  ok: boolean;
  manifest: BackupManifest;
  rowCounts: Record<string, number>;
  countsMatch: boolean;
  files: number;
  audit: AuditVerification;
  auditMatchesManifest: boolean;
  keysMatch: boolean;
  /** Where the restored keys were written (development: secrets.json; production: restored-keys.env), if anywhere. */
  keysWritten?: string;
  problems: string[];
}

/**
 * Restores a backup into an EMPTY target (the configured database and `<dataDir>`):
 * 1. reads the whole file once to check it (checksum, format, known migrations) — nothing is written
 *    if it is corrupted;
 * 2. refuses (RestoreRefusedError) if users/reports/audit_events have rows or `<dataDir>/files/` is
 *    not empty, unless `force` (then the existing rows are deleted and files overwritten), and if
 *    neither the backup nor the configuration holds the keys the data was encrypted with;
 * 3. prepares the database and runs the migrations up to the backup's version, loads every table
 *    in dependency order in ONE transaction with foreign-key checks off (then checked on SQLite),
 *    then runs any newer migrations of this version;
 * 4. writes the files (mode as stored) and the keys: development `<dataDir>/secrets.json` (0600);
 *    production `<dataDir>/restored-keys.env` (0600) only when the environment's keys differ;
 * 5. verifies: row counts equal the manifest's, the audit chain verifies and ends at the manifest's
 *    last id and hash, the keys' fingerprint matches.
 * @returns the result; `ok` only if everything verified.
 * @throws BackupFormatError for an unusable file, RestoreRefusedError for a refused target.
 */
export async function restoreBackup(config: AppConfig, file: string, opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<RestoreResult> {
  const log = opts.log ?? (() => undefined);
  // 1. Check the whole file first.
  let manifest: BackupManifest | undefined;
  let keys: Record<string, string> | undefined;
  const tableColumnsInFile = new Map<string, string[]>();
  for await (const rec of readBackup(file)) {
    if (rec.t === 'manifest') {
      const { t: _t, ...m } = rec;
      manifest = m;
    } else if (rec.t === 'keys') keys = rec.secrets;
    else if (rec.t === 'table') tableColumnsInFile.set(rec.name, rec.columns);
  }
  if (!manifest) throw new BackupFormatError('备份文件缺少清单 / the backup has no manifest');
  if (manifest.version !== BACKUP_FORMAT_VERSION) throw new BackupFormatError(`不支持的备份格式版本 / unsupported backup format version ${manifest.version}`);
  const known = knownMigrationNames();
  const upTo = manifest.migrations.length;
  if (manifest.migrations.some((name, i) => known[i] !== name)) {
    throw new RestoreRefusedError(`备份来自不同（更新）版本的程序，其迁移与本版本不符 / the backup's migrations (${manifest.migrations.join(', ')}) are not a prefix of this version's: restore it with the version that made it, or a newer one`);
  }

  // Keys: which ones the restored data needs, and whether they are available.
  const production = config.env === 'production';
  const backupKeys = keys ? decodeKeys(keys) : undefined;
  const configuredMatch = keyFingerprint(config.secrets) === manifest.keys.fingerprint;
  if (backupKeys && keyFingerprint(backupKeys) !== manifest.keys.fingerprint) throw new BackupFormatError('备份文件中的密钥与清单不符 / the keys in the backup do not match its manifest');
  if (!backupKeys && !configuredMatch) {
    throw new RestoreRefusedError(
      '备份文件中没有密钥，当前配置的密钥也不是备份时使用的密钥：请先从密钥保管处取回原 ENCRYPTION_KEY、RECEIPT_HMAC_KEY、ID_HMAC_KEY 等设置到环境变量中再恢复 / the backup holds no keys and the configured keys are not the ones the data was encrypted with: set the original keys from your key store first',
    );
  }

  // 2. The target must be empty.
  await prepareDatabase(config.database);
  const base = buildDataSourceOptions(config.database, { poolSize: 2 });
  const filesDir = join(config.dataDir, 'files');
  {
    const probe = await new DataSource({ ...base, migrations: [] } as DataSourceOptions).initialize();
    const q = probe.createQueryRunner();
    try {
      const applied = await appliedMigrations(q);
      if (applied.length > upTo || applied.some((name, i) => manifest!.migrations[i] !== name)) {
        throw new RestoreRefusedError(`目标数据库的版本比备份新，无法恢复 / the target database is at a newer schema (${applied.length} migrations) than the backup (${upTo}): restore into a fresh database`);
      }
      const busy: string[] = [];
      for (const t of GUARD_TABLES) if ((await q.hasTable(t)) && (await countRows(q, t)) > 0) busy.push(t);
      const existingFiles = await listFiles(filesDir);
      if (existingFiles.length) busy.push(`${filesDir} (${existingFiles.length} files)`);
      if (busy.length && !opts.force) {
        throw new RestoreRefusedError(`目标不是空的，拒绝恢复（如确要覆盖，请加 --force）/ the target is not empty: ${busy.join(', ')} — restore into an empty database and data directory, or add --force to replace its contents`);
      }
      if (busy.length) log(`--force: 目标中已有的数据将被替换 / existing contents will be replaced: ${busy.join(', ')}`);
    } finally {
      await q.release();
      await probe.destroy();
    }
  }

  // 3. Schema at the backup's version, then the rows in one transaction.
  const atBackup = await new DataSource({ ...base, migrations: MIGRATIONS.slice(0, upTo) } as DataSourceOptions).initialize();
  try {
    await runMigrations(atBackup);
    await loadRows(atBackup, file, tableColumnsInFile, log);
  } finally {
    await atBackup.destroy();
  }

  const ds = await new DataSource(base).initialize();
  const problems: string[] = [];
  let filesWritten = 0;
  let keysWritten: string | undefined;
  try {
    const newer = await runMigrations(ds);
    if (newer.length) log(`已执行本版本较新的迁移 / newer migrations run: ${newer.join(', ')}`);

    // 4. Files and keys.
    await mkdir(filesDir, { recursive: true, mode: 0o700 });
    await chmod(filesDir, 0o700);
    filesWritten = await writeFiles(file, filesDir, !!opts.force);
    if (backupKeys && !production) {
      keysWritten = join(config.dataDir, 'secrets.json');
      await writeFile(keysWritten, JSON.stringify(keys, null, 2), { mode: 0o600 });
      await chmod(keysWritten, 0o600);
    } else if (backupKeys && production && !configuredMatch) {
      keysWritten = join(config.dataDir, 'restored-keys.env');
      const env: Record<string, string> = { SESSION_SECRET: keys!.sessionSecret, ENCRYPTION_KEY: keys!.encryptionKey, RECEIPT_HMAC_KEY: keys!.receiptHmacKey, ID_HMAC_KEY: keys!.idHmacKey, CLIENT_HASH_KEY: keys!.clientHashKey };
      await writeFile(keysWritten, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
      await chmod(keysWritten, 0o600);
      problems.push(`当前环境中的密钥不是备份时的密钥；备份中的密钥已写入 ${keysWritten}（0600）：请放入密钥保管处和运行环境后删除该文件 / the environment's keys differ from the backup's; they were written to ${keysWritten}: put them into your secret store and environment, then delete that file`);
    }
    const keysMatch = backupKeys ? true : configuredMatch;

    // 5. Verify.
    const q = ds.createQueryRunner();
    const rowCounts: Record<string, number> = {};
    try {
      for (const t of Object.keys(manifest.rowCounts)) rowCounts[t] = (await q.hasTable(t)) ? await countRows(q, t) : -1;
      if (ds.options.type !== 'mysql') {
        const broken = (await q.query('PRAGMA foreign_key_check')) as unknown[];
        if (broken.length) problems.push(`外键不一致 / ${broken.length} foreign-key violation(s) after the load`);
      }
    } finally {
      await q.release();
    }
    const countsMatch = Object.entries(manifest.rowCounts).every(([t, n]) => rowCounts[t] === n);
    if (!countsMatch) problems.push('行数与备份清单不符 / row counts differ from the manifest');
    if (filesWritten !== manifest.fileCount) problems.push(`文件数与清单不符 / ${filesWritten} files restored, the manifest lists ${manifest.fileCount}`);
    const audit = await new AuditVerifier(ds).verify();
    const auditMatchesManifest = audit.ok && audit.lastId === manifest.auditChain.lastId && audit.lastHash === manifest.auditChain.lastHash;
    if (!audit.ok) problems.push('审计链校验失败 / the audit chain does not verify');
    else if (!auditMatchesManifest) problems.push('审计链末端与备份清单不符 / the audit chain does not end where the manifest says');
    if (!keysMatch) problems.push('密钥不符 / keys do not match');
    return { ok: problems.length === 0, manifest, rowCounts, countsMatch, files: filesWritten, audit, auditMatchesManifest, keysMatch, keysWritten, problems };
  } finally {
    await ds.destroy();
  }
}

function decodeKeys(keys: Record<string, string>): { encryptionKey: Buffer; receiptHmacKey: Buffer; idHmacKey: Buffer } {
  const b = (k: string): Buffer => {
    const v = keys[k];
    if (typeof v !== 'string') throw new BackupFormatError(`备份文件中的密钥不完整 / the backup's keys lack ${k}`);
    return Buffer.from(v, 'base64');
  };
  for (const k of SECRET_NAMES) if (typeof keys[k] !== 'string') throw new BackupFormatError(`备份文件中的密钥不完整 / the backup's keys lack ${k}`);
  return { encryptionKey: b('encryptionKey'), receiptHmacKey: b('receiptHmacKey'), idHmacKey: b('idHmacKey') };
}

/** Deletes every row of the entity tables and inserts the backup's, in ONE transaction, foreign-key checks off during the load. */
async function loadRows(ds: DataSource, file: string, fileColumns: Map<string, string[]>, log: (line: string) => void): Promise<void> {
  const mysql = ds.options.type === 'mysql';
  const driver = ds.driver;
  const tables = entityTables(ds);
  const byName = new Map(tables.map((t) => [t.tableName, t]));
  for (const [name, cols] of fileColumns) {
    const meta = byName.get(name);
    if (!meta) throw new RestoreRefusedError(`备份中的表 ${name} 在本版本中不存在 / table ${name} of the backup is unknown to this version`);
    const mine = new Set(tableColumns(meta).map((c) => c.databaseName));
    const unknown = cols.filter((c) => !mine.has(c));
    if (unknown.length) throw new RestoreRefusedError(`备份中表 ${name} 的列 ${unknown.join(', ')} 在本版本中不存在 / unknown columns`);
  }
  const q = ds.createQueryRunner();
  await q.connect();
  try {
    await q.query(mysql ? 'SET FOREIGN_KEY_CHECKS = 0' : 'PRAGMA foreign_keys = OFF');
    await q.startTransaction();
    try {
      for (const t of [...tables].reverse()) await q.query(`DELETE FROM ${driver.escape(t.tableName)}`);
      let current: { meta: EntityMetadata; columns: ColumnMetadata[]; sqlHead: string } | undefined;
      let loaded = 0;
      for await (const rec of readBackup(file)) {
        if (rec.t === 'table') {
          const meta = byName.get(rec.name)!;
          const all = tableColumns(meta);
          const columns = rec.columns.map((n) => all.find((c) => c.databaseName === n)!);
          current = { meta, columns, sqlHead: `INSERT INTO ${driver.escape(meta.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES ` };
        } else if (rec.t === 'rows') {
          if (!current) throw new BackupFormatError('备份文件结构错误 / rows before a table record');
          const cur = current;
          const params: unknown[] = [];
          const tuple = `(${cur.columns.map(() => '?').join(', ')})`;
          for (const row of rec.rows) {
            if (row.length !== cur.columns.length) throw new BackupFormatError(`备份文件中表 ${cur.meta.tableName} 的一行列数不符 / a row of ${cur.meta.tableName} has the wrong number of values`);
            row.forEach((v, i) => {
              const value = decodeValue(v);
              params.push(value === null ? null : driver.preparePersistentValue(value, cur.columns[i]));
            });
          }
          if (rec.rows.length) await q.query(cur.sqlHead + rec.rows.map(() => tuple).join(', '), params);
          loaded += rec.rows.length;
        }
      }
      await q.commitTransaction();
      log(`已载入 ${loaded} 行 / ${loaded} rows loaded`);
    } catch (e) {
      await q.rollbackTransaction().catch(() => undefined);
      throw e;
    }
  } finally {
    await q.query(mysql ? 'SET FOREIGN_KEY_CHECKS = 1' : 'PRAGMA foreign_keys = ON').catch(() => undefined);
    await q.release();
  }
}

/** Writes the backup's files under `filesDir` (paths checked to stay inside it). @returns files written. */
async function writeFiles(file: string, filesDir: string, overwrite: boolean): Promise<number> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  let expected = 0;
  let written = 0;
  let count = 0;
  const finish = async () => {
    if (!fh) return;
    await fh.close();
    fh = undefined;
    if (written !== expected) throw new BackupFormatError(`备份中的文件长度不符 / a file in the backup has ${written} bytes, ${expected} expected`);
  };
  try {
    for await (const rec of readBackup(file)) {
      if (rec.t === 'file') {
        await finish();
        const rel = normalize(rec.path);
        if (isAbsolute(rel) || rel.startsWith('..') || relative(filesDir, join(filesDir, rel)).startsWith('..')) throw new BackupFormatError(`备份中的文件路径不安全 / unsafe path in the backup: ${rec.path}`);
        const path = join(filesDir, rel);
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        const mode = (rec.mode & 0o777) || 0o600;
        fh = await open(path, overwrite ? 'w' : 'wx', mode);
        await fh.chmod(mode);
        expected = rec.size;
        written = 0;
        count += 1;
      } else if (rec.t === 'chunk') {
        if (!fh) throw new BackupFormatError('备份文件结构错误 / a chunk outside a file');
        const buf = Buffer.from(rec.data, 'base64');
        await fh.write(buf);
        written += buf.length;
      }
    }
    await finish();
  } finally {
    await fh?.close().catch(() => undefined);
  }
  return count;
}

/** Exposed for tests and the CLI: reads only the manifest of a backup file (checks the whole file). */
export async function readManifest(file: string): Promise<BackupManifest> {
  let manifest: BackupManifest | undefined;
  for await (const rec of readBackup(file)) if (rec.t === 'manifest') {
    const { t: _t, ...m } = rec;
    manifest = m;
  }
  return manifest!;
}
