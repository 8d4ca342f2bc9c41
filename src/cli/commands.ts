import { readFileSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/domain-error.js';
import { buildDataSourceOptions } from '../database/data-source-options.js';
import { revertMigrations, runMigrations } from '../database/migrate.js';
import { prepareDatabase } from '../database/prepare-database.js';
import { CalendarService } from '../regions/calendar.service.js';
import { OfficesService } from '../regions/offices.service.js';
import { UsersService, type Actor } from '../users/users.service.js';
import { ROLES } from '../users/entities/user.entity.js';
import { CliModule } from './cli.module.js';
import { REGISTRY_CLI_COMMANDS, REGISTRY_CLI_USAGE } from '../registry/registry.cli.js';
import { auditVerifyCommand } from '../audit/audit.cli.js';
import { BACKUP_CLI_USAGE, backupCommand, restoreCommand } from '../backup/backup.cli.js';

/** Where a command writes: normal output and error output (process.stdout/stderr in main.ts; buffers in tests). */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** A wrong invocation: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

export const USAGE = `用法 / usage: npm run cli -- <command> [arguments]

  migrate                               准备数据库并执行迁移 / prepare the database and run migrations
  migrate:down [n]                      回退最近 n 个迁移（默认 1）/ revert the last n migrations
  user:create --username <name> --roles <r1,r2> --scope <region code> [--name <显示名>]
                                        创建用户并显示一次性密码 / create a user, print its one-time password
                                        角色 roles: ${ROLES.join(', ')}
  user:reset-password <username>        重置密码并显示一次性密码 / reset, print a one-time password
  user:list                             列出用户 / list users
  user:deactivate <username>            停用用户 / deactivate a user
  office:create <regionCode> [name]     为区划创建纪委监委机构 / create the office of a region
  office:list                           列出机构 / list offices
  calendar:load <year> <file.json>      载入某年法定节假日安排 / load a year's official holiday schedule
                                        file: {"holidays": ["YYYY-MM-DD", …], "workdays": ["YYYY-MM-DD", …]}
  audit:verify                          校验审计链（完好退出码 0，被破坏 1）/ verify the audit chain (exit 0 intact, 1 broken)
${BACKUP_CLI_USAGE}${REGISTRY_CLI_USAGE}`;

const CLI_ACTOR: Actor = { userId: null, kind: 'cli' };

/** Parses `--key value` and `--key=value` options; the rest are positional arguments. */
export function parseArgs(args: readonly string[]): { positional: string[]; options: Record<string, string> } {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) options[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < args.length && !args[i + 1].startsWith('--')) options[a.slice(2)] = args[++i];
      else throw new UsageError(`选项 ${a} 缺少取值 / option ${a} needs a value`);
    } else positional.push(a);
  }
  return { positional, options };
}

async function withContext<T>(config: AppConfig, fn: (ctx: INestApplicationContext) => Promise<T>): Promise<T> {
  const ctx = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: false, abortOnError: false });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Formats a refused command: the Chinese message and the field messages. */
export function describeError(e: unknown): string {
  if (e instanceof DomainError) {
    const fields = e.fields ? Object.entries(e.fields).map(([k, v]) => `\n  - ${k}: ${v}`).join('') : '';
    return `错误 / error (${e.code}): ${e.message}${fields}`;
  }
  return `错误 / error: ${(e as Error)?.message ?? String(e)}`;
}

/**
 * Runs one command. Never prints a secret other than the one-time password the command itself
 * issues. @returns the exit code (0 success, 1 refused or failed, 2 usage).
 */
export async function runCli(argv: readonly string[], config: AppConfig, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // Registry commands parse their own options (flags such as --full take no value).
    const registryCommand = REGISTRY_CLI_COMMANDS[command];
    if (registryCommand) return await withContext(config, (ctx) => registryCommand(ctx, rest, io));
    // backup/restore take flags without values (--include-keys, --force).
    if (command === 'backup') return await backupCommand(config, rest, io);
    if (command === 'restore') return await restoreCommand(config, rest, io);
    const { positional, options } = parseArgs(rest);
    switch (command) {
      case 'migrate': {
        await prepareDatabase(config.database);
        const ds = await new DataSource(buildDataSourceOptions(config.database, { poolSize: 2 })).initialize();
        try {
          const ran = await runMigrations(ds);
          io.out(ran.length ? `已执行迁移 / migrations run: ${ran.join(', ')}` : '数据库已是最新 / database is up to date');
        } finally {
          await ds.destroy();
        }
        return 0;
      }
      case 'migrate:down': {
        const n = positional[0] === undefined ? 1 : Number(positional[0]);
        if (!Number.isInteger(n) || n < 1) throw new UsageError('n 应为正整数 / n must be a positive integer');
        const ds = await new DataSource(buildDataSourceOptions(config.database, { poolSize: 2 })).initialize();
        try {
          await revertMigrations(ds, n);
          io.out(`已回退 ${n} 个迁移 / reverted ${n} migration(s)`);
        } finally {
          await ds.destroy();
        }
        return 0;
      }
      case 'user:create': {
        const { username, roles, scope, name } = options;
        if (!username || !roles || !scope) throw new UsageError('user:create 需要 --username、--roles 和 --scope / needs --username, --roles and --scope');
        const created = await withContext(config, (ctx) =>
          ctx.get(UsersService).create({ username, roles: roles.split(','), scopeRegionCode: scope, displayName: name }, CLI_ACTOR),
        );
        io.out(`已创建用户 / user created: ${created.user.username} (id ${created.user.id}; 角色 roles: ${created.user.roles}; 管辖 scope: ${created.user.scopeRegionCode})`);
        io.out(`一次性密码 / one-time password: ${created.password}`);
        io.out('首次登录时必须修改密码 / it must be changed at first login.');
        return 0;
      }
      case 'user:reset-password': {
        const username = positional[0];
        if (!username) throw new UsageError('user:reset-password 需要用户名 / needs a username');
        const r = await withContext(config, async (ctx) => {
          const users = ctx.get(UsersService);
          return users.resetPassword((await users.getByUsername(username)).id, CLI_ACTOR);
        });
        io.out(`已重置密码 / password reset: ${r.user.username}`);
        io.out(`一次性密码 / one-time password: ${r.password}`);
        io.out('下次登录时必须修改密码；该用户已有的登录已全部失效 / it must be changed at next login; existing sessions are ended.');
        return 0;
      }
      case 'user:list': {
        const users = await withContext(config, (ctx) => ctx.get(UsersService).list());
        io.out(['username', 'roles', 'scope', 'status'].join('\t'));
        for (const u of users) io.out([u.username, u.roles, u.scopeRegionCode, `${u.active ? 'active' : 'deactivated'}${u.mustChangePassword ? ',must-change-password' : ''}`].join('\t'));
        io.out(`共 ${users.length} 个用户 / ${users.length} user(s)`);
        return 0;
      }
      case 'user:deactivate': {
        const username = positional[0];
        if (!username) throw new UsageError('user:deactivate 需要用户名 / needs a username');
        const u = await withContext(config, async (ctx) => {
          const users = ctx.get(UsersService);
          return users.deactivate((await users.getByUsername(username)).id, CLI_ACTOR);
        });
        io.out(`已停用 / deactivated: ${u.username}`);
        return 0;
      }
      case 'office:create': {
        const [regionCode, ...nameParts] = positional;
        if (!regionCode) throw new UsageError('office:create 需要区划代码 / needs a region code');
        const office = await withContext(config, (ctx) => ctx.get(OfficesService).create(regionCode, nameParts.length ? nameParts.join(' ') : undefined, { actorUserId: null, actorKind: 'cli' }));
        io.out(`已创建机构 / office created: ${office.name} (${office.regionCode}, id ${office.id})`);
        return 0;
      }
      case 'office:list': {
        const offices = await withContext(config, (ctx) => ctx.get(OfficesService).list());
        io.out(['id', 'region', 'level', 'name'].join('\t'));
        for (const o of offices) io.out([o.id, o.regionCode, o.regionLevel, o.name].join('\t'));
        io.out(`共 ${offices.length} 个机构 / ${offices.length} office(s)`);
        return 0;
      }
      case 'calendar:load': {
        const [yearRaw, file] = positional;
        const year = Number(yearRaw);
        if (!Number.isInteger(year) || !file) throw new UsageError('calendar:load 需要年份和 JSON 文件 / needs a year and a JSON file');
        let schedule: { holidays: string[]; workdays: string[] };
        try {
          const parsed = JSON.parse(readFileSync(file, 'utf8')) as { holidays?: unknown; workdays?: unknown };
          if (!Array.isArray(parsed.holidays) || !(parsed.workdays === undefined || Array.isArray(parsed.workdays))) throw new Error('shape');
          schedule = { holidays: parsed.holidays.map(String), workdays: (parsed.workdays ?? []).map(String) };
        } catch {
          throw new UsageError('文件应为 JSON：{"holidays": ["YYYY-MM-DD", …], "workdays": ["YYYY-MM-DD", …]} / the file must be that JSON');
        }
        const r = await withContext(config, (ctx) => ctx.get(CalendarService).loadYearSchedule(year, schedule, { actorUserId: null, actorKind: 'cli' }));
        io.out(`已载入 ${r.year} 年节假日安排 / schedule loaded: ${r.holidays} holidays, ${r.workdays} make-up working days; ${r.reportsRecomputed} open report(s) recomputed`);
        return 0;
      }
      case 'audit:verify':
        return await auditVerifyCommand(config, io);
      case undefined:
      case 'help':
      case '--help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`未知命令 / unknown command: ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(e.message);
      io.err(USAGE);
      return 2;
    }
    io.err(describeError(e));
    return 1;
  }
}
