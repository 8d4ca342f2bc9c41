import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { spawnServer, type SpawnedServer } from '../../bench/lib/spawn-server.js';
import { PHONE, cli, createStaffUser, fillTipoffForm, firstLogin, launchChromium, photoWithExif } from './browser-support.js';

const SHOTS = resolve('docs/screenshots');

/**
 * The whole first slice in a real browser (Debian's Chromium, phone-sized): a citizen files a tip-off
 * with a photo, reads the receipt, follows it up; an officer logs in (first login: change password),
 * finds it in the inbox and accepts it; the citizen's follow-up shows the acceptance.
 *
 * The server is the built portal (`dist/`) in its own process on a fresh SQLite database. The CAPTCHA
 * is the real one: the test reads the challenge id from the page and, having the server's data
 * directory, re-keys that challenge to a known answer the same way the server hashes answers.
 */
describe('browser: tip-off to acceptance', () => {
  let server: SpawnedServer;
  let browser: Browser;
  let officerPassword: string;

  beforeAll(async () => {
    server = await spawnServer({ LOG_LEVEL: 'info' });
    await cli(server, 'office:create', '430421000000');
    officerPassword = await createStaffUser(server, 'officer1', 'intake_officer', '430421000000', '受理员一');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('files a tip-off with a photo, follows it up, and an officer accepts it', async () => {
    const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (e) => scriptErrors.push(String(e)));
    page.on('dialog', (d) => {
      scriptErrors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });

    // Home → form
    await page.goto(`${server.url}/`);
    expect(await page.title()).not.toMatch(/举报|检举|低保/);
    await expect(page.locator('a.quick-exit').count()).resolves.toBe(1);
    await page.locator('a[href="/report"]').first().click();
    await page.waitForURL(/\/report$/);

    // A photo of the 公示 board, with metadata in its EXIF (staff must only ever see a cleaned copy).
    await fillTipoffForm(page, server, { photo: await photoWithExif() });
    await page.screenshot({ path: join(SHOTS, 'citizen-form.png'), fullPage: true });

    await page.locator('button[name="action"][value="submit"]').click();
    await page.locator('#receipt-code').waitFor({ timeout: 30_000 });
    const shown = (await page.locator('#receipt-code').innerText()).trim();
    expect(shown).toMatch(/^\d{4}-\d{4}-\d{4}-\d{4}$/);
    expect(page.url()).not.toContain(shown.replace(/-/g, ''));
    await page.screenshot({ path: join(SHOTS, 'citizen-receipt.png'), fullPage: true });

    // Follow-up with the code
    await page.goto(`${server.url}/followup`);
    await page.fill('#receiptCode', shown);
    await page.locator('form[action="/followup"] button[type="submit"]').click();
    await page.waitForLoadState('load');
    const before = await page.locator('main').innerText();
    expect(before).toContain('已收到');
    expect(before).toContain('公示栏照片.jpg');
    await page.screenshot({ path: join(SHOTS, 'citizen-followup.png'), fullPage: true });

    // The officer: first login → change password → inbox → accept
    const staff = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, locale: 'zh-CN' });
    const sp = await staff.newPage();
    await firstLogin(sp, server, 'officer1', officerPassword, 'a-new-Passw0rd-for-officer');
    await sp.goto(`${server.url}/staff/intake`);
    const inbox = await sp.locator('main').innerText();
    expect(inbox).toContain('优亲厚友');
    expect(inbox).toContain('匿名');
    await sp.screenshot({ path: join(SHOTS, 'staff-inbox.png'), fullPage: true });
    await sp.locator('a[href^="/staff/intake/reports/"]').first().click();
    await sp.waitForURL(/\/staff\/intake\/reports\/\d+$/);
    expect(await sp.locator('main').innerText()).toContain('刘建民');
    await sp.screenshot({ path: join(SHOTS, 'staff-report-detail.png'), fullPage: true });
    await sp.locator('form[action$="/accept"] button[type="submit"]').click();
    await sp.waitForLoadState('load');
    expect(await sp.locator('main').innerText()).toContain('已受理');

    // The citizen sees the acceptance in plain words
    await page.goto(`${server.url}/followup`);
    await page.fill('#receiptCode', shown);
    await page.locator('form[action="/followup"] button[type="submit"]').click();
    await page.waitForLoadState('load');
    expect(await page.locator('main').innerText()).toContain('受理');
    expect(scriptErrors).toEqual([]);
    await staff.close();
    await context.close();
  });

  it('shuts down gracefully on SIGTERM: stops accepting, closes the database, says so in the log', async () => {
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => server.proc.once('exit', (code, signal) => r({ code, signal })));
    server.proc.kill('SIGTERM');
    const how = await exited;
    expect(how.code === 0 || how.signal === 'SIGTERM').toBe(true);
    const lines = server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string });
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toContain('shutting down');
    expect(msgs.indexOf('shut down')).toBeGreaterThan(msgs.indexOf('shutting down'));
    await expect(fetch(`${server.url}/health/live`)).rejects.toThrow();
  });
});
