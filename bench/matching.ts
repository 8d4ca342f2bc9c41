/**
 * Benchmark of the registry (issue 5): imports and cross-matching at county-network scale on MariaDB.
 *
 *   npm run bench:matching                      (scale 1: 100,000 officials, 600,000 declared relations,
 *                                                400,000 households / 1,000,000 roster persons,
 *                                                50,000 approval records)
 *   npm run bench:matching -- --scale 0.05      (a scaled-down run for debugging)
 *   BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/test   (server to use; a fresh database is made and dropped)
 *
 * Steps, all in this process through the command-line entry of the registry (the same code as
 * `npm run cli -- registry:import …`): generate the CSV files in a temporary directory
 * (bench/lib/registry-generator.ts, planted patterns with known answers); import officials,
 * declarations, the January roster and the approval records; run a full match; compare every finding
 * with the planted ones (all found, none invented, at any score); time one plain SQL join that finds
 * the exact-ID declared_kin_recipient case; import the February roster (≈ 1 % of households removed,
 * changed or added) and run an incremental match; compare again (new ones found, vanished ones
 * resolved by data). Prints the figures as JSON and exits non-zero when a check fails.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { CliModule } from '../src/cli/cli.module.js';
import { hmacHex } from '../src/common/crypto.js';
import { loadConfig, parseDatabaseUrl, type DatabaseConfig } from '../src/config/app-config.js';
import { dropMysqlDatabase, prepareDatabase } from '../src/database/prepare-database.js';
import { registryImportCommand } from '../src/registry/registry.cli.js';
import { DEFAULT_REVIEW_THRESHOLD, MatcherService } from '../src/registry/matcher.service.js';
import { generateRegistry, plantRates } from './lib/registry-generator.js';

const GOALS = { importsSeconds: 300, matchSeconds: 60, peakRssMb: 1536, incrementalSeconds: 10 };

function scaleArg(): number {
  const i = process.argv.indexOf('--scale');
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number(process.env.BENCH_SCALE ?? 1);
  if (!(v > 0 && v <= 1)) throw new Error('--scale must be in (0, 1]');
  return v;
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);
sampler.unref();

const seconds = (t0: number) => Math.round((performance.now() - t0) / 10) / 100;

/**
 * CPU seconds used so far by this process and by the database server (read from /proc/<pid>/stat
 * when the server runs on this host and its pid file is readable; null otherwise). The machine is
 * shared, so wall times depend on the load; CPU seconds say what the work itself costs.
 */
function cpuNow(dbPid: number | null): { node: number; db: number | null } {
  const u = process.cpuUsage();
  let db: number | null = null;
  if (dbPid) {
    try {
      const stat = readFileSync(`/proc/${dbPid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      db = (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks of 1/100 s
    } catch {
      db = null;
    }
  }
  return { node: (u.user + u.system) / 1e6, db };
}
const cpuSince = (a: { node: number; db: number | null }, b: { node: number; db: number | null }) => ({
  nodeCpuSeconds: Math.round((b.node - a.node) * 10) / 10,
  dbCpuSeconds: a.db !== null && b.db !== null ? Math.round((b.db - a.db) * 10) / 10 : null,
});
const mb = (b: number) => Math.round(b / 1024 / 1024);

async function main(): Promise<void> {
  const scale = scaleArg();
  const base = parseDatabaseUrl(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
  if (base.type !== 'mysql') throw new Error('BENCH_MYSQL_URL must be mysql://…');
  const database: DatabaseConfig = { ...base, database: `qf_bench_match_${randomBytes(4).toString('hex')}` };
  const dataDir = mkdtempSync(join(tmpdir(), 'qingfeng-bench-matching-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DIVISION_PROVINCES: '43', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' }, { database });
  const load = { start: loadavg().map((x) => Math.round(x * 100) / 100), end: [] as number[] };
  const failures: string[] = [];
  const figures: Record<string, unknown> = { scale, date: new Date().toISOString(), machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version } };
  try {
    await prepareDatabase(database);
    const ctx = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: false, abortOnError: false });
    const ds = ctx.get(DataSource);
    const [{ v }] = await ds.query('SELECT VERSION() AS v');
    (figures.machine as Record<string, unknown>).database = `MariaDB ${String(v).split('-')[0]}`;
    const [{ pf, bp }] = await ds.query('SELECT @@pid_file AS pf, @@innodb_buffer_pool_size AS bp');
    (figures.machine as Record<string, unknown>).bufferPoolMb = Math.round(Number(bp) / 1048576);
    let dbPid: number | null = null;
    try {
      dbPid = Number(readFileSync(String(pf), 'utf8').trim()) || null;
    } catch {
      dbPid = null;
    }
    try {
      let t0 = performance.now();
      const files = await generateRegistry(dataDir, scale);
      figures.generate = { seconds: seconds(t0), counts: files.counts, plants: files.plants, rates: plantRates(), rosterMb: mb(statSync(files.roster).size) };
      console.error(`generated in ${seconds(t0)} s: ${JSON.stringify(files.counts)}`);

      // ---- imports through the command-line entry
      const imports: Record<string, unknown> = {};
      const run = async (label: string, args: string[]) => {
        const out: string[] = [];
        const t = performance.now();
        const c0 = cpuNow(dbPid);
        const code = await registryImportCommand(ctx, args, { out: (l) => out.push(l), err: (l) => out.push(l) });
        const s = seconds(t);
        const [job] = await ds.query('SELECT id, status, processed_rows, accepted_rows, rejected_rows, accepted_groups, closed_households FROM import_jobs ORDER BY id DESC LIMIT 1');
        imports[label] = { seconds: s, ...cpuSince(c0, cpuNow(dbPid)), rows: Number(job.processed_rows), accepted: Number(job.accepted_rows), rejected: Number(job.rejected_rows), groups: Number(job.accepted_groups), closed: Number(job.closed_households), rowsPerSecond: Math.round(Number(job.processed_rows) / s) };
        console.error(`${label}: ${JSON.stringify(imports[label])} rss ${mb(process.memoryUsage().rss)} MB`);
        if (code !== 0 || job.status !== 'succeeded' || Number(job.rejected_rows) !== 0) failures.push(`import ${label}: exit ${code}, ${job.status}, ${job.rejected_rows} rejected: ${out.slice(-5).join(' | ')}`);
        return s;
      };
      let importsSeconds = 0;
      importsSeconds += await run('officials', ['officials', files.officials, '--scope', '43']);
      importsSeconds += await run('kin', ['kin', files.kin, '--scope', '43']);
      importsSeconds += await run('roster', ['roster', files.roster, '--scope', '43', '--programme', '农村低保', '--month', '2025-01']);
      importsSeconds += await run('approvals', ['approvals', files.approvals, '--scope', '43']);
      const cpuOf = (k: 'nodeCpuSeconds' | 'dbCpuSeconds') => ['officials', 'kin', 'roster', 'approvals'].reduce((n, l) => n + Number((imports[l] as Record<string, unknown>)[k] ?? 0), 0);
      figures.imports = { ...imports, totalSeconds: Math.round(importsSeconds * 100) / 100, totalNodeCpuSeconds: Math.round(cpuOf('nodeCpuSeconds')), totalDbCpuSeconds: Math.round(cpuOf('dbCpuSeconds')) };

      // ---- full match
      const matcher = ctx.get(MatcherService);
      t0 = performance.now();
      let c0 = cpuNow(dbPid);
      const full = await matcher.run({ mode: 'full' });
      const matchSeconds = seconds(t0);
      const matchCpu = cpuSince(c0, cpuNow(dbPid));
      const hmac = (id: string) => hmacHex(config.secrets.idHmacKey, id);
      const toHmacKeys = (keys: Set<string>) =>
        new Set(
          [...keys].map((k) => {
            const [type, o, h, p] = k.split('|');
            return `${type}|${hmac(o)}|${h}|${hmac(p)}`;
          }),
        );
      const found = async (status?: string) => {
        const rows: { type: string; o: string; h: string; p: string; score: number }[] = await ds.query(
          `SELECT f.type AS type, op.id_hmac AS o, h.household_no AS h, p.id_hmac AS p, f.score AS score
             FROM findings f JOIN officials o ON o.id = f.official_id JOIN persons op ON op.id = o.person_id
             JOIN households h ON h.id = f.household_id JOIN persons p ON p.id = f.person_id${status ? ' WHERE f.status = ?' : ''}`,
          status ? [status] : [],
        );
        return { keys: new Set(rows.map((r) => `${r.type}|${r.o}|${r.h}|${r.p}`)), listed: rows.filter((r) => Number(r.score) >= DEFAULT_REVIEW_THRESHOLD).length, byType: countBy(rows.map((r) => r.type)) };
      };
      const compare = (label: string, want: Set<string>, got: Set<string>) => {
        const missing = [...want].filter((k) => !got.has(k)).length;
        const invented = [...got].filter((k) => !want.has(k)).length;
        if (missing || invented) failures.push(`${label}: ${missing} planted findings missing, ${invented} invented`);
        return { planted: want.size, found: got.size, missing, invented };
      };
      const first = await found();
      figures.match = { seconds: matchSeconds, ...matchCpu, result: { ...full, durationMs: undefined }, byType: first.byType, listedAtThreshold: first.listed, check: compare('full match', toHmacKeys(files.expected), first.keys) };
      console.error(`full match: ${JSON.stringify(figures.match)}`);

      // ---- one plain SQL join: only the exact-ID declared_kin_recipient case
      t0 = performance.now();
      const [{ n: joinCount }] = await ds.query(
        `SELECT COUNT(*) AS n FROM officials o
           JOIN kin_relations k ON k.person_id = o.person_id AND k.source = 'declared'
           JOIN household_members m ON m.person_id = k.relative_person_id
           JOIN households h ON h.id = m.household_id AND h.status = 'active'`,
      );
      const joinSeconds = seconds(t0);
      const dkr = Number((first.byType as Record<string, number>).declared_kin_recipient ?? 0);
      figures.plainJoin = { seconds: joinSeconds, rows: Number(joinCount), matcherDeclaredKinFindings: dkr, matcherToJoinTimeRatio: Math.round((matchSeconds / Math.max(joinSeconds, 0.01)) * 10) / 10 };
      if (Number(joinCount) !== dkr) failures.push(`plain join found ${joinCount} rows, the matcher ${dkr} declared_kin_recipient findings`);

      // ---- next month: ≈ 1 % of the roster changes, incremental match
      await run('roster2', ['roster', files.roster2, '--scope', '43', '--programme', '农村低保', '--month', '2025-02']);
      t0 = performance.now();
      c0 = cpuNow(dbPid);
      const inc = await matcher.run({ mode: 'incremental' });
      const incSeconds = seconds(t0);
      const incCpu = cpuSince(c0, cpuNow(dbPid));
      const open = await found('open');
      const resolved = await found('resolved_by_data');
      figures.incremental = {
        rosterImportSeconds: (imports.roster2 as { seconds: number }).seconds,
        closedHouseholds: (imports.roster2 as { closed: number }).closed,
        matchSeconds: incSeconds,
        ...incCpu,
        result: { ...inc, durationMs: undefined },
        openCheck: compare('incremental match (open)', toHmacKeys(files.expectedAfter), open.keys),
        resolvedCheck: compare('incremental match (resolved by data)', toHmacKeys(files.expectedResolved), resolved.keys),
      };
      console.error(`incremental: ${JSON.stringify(figures.incremental)}`);

      peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
      figures.peakRssMb = mb(peakRss);
      const goals = {
        imports: importsSeconds <= GOALS.importsSeconds,
        match: matchSeconds <= GOALS.matchSeconds,
        peakRss: mb(peakRss) <= GOALS.peakRssMb,
        incremental: incSeconds <= GOALS.incrementalSeconds,
      };
      figures.goals = { ...GOALS, met: goals };
    } finally {
      await ctx.close();
    }
  } catch (e) {
    failures.push(`error: ${(e as Error).stack ?? String(e)}`);
  } finally {
    load.end = loadavg().map((x) => Math.round(x * 100) / 100);
    figures.loadAverage = load;
    if (!process.env.BENCH_KEEP) await dropMysqlDatabase(database).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
  figures.failures = failures;
  console.log(JSON.stringify(figures, null, 2));
  if (failures.length) process.exitCode = 1;
}

function countBy(list: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of list) out[x] = (out[x] ?? 0) + 1;
  return out;
}

await main();
