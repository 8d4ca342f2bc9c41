import 'reflect-metadata';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { AuditVerifier } from '../../src/audit/audit-verifier.js';
import { auditEventHash } from '../../src/audit/audit.service.js';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { AuditChainHead } from '../../src/audit/entities/audit-chain-head.entity.js';
import { runCli } from '../../src/cli/commands.js';
import { UsersService } from '../../src/users/users.service.js';
import { createUser } from '../factories/users.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/**
 * The audit chain verifier on real events written by the app (staff accounts created, changed and
 * deactivated through UsersService — each change writes its event in its own transaction), then
 * tampered with directly in the database, one way at a time, and restored after each test.
 */
describe('audit chain verifier', () => {
  let t: TestApp;
  let verifier: AuditVerifier;
  let original: AuditEvent[];
  let originalHead: AuditChainHead;
  let n: number;

  const q = (sql: string, params: unknown[] = []) => t.ds.query(sql, params);

  beforeAll(async () => {
    t = await createTestApp();
    verifier = new AuditVerifier(t.ds);
    const users = t.app.get(UsersService);
    for (let i = 0; i < 6; i++) {
      const { user } = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
      if (i % 2 === 0) await users.setRoles(user.id, ['intake_officer', 'case_handler'], { userId: null, kind: 'system' });
      if (i === 5) await users.deactivate(user.id, { userId: null, kind: 'system' });
    }
    original = await t.ds.getRepository(AuditEvent).find({ order: { id: 'ASC' } });
    originalHead = (await t.ds.getRepository(AuditChainHead).findOneByOrFail({ id: 1 }))!;
    n = original.length;
  }, 120_000);

  /** Puts the stored chain back exactly as written. */
  afterEach(async () => {
    await q('DELETE FROM audit_events');
    for (let i = 0; i < original.length; i += 50) await t.ds.getRepository(AuditEvent).insert(original.slice(i, i + 50));
    await q('UPDATE audit_chain_head SET last_id = ?, last_hash = ? WHERE id = 1', [originalHead.lastId, originalHead.lastHash]);
  });

  afterAll(async () => t?.close());

  it('an intact chain of real events verifies, up to the head', async () => {
    expect(n).toBeGreaterThanOrEqual(10);
    expect(original.map((e) => e.id)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(original.filter((e) => e.action === 'user.create')).toHaveLength(6);
    expect(new Set(original.map((e) => e.action)).size).toBeGreaterThanOrEqual(3);
    expect(await verifier.verify()).toEqual({ ok: true, events: n, lastId: n, lastHash: originalHead.lastHash });
    // Small batches walk the same chain (keyset pagination across batch boundaries).
    expect(await verifier.verify({ batchSize: 3 })).toEqual({ ok: true, events: n, lastId: n, lastHash: originalHead.lastHash });
  });

  it('content: an edited action or reason names that event (content_altered)', async () => {
    await q("UPDATE audit_events SET action = 'user.view' WHERE id = 4");
    expect(await verifier.verify({ batchSize: 3 })).toMatchObject({ ok: false, events: 3, firstBadId: 4, problem: 'content_altered' });
    await q("UPDATE audit_events SET action = ? WHERE id = 4", [original[3].action]);
    expect((await verifier.verify()).ok).toBe(true);

    await q("UPDATE audit_events SET reason = '依规查看' WHERE id = 7");
    const r = await verifier.verify();
    expect(r).toMatchObject({ ok: false, events: 6, firstBadId: 7, problem: 'content_altered' });
    expect(!r.ok && r.detail).toContain('#7');
  });

  it('content: an edit of the time or the details is caught too', async () => {
    await q("UPDATE audit_events SET details = ? WHERE id = 2", ['{"roles":["admin"],"scopeRegionCode":"430000000000"}']);
    expect(await verifier.verify()).toMatchObject({ ok: false, firstBadId: 2, problem: 'content_altered' });
    await q('UPDATE audit_events SET details = ? WHERE id = 2', [original[1].details]);
    const earlier = new Date(new Date(original[5].occurredAt).getTime() - 3600_000);
    await t.ds.getRepository(AuditEvent).update({ id: 6 }, { occurredAt: earlier });
    expect(await verifier.verify()).toMatchObject({ ok: false, firstBadId: 6, problem: 'content_altered' });
  });

  it('content altered and re-hashed: the next link breaks, and the detail names the altered event', async () => {
    const e = { ...original[4], action: 'user.view' };
    await q('UPDATE audit_events SET action = ?, hash = ? WHERE id = 5', [e.action, auditEventHash(e, e.prevHash!)]);
    const r = await verifier.verify();
    expect(r).toMatchObject({ ok: false, events: 5, firstBadId: 6, problem: 'link_broken' });
    expect(!r.ok && r.detail).toContain('#5');
  });

  it('order: two events exchanged (their ids swapped) names the first moved event', async () => {
    await q('UPDATE audit_events SET id = 0 WHERE id = 3');
    await q('UPDATE audit_events SET id = 3 WHERE id = 6');
    await q('UPDATE audit_events SET id = 6 WHERE id = 0');
    const r = await verifier.verify();
    expect(r).toMatchObject({ ok: false, events: 2, firstBadId: 3, problem: 'order' });
    expect(!r.ok && r.detail).toContain('#6');
  });

  it('order: the contents of two neighbours exchanged (ids kept) names the first', async () => {
    const cols = ['occurred_at', 'actor_user_id', 'actor_kind', 'action', 'record_type', 'record_id', 'reason', 'details', 'prev_hash', 'hash'];
    const [a] = await q(`SELECT ${cols.join(', ')} FROM audit_events WHERE id = 8`);
    const [b] = await q(`SELECT ${cols.join(', ')} FROM audit_events WHERE id = 9`);
    const set = cols.map((c) => `${c} = ?`).join(', ');
    await q(`UPDATE audit_events SET ${set} WHERE id = 8`, cols.map((c) => b[c]));
    await q(`UPDATE audit_events SET ${set} WHERE id = 9`, cols.map((c) => a[c]));
    expect(await verifier.verify()).toMatchObject({ ok: false, events: 7, firstBadId: 8, problem: 'order' });
  });

  it('deletion: a deleted event in the middle, the first one, or the last one is named (gap)', async () => {
    await q('DELETE FROM audit_events WHERE id = 5');
    expect(await verifier.verify({ batchSize: 4 })).toMatchObject({ ok: false, events: 4, firstBadId: 5, problem: 'gap' });
    await t.ds.getRepository(AuditEvent).insert(original[4]);
    expect((await verifier.verify()).ok).toBe(true);

    await q('DELETE FROM audit_events WHERE id = 1');
    expect(await verifier.verify()).toMatchObject({ ok: false, events: 0, firstBadId: 1, problem: 'gap' });
    await t.ds.getRepository(AuditEvent).insert(original[0]);

    await q('DELETE FROM audit_events WHERE id = ?', [n]);
    expect(await verifier.verify()).toMatchObject({ ok: false, events: n - 1, firstBadId: n, problem: 'gap' });
  });

  it('deletion hidden by renumbering the later events and moving the head back is still named (gap)', async () => {
    await q('DELETE FROM audit_events WHERE id = 4');
    for (let id = 5; id <= n; id++) await q('UPDATE audit_events SET id = ? WHERE id = ?', [id - 1, id]);
    await q('UPDATE audit_chain_head SET last_id = ? WHERE id = 1', [n - 1]);
    const r = await verifier.verify();
    expect(r).toMatchObject({ ok: false, events: 3, firstBadId: 4, problem: 'gap' });
  });

  it('head: a rewritten or rewound chain head is caught (head_mismatch)', async () => {
    await q('UPDATE audit_chain_head SET last_hash = ? WHERE id = 1', ['f'.repeat(64)]);
    expect(await verifier.verify()).toMatchObject({ ok: false, events: n, firstBadId: n, problem: 'head_mismatch' });
    // The last event deleted and the head moved back to cover it up: the head no longer matches.
    await q('UPDATE audit_chain_head SET last_id = ?, last_hash = ? WHERE id = 1', [n - 2, original[n - 3].hash]);
    expect(await verifier.verify()).toMatchObject({ ok: false, firstBadId: n - 1, problem: 'head_mismatch' });
  });

  it('audit:verify (command function) exits 0 when intact and 1 naming the event when broken', async () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(await runCli(['audit:verify'], t.config, io)).toBe(0);
    expect(out.join('\n')).toContain(`审计链完好 / audit chain intact: ${n} 个事件`);
    expect(out.join('\n')).toContain(originalHead.lastHash);

    out.length = 0;
    await q("UPDATE audit_events SET record_id = '999' WHERE id = 3");
    expect(await runCli(['audit:verify'], t.config, io)).toBe(1);
    expect(out.join('\n')).toContain('审计链已被破坏 / audit chain BROKEN');
    expect(out.join('\n')).toContain('content_altered');
    expect(out.join('\n')).toContain('first bad event: #3');
  });

  describe('compiled CLI as a child process', () => {
    const ROOT = process.cwd();
    const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
    const run = promisify(execFile);

    beforeAll(() => {
      // The same build `npm run cli` does; type errors elsewhere in a work in progress do not stop the emit.
      try {
        execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
      } catch {
        /* checked below */
      }
      if (!existsSync(CLI)) throw new Error('the CLI did not build');
    }, 240_000);

    async function cli(): Promise<{ code: number; stdout: string }> {
      const db = t.config.database;
      const url = db.type === 'sqlite' ? `sqlite:${db.path}` : `mysql://${db.username}:${db.password ?? ''}@${db.host}:${db.port}/${db.database}`;
      const env = { ...process.env, NODE_ENV: 'test', DATABASE_URL: url, DATA_DIR: t.config.dataDir, DIVISION_PROVINCES: '43', LOG_LEVEL: 'silent', NODE_OPTIONS: '' };
      try {
        const { stdout } = await run('node', [CLI, 'audit:verify'], { env, cwd: ROOT });
        return { code: 0, stdout };
      } catch (e) {
        const x = e as { code: number; stdout: string };
        return { code: x.code, stdout: x.stdout };
      }
    }

    it('exits 0 on the intact chain and 1 after a deletion', async () => {
      const ok = await cli();
      expect(ok).toMatchObject({ code: 0 });
      expect(ok.stdout).toContain(`last event: #${n}`);
      await q('DELETE FROM audit_events WHERE id = 2');
      const broken = await cli();
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain('(gap)');
      expect(broken.stdout).toContain('first bad event: #2');
    }, 60_000);
  });
});
