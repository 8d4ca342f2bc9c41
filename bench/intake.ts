/**
 * bench/intake — public JSON submissions against a running portal on MariaDB (issue 2).
 *
 * Starts the built server (`dist/src/main.js`) as its own process on a fresh MariaDB database with
 * QINGFENG_BENCHMARK_MODE=1 (lifts the CAPTCHA and the per-client limits; refused in production), then
 * drives it with autocannon: 32 connections of POST /api/v1/reports (no attachments), then the same
 * for GET /health/live. Prints submissions/s, p50/p99 latency, and checks that every accepted
 * submission is in the database afterwards.
 *
 *   npm run bench:intake                         # MariaDB at mysql://root@127.0.0.1:3306
 *   BENCH_DB_URL=mysql://u:p@host:3306/x BENCH_REQUESTS=10000 npm run bench:intake
 */
import autocannon from 'autocannon';
import mysql from 'mysql2/promise';
import { cpus } from 'node:os';
import { spawnServer } from './lib/spawn-server.js';

const DB_URL = process.env.BENCH_DB_URL ?? 'mysql://root@127.0.0.1:3306/qf_bench_intake';
/** A fixed number of submissions (not a duration), so every response is counted and compared with the rows. */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);
const CONNECTIONS = 32;

const body = JSON.stringify({
  category: 'favouritism_kin',
  kind: 'denunciation',
  regionCode: '430421101200',
  subjects: [{ name: '刘建国', position: '村党支部书记', unit: '集兵村' }],
  beneficiaries: [{ name: '刘建民', relation: '哥哥' }],
  happenedAt: '2024年起',
  description: '我们村支书刘建国的哥哥刘建民家里开着一辆面包车跑运输，去年还在镇上买了房，却一直吃着低保，每个月五百多。',
  anonymous: true,
  captchaId: 'benchmark',
  captchaAnswer: 'benchmark',
});

type Result = autocannon.Result;

function run(opts: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function countReports(): Promise<number> {
  const conn = await mysql.createConnection(DB_URL);
  try {
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM reports');
    return Number((rows as Array<{ n: number }>)[0].n);
  } finally {
    await conn.end();
  }
}

async function main(): Promise<void> {
  const u = new URL(DB_URL);
  const admin = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) });
  await admin.query(`DROP DATABASE IF EXISTS \`${u.pathname.slice(1)}\``);
  await admin.end();

  const server = await spawnServer({ DATABASE_URL: DB_URL, QINGFENG_BENCHMARK_MODE: '1', LOG_LEVEL: 'info', DIVISION_PROVINCES: '43' });
  try {
    const submit = { url: `${server.url}/api/v1/reports`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body };
    await run({ ...submit, connections: 8, amount: 500 }); // warm-up (JIT, pools)
    const before = await countReports();
    const sub = await run({ ...submit, connections: CONNECTIONS, amount: REQUESTS });
    const after = await countReports();
    const health = await run({ url: `${server.url}/health/live`, connections: CONNECTIONS, duration: 10 });

    const accepted = sub['2xx'];
    const figures = {
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? '?'}`,
      date: new Date().toISOString(),
      connections: CONNECTIONS,
      requests: REQUESTS,
      seconds: sub.duration,
      submissions: { perSecond: Math.round((accepted / sub.duration) * 10) / 10, p50ms: sub.latency.p50, p99ms: sub.latency.p99, accepted, non2xx: sub.non2xx, errors: sub.errors, timeouts: sub.timeouts },
      health: { perSecond: Math.round(health.requests.average), p50ms: health.latency.p50, p99ms: health.latency.p99, non2xx: health.non2xx },
      database: { rowsAdded: after - before, everyAcceptedStored: after - before === accepted },
    };
    process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
    process.stdout.write(
      `\nsubmissions: ${figures.submissions.perSecond}/s  p50 ${figures.submissions.p50ms} ms  p99 ${figures.submissions.p99ms} ms  (accepted ${accepted}, non-2xx ${sub.non2xx}, errors ${sub.errors})\n` +
        `health:      ${figures.health.perSecond}/s  p50 ${figures.health.p50ms} ms  p99 ${figures.health.p99ms} ms\n` +
        `stored:      ${after - before} rows for ${accepted} accepted → ${figures.database.everyAcceptedStored ? 'all present' : 'MISMATCH'}\n`,
    );
    if (!figures.database.everyAcceptedStored || sub.non2xx > 0) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/intake failed: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
