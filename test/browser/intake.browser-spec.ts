import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { spawnServer, type SpawnedServer } from '../../bench/lib/spawn-server.js';

const run = promisify(execFile);
const SHOTS = resolve('docs/screenshots');
const PHONE = { width: 390, height: 844 };
const CAPTCHA_ANSWER = 'K7MX';

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

  const cli = async (...args: string[]) =>
    (await run(process.execPath, [join('dist', 'src', 'cli', 'main.js'), ...args], { env: { ...process.env, NODE_ENV: 'development', DATA_DIR: server.dataDir, DIVISION_PROVINCES: '43', LOG_LEVEL: 'warn' } })).stdout;

  beforeAll(async () => {
    server = await spawnServer({ LOG_LEVEL: 'info' });
    await cli('office:create', '430421000000');
    const out = await cli('user:create', '--username', 'officer1', '--roles', 'intake_officer', '--scope', '430421000000', '--name', '受理员一');
    officerPassword = /(?:一次性密码|one-time password)[^:：]*[:：]\s*(\S+)/i.exec(out)?.[1] ?? '';
    expect(officerPassword.length).toBeGreaterThanOrEqual(12);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Re-keys the challenge shown on the page to CAPTCHA_ANSWER (only the server's key can do this). */
  function plantCaptcha(captchaId: string): void {
    const secrets = JSON.parse(readFileSync(join(server.dataDir, 'secrets.json'), 'utf8')) as { receiptHmacKey: string };
    const key = createHmac('sha256', Buffer.from(secrets.receiptHmacKey, 'base64')).update('qingfeng:captcha').digest();
    const hash = createHmac('sha256', key).update(`${captchaId}:${CAPTCHA_ANSWER}`).digest('hex');
    const db = new Database(join(server.dataDir, 'qingfeng.sqlite'));
    try {
      const r = db.prepare('UPDATE captcha_challenges SET answer_hmac = ? WHERE id = ?').run(hash, captchaId);
      expect(r.changes).toBe(1);
    } finally {
      db.close();
    }
  }

  async function pickRegion(page: Page, level: number, code: string): Promise<void> {
    const select = page.locator(`#region_l${level}`);
    await select.waitFor();
    await expect(select.locator(`option[value="${code}"]`).count()).resolves.toBe(1);
    await select.selectOption(code);
  }

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

    await page.selectOption('#category', 'favouritism_kin');
    await page.check('input[name="kind"][value="denunciation"]');
    await pickRegion(page, 2, '430400000000');
    await pickRegion(page, 3, '430421000000');
    await pickRegion(page, 4, '430421101000');
    await pickRegion(page, 5, '430421101200');
    await page.fill('input[name="subjects[0][name]"]', '刘建国');
    await page.fill('input[name="subjects[0][position]"]', '村党支部书记');
    await page.fill('input[name="subjects[0][unit]"]', '集兵村');
    await page.fill('input[name="beneficiaries[0][name]"]', '刘建民');
    await page.fill('input[name="beneficiaries[0][relation]"]', '哥哥');
    await page.fill('#description', '我们村支书刘建国的哥哥刘建民家里开着一辆面包车跑运输，去年还在镇上买了房，却一直吃着低保，每个月五百多。');
    await page.fill('#happenedAt', '2024年起');
    await page.check('input[name="anonymous"][value="1"]');
    // A photo of the 公示 board, with GPS in its EXIF (staff must only ever see a cleaned copy).
    const photo = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .withExif({ IFD0: { Artist: 'reporter-phone', Make: 'TestPhone' } })
      .toBuffer();
    await page.setInputFiles('input[type="file"][name="files"]', { name: '公示栏照片.jpg', mimeType: 'image/jpeg', buffer: photo });
    const captchaId = await page.locator('input[name="captchaId"]').inputValue();
    plantCaptcha(captchaId);
    await page.fill('#captchaAnswer', CAPTCHA_ANSWER);
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
    await sp.goto(`${server.url}/staff/login`);
    await sp.fill('#username', 'officer1');
    await sp.fill('#password', officerPassword);
    await sp.locator('form[action="/staff/login"] button[type="submit"]').click();
    await sp.waitForURL(/\/staff\/password/);
    await sp.fill('#currentPassword', officerPassword);
    await sp.fill('#newPassword', 'a-new-Passw0rd-for-officer');
    await sp.fill('#confirmPassword', 'a-new-Passw0rd-for-officer');
    await sp.locator('form[action="/staff/password"] button[type="submit"]').click();
    await sp.waitForLoadState('load');
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
