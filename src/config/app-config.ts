import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * The typed, validated configuration of one running portal.
 *
 * Read once at start from the environment (see the README's configuration table). Without
 * configuration (development) the portal keeps its own generated secrets in `data/secrets.json`
 * (mode 0600); with `NODE_ENV=production` every secret and the database must be given explicitly.
 */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Absolute path of the data directory (SQLite file, encrypted evidence, generated secrets). */
  dataDir: string;
  database: DatabaseConfig;
  secrets: Secrets;
  /**
   * Region (12 digits) of the commission that runs this portal: its office is created on first start,
   * and the portal takes reports from within that region only. Required in production; the
   * development default is 430000000000 (湖南省) because the sample data is from Hunan.
   */
  rootOfficeRegion: string;
  /** Division codes loaded into the database: 'all' or a list of 2-digit province codes. */
  divisionProvinces: 'all' | string[];
  uploads: { maxFileBytes: number; maxFiles: number };
  limits: {
    /** Receipt-code lookups allowed per client per window (default 10 per 15 minutes). */
    receiptTries: number;
    receiptWindowSeconds: number;
    /** Lookups per window over all clients that raise the surge alarm (never a lock-out). */
    receiptSurgeAlarm: number;
    /** Submissions per client per window. */
    submissions: number;
    submissionWindowSeconds: number;
    /**
     * Requests that carry evidence files (form steps, submissions, follow-up replies) per client per
     * window: files are held encrypted on disk for hours, so this bounds what one client can park.
     */
    uploads: number;
    uploadWindowSeconds: number;
  };
  /** Benchmark switch: lifts CAPTCHA and per-client limits. Refused when NODE_ENV=production. */
  benchmarkMode: boolean;
  /** Secure cookies (HTTPS only). Default on in production. */
  secureCookies: boolean;
  /** Every staff user must have a TOTP second factor; one without is confined to enrolment. Default on in production. */
  requireTotp: boolean;
  /** Compiled page templates are kept (`VIEW_CACHE=1`); off, every page re-reads and compiles its template. Default on in production. */
  viewCache: boolean;
  /**
   * The 近亲属 set of recusal (DESIGN.md §5), `KIN_SET`: `default` = 民法典 art. 1045 (spouse, parents,
   * children, siblings, grandparents, grandchildren); `wide` adds in-laws, parents' siblings, siblings'
   * children and step/adoptive ties.
   */
  kinSet: 'default' | 'wide';
  /**
   * How long an approved reveal of a reporter's identity and original evidence stays open to the
   * requester, in hours (`REVEAL_HOURS`, default 24, 1–720). A policy choice, not a statutory figure.
   */
  revealHours: number;
  /**
   * A roster import closes the scope's households it no longer lists only when it accepted at least
   * one household and would close at most this share (0–1) of the scope's open households
   * (`ROSTER_CLOSE_MAX_SHARE`, default 0.2); otherwise closing waits for an explicit confirmation.
   * A safety choice, not a statutory figure.
   */
  rosterCloseMaxShare: number;
  /**
   * Official roles limited to the government sanctions 警告/记过/记大过 (managers of village and
   * residents' committees, DESIGN.md §4; 政务处分法 art. 22 via the 2023 interpretation),
   * `SANCTION_LIMITED_ROLES` (comma-separated). Default `village_committee,residents_committee`.
   */
  sanctionLimitedRoles: string[];
  /**
   * Plausibility cap of a 减保 (monthly reduction of an allowance) in fen, applied when the household is
   * not linked to the roster (a linked household is capped by its own 月保障金额 instead)
   * (`MAX_MONTHLY_REDUCTION_FEN`, default 1,000,000 fen = 10,000 元 a month: several times a large
   * household's allowance at the highest local 低保 standards). A safety choice, not a statutory figure.
   */
  maxMonthlyReductionFen: number;
  /** Trust X-Forwarded-For from this many proxies (0 = none). */
  trustProxy: number;
  redisUrl?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'mysql'; url: string; host: string; port: number; username: string; password: string; database: string };

/** 32-byte keys, base64 in the environment. */
export interface Secrets {
  sessionSecret: string;
  /** AES-256-GCM key for reporter identities, contacts and evidence files. */
  encryptionKey: Buffer;
  /** HMAC key for receipt codes. */
  receiptHmacKey: Buffer;
  /** The one system-wide key for ID-number HMACs (DESIGN.md §2) — reporters, staff and officials meet on it. */
  idHmacKey: Buffer;
  /** Key for hashing client addresses for rate limits (transient, never stored with a report). */
  clientHashKey: Buffer;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`配置错误 / configuration error:\n - ${problems.join('\n - ')}`);
    this.name = 'ConfigError';
  }
}

const SECRET_VARS = {
  sessionSecret: 'SESSION_SECRET',
  encryptionKey: 'ENCRYPTION_KEY',
  receiptHmacKey: 'RECEIPT_HMAC_KEY',
  idHmacKey: 'ID_HMAC_KEY',
  clientHashKey: 'CLIENT_HASH_KEY',
} as const;

/**
 * Builds the configuration from `env`.
 * @throws ConfigError listing every missing or malformed setting (all at once, not the first only).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const problems: string[] = [];
  const nodeEnv = (env.NODE_ENV ?? 'development') as AppConfig['env'];
  if (!['development', 'production', 'test'].includes(nodeEnv)) problems.push(`NODE_ENV must be development, production or test (got "${nodeEnv}")`);
  const production = nodeEnv === 'production';
  const dataDir = resolvePath(env.DATA_DIR ?? 'data');

  const int = (name: string, def: number, min = 0): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`${name} must be an integer ≥ ${min} (got "${raw}")`);
      return def;
    }
    return n;
  };

  let database: DatabaseConfig;
  const url = env.DATABASE_URL;
  if (!url) {
    if (production) problems.push('DATABASE_URL is required in production (mysql://user:password@host:3306/db, or sqlite:/path/file.sqlite)');
    database = { type: 'sqlite', path: join(dataDir, 'qingfeng.sqlite') };
  } else {
    database = parseDatabaseUrl(url, problems);
  }

  let secrets: Secrets;
  const given = Object.fromEntries(Object.entries(SECRET_VARS).map(([k, v]) => [k, env[v]])) as Record<keyof Secrets, string | undefined>;
  const missing = Object.entries(SECRET_VARS).filter(([k]) => !given[k as keyof Secrets]).map(([, v]) => v);
  if (production && missing.length) {
    problems.push(`missing secrets in production: ${missing.join(', ')} (each 32 random bytes, base64; e.g. \`openssl rand -base64 32\`)`);
  }
  const generated = !production && missing.length ? loadOrCreateDevSecrets(dataDir) : undefined;
  const key = (k: keyof Secrets): Buffer => {
    const raw = given[k] ?? generated?.[k];
    if (!raw) return Buffer.alloc(32);
    const buf = Buffer.from(raw, 'base64');
    if (buf.length !== 32) problems.push(`${SECRET_VARS[k]} must be 32 bytes in base64 (got ${buf.length} bytes)`);
    return buf;
  };
  secrets = {
    sessionSecret: given.sessionSecret ?? generated?.sessionSecret ?? '',
    encryptionKey: key('encryptionKey'),
    receiptHmacKey: key('receiptHmacKey'),
    idHmacKey: key('idHmacKey'),
    clientHashKey: key('clientHashKey'),
  };
  if (production && given.sessionSecret && given.sessionSecret.length < 32) problems.push('SESSION_SECRET must be at least 32 characters');

  const benchmarkMode = env.QINGFENG_BENCHMARK_MODE === '1';
  if (benchmarkMode && production) problems.push('QINGFENG_BENCHMARK_MODE lifts CAPTCHA and rate limits and is refused in production');

  const provincesRaw = env.DIVISION_PROVINCES ?? 'all';
  const divisionProvinces = provincesRaw === 'all' ? 'all' : provincesRaw.split(',').map((s) => s.trim()).filter(Boolean);
  if (divisionProvinces !== 'all' && divisionProvinces.some((p) => !/^\d{2}$/.test(p))) problems.push('DIVISION_PROVINCES must be "all" or comma-separated 2-digit province codes, e.g. 43');

  const rootOfficeRegion = env.ROOT_OFFICE_REGION ?? (production ? '' : '430000000000');
  if (production && !env.ROOT_OFFICE_REGION) problems.push('ROOT_OFFICE_REGION is required in production (12-digit division code of the commission running the portal, e.g. 430400000000)');
  else if (!/^\d{12}$/.test(rootOfficeRegion)) problems.push('ROOT_OFFICE_REGION must be a 12-digit division code');

  const kinSet = (env.KIN_SET ?? 'default') as AppConfig['kinSet'];
  if (kinSet !== 'default' && kinSet !== 'wide') problems.push('KIN_SET must be default or wide');

  if (Number(env.REVEAL_HOURS) > 720) problems.push('REVEAL_HOURS must be at most 720 (30 days)');
  const rosterCloseMaxShare = env.ROSTER_CLOSE_MAX_SHARE === undefined || env.ROSTER_CLOSE_MAX_SHARE === '' ? 0.2 : Number(env.ROSTER_CLOSE_MAX_SHARE);
  if (!Number.isFinite(rosterCloseMaxShare) || rosterCloseMaxShare < 0 || rosterCloseMaxShare > 1) problems.push('ROSTER_CLOSE_MAX_SHARE must be a number from 0 to 1, e.g. 0.2');
  const sanctionLimitedRoles = (env.SANCTION_LIMITED_ROLES ?? 'village_committee,residents_committee').split(',').map((r) => r.trim()).filter(Boolean);
  if (sanctionLimitedRoles.some((r) => !/^[a-z_]{1,32}$/.test(r))) problems.push('SANCTION_LIMITED_ROLES must be comma-separated official role codes, e.g. village_committee,residents_committee');

  const logLevel = (env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info')) as AppConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) problems.push('LOG_LEVEL must be debug, info, warn, error or silent');

  const config: AppConfig = {
    env: nodeEnv,
    port: int('PORT', 3000, 0),
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    database,
    secrets,
    rootOfficeRegion,
    divisionProvinces,
    uploads: { maxFileBytes: int('UPLOAD_MAX_FILE_BYTES', 10 * 1024 * 1024, 1), maxFiles: 5 },
    limits: {
      receiptTries: int('RECEIPT_TRIES_PER_WINDOW', 10, 1),
      receiptWindowSeconds: int('RECEIPT_WINDOW_SECONDS', 15 * 60, 1),
      receiptSurgeAlarm: int('RECEIPT_SURGE_ALARM', 1000, 1),
      submissions: int('SUBMISSIONS_PER_WINDOW', 10, 1),
      submissionWindowSeconds: int('SUBMISSION_WINDOW_SECONDS', 60 * 60, 1),
      uploads: int('UPLOADS_PER_WINDOW', 20, 1),
      uploadWindowSeconds: int('UPLOAD_WINDOW_SECONDS', 60 * 60, 1),
    },
    benchmarkMode,
    secureCookies: env.SECURE_COOKIES ? env.SECURE_COOKIES === '1' : production,
    requireTotp: env.REQUIRE_TOTP ? env.REQUIRE_TOTP === '1' : production,
    viewCache: env.VIEW_CACHE ? env.VIEW_CACHE === '1' : production,
    kinSet,
    revealHours: int('REVEAL_HOURS', 24, 1),
    rosterCloseMaxShare,
    sanctionLimitedRoles,
    maxMonthlyReductionFen: int('MAX_MONTHLY_REDUCTION_FEN', 1_000_000, 1),
    trustProxy: int('TRUST_PROXY', 0, 0),
    redisUrl: env.REDIS_URL || undefined,
    logLevel,
    ...overrides,
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function resolvePath(p: string): string {
  return isAbsolute(p) ? p : resolve(process.cwd(), p);
}

/** Parses `mysql://user:pass@host:port/db` or `sqlite:/path/file.sqlite`. */
export function parseDatabaseUrl(url: string, problems: string[] = []): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) problems.push('DATABASE_URL sqlite: needs a file path');
    return { type: 'sqlite', path: resolvePath(path) };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    problems.push('DATABASE_URL is not a valid URL');
    return { type: 'sqlite', path: '' };
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    problems.push(`DATABASE_URL must start with mysql:// or sqlite: (got ${u.protocol})`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(database)) problems.push('DATABASE_URL must name a database (letters, digits, underscore)');
  return {
    type: 'mysql',
    url,
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    username: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password || ''),
    database,
  };
}

function loadOrCreateDevSecrets(dataDir: string): Record<keyof Secrets, string> {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const s = {
    sessionSecret: randomBytes(32).toString('base64'),
    encryptionKey: randomBytes(32).toString('base64'),
    receiptHmacKey: randomBytes(32).toString('base64'),
    idHmacKey: randomBytes(32).toString('base64'),
    clientHashKey: randomBytes(32).toString('base64'),
  };
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return s;
}
