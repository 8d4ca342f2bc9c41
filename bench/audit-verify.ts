/**
 * Benchmark: the audit chain verifier over 1,000,000 events, on SQLite and on MariaDB, each on a
 * fresh, migrated database.
 *
 *   npm run bench:audit                  (both databases; MariaDB at BENCH_MYSQL_URL or
 *                                         mysql://root@127.0.0.1:3306, skipped when unreachable)
 *   BENCH_DATABASES=sqlite BENCH_AUDIT_EVENTS=200000 npm run bench:audit
 *
 * The events are generated directly (hashes chained in Node, multi-row INSERTs of 1,000 rows, one
 * transaction per 50,000 rows) in the exact format AuditService.record writes — the verifier must
 * find the chain intact, which proves that. Then one event near the end is altered and the verifier
 * must name it. Prints, per database: events, generation time, verification time, events/s, the
 * peak resident memory during verification, and the time to find the altered event.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { runPerDatabase } from './lib/per-database.js';
import { DataSource } from 'typeorm';
import { parseDatabaseUrl, type DatabaseConfig } from '../src/config/app-config.js';
import { buildDataSourceOptions } from '../src/database/data-source-options.js';
import { dropMysqlDatabase, prepareDatabase } from '../src/database/prepare-database.js';
import { runMigrations } from '../src/database/migrate.js';
import { AuditVerifier } from '../src/audit/audit-verifier.js';
import { GENESIS_HASH, auditEventHash } from '../src/audit/audit.service.js';
import { AuditEvent } from '../src/audit/entities/audit-event.entity.js';

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const ROWS_PER_INSERT = 1000;
const ROWS_PER_TRANSACTION = 50_000;
const COLUMNS = ['id', 'occurred_at', 'actor_user_id', 'actor_kind', 'action', 'record_type', 'record_id', 'reason', 'details', 'prev_hash', 'hash'];
const ACTIONS = ['report.submitted', 'report.viewed', 'report.accepted', 'report.forwarded', 'auth.login', 'auth.login_failed', 'user.create', 'registry.import', 'identity.reveal_requested', 'export.created'];

interface Figures {
  database: string;
  events: number;
  generateSeconds: number;
  verifySeconds: number;
  peakRssMiB: number;
  tamperSeconds: number;
  tamperFound: string;
}

/** A plausible event mix: staff and citizen actors, a reason on one event in ten, small JSON details. */
function eventAt(id: number, start: number): Omit<AuditEvent, 'prevHash' | 'hash'> {
  const staff = id % 4 !== 0;
  const action = ACTIONS[id % ACTIONS.length];
  return {
    id,
    occurredAt: new Date(start + id * 2_000 + (id % 997)),
    actorUserId: staff ? 1 + (id % 250) : null,
    actorKind: staff ? 'user' : 'citizen',
    action,
    recordType: action.split('.')[0] === 'auth' || action.startsWith('user') ? 'user' : 'report',
    recordId: String(1 + (id % 40_000)),
    reason: id % 10 === 0 ? '核查线索需要查看原始材料' : null,
    details: id % 3 === 0 ? JSON.stringify({ fromOfficeId: id % 120, toOfficeId: (id + 7) % 120 }) : null,
  };
}

async function generate(ds: DataSource, n: number): Promise<string> {
  const occurredAt = ds.getMetadata(AuditEvent).findColumnWithPropertyName('occurredAt')!;
  const start = Date.parse('2026-01-01T00:00:00Z');
  let prevHash = GENESIS_HASH;
  const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
  for (let from = 1; from <= n; from += ROWS_PER_TRANSACTION) {
    const to = Math.min(n, from + ROWS_PER_TRANSACTION - 1);
    await ds.transaction(async (m) => {
      for (let b = from; b <= to; b += ROWS_PER_INSERT) {
        const end = Math.min(to, b + ROWS_PER_INSERT - 1);
        const params: unknown[] = [];
        for (let id = b; id <= end; id++) {
          const e = eventAt(id, start);
          const hash = auditEventHash(e, prevHash);
          params.push(e.id, ds.driver.preparePersistentValue(e.occurredAt, occurredAt), e.actorUserId, e.actorKind, e.action, e.recordType, e.recordId, e.reason, e.details, prevHash, hash);
          prevHash = hash;
        }
        await m.query(`INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: end - b + 1 }, () => tuple).join(', ')}`, params);
      }
      await m.query('UPDATE audit_chain_head SET last_id = ?, last_hash = ? WHERE id = 1', [to, prevHash]);
    });
  }
  return prevHash;
}

async function benchOne(kind: 'sqlite' | 'mysql', dataDir: string): Promise<Figures> {
  let database: DatabaseConfig;
  if (kind === 'sqlite') {
    database = { type: 'sqlite', path: join(dataDir, 'bench.sqlite') };
  } else {
    const base = parseDatabaseUrl(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
    if (base.type !== 'mysql') throw new Error('BENCH_MYSQL_URL must be mysql://…');
    database = { ...base, database: `qf_bench_${randomBytes(4).toString('hex')}` };
  }
  try {
    await prepareDatabase(database);
    const ds = await new DataSource(buildDataSourceOptions(database, { poolSize: 4 })).initialize();
    try {
      await runMigrations(ds);
      let t0 = performance.now();
      const lastHash = await generate(ds, EVENTS);
      const generateSeconds = (performance.now() - t0) / 1000;

      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
      t0 = performance.now();
      const result = await new AuditVerifier(ds).verify();
      const verifySeconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      if (!result.ok || result.events !== EVENTS || result.lastHash !== lastHash) throw new Error(`verifier did not find the generated chain intact: ${JSON.stringify(result)}`);

      const victim = EVENTS - 10;
      await ds.query("UPDATE audit_events SET action = 'report.viewed_x' WHERE id = ?", [victim]);
      t0 = performance.now();
      const broken = await new AuditVerifier(ds).verify();
      const tamperSeconds = (performance.now() - t0) / 1000;
      if (broken.ok || broken.firstBadId !== victim) throw new Error(`verifier missed the altered event #${victim}: ${JSON.stringify(broken)}`);

      return {
        database: kind === 'sqlite' ? 'SQLite (better-sqlite3, WAL)' : `MariaDB ${(await ds.query('SELECT VERSION() AS v'))[0].v}`,
        events: EVENTS,
        generateSeconds,
        verifySeconds,
        peakRssMiB: peak / 2 ** 20,
        tamperSeconds,
        tamperFound: `#${broken.firstBadId} ${broken.problem}`,
      };
    } finally {
      await ds.destroy();
    }
  } finally {
    await dropMysqlDatabase(database).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const kinds = (process.env.BENCH_DATABASES ?? 'sqlite,mysql').split(',').map((s) => s.trim()) as Array<'sqlite' | 'mysql'>;
  console.log(`audit-verify benchmark — ${new Date().toISOString()} — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const results = await runPerDatabase(kinds, benchOne, (kind) => console.log(`${kind} done — load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`));
  console.log('| database | events | generate (s) | verify (s) | events/s | peak RSS while verifying (MiB) | altered event found (s) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.database} | ${r.events.toLocaleString('en')} | ${r.generateSeconds.toFixed(1)} | ${r.verifySeconds.toFixed(1)} | ${Math.round(r.events / r.verifySeconds).toLocaleString('en')} | ${Math.round(r.peakRssMiB)} | ${r.tamperSeconds.toFixed(1)} (${r.tamperFound}) |`);
  }
}

await main();
