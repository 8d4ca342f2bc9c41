import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generate } from 'otplib';
import request from 'supertest';
import { IsNull } from 'typeorm';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { RecoveryCode } from '../../src/auth/entities/recovery-code.entity.js';
import { SessionRecord } from '../../src/auth/entities/session.entity.js';
import { TotpCredential } from '../../src/auth/entities/totp-credential.entity.js';
import { TotpService } from '../../src/auth/totp.service.js';
import { decryptJson } from '../../src/common/crypto.js';
import { User } from '../../src/users/entities/user.entity.js';
import { UsersService } from '../../src/users/users.service.js';
import { enrolTotp } from '../factories/totp.js';
import { createUser } from '../factories/users.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { csrfFromHtml, loginAs, loginWithTotp, nextTotpCode } from '../utils/login-as.js';
import { ensureScopeRegions, setCookies } from './auth-support.js';

/** The session cookie value set by a response (signed id), or undefined. */
function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  return /qf_sess=([^;]+)/.exec(setCookies(res))?.[1];
}

/** A 6-digit code that is not valid for `secret` now (nor in the neighbouring steps). */
async function wrongCode(secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const valid = new Set(await Promise.all([-60, -30, 0, 30, 60].map((d) => generate({ secret, epoch: now + d }))));
  for (let n = 0; ; n++) {
    const c = String((123456 + n * 7919) % 1_000_000).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}

async function events(t: TestApp, action: string, userId: number): Promise<AuditEvent[]> {
  return t.ds.getRepository(AuditEvent).find({ where: { action, recordId: String(userId) }, order: { id: 'ASC' } });
}

describe('staff second factor (TOTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ overrides: { trustProxy: 1 } });
    await ensureScopeRegions(t);
  });
  afterAll(async () => t?.close());

  /** The password step from client `ip`: expects the half-login redirect. */
  async function passwordStep(username: string, password: string, ip: string) {
    const agent = request.agent(t.server);
    const page = await agent.get('/staff/login').set('X-Forwarded-For', ip).expect(200);
    const csrf = csrfFromHtml(page.text)!;
    const res = await agent.post('/staff/login').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, username, password }).expect(303);
    expect(res.headers.location).toBe('/staff/login/totp');
    return { agent, csrf, res };
  }

  it('is optional outside production: loginAs still signs in a user without a second factor', async () => {
    expect(t.config.requireTotp).toBe(false);
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const s = await loginAs(t, u.user.username, u.password);
    const home = await s.agent.get('/staff').expect(200);
    expect(home.text).toContain('/staff/security');
    const page = await s.agent.get('/staff/security').expect(200);
    expect(page.text).toContain('未启用');
    expect(page.text).not.toContain('必须先启用两步验证');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('enrols on the security page: QR code and secret, activation needs a valid code, recovery codes shown once', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const s = await loginAs(t, u.user.username, u.password);
    const other = await loginAs(t, u.user.username, u.password);
    await other.agent.get('/staff').expect(200);

    const setup = await s.agent.post('/staff/security/totp/setup').type('form').send({ _csrf: s.csrfToken }).expect(303);
    expect(setup.headers.location).toBe('/staff/security');
    const page = await s.agent.get('/staff/security').expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toMatch(/<img src="data:image\/png;base64,[A-Za-z0-9+/&#x;]+" alt="两步验证二维码/);
    expect(page.text).toContain('href="otpauth://totp/');
    const shown = /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(page.text)![1];
    const secret = shown.replace(/ /g, '');
    expect(secret.length).toBeGreaterThanOrEqual(32);

    // stored encrypted, bound to the user id
    const cred = await t.ds.getRepository(TotpCredential).findOneByOrFail({ userId: u.user.id });
    expect(cred.enabledAt).toBeNull();
    expect(cred.secretCiphertext).not.toContain(secret);
    expect(decryptJson(t.config.secrets.encryptionKey, cred.secretCiphertext, `totp:${u.user.id}`)).toBe(secret);
    expect(() => decryptJson(t.config.secrets.encryptionKey, cred.secretCiphertext, `totp:${u.user.id + 1}`)).toThrow();

    // activation needs a valid code
    const bad = await s.agent.post('/staff/security/totp/activate').type('form').send({ _csrf: s.csrfToken, code: await wrongCode(secret) }).expect(422);
    expect(bad.text).toContain('验证码不正确');
    await s.agent.post('/staff/security/totp/activate').type('form').send({ _csrf: s.csrfToken, code: 'abcdef' }).expect(422);
    expect((await t.ds.getRepository(TotpCredential).findOneByOrFail({ userId: u.user.id })).enabledAt).toBeNull();
    expect(await events(t, 'totp.enrolled', u.user.id)).toHaveLength(0);

    const svBefore = (await t.ds.getRepository(User).findOneByOrFail({ id: u.user.id })).sessionVersion;
    const ok = await s.agent.post('/staff/security/totp/activate').type('form').send({ _csrf: s.csrfToken, code: await generate({ secret }) }).expect(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    const codes = [...ok.text.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const rows = await t.ds.getRepository(RecoveryCode).findBy({ userId: u.user.id });
    expect(rows).toHaveLength(10);
    for (const r of rows) {
      expect(r.codeHash).toMatch(/^[0-9a-f]{64}$/);
      for (const c of codes) expect(r.codeHash).not.toContain(c.replace('-', ''));
    }
    const enrolled = await events(t, 'totp.enrolled', u.user.id);
    expect(enrolled).toHaveLength(1);
    expect(enrolled[0].actorUserId).toBe(u.user.id);
    expect(enrolled[0].details).not.toContain(secret);
    for (const c of codes) expect(enrolled[0].details).not.toContain(c);

    // the enrolling session goes on under a fresh id; sessions opened with the password alone end
    expect((await t.ds.getRepository(User).findOneByOrFail({ id: u.user.id })).sessionVersion).toBe(svBefore + 1);
    expect(sessionCookie(ok)).toBeDefined();
    await s.agent.get('/staff').expect(200);
    expect((await other.agent.get('/staff').expect(303)).headers.location).toMatch(/^\/staff\/login/);
    const after = await s.agent.get('/staff/security').expect(200);
    expect(after.text).toContain('已启用');
    expect(after.text).toContain('<strong id="recovery-left">10</strong>');
    expect(after.text).not.toContain('totp-secret');
    // a second enrolment is refused while one is active
    await s.agent.post('/staff/security/totp/setup').type('form').send({ _csrf: s.csrfToken }).expect(409);
  });

  it('login requires the code: the password alone opens only a half-login; the code opens the session under a fresh id', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret } = await enrolTotp(t, u.user);
    const { agent, csrf, res } = await passwordStep(u.user.username, u.password, '203.0.113.10');
    const halfCookie = sessionCookie(res)!;
    expect(halfCookie).toBeDefined();
    // the half-login names no user in the session table
    expect(await t.ds.getRepository(SessionRecord).countBy({ userId: u.user.id })).toBe(0);
    expect((await agent.get('/staff').expect(303)).headers.location).toBe('/staff/login/totp');
    expect((await agent.get('/api/v1/admin/users').expect(401)).body.error.code).toBe('unauthenticated');
    const page = await agent.get('/staff/login/totp').expect(200);
    expect(page.text).toContain('验证码或恢复码');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(await events(t, 'login.totp_required', u.user.id)).toHaveLength(1);
    expect(await events(t, 'auth.login', u.user.id)).toHaveLength(0);

    const done = await agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.10').type('form').send({ _csrf: csrf, code: await nextTotpCode(t, u.user.id, secret) }).expect(303);
    expect(done.headers.location).toBe('/staff');
    expect(sessionCookie(done)).toBeDefined();
    expect(sessionCookie(done)).not.toBe(halfCookie);
    await agent.get('/staff').expect(200);
    expect(await t.ds.getRepository(SessionRecord).countBy({ userId: u.user.id })).toBe(1);
    const login = await events(t, 'auth.login', u.user.id);
    expect(login).toHaveLength(1);
    expect(JSON.parse(login[0].details!)).toEqual({ secondFactor: 'totp' });
  });

  it('keeps the page asked for before the password across the second step', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret } = await enrolTotp(t, u.user);
    const agent = request.agent(t.server);
    const csrf = csrfFromHtml((await agent.get('/staff/login?next=/staff/security').expect(200)).text)!;
    await agent.post('/staff/login').type('form').send({ _csrf: csrf, username: u.user.username, password: u.password, next: '/staff/security' }).expect(303);
    const done = await agent.post('/staff/login/totp').type('form').send({ _csrf: csrf, code: await nextTotpCode(t, u.user.id, secret) }).expect(303);
    expect(done.headers.location).toBe('/staff/security');
  });

  it('refuses a wrong code, audits it and counts it toward the account lockout', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret } = await enrolTotp(t, u.user);
    const wrong = await wrongCode(secret);
    for (let i = 0; i < 5; i++) {
      // a different client each time: the account counter alone locks
      const ip = `198.51.100.${20 + i}`;
      const { agent, csrf } = await passwordStep(u.user.username, u.password, ip);
      const r = await agent.post('/staff/login/totp').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, code: wrong }).expect(401);
      expect(r.text).toContain('验证码不正确或已使用');
      // still a half-login only
      expect((await agent.get('/staff').expect(303)).headers.location).toBe('/staff/login/totp');
    }
    const failed = await events(t, 'login.totp_failed', u.user.id);
    expect(failed).toHaveLength(5);
    expect(JSON.parse(failed[0].details!)).toEqual({ reason: 'bad_code' });
    expect(failed[0].details).not.toContain(wrong);
    // the account is now locked: even the password step is refused, from yet another client
    const agent = request.agent(t.server);
    const csrf = csrfFromHtml((await agent.get('/staff/login').set('X-Forwarded-For', '198.51.100.40').expect(200)).text)!;
    const locked = await agent.post('/staff/login').set('X-Forwarded-For', '198.51.100.40').type('form').send({ _csrf: csrf, username: u.user.username, password: u.password }).expect(429);
    expect(locked.text).toContain('登录失败次数过多');
  });

  it('a half-login that reached the limit is refused (429) even with the right code', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret } = await enrolTotp(t, u.user);
    const { agent, csrf } = await passwordStep(u.user.username, u.password, '198.51.100.60');
    const wrong = await wrongCode(secret);
    for (let i = 0; i < 5; i++) await agent.post('/staff/login/totp').set('X-Forwarded-For', '198.51.100.60').type('form').send({ _csrf: csrf, code: wrong }).expect(401);
    const r = await agent.post('/staff/login/totp').set('X-Forwarded-For', '198.51.100.60').type('form').send({ _csrf: csrf, code: await nextTotpCode(t, u.user.id, secret) }).expect(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect((await agent.get('/staff').expect(303)).headers.location).toBe('/staff/login/totp');
    expect((await events(t, 'login.totp_failed', u.user.id)).map((e) => JSON.parse(e.details!).reason)).toContain('locked');
  });

  it('refuses a code used before within its window (no replay)', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret } = await enrolTotp(t, u.user);
    const code = await nextTotpCode(t, u.user.id, secret);
    const first = await passwordStep(u.user.username, u.password, '203.0.113.30');
    await first.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.30').type('form').send({ _csrf: first.csrf, code }).expect(303);
    await first.agent.get('/staff').expect(200);
    const again = await passwordStep(u.user.username, u.password, '203.0.113.31');
    const r = await again.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.31').type('form').send({ _csrf: again.csrf, code }).expect(401);
    expect(r.text).toContain('验证码不正确或已使用');
    expect(await events(t, 'login.totp_failed', u.user.id)).toHaveLength(1);
    // the same code twice at once: only one request wins
    const a = await passwordStep(u.user.username, u.password, '203.0.113.32');
    const b = await passwordStep(u.user.username, u.password, '203.0.113.33');
    const fresh = await nextTotpCode(t, u.user.id, secret);
    const results = await Promise.all([
      a.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.32').type('form').send({ _csrf: a.csrf, code: fresh }),
      b.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.33').type('form').send({ _csrf: b.csrf, code: fresh }),
    ]);
    expect(results.map((x) => x.status).sort()).toEqual([303, 401]);
  });

  it('accepts each recovery code once only (typed in any case, with or without the dash)', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { recoveryCodes } = await enrolTotp(t, u.user);
    const [c1, c2] = recoveryCodes;
    const first = await passwordStep(u.user.username, u.password, '203.0.113.40');
    await first.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.40').type('form').send({ _csrf: first.csrf, code: ` ${c1.toUpperCase()} ` }).expect(303);
    await first.agent.get('/staff').expect(200);
    const used = await events(t, 'login.recovery_code_used', u.user.id);
    expect(used).toHaveLength(1);
    expect(JSON.parse(used[0].details!)).toEqual({ purpose: 'login', remaining: 9 });
    expect(used[0].details).not.toContain(c1);
    expect(JSON.parse((await events(t, 'auth.login', u.user.id))[0].details!)).toEqual({ secondFactor: 'recovery_code' });

    const again = await passwordStep(u.user.username, u.password, '203.0.113.41');
    await again.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.41').type('form').send({ _csrf: again.csrf, code: c1 }).expect(401);
    await again.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.41').type('form').send({ _csrf: again.csrf, code: c2.replace('-', '') }).expect(303);
    const page = await again.agent.get('/staff/security').expect(200);
    expect(page.text).toContain('<strong id="recovery-left">8</strong>');
    expect(await t.ds.getRepository(RecoveryCode).countBy({ userId: u.user.id })).toBe(10);
  });

  it('regenerates the recovery codes with a current TOTP code only; the old codes stop working', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret, recoveryCodes } = await enrolTotp(t, u.user);
    const s = await loginWithTotp(t, u.user.username, u.password, secret);
    const wrong = await s.agent.post('/staff/security/recovery-codes').type('form').send({ _csrf: s.csrfToken, code: await wrongCode(secret) }).expect(422);
    expect(wrong.text).toContain('验证码不正确或已使用');
    // a recovery code does not do here
    await s.agent.post('/staff/security/recovery-codes').type('form').send({ _csrf: s.csrfToken, code: recoveryCodes[0] }).expect(422);
    expect(await events(t, 'recovery_codes.regenerated', u.user.id)).toHaveLength(0);
    const failed = await events(t, 'totp.verification_failed', u.user.id);
    expect(failed.map((e) => JSON.parse(e.details!))).toEqual([{ purpose: 'regenerate' }, { purpose: 'regenerate' }]);

    const ok = await s.agent.post('/staff/security/recovery-codes').type('form').send({ _csrf: s.csrfToken, code: await nextTotpCode(t, u.user.id, secret) }).expect(200);
    const fresh = [...ok.text.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]);
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => recoveryCodes.includes(c))).toBe(false);
    const regen = await events(t, 'recovery_codes.regenerated', u.user.id);
    expect(regen).toHaveLength(1);
    for (const c of fresh) expect(regen[0].details).not.toContain(c);
    // regenerating keeps the session (no change of authority)
    await s.agent.get('/staff').expect(200);

    const old = await passwordStep(u.user.username, u.password, '203.0.113.50');
    await old.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.50').type('form').send({ _csrf: old.csrf, code: recoveryCodes[1] }).expect(401);
    await old.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.50').type('form').send({ _csrf: old.csrf, code: fresh[0] }).expect(303);
  });

  it('disables only with the password and a code, ends every session of the account and is audited', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret, recoveryCodes } = await enrolTotp(t, u.user);
    const a = await loginWithTotp(t, u.user.username, u.password, secret);
    const b = await passwordStep(u.user.username, u.password, '203.0.113.60');
    await b.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.60').type('form').send({ _csrf: b.csrf, code: recoveryCodes[0] }).expect(303);
    await b.agent.get('/staff').expect(200);

    const badPassword = await a.agent.post('/staff/security/totp/disable').type('form').send({ _csrf: a.csrfToken, password: 'not-the-password', code: recoveryCodes[1] }).expect(422);
    expect(badPassword.text).toContain('密码或验证码不正确');
    const badCode = await a.agent.post('/staff/security/totp/disable').type('form').send({ _csrf: a.csrfToken, password: u.password, code: await wrongCode(secret) }).expect(422);
    expect(badCode.text).toContain('密码或验证码不正确');
    expect(await t.app.get(TotpService).isEnabled(u.user.id)).toBe(true);
    // a wrong password did not spend the recovery code sent with it (only b's login used one)
    expect(await t.ds.getRepository(RecoveryCode).countBy({ userId: u.user.id, usedAt: IsNull() })).toBe(9);

    const svBefore = (await t.ds.getRepository(User).findOneByOrFail({ id: u.user.id })).sessionVersion;
    const ok = await a.agent.post('/staff/security/totp/disable').type('form').send({ _csrf: a.csrfToken, password: u.password, code: recoveryCodes[1] }).expect(303);
    expect(ok.headers.location).toBe('/staff/security?done=disabled');
    expect((await t.ds.getRepository(User).findOneByOrFail({ id: u.user.id })).sessionVersion).toBe(svBefore + 1);
    const page = await a.agent.get('/staff/security?done=disabled').expect(200);
    expect(page.text).toContain('两步验证已停用');
    expect(page.text).toContain('未启用');
    expect((await b.agent.get('/staff').expect(303)).headers.location).toMatch(/^\/staff\/login/);
    expect(await t.ds.getRepository(TotpCredential).countBy({ userId: u.user.id })).toBe(0);
    expect(await t.ds.getRepository(RecoveryCode).countBy({ userId: u.user.id })).toBe(0);
    const disabled = await events(t, 'totp.disabled', u.user.id);
    expect(disabled).toHaveLength(1);
    expect(disabled[0].actorUserId).toBe(u.user.id);
    expect(JSON.parse(disabled[0].details!)).toEqual({ method: 'recovery_code' });
    expect((await events(t, 'totp.verification_failed', u.user.id)).map((e) => JSON.parse(e.details!).purpose)).toEqual(['disable', 'disable']);
    // the password alone signs in again
    await loginAs(t, u.user.username, u.password);
  });

  it('a half-login lasts 5 minutes and ends when the account changes; it can be abandoned', async () => {
    const u = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: '430421000000' });
    const { secret } = await enrolTotp(t, u.user);

    const stale = await passwordStep(u.user.username, u.password, '203.0.113.70');
    const rows = await t.ds.getRepository(SessionRecord).find();
    const row = rows.find((r) => JSON.parse(r.data).halfLogin?.userId === u.user.id)!;
    const data = JSON.parse(row.data);
    data.halfLogin.at = Date.now() - 5 * 60 * 1000 - 1000;
    await t.ds.getRepository(SessionRecord).update({ id: row.id }, { data: JSON.stringify(data) });
    const expired = await stale.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.70').type('form').send({ _csrf: stale.csrf, code: await nextTotpCode(t, u.user.id, secret) }).expect(401);
    expect(expired.text).toContain('验证已超时');
    expect((await stale.agent.get('/staff/login/totp').expect(303)).headers.location).toBe('/staff/login');

    const changed = await passwordStep(u.user.username, u.password, '203.0.113.71');
    await t.app.get(UsersService).setRoles(u.user.id, ['case_handler'], { userId: null, kind: 'system' });
    await changed.agent.post('/staff/login/totp').set('X-Forwarded-For', '203.0.113.71').type('form').send({ _csrf: changed.csrf, code: await nextTotpCode(t, u.user.id, secret) }).expect(401);

    const abandoned = await passwordStep(u.user.username, u.password, '203.0.113.72');
    expect((await abandoned.agent.post('/staff/login/totp/cancel').type('form').send({ _csrf: abandoned.csrf }).expect(303)).headers.location).toBe('/staff/login');
    expect((await abandoned.agent.get('/staff/login/totp').expect(303)).headers.location).toBe('/staff/login');
    expect((await abandoned.agent.get('/staff').expect(303)).headers.location).toBe('/staff/login?next=%2Fstaff');
  });
});
