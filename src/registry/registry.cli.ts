/**
 * Command-line entries of the registry, for scheduled runs (DESIGN.md §6, §10):
 *
 *   registry:import <roster|officials|kin|approvals> <file.csv|file.xlsx> --scope <region prefix>
 *                   [--programme 农村低保] [--month YYYY-MM] [--map field=表头,field=表头]
 *   registry:match [--full]
 *
 * Each function takes a Nest application context that includes `RegistryCoreModule` (or the whole
 * app), the raw arguments after the command name and an output pair, and returns the exit code:
 * 0 done (an import with rejected rows is done), 1 refused or failed, 2 usage.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { DomainError } from '../common/domain-error.js';
import { IMPORT_KINDS, type ImportKind } from './entities/import-job.entity.js';
import { RegistryImportsService } from './imports/registry-imports.service.js';
import { MatcherService } from './matcher.service.js';

export interface RegistryCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export type RegistryCliCommand = (ctx: INestApplicationContext, args: readonly string[], io: RegistryCliIo) => Promise<number>;

export const REGISTRY_CLI_USAGE = `  registry:import <roster|officials|kin|approvals> <文件.csv|文件.xlsx> --scope <区划前缀>
                  [--programme <保障类别>] [--month <YYYY-MM>] [--map 字段=表头,字段=表头] [--confirm-close]
                                        导入低保名册/公职人员/近亲属备案/审核审批记录 / import a registry file
                                        (roster 需要 --programme 和 --month / roster needs --programme and --month;
                                        未接收任何家庭或将关闭超过 ROSTER_CLOSE_MAX_SHARE 的在保家庭时，
                                        须加 --confirm-close 才关闭 / closing that many households needs --confirm-close)
  registry:match [--full]               运行比对（默认增量）/ run the cross-matching (incremental unless --full)
`;

/** How many rejected rows the import command prints (the full list is in the report file). */
const SHOWN_REJECTIONS = 50;

function parse(args: readonly string[]): { positional: string[]; options: Record<string, string | true> } {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) options[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) options[a.slice(2)] = args[++i];
    else options[a.slice(2)] = true;
  }
  return { positional, options };
}

function usage(io: RegistryCliIo, message: string): number {
  io.err(message);
  io.err(REGISTRY_CLI_USAGE);
  return 2;
}

function refused(io: RegistryCliIo, e: unknown): number {
  if (e instanceof DomainError) {
    const fields = e.fields ? Object.entries(e.fields).map(([k, v]) => `\n  - ${k}: ${v}`).join('') : '';
    io.err(`错误 / error (${e.code}): ${e.message}${fields}`);
    return 1;
  }
  throw e;
}

/** `registry:import` — imports one file synchronously and prints the outcome. */
export const registryImportCommand: RegistryCliCommand = async (ctx, args, io) => {
  const { positional, options } = parse(args);
  const [kind, file] = positional;
  if (!kind || !file || !IMPORT_KINDS.includes(kind as ImportKind)) return usage(io, 'registry:import 需要类型和文件 / needs a kind and a file');
  if (typeof options.scope !== 'string') return usage(io, 'registry:import 需要 --scope <区划前缀> / needs --scope');
  const columnMap: Record<string, string> = {};
  if (typeof options.map === 'string') {
    for (const pair of options.map.split(',')) {
      const [field, header] = pair.split('=');
      if (!field || !header) return usage(io, '--map 的格式是 字段=表头,字段=表头 / --map is field=header,field=header');
      columnMap[field.trim()] = header.trim();
    }
  }
  const imports = ctx.get(RegistryImportsService);
  try {
    const job = await imports.importFile({
      kind: kind as ImportKind,
      scope: { regionPrefix: options.scope, programme: typeof options.programme === 'string' ? options.programme : null, month: typeof options.month === 'string' ? options.month : null },
      sourcePath: file,
      fileName: file,
      columnMap,
    }, { confirmClose: options['confirm-close'] === true });
    if (job.status !== 'succeeded') {
      io.err(`导入失败 / import failed (job ${job.id}, ${job.errorCode}): ${job.errorMessage}`);
      return 1;
    }
    io.out(`导入完成 / import done: job ${job.id} (${job.kind}, ${job.fileFormat}${job.encoding ? `, ${job.encoding}` : ''})`);
    io.out(`接收 accepted: ${job.acceptedRows} 行 rows / ${job.acceptedGroups} 组 groups; 拒收 rejected: ${job.rejectedRows} 行 rows`);
    if (job.kind === 'roster') io.out(`月保障金额合计 / monthly total: ${(job.amountTotalFen / 100).toFixed(2)} 元; 关闭 closed households: ${job.closedHouseholds}`);
    if (job.notice) io.out(`注意 / notice: ${job.notice}`);
    const rejected = await imports.rejections(job.id, SHOWN_REJECTIONS);
    for (const r of rejected) io.out(`  第 ${r.rowNo} 行 row${r.groupKey ? ` [${r.groupKey}]` : ''}: ${r.codes} — ${r.reason}`);
    if (job.rejectedRows > rejected.length) io.out(`  …另有 ${job.rejectedRows - rejected.length} 行 / ${job.rejectedRows - rejected.length} more`);
    const report = imports.reportPath(job);
    if (report) io.out(`报告 / report: ${report}`);
    return 0;
  } catch (e) {
    return refused(io, e);
  }
};

/** `registry:match` — runs the matcher (incremental unless `--full`) and prints the counts. */
export const registryMatchCommand: RegistryCliCommand = async (ctx, args, io) => {
  const { positional, options } = parse(args);
  if (positional.length) return usage(io, `registry:match 不接受参数 / takes no arguments: ${positional.join(' ')}`);
  try {
    const r = await ctx.get(MatcherService).run({ mode: options.full ? 'full' : 'incremental' });
    io.out(`比对完成 / match done: run ${r.runId} (${r.mode}) in ${r.durationMs} ms`);
    io.out(`examined ${r.examined}; 新增 created ${r.created}; 更新 updated ${r.updated}; 重新打开 reopened ${r.reopened}; 数据已消除 resolved ${r.resolved}`);
    return 0;
  } catch (e) {
    return refused(io, e);
  }
};

/** Command name → function, for the CLI dispatcher (src/cli/commands.ts). */
export const REGISTRY_CLI_COMMANDS: Readonly<Record<string, RegistryCliCommand>> = {
  'registry:import': registryImportCommand,
  'registry:match': registryMatchCommand,
};
