/**
 * `backup` / `restore`: a portal with real content (offices, staff, a real-name tip-off with an
 * evidence file, audit events) is backed up with the command, restored into an EMPTY new data
 * directory and database, and a second app booted on the restored data must decrypt, find and
 * verify everything. Runs on SQLite, or MariaDB with TEST_DATABASE_URL; on MariaDB it also goes
 * MariaDB → SQLite → MariaDB across database kinds.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, statSync, writeFileSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { AuditVerifier } from '../../src/audit/audit-verifier.js';
import { readManifest } from '../../src/backup/backup.service.js';
import { runCli } from '../../src/cli/commands.js';
import { JsonLogger } from '../../src/common/logger.js';
import { decryptJson } from '../../src/common/crypto.js';
import { loadConfig, type AppConfig, type DatabaseConfig } from '../../src/config/app-config.js';
import { ALL_ENTITIES } from '../../src/database/entities.js';
import { EvidenceService } from '../../src/evidence/evidence.service.js';
import { Attachment } from '../../src/reports/entities/attachment.entity.js';
import { ReporterIdentity } from '../../src/reports/entities/reporter-identity.entity.js';
import { ReportsService, reporterIdentityAad } from '../../src/reports/reports.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { createUser } from '../factories/users.js';
import { createFixtureOffices, SAMPLE_FILES, tipoff } from '../factories/reports.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { freshTestDatabase, testDatabaseKind } from '../utils/test-database.js';
import { dropMysqlDatabase } from '../../src/database/prepare-database.js';
import { parseDatabaseUrl } from '../../src/config/app-config.js';

const TEST_ENV = { NODE_ENV: 'test', DIVISION_PROVINCES: '43', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' };

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err, text: () => [...out, ...err].join('\n') };
}

/** Row counts of every entity table. */
async function rowCounts(ds: DataSource): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const e of ALL_ENTITIES) out[ds.getMetadata(e).tableName] = await ds.getRepository(e).count();
  return out;
}

/** A target: an empty data directory and a database of the given kind (fresh, not yet created). */
function freshTarget(kind: 'sqlite' | 'mysql'): { dataDir: string; database: DatabaseConfig; config: () => AppConfig; drop: () => Promise<void> } {
  const dataDir = mkdtempSync(join(tmpdir(), 'qingfeng-restore-'));
  let database: DatabaseConfig;
  if (kind === 'sqlite') database = { type: 'sqlite', path: join(dataDir, 'qingfeng.sqlite') };
  else {
    const fresh = freshTestDatabase();
    rmSync(fresh.dataDir, { recursive: true, force: true });
    database = fresh.database;
  }
  return {
    dataDir,
    database,
    // loadConfig as the CLI does: in development/test it generates secrets.json when missing.
    config: () => loadConfig({ ...TEST_ENV, DATA_DIR: dataDir }, { database }),
    drop: async () => {
      await dropMysqlDatabase(database).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface Source {
  reportId: number;
  receiptCode: string;
  reporterName: string;
  cleanCopy: Buffer;
  counts: Record<string, number>;
}

/** Boots the real app on a restored target and checks everything the backup promised. */
async function checkRestored(target: ReturnType<typeof freshTarget>, src: Source): Promise<void> {
  const config = target.config();
  const app = await createApp(config, new JsonLogger(config.logLevel));
  await app.init();
  try {
    const ds = app.get(DataSource);
    const audit = await new AuditVerifier(ds).verify();
    expect(audit.ok).toBe(true);
    const found = await app.get(ReportsService).findByReceiptCode(src.receiptCode);
    expect(found?.id).toBe(src.reportId);
    const identity = await ds.getRepository(ReporterIdentity).findOneByOrFail({ reportId: src.reportId });
    expect(decryptJson<{ name: string }>(config.secrets.encryptionKey, identity.ciphertext, reporterIdentityAad(src.reportId)).name).toBe(src.reporterName);
    const [attachment] = await ds.getRepository(Attachment).find({ where: { reportId: src.reportId } });
    expect(await app.get(EvidenceService).readClean(attachment)).toEqual(src.cleanCopy);
    // Booting the app may add rows of its own (first-start work is idempotent): compare the content tables.
    const counts = await rowCounts(ds);
    for (const t of ['users', 'offices', 'reports', 'reporter_identities', 'attachments', 'report_subjects', 'regions']) expect(counts[t]).toBe(src.counts[t]);
    expect(counts.audit_events).toBeGreaterThanOrEqual(src.counts.audit_events);
    // Staff can still log in with their argon2 hashes.
    expect((await app.get(UsersService).list()).length).toBe(src.counts.users);
  } finally {
    await app.close();
  }
}

describe(`backup and restore (${testDatabaseKind()})`, () => {
  let t: TestApp;
  let work: string;
  let backupFile: string;
  let src: Source;
  const targets: ReturnType<typeof freshTarget>[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    work = mkdtempSync(join(tmpdir(), 'qingfeng-backups-'));
    backupFile = join(work, 'portal.qfbackup.gz');
    await createFixtureOffices(t);
    await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000', displayName: '王𠮷' });
    await createUser(t, { roles: ['case_handler'], scopeRegionCode: '430400000000' });
    const tip = tipoff('T02');
    const evidence = t.app.get(EvidenceService);
    const { stored } = await evidence.storeUploads([{ originalname: '公示栏😀.png', buffer: SAMPLE_FILES.png(), size: SAMPLE_FILES.png().length }], { addedBy: 'reporter' });
    expect(stored).toHaveLength(1);
    const reports = t.app.get(ReportsService);
    const outcome = await reports.validateSubmission({
      category: tip.category,
      kind: tip.kind,
      regionCode: tip.regionCode,
      subjects: tip.subjects,
      beneficiaries: tip.beneficiaries,
      description: tip.description,
      happenedAt: tip.happenedAt,
      anonymous: false,
      reporter: tip.reporter,
    });
    if (!outcome.ok) throw new Error(`fixture invalid: ${JSON.stringify(outcome.fields)}`);
    const { report, receiptCode } = await reports.submit(outcome.value, { channel: 'web', files: stored });
    const [attachment] = await t.ds.getRepository(Attachment).find({ where: { reportId: report.id } });
    src = { reportId: report.id, receiptCode, reporterName: tip.reporter!.name, cleanCopy: (await evidence.readClean(attachment))!, counts: await rowCounts(t.ds) };
    expect(src.cleanCopy.length).toBeGreaterThan(0);
    expect(src.counts.audit_events).toBeGreaterThan(3);
  });

  afterAll(async () => {
    for (const x of targets) await x.drop();
    if (work) rmSync(work, { recursive: true, force: true });
    await t?.close();
  });

  it('writes one file with the manifest, rows, files and (development) keys, mode 0600, and warns about the key', async () => {
    const c = capture();
    expect(await runCli(['backup', backupFile], t.config, c.io)).toBe(0);
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(existsSync(`${backupFile}.partial`)).toBe(false);
    expect(c.text()).toContain('Losing ENCRYPTION_KEY loses every reporter identity');
    expect(c.text()).toContain('the keys ARE in this backup (from secrets.json)');
    const m = await readManifest(backupFile);
    expect(m).toMatchObject({ format: 'qingfeng-backup', version: 1, databaseKind: testDatabaseKind(), fileCount: readdirSync(join(t.config.dataDir, 'files')).length });
    expect(m.rowCounts).toEqual(src.counts);
    expect(m.migrations.length).toBeGreaterThan(3);
    const head = await new AuditVerifier(t.ds).verify();
    expect(head.ok && m.auditChain).toEqual(head.ok ? { lastId: head.lastId, lastHash: head.lastHash } : null);
    // The reporter's name is nowhere in clear text (rows hold ciphertext; gzip of it is not readable anyway, so check decompressed).
    expect(gunzipSync(readFileSync(backupFile)).toString('utf8')).not.toContain(src.reporterName);
  });

  it('restores into an empty directory and database: the second app verifies, decrypts and finds everything', async () => {
    const target = freshTarget(testDatabaseKind());
    targets.push(target);
    const c = capture();
    expect(await runCli(['restore', backupFile], target.config(), c.io)).toBe(0);
    expect(c.text()).toContain('restore complete and verified');
    expect(c.text()).toContain('audit chain intact');
    expect(statSync(join(target.dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(target.dataDir, 'secrets.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(t.config.dataDir, 'secrets.json'), 'utf8')));
    expect(readdirSync(join(target.dataDir, 'files')).sort()).toEqual(readdirSync(join(t.config.dataDir, 'files')).sort());
    await checkRestored(target, src);

    // The same target again: not empty now, refused without --force.
    const again = capture();
    expect(await runCli(['restore', backupFile], target.config(), again.io)).toBe(1);
    expect(again.text()).toContain('the target is not empty');
    expect(again.text()).toContain('users');
  });

  it('refuses a corrupted or truncated backup before writing anything', async () => {
    const bytes = readFileSync(backupFile);
    const corrupted = Buffer.from(bytes);
    corrupted[Math.floor(bytes.length / 2)] ^= 0xff;
    const truncated = bytes.subarray(0, Math.floor(bytes.length * 0.7));
    for (const [name, content] of [['corrupted', corrupted], ['truncated', truncated]] as const) {
      const file = join(work, `${name}.gz`);
      writeFileSync(file, content);
      const target = freshTarget(testDatabaseKind());
      targets.push(target);
      const c = capture();
      expect(await runCli(['restore', file], target.config(), c.io)).toBe(1);
      expect(c.text()).toMatch(/restore refused: .*(corrupted|truncated|checksum)/);
      expect(existsSync(join(target.dataDir, 'files'))).toBe(false);
    }
    const empty = freshTarget('sqlite');
    targets.push(empty);
    const c = capture();
    expect(await runCli(['restore', join(work, 'missing.gz')], empty.config(), c.io)).toBe(1);
    expect(c.text()).toContain('backup file not found');
  });

  it('production: keys stay out of the backup unless --include-keys; a restore without them is refused', async () => {
    const prod: AppConfig = { ...t.config, env: 'production' };
    const without = join(work, 'prod-without-keys.gz');
    const c = capture();
    expect(await runCli(['backup', without], prod, c.io)).toBe(0);
    expect(c.text()).toContain('the keys are NOT in this backup');
    expect(c.text()).toContain('Losing ENCRYPTION_KEY loses every reporter identity');
    expect((await readManifest(without)).keys).toMatchObject({ source: 'environment', included: false });
    expect(gunzipSync(readFileSync(without)).toString('utf8')).not.toContain(t.config.secrets.encryptionKey.toString('base64'));
    // A target whose keys are other (freshly generated) ones cannot use this backup.
    const target = freshTarget(testDatabaseKind());
    targets.push(target);
    const r = capture();
    expect(await runCli(['restore', without], target.config(), r.io)).toBe(1);
    expect(r.text()).toContain('the backup holds no keys and the configured keys are not the ones');
    const withKeys = join(work, 'prod-with-keys.gz');
    expect(await runCli(['backup', withKeys, '--include-keys'], prod, capture().io)).toBe(0);
    expect((await readManifest(withKeys)).keys).toMatchObject({ source: 'environment', included: true });
  });

  it('explains usage', async () => {
    const c = capture();
    expect(await runCli(['backup'], t.config, c.io)).toBe(2);
    expect(await runCli(['restore', backupFile, '--bogus'], t.config, c.io)).toBe(2);
    expect(c.text()).toContain('restore <file> [--force]');
  });

  if (testDatabaseKind() === 'mysql') {
    it('goes across database kinds: MariaDB → SQLite → MariaDB', async () => {
      const sqlite = freshTarget('sqlite');
      targets.push(sqlite);
      const c1 = capture();
      expect(await runCli(['restore', backupFile], sqlite.config(), c1.io)).toBe(0);
      await checkRestored(sqlite, src);
      const second = join(work, 'from-sqlite.gz');
      expect(await runCli(['backup', second], sqlite.config(), capture().io)).toBe(0);
      const maria = freshTarget('mysql');
      targets.push(maria);
      const c2 = capture();
      expect(await runCli(['restore', second], maria.config(), c2.io)).toBe(0);
      await checkRestored(maria, src);
      expect(parseDatabaseUrl(process.env.TEST_DATABASE_URL!).type).toBe('mysql');
    });
  }
});
