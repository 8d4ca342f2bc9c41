import { expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { SpawnedServer } from '../../bench/lib/spawn-server.js';

const run = promisify(execFile);

/** A phone-sized viewport (the portal is mobile first). */
export const PHONE = { width: 390, height: 844 };
/** The answer every planted CAPTCHA accepts. */
export const CAPTCHA_ANSWER = 'K7MX';

/** Debian's Chromium, headless, with the flags that work as root (STACK.md). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Runs the built CLI (`dist/`) against the spawned server's data directory. @returns its stdout. */
export async function cli(server: SpawnedServer, ...args: string[]): Promise<string> {
  const env = { ...process.env, NODE_ENV: 'development', DATA_DIR: server.dataDir, DIVISION_PROVINCES: '43', LOG_LEVEL: 'warn' };
  return (await run(process.execPath, [join('dist', 'src', 'cli', 'main.js'), ...args], { env })).stdout;
}

/** Creates a staff user through the CLI. @returns the one-time password it printed. */
export async function createStaffUser(server: SpawnedServer, username: string, roles: string, scope: string, name: string): Promise<string> {
  const out = await cli(server, 'user:create', '--username', username, '--roles', roles, '--scope', scope, '--name', name);
  const password = /(?:一次性密码|one-time password)[^:：]*[:：]\s*(\S+)/i.exec(out)?.[1] ?? '';
  expect(password.length).toBeGreaterThanOrEqual(12);
  return password;
}

/**
 * Re-keys the CAPTCHA challenge shown on a page to {@link CAPTCHA_ANSWER} (only the server's key can
 * do this: the test has the server's data directory).
 */
export function plantCaptcha(server: SpawnedServer, captchaId: string): void {
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

/** Chooses `code` in the region selector of `level` (2 city … 5 village) of the tip-off form. */
export async function pickRegion(page: Page, level: number, code: string): Promise<void> {
  const select = page.locator(`#region_l${level}`);
  await select.waitFor();
  await expect(select.locator(`option[value="${code}"]`).count()).resolves.toBe(1);
  await select.selectOption(code);
}

/** First login with a one-time password: sign in, then set `newPassword` on the forced change page. */
export async function firstLogin(page: Page, server: SpawnedServer, username: string, oneTimePassword: string, newPassword: string): Promise<void> {
  await page.goto(`${server.url}/staff/login`);
  await page.fill('#username', username);
  await page.fill('#password', oneTimePassword);
  await page.locator('form[action="/staff/login"] button[type="submit"]').click();
  await page.waitForURL(/\/staff\/password/);
  await page.fill('#currentPassword', oneTimePassword);
  await page.fill('#newPassword', newPassword);
  await page.fill('#confirmPassword', newPassword);
  await page.locator('form[action="/staff/password"] button[type="submit"]').click();
  await page.waitForLoadState('load');
}

/** A 640×480 JPEG of the 公示 board with identifying EXIF (artist, camera make). */
export function photoWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .withExif({ IFD0: { Artist: 'reporter-phone', Make: 'TestPhone' } })
    .toBuffer();
}

/**
 * Fills the citizen's tip-off form at `/report` (already open on `page`) with the 集兵村 favouritism
 * case, anonymous or under `reporter`'s real name, attaching `photo` as 公示栏照片.jpg, and answers a
 * planted CAPTCHA. Does not submit.
 */
export async function fillTipoffForm(page: Page, server: SpawnedServer, o: { photo: Buffer; reporter?: { name: string; idNumber: string; phone: string } }): Promise<void> {
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
  if (o.reporter) {
    await page.check('input[name="anonymous"][value="0"]');
    await page.fill('#reporter-name', o.reporter.name);
    await page.fill('#reporter-idNumber', o.reporter.idNumber);
    await page.fill('#reporter-phone', o.reporter.phone);
  } else {
    await page.check('input[name="anonymous"][value="1"]');
  }
  await page.setInputFiles('input[type="file"][name="files"]', { name: '公示栏照片.jpg', mimeType: 'image/jpeg', buffer: o.photo });
  const captchaId = await page.locator('input[name="captchaId"]').inputValue();
  plantCaptcha(server, captchaId);
  await page.fill('#captchaAnswer', CAPTCHA_ANSWER);
}
