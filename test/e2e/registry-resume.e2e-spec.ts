import 'reflect-metadata';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { idCheckCharacter } from '../../src/common/id-number.js';
import { RegistryImportsService } from '../../src/registry/imports/registry-imports.service.js';
import { ImportJob } from '../../src/registry/entities/import-job.entity.js';
import { Household } from '../../src/registry/entities/household.entity.js';
import { RegistryService } from '../../src/registry/registry.service.js';
import { writeCsv } from './registry-support.js';

const HEADER = '户编号,区划代码,姓名,身份证号码,与户主关系,保障人数,月保障金额(元),保障类别,起始年月,户籍编号,住址,近亲属备案'.split(',');

/** A roster of `n` households (every third has two members; every 500th has a bad check character). */
function generatedRoster(n: number): { rows: string[][]; members: number; accepted: number; amountFen: number } {
  const rows = [HEADER];
  let seq = 0;
  let accepted = 0;
  let amountFen = 0;
  const person = () => {
    seq += 1;
    const first17 = `4304211950${String(1 + (seq % 12)).padStart(2, '0')}${String(1 + (seq % 28)).padStart(2, '0')}${String(seq % 1000).padStart(3, '0')}`;
    return first17 + idCheckCharacter(first17);
  };
  for (let i = 1; i <= n; i++) {
    const size = i % 3 === 0 ? 2 : 1;
    const amount = `${300 + (i % 200)}.${String(i % 100).padStart(2, '0')}`;
    const bad = i % 500 === 0;
    for (let k = 0; k < size; k++) {
      let id = person();
      if (bad && k === 0) id = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
      rows.push([`G${i}`, '430421101200', `人${i}-${k}`, id, k === 0 ? '户主' : '子女', String(size), amount, '农村低保', '2025-01', `R-G${i}`, `某村${i}号`, '否']);
    }
    if (!bad) {
      accepted += 1;
      amountFen += Math.round(Number(amount.replace('.', '')));
    }
  }
  return { rows, members: rows.length - 1, accepted, amountFen };
}

describe('registry imports: interrupted jobs resume where they stopped', () => {
  let t: TestApp;
  const tmp = mkdtempSync(join(tmpdir(), 'qf-registry-resume-'));
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('stops after a committed batch, is taken over once its heartbeat is stale, and finishes with each row reported once', async () => {
    const data = generatedRoster(3000);
    const path = writeCsv(join(tmp, 'big.csv'), data.rows);
    const imports = t.app.get(RegistryImportsService);
    const job = await imports.createJob({ kind: 'roster', scope: { regionPrefix: '430421', programme: '农村低保', month: '2025-01' }, sourcePath: path, fileName: 'big.csv' });

    const stopped = await imports.runJob(job.id, { shouldStop: () => true });
    expect(stopped.status).toBe('running');
    expect(stopped.resumeRow).toBeGreaterThan(2000);
    expect(stopped.resumeRow).toBeLessThan(data.members + 1);
    // A live heartbeat keeps other workers away.
    expect(await imports.nextRunnableJobId()).toBeNull();
    expect((await imports.runJob(job.id)).resumeRow).toBe(stopped.resumeRow);

    await t.ds.getRepository(ImportJob).update({ id: job.id }, { heartbeatAtMs: 0 });
    expect(await imports.nextRunnableJobId()).toBe(job.id);
    const done = await imports.runJob(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.processedRows).toBe(data.members);
    expect(done.rejectedGroups).toBe(6);
    expect(done.acceptedGroups).toBe(data.accepted);
    expect(done.amountTotalFen).toBe(data.amountFen);

    const report = readFileSync(imports.reportPath(done)!, 'utf8').replace(/^\ufeff/, '').trim().split('\n').slice(1);
    const rowNos = report.map((l) => Number(l.split(',')[0]));
    expect(rowNos).toEqual(Array.from({ length: data.members }, (_, i) => i + 2));
    expect(await t.ds.getRepository(Household).count()).toBe(data.accepted);
    expect(await t.app.get(RegistryService).rosterTotals('430421101')).toEqual(expect.objectContaining({ households: data.accepted, monthlyAmountFen: data.amountFen }));
  });
});
