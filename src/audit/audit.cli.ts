import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions } from '../database/data-source-options.js';
import { AuditVerifier, type AuditChainProblem, type AuditVerification } from './audit-verifier.js';

const PROBLEMS: Record<AuditChainProblem, string> = {
  content_altered: '内容被改动 / content altered',
  link_broken: '链接断裂 / link broken',
  gap: '事件缺失 / events missing',
  order: '顺序被调换 / events reordered',
  head_mismatch: '链头不符 / head mismatch',
};

/** The lines `audit:verify` prints for a result (Chinese / English). */
export function describeVerification(r: AuditVerification, seconds: number): string[] {
  if (r.ok) {
    return [
      `审计链完好 / audit chain intact: ${r.events} 个事件 / events checked in ${seconds.toFixed(1)} s`,
      `最后事件 / last event: #${r.lastId}`,
      `最后哈希 / last hash: ${r.lastHash}`,
      '请另行留存以上编号和哈希，供日后比对 / keep this id and hash elsewhere to compare with later runs.',
    ];
  }
  return [
    `审计链已被破坏 / audit chain BROKEN: ${PROBLEMS[r.problem]} (${r.problem})`,
    `第一个有问题的事件 / first bad event: #${r.firstBadId}`,
    `说明 / detail: ${r.detail}`,
    `此前完好的事件 / events verified before it: ${r.events} (${seconds.toFixed(1)} s)`,
  ];
}

/**
 * `npm run cli -- audit:verify`: walks the whole chain (see {@link AuditVerifier}) on the configured
 * database and prints the result. @returns 0 when the chain is intact, 1 when it is broken.
 */
export async function auditVerifyCommand(config: AppConfig, io: { out: (line: string) => void }): Promise<number> {
  const ds = await new DataSource(buildDataSourceOptions(config.database, { poolSize: 2 })).initialize();
  try {
    const started = performance.now();
    const result = await new AuditVerifier(ds).verify();
    for (const line of describeVerification(result, (performance.now() - started) / 1000)) io.out(line);
    return result.ok ? 0 : 1;
  } finally {
    await ds.destroy();
  }
}
