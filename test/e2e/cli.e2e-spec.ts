import { execFile, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { Office } from '../../src/regions/entities/office.entity.js';
import { User } from '../../src/users/entities/user.entity.js';
import { verifyPassword } from '../../src/users/passwords.js';
import { freshTestDatabase } from '../utils/test-database.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

describe('command line (compiled, run as a child process)', () => {
  const db = freshTestDatabase();
  const url = db.database.type === 'sqlite' ? `sqlite:${db.database.path}` : `mysql://${db.database.username}:${db.database.password}@${db.database.host}:${db.database.port}/${db.database.database}`;
  const env = { ...process.env, NODE_ENV: 'test', DATABASE_URL: url, DATA_DIR: db.dataDir, DIVISION_PROVINCES: '43', LOG_LEVEL: 'silent', NODE_OPTIONS: '' };
  let ds: DataSource;

  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('node', [CLI, ...args], { env, cwd: ROOT });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  }

  beforeAll(() => {
    // The same build `npm run cli` does; type errors elsewhere in a work in progress do not stop the emit.
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    } catch {
      /* checked below */
    }
    if (!existsSync(CLI)) throw new Error('the CLI did not build');
  }, 180_000);
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db.drop();
  });

  it('migrates, manages users, offices and the calendar, and exits non-zero on errors', async () => {
    const migrated = await cli('migrate');
    expect(migrated).toMatchObject({ code: 0 });
    expect(migrated.stdout).toContain('InitialIntake1764403200000');
    expect((await cli('migrate')).stdout).toContain('数据库已是最新');

    const created = await cli('user:create', '--username', 'Wang.Wu', '--roles', 'intake_officer,leader', '--scope', '430421000000', '--name', '王五');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('已创建用户 / user created: wang.wu');
    const otp = /one-time password: (\S+)/.exec(created.stdout)![1];
    expect(otp.length).toBeGreaterThanOrEqual(16);

    const refused = await cli('user:create', '--username', 'x', '--roles', 'boss', '--scope', '430421000000');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('未知的角色：boss');
    expect((await cli('user:create', '--username', 'lonely')).code).toBe(2);
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('未知命令');

    const listed = await cli('user:list');
    expect(listed.stdout).toMatch(/wang\.wu\tintake_officer,leader\t430421000000\tactive,must-change-password/);
    expect(listed.stdout).not.toContain(otp);

    const reset = await cli('user:reset-password', 'WANG.WU');
    expect(reset.code).toBe(0);
    const otp2 = /one-time password: (\S+)/.exec(reset.stdout)![1];
    expect(otp2).not.toBe(otp);
    expect((await cli('user:reset-password', 'nobody')).code).toBe(1);
    expect((await cli('user:deactivate', 'wang.wu')).code).toBe(0);

    const office = await cli('office:create', '430421000000');
    expect(office.code).toBe(0);
    expect(office.stdout).toContain('衡阳县纪委监委');
    expect((await cli('office:create', '430421000000')).stderr).toContain('该区划已设有纪委监委');
    expect((await cli('office:list')).stdout).toContain('430421000000');

    const file = join(db.dataDir, '2031.json');
    writeFileSync(file, JSON.stringify({ holidays: ['2031-01-01', '2031-10-01'], workdays: [] }));
    const cal = await cli('calendar:load', '2031', file);
    expect(cal.code).toBe(0);
    expect(cal.stdout).toContain('2 holidays');

    ds = await new DataSource(buildDataSourceOptions(db.database, { poolSize: 2 })).initialize();
    const user = await ds.getRepository(User).findOneByOrFail({ username: 'wang.wu' });
    expect(user).toMatchObject({ displayName: '王五', active: false, mustChangePassword: true, scopePrefix: '430421' });
    expect(await verifyPassword(user.passwordHash, otp2)).toBe(true);
    expect(await ds.getRepository(User).count()).toBe(1); // the CLI creates no first administrator
    expect(await ds.getRepository(Office).existsBy({ regionCode: '430421000000' })).toBe(true);
    const cliEvents = await ds.getRepository(AuditEvent).findBy({ actorKind: 'cli' });
    expect(cliEvents.map((e) => e.action)).toEqual(expect.arrayContaining(['user.create', 'user.password_reset', 'user.deactivated', 'office.created', 'calendar.schedule_loaded']));
    for (const e of cliEvents) expect(`${e.details}`).not.toMatch(new RegExp(`${otp}|${otp2}`));
    await ds.destroy();

    const down = await cli('migrate:down', '1');
    expect(down).toMatchObject({ code: 0, stdout: expect.stringContaining('reverted 1 migration') });
    expect((await cli('migrate:down', 'zero')).code).toBe(2);
    const again = await cli('migrate');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('已执行迁移');
  }, 180_000);
});
