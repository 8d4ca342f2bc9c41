import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join, resolve } from 'node:path';
import { generate } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { spawnServer, type SpawnedServer } from '../../bench/lib/spawn-server.js';
import { PHONE, cli, createStaffUser, fillTipoffForm, firstLogin, launchChromium, photoWithExif } from './browser-support.js';

const SHOTS = resolve('docs/screenshots');
const COUNTY = '430421000000';
const REPORTER = { name: '邓春华', idNumber: '430421197204150023', phone: '13907340000' };
const REASON = '举报人称掌握低保评议会议的原始记录，需当面约谈核实线索来源。';

/** The TOTP code of the 30-second step containing `epochSeconds` (otplib, RFC 6238). */
async function totpAt(secret: string, epochSeconds: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(epochSeconds / 30) * 30 });
}

/**
 * Issue 3's acceptance in a real browser (Debian's Chromium, phone-sized): a citizen files a real-name
 * tip-off with a photo; an officer enrols TOTP (the QR page shows the secret, codes are computed with
 * otplib), signs in with it, asks to reveal the reporter's identity with a reason; a custodian approves
 * it; the officer sees the identity and downloads the original photo; the auditor sees the request,
 * the approval and the view, and the chain verifies.
 */
describe('browser: reporter identity custody', () => {
  let server: SpawnedServer;
  let browser: Browser;
  const passwords: Record<string, string> = {};
  const contexts: BrowserContext[] = [];
  const scriptErrors: string[] = [];

  /** A fresh browser context: phone-sized, or a desktop window (the auditor's screen). */
  const newPage = async (desktop = false): Promise<Page> => {
    const context = await browser.newContext(desktop ? { viewport: { width: 1280, height: 900 }, locale: 'zh-CN' } : { viewport: PHONE, deviceScaleFactor: 2, isMobile: true, locale: 'zh-CN' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => scriptErrors.push(String(e)));
    return page;
  };

  beforeAll(async () => {
    server = await spawnServer({ LOG_LEVEL: 'warn' });
    await cli(server, 'office:create', COUNTY);
    passwords.officer = await createStaffUser(server, 'officer2', 'intake_officer', COUNTY, '受理员二');
    passwords.custodian = await createStaffUser(server, 'custodian1', 'identity_custodian', COUNTY, '保管员一');
    passwords.auditor = await createStaffUser(server, 'auditor1', 'auditor', COUNTY, '审计员一');
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('officer with TOTP asks, custodian approves, officer sees the identity, auditor sees the three events', async () => {
    // A citizen files a real-name tip-off with a photo whose EXIF names the phone.
    if (server.proc.exitCode !== null) throw new Error(`server exited ${server.proc.exitCode}: ${server.output().slice(-3000)}`);
    const citizen = await newPage();
    const photo = await photoWithExif();
    await citizen.goto(`${server.url}/report`);
    await fillTipoffForm(citizen, server, { photo, reporter: REPORTER });
    await citizen.locator('button[name="action"][value="submit"]').click();
    await citizen.locator('#receipt-code').waitFor({ timeout: 30_000 });

    // The officer: first login, then TOTP enrolment on the security page (QR code + secret).
    const officer = await newPage();
    await firstLogin(officer, server, 'officer2', passwords.officer, 'officer2-Passw0rd-new');
    await officer.goto(`${server.url}/staff/security`);
    await officer.locator('form[action="/staff/security/totp/setup"] button[type="submit"]').click();
    await officer.waitForLoadState('load');
    await expect(officer.locator('img[alt^="两步验证二维码"]').count()).resolves.toBe(1);
    const secret = (await officer.locator('#totp-secret').innerText()).replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await officer.screenshot({ path: join(SHOTS, 'totp-enrol.png'), fullPage: true });
    // The previous step's code (within the server's ±1 step), so the current step stays free for the login.
    const now = Date.now() / 1000;
    await officer.fill('#activate-code', await totpAt(secret, now - 30));
    await officer.locator('form[action="/staff/security/totp/activate"] button[type="submit"]').click();
    await officer.waitForLoadState('load');
    expect(await officer.locator('main').innerText()).toContain('两步验证已启用');

    // Sign out, sign in again: password, then a TOTP code computed from the secret.
    await officer.goto(`${server.url}/staff`);
    await officer.locator('form[action="/staff/logout"] button[type="submit"]').click();
    await officer.waitForURL(/\/staff\/login/);
    await officer.fill('#username', 'officer2');
    await officer.fill('#password', 'officer2-Passw0rd-new');
    await officer.locator('form[action="/staff/login"] button[type="submit"]').click();
    await officer.waitForURL(/\/staff\/login\/totp/);
    await officer.fill('#code', await totpAt(secret, Date.now() / 1000));
    await officer.locator('form[action="/staff/login/totp"] button[type="submit"]').click();
    await officer.waitForURL(/\/staff$/);

    // The report page: the identity is not there; the officer asks with a reason.
    await officer.goto(`${server.url}/staff/intake`);
    await officer.locator('a[href^="/staff/intake/reports/"]').first().click();
    await officer.waitForURL(/\/staff\/intake\/reports\/\d+$/);
    const reportId = Number(/reports\/(\d+)$/.exec(officer.url())![1]);
    const detail = await officer.locator('main').innerText();
    expect(detail).toContain('实名');
    expect(detail).not.toContain(REPORTER.name);
    expect(detail).not.toContain(REPORTER.idNumber);
    await officer.fill('#reveal-reason', REASON);
    await officer.locator('#custody').screenshot({ path: join(SHOTS, 'custody-request.png') });
    await officer.locator('form.custody-request-form button[type="submit"]').click();
    await officer.waitForURL(new RegExp(`/staff/custody/reports/${reportId}\\?done=requested$`));
    expect(await officer.locator('main').innerText()).toContain('正在等待身份保管人审批');
    // Before the approval the identity page is refused.
    const early = await officer.goto(`${server.url}/staff/custody/reports/${reportId}/identity`);
    expect(early?.status()).toBe(403);

    // The custodian approves with a reason.
    const custodian = await newPage();
    await firstLogin(custodian, server, 'custodian1', passwords.custodian, 'custodian1-Passw0rd-new');
    await custodian.goto(`${server.url}/staff`);
    await custodian.locator('a[href="/staff/custody"]').click();
    await custodian.waitForURL(/\/staff\/custody$/);
    const request = custodian.locator('article.reveal-request').first();
    expect(await request.innerText()).toContain(REASON);
    expect(await request.innerText()).toContain('受理员二');
    await request.locator('textarea[name="reason"]').fill('事由具体，确需约谈举报人，同意在限期内查看。');
    await custodian.screenshot({ path: join(SHOTS, 'custody-approve.png'), fullPage: true });
    await request.locator('button[name="decision"][value="approve"]').click();
    await custodian.waitForURL(/\/staff\/custody\?done=approved$/);
    expect(await custodian.locator('main').innerText()).toContain('已批准');

    // The officer now sees the identity and can download the original photo (metadata intact).
    await officer.goto(`${server.url}/staff/intake/reports/${reportId}`);
    expect(await officer.locator('#custody').innerText()).toContain('您的查看申请已获批准');
    await officer.locator('a.custody-reveal-link').click();
    await officer.waitForURL(new RegExp(`/staff/custody/reports/${reportId}/identity$`));
    const revealed = await officer.locator('main').innerText();
    for (const v of [REPORTER.name, REPORTER.idNumber, REPORTER.phone]) expect(revealed).toContain(v);
    expect(revealed).toContain('公示栏照片.jpg');
    await officer.screenshot({ path: join(SHOTS, 'custody-revealed.png'), fullPage: true });
    const href = await officer.locator('ul.originals a').first().getAttribute('href');
    const original = await officer.context().request.get(`${server.url}${href}`);
    expect(original.status()).toBe(200);
    expect(Buffer.compare(await original.body(), photo)).toBe(0);

    // The auditor sees the three events (and the download), filtered by action, and the chain verifies.
    const auditor = await newPage(true);
    await firstLogin(auditor, server, 'auditor1', passwords.auditor, 'auditor1-Passw0rd-new');
    await auditor.goto(`${server.url}/staff/audit`);
    await auditor.fill('#f-action', 'custody.*');
    await auditor.locator('form[action="/staff/audit"] button[type="submit"]').click();
    await auditor.waitForURL(/action=custody\.\*/);
    const events = await auditor.locator('section[aria-label="审计事件"]').innerText();
    for (const a of ['custody.reveal_requested', 'custody.reveal_approved', 'custody.identity_viewed', 'custody.original_downloaded']) expect(events).toContain(a);
    expect(events).toContain(REASON);
    expect(events).not.toContain(REPORTER.name);
    expect(events).not.toContain(REPORTER.idNumber);
    await auditor.locator('section[aria-label="审计事件"]').screenshot({ path: join(SHOTS, 'audit-events.png') });
    await auditor.locator('form[action="/staff/audit/verify"] button[type="submit"]').click();
    await auditor.waitForLoadState('load');
    expect(await auditor.locator('main').innerText()).toContain('审计链完好');
    expect(scriptErrors).toEqual([]);
  });
});
