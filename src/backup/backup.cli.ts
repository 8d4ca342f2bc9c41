import type { AppConfig } from '../config/app-config.js';
import { BackupFormatError } from './backup-format.js';
import { createBackup, KEY_WARNING, restoreBackup, RestoreRefusedError } from './backup.service.js';

type Io = { out: (line: string) => void; err: (line: string) => void };

export const BACKUP_CLI_USAGE = `  backup <file> [--include-keys]       备份数据库、证据文件和（开发环境）密钥到一个文件 / back up database, files and (development) keys to one file
                                        生产环境仅在 --include-keys 时写入密钥 / production: keys only with --include-keys
  restore <file> [--force]              恢复到空的数据库和数据目录，并校验审计链（通过退出码 0）/ restore into an empty target, verify (exit 0 if verified)
`;

/** Splits `<file>` and the allowed flags; @returns null (after printing) on a wrong invocation. */
function parse(args: readonly string[], flags: string[], io: Io): { file: string; flags: Set<string> } | null {
  const set = new Set<string>();
  const positional: string[] = [];
  for (const a of args) {
    if (a.startsWith('--')) {
      if (!flags.includes(a.slice(2))) {
        io.err(`未知选项 / unknown option: ${a}`);
        return null;
      }
      set.add(a.slice(2));
    } else positional.push(a);
  }
  if (positional.length !== 1) {
    io.err('需要且只需要一个文件名 / exactly one file name is needed');
    return null;
  }
  return { file: positional[0], flags: set };
}

/** `backup <file> [--include-keys]`. @returns 0 written, 1 failed, 2 usage. */
export async function backupCommand(config: AppConfig, args: readonly string[], io: Io): Promise<number> {
  const p = parse(args, ['include-keys'], io);
  if (!p) {
    io.err(BACKUP_CLI_USAGE);
    return 2;
  }
  const { manifest, file } = await createBackup(config, p.file, { includeKeys: p.flags.has('include-keys'), log: io.out });
  const rows = Object.values(manifest.rowCounts).reduce((a, b) => a + b, 0);
  io.out(`已备份 / backup written: ${file}`);
  io.out(`  数据库 / database: ${manifest.databaseKind}, ${Object.keys(manifest.rowCounts).length} 张表 / tables, ${rows} 行 / rows; 迁移 / migrations: ${manifest.migrations.length}`);
  io.out(`  文件 / files: ${manifest.fileCount}; 审计链末端 / audit chain head: #${manifest.auditChain.lastId} ${manifest.auditChain.lastHash}`);
  if (manifest.keys.included) {
    io.out(`  密钥已写入备份（来源 ${manifest.keys.source}）/ the keys ARE in this backup (from ${manifest.keys.source}): 备份文件须按密钥同等级别保管 / guard the file like the keys themselves`);
  } else {
    io.out('  密钥未写入备份 / the keys are NOT in this backup: 恢复时需要从密钥保管处取回 ENCRYPTION_KEY 等 / a restore needs them from your key store (or use --include-keys)');
  }
  for (const l of KEY_WARNING) io.out(l);
  return 0;
}

/** `restore <file> [--force]`. @returns 0 restored and verified, 1 refused/failed/not verified, 2 usage. */
export async function restoreCommand(config: AppConfig, args: readonly string[], io: Io): Promise<number> {
  const p = parse(args, ['force'], io);
  if (!p) {
    io.err(BACKUP_CLI_USAGE);
    return 2;
  }
  let r;
  try {
    r = await restoreBackup(config, p.file, { force: p.flags.has('force'), log: io.out });
  } catch (e) {
    if (e instanceof BackupFormatError || e instanceof RestoreRefusedError) {
      io.err(`拒绝恢复 / restore refused: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const rows = Object.values(r.rowCounts).reduce((a, b) => a + Math.max(0, b), 0);
  io.out(`已恢复 / restored from ${p.file} (备份时间 / taken ${r.manifest.createdAt}, ${r.manifest.databaseKind} → ${config.database.type})`);
  io.out(`  行数 / rows: ${rows} ${r.countsMatch ? '与清单一致 / match the manifest' : '与清单不符 / DIFFER from the manifest'}; 文件 / files: ${r.files}`);
  if (r.audit.ok) io.out(`  审计链完好 / audit chain intact: ${r.audit.events} 个事件 / events, 末端 / head #${r.audit.lastId} ${r.audit.lastHash}${r.auditMatchesManifest ? '（与备份一致 / as in the backup）' : ''}`);
  else io.out(`  审计链已被破坏 / audit chain BROKEN: ${r.audit.problem} at #${r.audit.firstBadId} (${r.audit.detail})`);
  if (r.keysWritten) io.out(`  密钥已写入 / keys written to ${r.keysWritten} (0600)`);
  io.out(r.keysMatch ? '  密钥与备份时一致 / the keys are the ones the data was encrypted with' : '  密钥不符 / the keys do NOT match the backup');
  for (const l of KEY_WARNING) io.out(l);
  for (const pr of r.problems) io.err(`问题 / problem: ${pr}`);
  io.out(r.ok ? '恢复完成并已校验 / restore complete and verified' : '恢复未通过校验 / restore NOT verified');
  return r.ok ? 0 : 1;
}
