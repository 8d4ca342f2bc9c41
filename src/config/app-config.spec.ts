import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseDatabaseUrl } from './app-config.js';

const key = () => Buffer.alloc(32, 7).toString('base64');
const PROD_SECRETS = {
  SESSION_SECRET: 'x'.repeat(40),
  ENCRYPTION_KEY: key(),
  RECEIPT_HMAC_KEY: key(),
  ID_HMAC_KEY: key(),
  CLIENT_HASH_KEY: key(),
};

describe('loadConfig', () => {
  it('in production refuses to start and names every missing setting at once', () => {
    let err: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', DATA_DIR: '/nonexistent' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.join('\n');
    for (const name of ['DATABASE_URL', 'SESSION_SECRET', 'ENCRYPTION_KEY', 'RECEIPT_HMAC_KEY', 'ID_HMAC_KEY', 'CLIENT_HASH_KEY', 'ROOT_OFFICE_REGION']) expect(text).toContain(name);
  });

  it('in production starts with explicit settings, secure cookies on, and refuses the benchmark switch', () => {
    const env = { NODE_ENV: 'production', DATABASE_URL: 'mysql://qf:pw@db.internal:3306/qingfeng', ROOT_OFFICE_REGION: '430400000000', ...PROD_SECRETS };
    const c = loadConfig(env);
    expect(c.database).toMatchObject({ type: 'mysql', host: 'db.internal', port: 3306, username: 'qf', password: 'pw', database: 'qingfeng' });
    expect(c.secureCookies).toBe(true);
    expect(c.secrets.encryptionKey).toHaveLength(32);
    expect(() => loadConfig({ ...env, QINGFENG_BENCHMARK_MODE: '1' })).toThrow(/QINGFENG_BENCHMARK_MODE/);
  });

  it('rejects malformed keys, numbers and codes with clear messages', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'mysql://a@b/c', ROOT_OFFICE_REGION: '4304', ...PROD_SECRETS, ENCRYPTION_KEY: 'short' })).toThrow(/ENCRYPTION_KEY must be 32 bytes[\s\S]*ROOT_OFFICE_REGION must be a 12-digit/);
    expect(() => loadConfig({ NODE_ENV: 'development', PORT: 'eighty', DATA_DIR: mkdtempSync(join(tmpdir(), 'qf-cfg-')) })).toThrow(/PORT must be an integer/);
    expect(() => loadConfig({ NODE_ENV: 'development', MAX_MONTHLY_REDUCTION_FEN: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'qf-cfg-')) })).toThrow(/MAX_MONTHLY_REDUCTION_FEN must be an integer ≥ 1/);
    expect(() => parseDatabaseUrl('postgres://x@y/z', [])).not.toThrow();
    const problems: string[] = [];
    parseDatabaseUrl('postgres://x@y/z', problems);
    expect(problems.join()).toMatch(/mysql:\/\/ or sqlite:/);
  });

  it('in development creates its own secrets once, under the data directory, readable by the owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-cfg-'));
    try {
      const a = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
      const b = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
      expect(a.database).toEqual({ type: 'sqlite', path: join(dir, 'qingfeng.sqlite') });
      expect(a.maxMonthlyReductionFen).toBe(1_000_000);
      expect(a.secrets.encryptionKey.equals(b.secrets.encryptionKey)).toBe(true);
      expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
      expect(Object.keys(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')))).toHaveLength(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
