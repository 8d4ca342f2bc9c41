/**
 * bench/matters — the handler's work list and the leader's overdue list on a loaded MariaDB (issue 4).
 *
 * Starts the built server (`dist/src/main.js`) on a fresh MariaDB database (division codes of province
 * 43), creates staff through the CLI (a case handler and leaders of a county, a city and the province,
 * signed in through the real login form), then a generator bulk-loads BENCH_CLUES clues (default
 * 200,000) of which BENCH_CASES (default 50,000) are filed cases: spread over every village of Hunan
 * with a heavier share in 衡阳市, over the states of DESIGN.md §4 (most finished; open ones with their
 * statutory clock, about a fifth past due), registered over three years, each with a subject; cases
 * numbered per county and year. Then it measures, through HTTP with the session cookie:
 *   - GET /staff/matters            (the handler's work list: own open matters, newest first)
 *   - GET /staff/matters/overdue    (the overdue list of a county, a city and the province leader)
 * BENCH_REQUESTS requests each (default 400), once per BENCH_CONCURRENCY value (connections in flight,
 * default `1,4`), after a warm-up; prints p50/p95/p99 (ms) and checks every answer is 200 with the expected rows.
 *
 *   npm run bench:matters
 *   BENCH_DB_URL=mysql://u:p@host:3306/x BENCH_CLUES=20000 BENCH_CASES=5000 npm run bench:matters
 */
import { execFile } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { spawnServer, type SpawnedServer } from './lib/spawn-server.js';

const DB_URL = process.env.BENCH_DB_URL ?? 'mysql://root@127.0.0.1:3306/qf_bench_matters';
const CLUES = Number(process.env.BENCH_CLUES ?? 200_000);
const CASES = Number(process.env.BENCH_CASES ?? 50_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
/** Connections in flight, one measurement per value (`1,4`: one user at a time, then four at once). */
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,4').split(',').map(Number);
const GOAL_P95_MS = 150;
const BATCH = 2000;

/** Deterministic PRNG (mulberry32), so every run loads the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20261129);
function pick<T>(weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((a, [, w]) => a + w, 0);
  let x = rand() * total;
  for (const [v, w] of weighted) if ((x -= w) < 0) return v;
  return weighted[weighted.length - 1][0];
}

/** Clue-only states (shares of the 150,000 clues never filed). */
const CLUE_STATES = [
  ['concluded', 52],
  ['registered', 12],
  ['disposal_proposed', 3],
  ['talk_inquiry', 10],
  ['preliminary_verification', 12],
  ['held', 8],
  ['transferred', 3],
] as const;
/** Case states (the 50,000 filed cases). */
const CASE_STATES = [
  ['closed', 70],
  ['case_filed', 3],
  ['investigation', 14],
  ['trial', 5],
  ['returned', 1],
  ['decided', 5],
  ['withdrawn', 2],
] as const;
const CLOCK_OF: Record<string, string> = { registered: 'propose_disposal', talk_inquiry: 'talk_report', trial: 'trial', decided: 'announce_decision' };
const FINAL = new Set(['concluded', 'transferred', 'closed', 'withdrawn']);
const CATEGORIES = ['favouritism_kin', 'applicant_fraud', 'false_certificate', 'wrongful_inclusion', 'wrongful_exclusion', 'not_exited', 'embezzlement', 'extortion', 'procedure', 'negligence', 'other'];
const SURNAMES = [...'王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林'];
const GIVEN = [...'建国明华军平志强德福秀英海波春红伟芳敏静丽'];

const DAY = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');
const ymd = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

interface Session {
  cookie: string;
  csrf: string;
}

/** A tiny cookie jar over fetch. */
function mergeCookies(jar: Map<string, string>, res: Response): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** Signs in through the login form with the one-time password and sets a new one (forced change). */
async function login(base: string, username: string, oneTime: string): Promise<Session> {
  const jar = new Map<string, string>();
  const form = async (path: string, body: Record<string, string>) => {
    const r = await fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) }, body: new URLSearchParams(body).toString() });
    mergeCookies(jar, r);
    return r;
  };
  const page = await fetch(`${base}/staff/login`);
  mergeCookies(jar, page);
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const r1 = await form('/staff/login', { _csrf: token, username, password: oneTime });
  if (r1.status !== 303) throw new Error(`login of ${username}: ${r1.status}`);
  const csrf1 = ((await (await fetch(`${base}/staff/csrf`, { headers: { cookie: cookieHeader(jar) } })).json()) as { token: string }).token;
  const newPassword = `Bench-${username}-密码-2026!`;
  const r2 = await form('/staff/password', { _csrf: csrf1, currentPassword: oneTime, newPassword, confirmPassword: newPassword });
  if (r2.status !== 303) throw new Error(`password change of ${username}: ${r2.status}`);
  const tokenRes = await fetch(`${base}/staff/csrf`, { headers: { cookie: cookieHeader(jar) } });
  mergeCookies(jar, tokenRes);
  return { cookie: cookieHeader(jar), csrf: ((await tokenRes.json()) as { token: string }).token };
}

async function cliCreate(server: SpawnedServer, username: string, roles: string, scope: string): Promise<string> {
  const env = { ...process.env, NODE_ENV: 'development', DATA_DIR: server.dataDir, DATABASE_URL: DB_URL, DIVISION_PROVINCES: '43', LOG_LEVEL: 'warn' };
  const { stdout } = await promisify(execFile)(process.execPath, [join('dist', 'src', 'cli', 'main.js'), 'user:create', '--username', username, '--roles', roles, '--scope', scope, '--name', username], { env });
  const pw = /(?:一次性密码|one-time password)[^:：]*[:：]\s*(\S+)/i.exec(stdout)?.[1];
  if (!pw) throw new Error(`user:create ${username} printed no password`);
  return pw;
}

/** Loads the clues, their subjects and the cases with multi-row INSERTs. @returns counts. */
async function generate(db: mysql.Connection, handlerId: number): Promise<{ clues: number; cases: number; open: number; overdueOpen: number; handlerOpen: number; villages: number }> {
  const [vrows] = await db.query("SELECT code FROM regions WHERE level = 5 AND code LIKE '43%' ORDER BY code");
  const villages = (vrows as { code: string }[]).map((r) => r.code);
  if (villages.length < 100) throw new Error(`only ${villages.length} villages of province 43 loaded`);
  const hengyang = villages.filter((c) => c.startsWith('4304'));
  const hengyangCounty = villages.filter((c) => c.startsWith('430421'));
  const now = Date.now();
  const today = ymd(new Date(now + 8 * 3600_000));
  const counters = new Map<string, number>();
  let clueId = 0;
  let open = 0;
  let overdueOpen = 0;
  let handlerOpen = 0;
  const at = (ms: number) => new Date(ms);
  // Case clues first in id order would bias; interleave: clue i is a case when (i % (CLUES/CASES)) === 0 (up to CASES).
  const every = CLUES / CASES;
  let cases = 0;
  for (let start = 0; start < CLUES; start += BATCH) {
    const clueRows: unknown[][] = [];
    const subjectRows: unknown[][] = [];
    const caseRows: unknown[][] = [];
    for (let i = start; i < Math.min(CLUES, start + BATCH); i++) {
      const isCase = cases < CASES && Math.floor(i % every) === 0;
      const region = rand() < 0.06 ? hengyangCounty[Math.floor(rand() * hengyangCounty.length)] : rand() < 0.2 ? hengyang[Math.floor(rand() * hengyang.length)] : villages[Math.floor(rand() * villages.length)];
      const status = isCase ? pick(CASE_STATES) : pick(CLUE_STATES);
      const final = FINAL.has(status);
      // Finished matters spread over three years; open ones mostly recent (their clock running).
      const registered = final ? now - rand() * 3 * 365 * DAY : now - rand() * (rand() < 0.8 ? 120 : 700) * DAY;
      const entered = registered + rand() * Math.max(0, now - registered);
      const clock = final ? null : (CLOCK_OF[status] ?? null);
      const due = clock ? ymd(new Date(entered + 8 * 3600_000 + 31 * DAY)) : null;
      const assigned = status === 'registered' && rand() < 0.3 ? null : region.startsWith('430421') && rand() < 0.25 ? handlerId : 100_000 + Math.floor(rand() * 400);
      clueId++;
      if (!final) {
        open++;
        if (due && due < today) overdueOpen++;
        if (assigned === handlerId) handlerOpen++;
      }
      const method = ['registered', 'disposal_proposed'].includes(status) ? null : isCase ? 'preliminary_verification' : status === 'talk_inquiry' ? 'talk_inquiry' : status === 'held' ? 'held' : 'preliminary_verification';
      clueRows.push([
        clueId,
        rand() < 0.85 ? 'report' : rand() < 0.7 ? 'finding' : 'inspection',
        status,
        CATEGORIES[Math.floor(rand() * CATEGORIES.length)],
        region,
        5,
        method,
        status === 'concluded' ? pick([['cleared', 3], ['no_substance', 4], ['first_form_measure', 2], ['already_handled', 1]] as const) : null,
        status === 'transferred' ? '县民政局' : null,
        assigned,
        at(registered),
        at(entered),
        clock,
        due,
        '',
        at(registered),
        at(entered),
      ]);
      subjectRows.push([clueId, 0, SURNAMES[Math.floor(rand() * SURNAMES.length)] + GIVEN[Math.floor(rand() * GIVEN.length)] + GIVEN[Math.floor(rand() * GIVEN.length)], '村委会主任', '', rand() < 0.6 ? 1 : 0]);
      if (isCase) {
        cases++;
        const filed = registered + rand() * Math.max(0, entered - registered);
        const county = region.slice(0, 6);
        const year = new Date(filed + 8 * 3600_000).getUTCFullYear();
        const key = `${county}-${year}`;
        const seq = (counters.get(key) ?? 0) + 1;
        counters.set(key, seq);
        caseRows.push([clueId, `${county}-${year}-${String(seq).padStart(4, '0')}`, county, year, seq, at(filed), status === 'closed' ? at(entered) : null]);
      }
    }
    await db.query(
      'INSERT INTO clues (id, source, status, category, region_code, region_level, disposal_method, conclusion, transferred_to, assigned_user_id, registered_at, state_entered_at, due_clock, due_date, due_fallback_years, created_at, updated_at) VALUES ?',
      [clueRows],
    );
    await db.query('INSERT INTO clue_subjects (clue_id, ordinal, name, position, unit, party_member) VALUES ?', [subjectRows]);
    if (caseRows.length) await db.query('INSERT INTO cases (clue_id, case_number, county_code, year, seq, filed_at, closed_at) VALUES ?', [caseRows]);
  }
  const counterRows = [...counters].map(([k, seq]) => [k.slice(0, 6), Number(k.slice(7)), seq]);
  for (let i = 0; i < counterRows.length; i += BATCH) await db.query('INSERT INTO case_number_counters (county_code, year, last_seq) VALUES ?', [counterRows.slice(i, i + BATCH)]);
  await db.query('ANALYZE TABLE clues, clue_subjects, cases');
  return { clues: clueId, cases, open, overdueOpen, handlerOpen, villages: villages.length };
}

/** Sends `n` GETs over `c` connections; @returns latency percentiles (ms) and a check of every answer. */
async function measure(url: string, s: Session, n: number, c: number, check: (html: string) => boolean): Promise<{ p50: number; p95: number; p99: number; max: number; perSecond: number; bad: number }> {
  const times: number[] = [];
  let bad = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) {
        next++;
        const a = performance.now();
        const r = await fetch(url, { headers: { cookie: s.cookie } });
        const body = await r.text();
        times.push(performance.now() - a);
        if (r.status !== 200 || !check(body)) bad++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  times.sort((x, y) => x - y);
  const q = (p: number) => Math.round(times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] * 10) / 10;
  return { p50: q(50), p95: q(95), p99: q(99), max: q(100), perSecond: Math.round((n / secs) * 10) / 10, bad };
}

async function main(): Promise<void> {
  const u = new URL(DB_URL);
  const admin = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) });
  await admin.query(`DROP DATABASE IF EXISTS \`${u.pathname.slice(1)}\``);
  await admin.end();

  // BENCH_SERVER_NODE_OPTIONS passes NODE_OPTIONS to the server (e.g. `--import` of an inspector-based profiler).
  const server = await spawnServer({ DATABASE_URL: DB_URL, DIVISION_PROVINCES: '43', LOG_LEVEL: 'warn', VIEW_CACHE: '1', ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}) });
  const db = await mysql.createConnection(DB_URL);
  try {
    const users = { handler: ['bench_handler', 'case_handler', '430421000000'], county: ['bench_county_leader', 'leader', '430421000000'], city: ['bench_city_leader', 'leader', '430400000000'], province: ['bench_province_leader', 'leader', '430000000000'] } as const;
    const sessions: Record<string, Session> = {};
    for (const [k, [name, role, scope]] of Object.entries(users)) sessions[k] = await login(server.url, name, await cliCreate(server, name, role, scope));
    const [[h]] = (await db.query("SELECT id FROM users WHERE username = 'bench_handler'")) as unknown as [{ id: number }[]];

    const g0 = performance.now();
    const loaded = await generate(db, h.id);
    const loadSeconds = Math.round((performance.now() - g0) / 100) / 10;
    process.stdout.write(`loaded ${loaded.clues} clues (${loaded.cases} cases, ${loaded.open} open, ${loaded.overdueOpen} overdue) over ${loaded.villages} villages in ${loadSeconds} s; handler has ${loaded.handlerOpen} open\n`);

    const rowsIn = (html: string) => (html.match(/data-clue-id=/g) ?? []).length;
    const targets = [
      { name: "handler's work list (GET /staff/matters)", url: '/staff/matters', s: sessions.handler, check: (b: string) => rowsIn(b) === 20 },
      { name: 'county leader overdue list (GET /staff/matters/overdue)', url: '/staff/matters/overdue', s: sessions.county, check: (b: string) => rowsIn(b) > 0 },
      { name: 'city leader overdue list', url: '/staff/matters/overdue', s: sessions.city, check: (b: string) => rowsIn(b) > 0 },
      { name: 'province leader overdue list', url: '/staff/matters/overdue', s: sessions.province, check: (b: string) => rowsIn(b) === 200 },
      { name: 'handler work list, JSON (GET /api/v1/matters?mine=1)', url: '/api/v1/matters?mine=1', s: sessions.handler, check: (b: string) => (JSON.parse(b) as { items: unknown[] }).items.length === 20 },
      { name: 'province overdue, JSON (GET /api/v1/matters/overdue)', url: '/api/v1/matters/overdue', s: sessions.province, check: (b: string) => (JSON.parse(b) as { items: unknown[] }).items.length === 200 },
    ];
    const results = [];
    for (const c of CONCURRENCY) {
      for (const tg of targets) {
        await measure(server.url + tg.url, tg.s, Math.min(50, REQUESTS), c, tg.check); // warm-up
        const r = await measure(server.url + tg.url, tg.s, REQUESTS, c, tg.check);
        results.push({ name: tg.name, concurrency: c, ...r });
        process.stdout.write(`${tg.name} ×${c}: p50 ${r.p50} ms  p95 ${r.p95} ms  p99 ${r.p99} ms  max ${r.max} ms  ${r.perSecond}/s  bad ${r.bad}\n`);
        if (r.bad) process.exitCode = 1;
      }
    }
    const figures = {
      machine: `${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
      loadAverageAfter: loadavg().map((x) => Math.round(x * 100) / 100),
      date: new Date().toISOString(),
      loaded,
      loadSeconds,
      requests: REQUESTS,
      goalP95Ms: GOAL_P95_MS,
      results,
    };
    process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
    const miss = results.filter((r) => r.p95 > GOAL_P95_MS);
    process.stdout.write(miss.length ? `p95 over ${GOAL_P95_MS} ms: ${miss.map((r) => `${r.name} ×${r.concurrency}`).join('; ')}\n` : `every list within p95 ≤ ${GOAL_P95_MS} ms\n`);
  } finally {
    await db.end();
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/matters failed: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
