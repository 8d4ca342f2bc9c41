/**
 * bench/matters — the handler's work list and the leaders' overdue list on a loaded MariaDB (issue 4).
 *
 * Starts the built server (`dist/src/main.js`) on a fresh MariaDB database (division codes of province
 * 43; dropped before the run and again after it unless BENCH_KEEP_DB=1), creates staff through the CLI
 * (a case handler and leaders of a county, a city and the province, signed in through the real login
 * form), then a generator (deterministic PRNG, multi-row INSERTs of BATCH rows) bulk-loads:
 *   - offices (纪委监委) of the province and of every city and county of province 43;
 *   - BENCH_CLUES clues (default 200,000) of which BENCH_CASES (default 50,000) are filed cases: spread
 *     over every village of Hunan with a heavier share in 衡阳市, over the states of DESIGN.md §4 (most
 *     finished; open ones with their statutory clock, about a fifth past due), registered over three
 *     years, each with a subject; cases numbered per county and year (the same clues as before the
 *     kinds below were added: those draw from a second PRNG stream);
 *   - BENCH_REPORTS reports (default = BENCH_CLUES): one accepted report per clue of source `report`
 *     (~85 %, linked as its `origin` in clue_reports), the rest never made into a clue (waiting at
 *     intake — mostly recent —, declined, forwarded, referred out, repeats); ~60 % real-name with a
 *     reporter_identities row holding a PLACEHOLDER ciphertext/HMAC (nothing measured decrypts it; the
 *     recusal part of the scope joins identities only for users with a declared person, which the bench
 *     users are not), one report subject each; intake clocks 告知受理情况 / 转送转办 (15 / 5 working days,
 *     approximated as 21 / 7 calendar days), acknowledged for all but ~1.5 % of accepted real-name
 *     reports and ~80 % of those still waiting;
 *   - result feedback (反馈处理结果) for the real-name report of every concluded/closed clue, ~3 % unsent past due;
 *   - inquiry letters (函询) to the subject of ~60 % of the clues in 谈话函询: most received, some
 *     replied, the rest overdue once the reply period (15 working days ≈ 21 calendar days) has run out;
 *   - for decided/closed cases: 整改 tasks for ~30 % (~8 % of those past due still open) and a 政务处分
 *     (记过) with a 复审/复核 request for ~8 % (~15 % of those undecided past the decision date).
 * It prints the count of every loaded kind and, per leader, the overdue rows expected of each kind of
 * the overdue list (MatterClocksService.overdue: clue clocks, feedback, 整改, 复审/复核, 函询回复, 告知受理情况,
 * 转送/转办) — the load fails unless every leader has overdue rows of every kind. Then it measures,
 * through HTTP with the session cookie:
 *   - GET /staff/matters               (the handler's work list: own open matters, newest first)
 *   - GET /staff/matters/overdue       (the overdue list of a county, a city and the province leader)
 *   - GET /api/v1/matters?mine=1, GET /api/v1/matters/overdue (county and province leader)
 * BENCH_REQUESTS requests each (default 400), once per BENCH_CONCURRENCY value (connections in flight,
 * default `1,4`), after a warm-up; prints p50/p95/p99 (ms) and checks every answer is 200 with the
 * expected rows — on the overdue page and API, the 200 most overdue of all kinds together: min(200,
 * expected) rows, no kind more than expected, every row of every kind when all fit, and the API's
 * `limited` flag true exactly when more are overdue.
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
/** Reports (举报): one per clue of source `report` (about 85 %, linked as its origin), the rest never made into a clue. */
const REPORTS = Number(process.env.BENCH_REPORTS ?? CLUES);
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
function pick<T>(weighted: readonly (readonly [T, number])[], r: () => number = rand): T {
  const total = weighted.reduce((a, [, w]) => a + w, 0);
  let x = r() * total;
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

/** The leaders whose overdue lists are measured, by scope prefix. */
const LEADERS = { county: '430421', city: '4304', province: '43' } as const;
type Leader = keyof typeof LEADERS;
/** The row kinds of the overdue list (MatterClocksService.overdue), each at most OVERDUE_LIMIT on a page. */
const OVERDUE_KINDS = ['clue_clock', 'feedback_result', 'rectification', 'sanction_review', 'inquiry_reply', 'report_acknowledge', 'report_forward'] as const;
type OverdueKind = (typeof OVERDUE_KINDS)[number];
/** Rows per kind the overdue list shows (src/clues/matter-pages.service.ts OVERDUE_LIMIT; the API's default limit). */
const OVERDUE_LIMIT = 200;
/** States of the reports never made into a clue (the ~15 % of BENCH_REPORTS beyond the clues of source `report`). */
const UNLINKED_REPORT_STATES = [
  ['received', 25],
  ['declined', 25],
  ['forwarded', 15],
  ['referred_out', 15],
  ['repeat', 20],
] as const;
const CHANNELS = [['web', 50], ['letter', 20], ['visit', 10], ['phone', 10], ['transfer', 10]] as const;

interface Loaded {
  clues: number;
  cases: number;
  open: number;
  overdueOpen: number;
  handlerOpen: number;
  villages: number;
  offices: number;
  reports: number;
  realName: number;
  linkedReports: number;
  feedbacks: number;
  inquiryLetters: number;
  rectifications: number;
  sanctionReviews: number;
  /** Overdue rows per leader and kind, as MatterClocksService.overdue finds them (before its per-kind limit). */
  expectedOverdue: Record<Leader, Record<OverdueKind, number>>;
}

/**
 * Loads offices, clues, their subjects and cases, the reports (with identity placeholders, subjects,
 * clue links and intake clocks), result feedback, inquiry letters, rectification tasks and 政务处分
 * reviews with multi-row INSERTs of BATCH rows. The clues draw from `rand` exactly as before (same data
 * as earlier runs); everything added draws from its own stream `more`. @returns counts.
 */
async function generate(db: mysql.Connection, handlerId: number): Promise<Loaded> {
  const [vrows] = await db.query("SELECT code FROM regions WHERE level = 5 AND code LIKE '43%' ORDER BY code");
  const villages = (vrows as { code: string }[]).map((r) => r.code);
  if (villages.length < 100) throw new Error(`only ${villages.length} villages of province 43 loaded`);
  const hengyang = villages.filter((c) => c.startsWith('4304'));
  const hengyangCounty = villages.filter((c) => c.startsWith('430421'));
  const more = rng(20261130);
  const now = Date.now();
  const today = ymd(new Date(now + 8 * 3600_000));
  const day = (ms: number) => ymd(new Date(ms + 8 * 3600_000));
  const at = (ms: number) => new Date(ms);
  const expectedOverdue = Object.fromEntries(Object.keys(LEADERS).map((l) => [l, Object.fromEntries(OVERDUE_KINDS.map((k) => [k, 0]))])) as Loaded['expectedOverdue'];
  const tally = (kind: OverdueKind, region: string) => {
    for (const [l, prefix] of Object.entries(LEADERS)) if (region.startsWith(prefix)) expectedOverdue[l as Leader][kind]++;
  };

  // Offices (纪委监委): the province, every city and county of province 43 — a report goes to its county's.
  const [orows] = await db.query("SELECT r.code, r.name, r.level FROM regions r WHERE r.level <= 3 AND r.code LIKE '43%' AND NOT EXISTS (SELECT 1 FROM offices o WHERE o.region_code = r.code) ORDER BY r.code");
  const officeRows = (orows as { code: string; name: string; level: number }[]).map((r) => [r.code, r.level, `${r.name}纪委监委`, at(now - 4 * 365 * DAY)]);
  for (let i = 0; i < officeRows.length; i += BATCH) await db.query('INSERT INTO offices (region_code, region_level, name, created_at) VALUES ?', [officeRows.slice(i, i + BATCH)]);
  const [allOffices] = await db.query("SELECT id, region_code AS code, region_level AS level FROM offices WHERE region_code LIKE '43%'");
  const offices = allOffices as { id: number; code: string; level: number }[];
  const officeOf = new Map(offices.map((o) => [o.code.slice(0, o.level === 1 ? 2 : o.level === 2 ? 4 : 6), o.id]));
  const office = (region: string) => officeOf.get(region.slice(0, 6)) ?? officeOf.get(region.slice(0, 4)) ?? officeOf.get(region.slice(0, 2))!;

  const counters = new Map<string, number>();
  let clueId = 0;
  let reportId = 0;
  let open = 0;
  let overdueOpen = 0;
  let handlerOpen = 0;
  let realName = 0;
  let linkedReports = 0;
  let feedbacks = 0;
  let inquiryLetters = 0;
  let rectifications = 0;
  let sanctionReviews = 0;
  type Rows = unknown[][];
  const rows = () => ({ clue: [] as Rows, subject: [] as Rows, case: [] as Rows, report: [] as Rows, identity: [] as Rows, reportSubject: [] as Rows, link: [] as Rows, feedback: [] as Rows, letter: [] as Rows, rect: [] as Rows, outcome: [] as Rows, review: [] as Rows });
  /** Target table and columns of each kind of row, in insertion order (parents before children). */
  const TABLES: readonly (readonly [keyof ReturnType<typeof rows>, string])[] = [
    ['clue', 'clues (id, source, status, category, region_code, region_level, disposal_method, conclusion, transferred_to, assigned_user_id, registered_at, state_entered_at, due_clock, due_date, due_fallback_years, created_at, updated_at)'],
    ['subject', 'clue_subjects (id, clue_id, ordinal, name, position, unit, party_member)'],
    ['case', 'cases (clue_id, case_number, county_code, year, seq, filed_at, closed_at)'],
    ['report', 'reports (id, receipt_hmac, kind, category, channel, region_code, region_level, office_id, status, anonymous, description, happened_at, received_at, ack_due, forward_due, due_fallback_years, acknowledged_at, repeat_of_id, referred_to, registered_by, assigned_user_id, created_at, updated_at)'],
    ['identity', 'reporter_identities (report_id, ciphertext, id_hmac)'],
    ['reportSubject', 'report_subjects (report_id, ordinal, name, position, unit)'],
    ['link', 'clue_reports (clue_id, report_id, link_kind, linked_by_user_id, linked_at)'],
    ['feedback', 'report_feedbacks (report_id, clue_id, due_from, due_date, due_fallback_years, public_text, sent_at, sent_by_user_id, created_at)'],
    ['letter', 'inquiry_letters (clue_id, subject_id, sent_on, sent_recorded_by_user_id, received_on, received_recorded_by_user_id, reply_due, reply_due_fallback_years, replied_on, reply_summary, reply_recorded_by_user_id, created_at, updated_at)'],
    ['rect', 'rectifications (clue_id, task, owner_unit, due_date, status, evidence, completed_on, recorded_by_user_id, created_at)'],
    ['outcome', 'matter_outcomes (id, clue_id, subject_id, kind, type, effect_months, effect_from, effect_to, decided_on, received_on, note, recorded_by_user_id, created_at)'],
    ['review', 'sanction_reviews (clue_id, outcome_id, kind, requested_on, request_due, decision_due, decided_on, result, note, recorded_by_user_id, created_at)'],
  ];
  const flush = async (b: ReturnType<typeof rows>) => {
    for (const [key, into] of TABLES) if (b[key].length) await db.query(`INSERT INTO ${into} VALUES ?`, [b[key]]);
  };
  const personName = (r: () => number) => SURNAMES[Math.floor(r() * SURNAMES.length)] + GIVEN[Math.floor(r() * GIVEN.length)] + GIVEN[Math.floor(r() * GIVEN.length)];
  /**
   * One report received at `received` (intake clocks approximated in calendar days: 15 working days ≈ 21,
   * 5 ≈ 7); its identity row is a placeholder — nothing measured decrypts it (the overdue list reads
   * only id, region, status and due dates; recusal joins identities by id_hmac only for users with a
   * declared person, which the bench users are not).
   */
  const addReport = (b: ReturnType<typeof rows>, region: string, category: string, status: string, received: number, ackLikely: number): { id: number; real: boolean } => {
    const id = ++reportId;
    const real = more() < 0.6;
    const ackDue = real ? day(received + 21 * DAY) : null;
    const forwardDue = day(received + 7 * DAY);
    const acknowledged = real && more() < ackLikely ? at(received + more() * Math.min(14 * DAY, now - received)) : null;
    if (real && !acknowledged && ackDue! < today) tally('report_acknowledge', region);
    if (status === 'received' && forwardDue < today) tally('report_forward', region);
    b.report.push([
      id,
      id.toString(16).padStart(64, '0'),
      more() < 0.85 ? 'denunciation' : 'accusation',
      category,
      pick(CHANNELS, more),
      region,
      5,
      office(region),
      status,
      real ? 0 : 1,
      '（基准测试数据）村干部优亲厚友，亲属不符合条件却享受低保。',
      '',
      at(received),
      ackDue,
      forwardDue,
      '',
      acknowledged,
      status === 'repeat' && id > 1 ? 1 + Math.floor(more() * (id - 1)) : null,
      status === 'referred_out' ? '县民政局' : null,
      null,
      null,
      at(received),
      at(received),
    ]);
    if (real) {
      realName++;
      b.identity.push([id, `bench-placeholder:${id}`, (id * 2654435761).toString(16).padStart(64, 'a').slice(-64)]);
    }
    b.reportSubject.push([id, 0, personName(more), '村委会主任', '']);
    return { id, real };
  };

  // Case clues first in id order would bias; interleave: clue i is a case when (i % (CLUES/CASES)) === 0 (up to CASES).
  const every = CLUES / CASES;
  let cases = 0;
  let outcomeId = 0;
  for (let start = 0; start < CLUES; start += BATCH) {
    const b = rows();
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
        if (due && due < today) {
          overdueOpen++;
          tally('clue_clock', region);
        }
        if (assigned === handlerId) handlerOpen++;
      }
      const method = ['registered', 'disposal_proposed'].includes(status) ? null : isCase ? 'preliminary_verification' : status === 'talk_inquiry' ? 'talk_inquiry' : status === 'held' ? 'held' : 'preliminary_verification';
      const source = rand() < 0.85 ? 'report' : rand() < 0.7 ? 'finding' : 'inspection';
      const category = CATEGORIES[Math.floor(rand() * CATEGORIES.length)];
      b.clue.push([
        clueId,
        source,
        status,
        category,
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
      // The subject's id is the clue's (one subject each), so letters and outcomes can name it.
      b.subject.push([clueId, clueId, 0, SURNAMES[Math.floor(rand() * SURNAMES.length)] + GIVEN[Math.floor(rand() * GIVEN.length)] + GIVEN[Math.floor(rand() * GIVEN.length)], '村委会主任', '', rand() < 0.6 ? 1 : 0]);
      if (isCase) {
        cases++;
        const filed = registered + rand() * Math.max(0, entered - registered);
        const county = region.slice(0, 6);
        const year = new Date(filed + 8 * 3600_000).getUTCFullYear();
        const key = `${county}-${year}`;
        const seq = (counters.get(key) ?? 0) + 1;
        counters.set(key, seq);
        b.case.push([clueId, `${county}-${year}-${String(seq).padStart(4, '0')}`, county, year, seq, at(filed), status === 'closed' ? at(entered) : null]);
      }
      const recorder = assigned ?? handlerId;
      // The report the clue was made from (accepted, acknowledged in time but for a few), and the result feedback owed on closing.
      if (source === 'report' && reportId < REPORTS) {
        const received = registered - more() * 3 * DAY;
        const r = addReport(b, region, category, 'accepted', received, 0.985);
        linkedReports++;
        b.link.push([clueId, r.id, 'origin', null, at(registered)]);
        if (r.real && (status === 'concluded' || status === 'closed')) {
          const fdue = day(entered + 21 * DAY);
          const sent = more() < (fdue < today ? 0.97 : 0.4) ? at(entered + more() * Math.min(14 * DAY, now - entered)) : null;
          if (!sent && fdue < today) tally('feedback_result', region);
          feedbacks++;
          b.feedback.push([r.id, clueId, at(entered), fdue, '', sent ? '经核查，已依规依纪处理。（基准测试数据）' : null, sent, sent ? recorder : null, at(entered)]);
        }
      }
      // 函询: a letter to the subject of most clues in 谈话函询; received by most, answered by most of those.
      if (status === 'talk_inquiry' && more() < 0.6) {
        const sent = entered + more() * Math.min(5 * DAY, now - entered);
        const received = sent + 2 * DAY < now && more() < 0.9 ? sent + more() * 2 * DAY : null;
        const replyDue = received === null ? null : day(received + 21 * DAY);
        const replied = received !== null && more() < (replyDue! < today ? 0.6 : 0.3) ? day(received + more() * Math.min(21 * DAY, now - received)) : null;
        if (replyDue && !replied && replyDue < today) tally('inquiry_reply', region);
        inquiryLetters++;
        b.letter.push([clueId, clueId, day(sent), recorder, received === null ? null : day(received), received === null ? null : recorder, replyDue, '', replied, replied ? '被函询人作出书面说明。（基准测试数据）' : null, replied ? recorder : null, at(sent), at(now)]);
      }
      // Decided/closed cases: 整改 tasks (most done in time) and 政务处分 with a 复审/复核 request (most decided in time).
      if (status === 'closed' || status === 'decided') {
        if (more() < 0.3) {
          const rdue = day(entered + (30 + more() * 60) * DAY);
          const done = more() < (rdue < today ? 0.92 : 0.3);
          if (!done && rdue < today) tally('rectification', region);
          rectifications++;
          b.rect.push([clueId, '重新核查低保对象资格，清退不符合条件人员。（基准测试数据）', '乡镇人民政府', rdue, done ? 'done' : 'open', done ? '已清退并公示' : null, done ? rdue : null, recorder, at(entered)]);
        }
        const receivedDecision = entered + 3 * DAY;
        const requested = receivedDecision + more() * 25 * DAY;
        if (more() < 0.08 && requested < now) {
          const reReview = more() < 0.2;
          const ddue = day(requested + (reReview ? 61 : 30) * DAY);
          const decided = more() < (ddue < today ? 0.85 : 0.2) ? day(requested + more() * Math.min(30 * DAY, now - requested)) : null;
          if (!decided && ddue < today) tally('sanction_review', region);
          outcomeId++;
          sanctionReviews++;
          b.outcome.push([outcomeId, clueId, clueId, 'government_sanction', 'demerit', 12, day(entered), day(entered + 365 * DAY), day(entered), day(receivedDecision), null, recorder, at(entered)]);
          b.review.push([clueId, outcomeId, reReview ? 're_review' : 'review', day(requested), day(receivedDecision + 30 * DAY), ddue, decided, decided ? 'upheld' : null, null, decided ? recorder : null, at(requested)]);
        }
      }
    }
    await flush(b);
  }
  // Reports never made into a clue: waiting at intake (mostly recent), declined, forwarded, referred out, repeats.
  while (reportId < REPORTS) {
    const b = rows();
    for (let n = 0; n < BATCH && reportId < REPORTS; n++) {
      const region = more() < 0.06 ? hengyangCounty[Math.floor(more() * hengyangCounty.length)] : more() < 0.2 ? hengyang[Math.floor(more() * hengyang.length)] : villages[Math.floor(more() * villages.length)];
      const status = pick(UNLINKED_REPORT_STATES, more);
      const received = status === 'received' ? now - more() * (more() < 0.7 ? 10 : 90) * DAY : now - more() * 3 * 365 * DAY;
      addReport(b, region, CATEGORIES[Math.floor(more() * CATEGORIES.length)], status, received, status === 'received' ? 0.2 : 0.97);
    }
    await flush(b);
  }
  const counterRows = [...counters].map(([k, seq]) => [k.slice(0, 6), Number(k.slice(7)), seq]);
  for (let i = 0; i < counterRows.length; i += BATCH) await db.query('INSERT INTO case_number_counters (county_code, year, last_seq) VALUES ?', [counterRows.slice(i, i + BATCH)]);
  await db.query('ANALYZE TABLE clues, clue_subjects, cases, reports, reporter_identities, report_subjects, clue_reports, report_feedbacks, inquiry_letters, rectifications, matter_outcomes, sanction_reviews');
  return { clues: clueId, cases, open, overdueOpen, handlerOpen, villages: villages.length, offices: offices.length, reports: reportId, realName, linkedReports, feedbacks, inquiryLetters, rectifications, sanctionReviews, expectedOverdue };
}

/** An item of GET /api/v1/matters/overdue (the fields that tell its kind). */
interface OverdueItem {
  clueId: number | null;
  reportId: number | null;
  reportClock?: string;
  rectificationId?: number;
  sanctionReviewId?: number;
  inquiryLetterId?: number;
}
function overdueItemKind(i: OverdueItem): OverdueKind {
  if (i.reportClock === 'report_acknowledge' || i.reportClock === 'report_forward') return i.reportClock;
  if (i.rectificationId) return 'rectification';
  if (i.sanctionReviewId) return 'sanction_review';
  if (i.inquiryLetterId) return 'inquiry_reply';
  return i.reportId ? 'feedback_result' : 'clue_clock';
}
/** The kind of one `<tr class="overdue-row">` of views/pages/matters/overdue.hbs (by its marker or clock label). */
function overduePageKind(row: string): OverdueKind {
  const clock = /data-report-clock="([a-z_]+)"/.exec(row)?.[1];
  if (clock === 'report_acknowledge' || clock === 'report_forward') return clock;
  if (row.includes('inquiry-letter-ref')) return 'inquiry_reply';
  if (row.includes('整改期限')) return 'rectification';
  if (row.includes('复审决定') || row.includes('复核决定')) return 'sanction_review';
  return row.includes('<span class="muted">举报 #') ? 'feedback_result' : 'clue_clock';
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
  const dropDatabase = async () => {
    const admin = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) });
    await admin.query(`DROP DATABASE IF EXISTS \`${u.pathname.slice(1)}\``);
    await admin.end();
  };
  await dropDatabase();

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
    process.stdout.write(
      `loaded ${loaded.clues} clues (${loaded.cases} cases, ${loaded.open} open, ${loaded.overdueOpen} overdue) over ${loaded.villages} villages, ${loaded.offices} offices, ` +
        `${loaded.reports} reports (${loaded.realName} real-name, ${loaded.linkedReports} linked to their clue), ${loaded.feedbacks} result feedbacks, ${loaded.inquiryLetters} inquiry letters, ` +
        `${loaded.rectifications} rectification tasks, ${loaded.sanctionReviews} sanction reviews in ${loadSeconds} s; handler has ${loaded.handlerOpen} open\n`,
    );
    for (const [leader, kinds] of Object.entries(loaded.expectedOverdue)) process.stdout.write(`expected overdue rows, ${leader} leader: ${OVERDUE_KINDS.map((k) => `${k} ${kinds[k]}`).join(', ')}\n`);
    for (const [leader, kinds] of Object.entries(loaded.expectedOverdue)) {
      const missing = OVERDUE_KINDS.filter((k) => kinds[k] === 0);
      if (missing.length) throw new Error(`the ${leader} leader has no overdue rows of ${missing.join(', ')}: the load measures less than the real list`);
    }

    const rowsIn = (html: string) => (html.match(/data-clue-id=/g) ?? []).length;
    /**
     * The list shows the OVERDUE_LIMIT most overdue rows of all kinds together: min(limit, all expected)
     * rows, never more of a kind than are overdue, and the rows of every kind when all fit.
     */
    const sameKinds = (got: Record<OverdueKind, number>, leader: Leader) => {
      const exp = loaded.expectedOverdue[leader];
      const all = OVERDUE_KINDS.reduce((a, k) => a + exp[k], 0);
      const shown = OVERDUE_KINDS.reduce((a, k) => a + got[k], 0);
      return shown === Math.min(OVERDUE_LIMIT, all) && OVERDUE_KINDS.every((k) => got[k] <= exp[k] && (all > OVERDUE_LIMIT || got[k] === exp[k]));
    };
    const limitedSaid = (body: string, leader: Leader) => (JSON.parse(body) as { limited: boolean }).limited === OVERDUE_KINDS.reduce((a, k) => a + loaded.expectedOverdue[leader][k], 0) > OVERDUE_LIMIT;
    const pageKinds = (html: string) => {
      const got = Object.fromEntries(OVERDUE_KINDS.map((k) => [k, 0])) as Record<OverdueKind, number>;
      for (const [row] of html.matchAll(/<tr class="overdue-row[^"]*"[^>]*>[\s\S]*?<\/tr>/g)) got[overduePageKind(row)]++;
      return got;
    };
    const apiKinds = (body: string) => {
      const got = Object.fromEntries(OVERDUE_KINDS.map((k) => [k, 0])) as Record<OverdueKind, number>;
      for (const i of (JSON.parse(body) as { items: OverdueItem[] }).items) got[overdueItemKind(i)]++;
      return got;
    };
    const targets = [
      { name: "handler's work list (GET /staff/matters)", url: '/staff/matters', s: sessions.handler, check: (b: string) => rowsIn(b) === 20 },
      { name: 'county leader overdue list (GET /staff/matters/overdue)', url: '/staff/matters/overdue', s: sessions.county, check: (b: string) => sameKinds(pageKinds(b), 'county') },
      { name: 'city leader overdue list', url: '/staff/matters/overdue', s: sessions.city, check: (b: string) => sameKinds(pageKinds(b), 'city') },
      { name: 'province leader overdue list', url: '/staff/matters/overdue', s: sessions.province, check: (b: string) => sameKinds(pageKinds(b), 'province') },
      { name: 'handler work list, JSON (GET /api/v1/matters?mine=1)', url: '/api/v1/matters?mine=1', s: sessions.handler, check: (b: string) => (JSON.parse(b) as { items: unknown[] }).items.length === 20 },
      { name: 'county overdue, JSON (GET /api/v1/matters/overdue)', url: '/api/v1/matters/overdue', s: sessions.county, check: (b: string) => sameKinds(apiKinds(b), 'county') && limitedSaid(b, 'county') },
      { name: 'province overdue, JSON (GET /api/v1/matters/overdue)', url: '/api/v1/matters/overdue', s: sessions.province, check: (b: string) => sameKinds(apiKinds(b), 'province') && limitedSaid(b, 'province') },
    ];
    for (const tg of targets.filter((t) => t.url.includes('overdue'))) {
      const r = await fetch(server.url + tg.url, { headers: { cookie: tg.s.cookie } });
      const body = await r.text();
      const got = tg.url.startsWith('/api') ? apiKinds(body) : pageKinds(body);
      process.stdout.write(`${tg.name}: ${OVERDUE_KINDS.map((k) => `${k} ${got[k]}`).join(', ')}\n`);
    }
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
    // BENCH_KEEP_DB=1 keeps the loaded database (e.g. for EXPLAIN); drop it by hand afterwards.
    if (process.env.BENCH_KEEP_DB !== '1') await dropDatabase();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/matters failed: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
