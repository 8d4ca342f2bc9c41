import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { spawnServer, type SpawnedServer } from '../../bench/lib/spawn-server.js';
import { cli, createStaffUser, fillTipoffForm, firstLogin, launchChromium, photoWithExif } from './browser-support.js';

const SHOTS = resolve('docs/screenshots');
const COUNTY = '430421000000';
const REPORTER = { name: '邓春华', idNumber: '430421197204150023', phone: '13907340000' };

/**
 * Issue 4's acceptance in a real browser (Debian's Chromium, desktop window): one matter from the
 * citizen's tip-off to closure, each step by the role that owns it — the intake officer accepts, the
 * leader assigns and approves the disposal, the handler verifies and proposes filing, the leader
 * approves filing, the handler investigates (two-person step, conclusion per subject) and sends the
 * case to trial, the trial reviewer decides, the handler records the sanction and money and proposes
 * closing, the leader approves; then the handler feeds the result back. A second matter is made
 * overdue for the leader's overdue list. Screenshots: matter-page.png, overdue-list.png.
 */
describe('browser: a matter from intake to closure', () => {
  let server: SpawnedServer;
  let browser: Browser;
  const passwords: Record<string, string> = {};
  const contexts: BrowserContext[] = [];
  const scriptErrors: string[] = [];

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => scriptErrors.push(String(e)));
    return page;
  };

  /** Submits a transition form of the matter page and waits for the page to come back without an error. */
  async function transition(page: Page, action: string, fill: (form: ReturnType<Page['locator']>) => Promise<void>, done: RegExp): Promise<void> {
    const form = page.locator(`form[data-action="${action}"]`);
    await fill(form);
    await form.locator('button[type="submit"]').click();
    await page.waitForURL(done);
    await expect(page.locator('[role="alert"]').count()).resolves.toBe(0);
  }

  async function fileTipoff(reporter?: typeof REPORTER): Promise<void> {
    const citizen = await newPage();
    await citizen.goto(`${server.url}/report`);
    await fillTipoffForm(citizen, server, { photo: await photoWithExif(), reporter });
    await citizen.locator('button[name="action"][value="submit"]').click();
    await citizen.locator('#receipt-code').waitFor({ timeout: 30_000 });
  }

  async function accept(officer: Page): Promise<void> {
    await officer.goto(`${server.url}/staff/intake`);
    await officer.locator('a[href^="/staff/intake/reports/"]').first().click();
    await officer.waitForURL(/\/staff\/intake\/reports\/\d+$/);
    await officer.locator('form[action$="/accept"] button[type="submit"]').click();
    await officer.waitForURL(/done=accepted/);
  }

  beforeAll(async () => {
    server = await spawnServer({ LOG_LEVEL: 'warn' });
    await cli(server, 'office:create', COUNTY);
    passwords.officer = await createStaffUser(server, 'officer1', 'intake_officer', COUNTY, '受理员一');
    passwords.leader = await createStaffUser(server, 'leader1', 'leader', COUNTY, '领导一');
    passwords.handler = await createStaffUser(server, 'handler1', 'case_handler', COUNTY, '承办人一');
    passwords.handler2 = await createStaffUser(server, 'handler2', 'case_handler', COUNTY, '承办人二');
    passwords.reviewer = await createStaffUser(server, 'reviewer1', 'trial_reviewer', COUNTY, '审理员一');
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  it('officer accepts; leader assigns and approves; handler verifies, files, investigates; reviewer decides; leader approves closing', async () => {
    if (server.proc.exitCode !== null) throw new Error(`server exited ${server.proc.exitCode}: ${server.output().slice(-3000)}`);
    await fileTipoff(REPORTER);

    const officer = await newPage();
    await firstLogin(officer, server, 'officer1', passwords.officer, 'officer1-Passw0rd-new');
    await accept(officer);

    // Leader: the county list shows the new clue; assign the handler.
    const leader = await newPage();
    await firstLogin(leader, server, 'leader1', passwords.leader, 'leader1-Passw0rd-new');
    await leader.goto(`${server.url}/staff`);
    await leader.locator('a[href="/staff/matters"]').click();
    await leader.goto(`${server.url}/staff/matters?tab=all`);
    await leader.locator('article.matter-row a').first().click();
    await leader.waitForURL(/\/staff\/matters\/\d+$/);
    const clueId = Number(/matters\/(\d+)$/.exec(leader.url())![1]);
    const matterUrl = `${server.url}/staff/matters/${clueId}`;
    const back = new RegExp(`/staff/matters/${clueId}\\?done=`);
    expect(await leader.locator('.matter-status').innerText()).toBe('已登记');
    await leader.selectOption('#assignee', { label: '承办人一' });
    await leader.locator('form[action$="/assign"] button[type="submit"]').click();
    await leader.waitForURL(back);
    expect(await leader.locator('.matter-assignee').innerText()).toBe('承办人一');

    // Handler: the work list shows it with its clock; proposes preliminary verification.
    const handler = await newPage();
    await firstLogin(handler, server, 'handler1', passwords.handler, 'handler1-Passw0rd-new');
    await handler.goto(`${server.url}/staff/matters`);
    const row = handler.locator(`article.matter-row[data-clue-id="${clueId}"]`);
    expect(await row.innerText()).toMatch(/提出处置意见：到期 \d{4}-\d{2}-\d{2}/);
    await row.locator('a').first().click();
    await handler.waitForURL(new RegExp(`/staff/matters/${clueId}$`));
    await transition(handler, 'propose_disposal', async (f) => {
      await f.locator('select[name="method"]').selectOption('preliminary_verification');
      await f.locator('textarea[name="reasoning"]').fill('反映对象、受益人、金额具体，建议初步核实。');
    }, back);
    expect(await handler.locator('.matter-status').innerText()).toBe('已提出处置意见');

    // Leader: the approvals queue leads to the matter; approves the disposal.
    await leader.goto(`${server.url}/staff/matters/approvals`);
    await leader.locator(`tr.approval-item[data-clue-id="${clueId}"] a`).click();
    await transition(leader, 'approve_disposal', async (f) => {
      await f.locator('textarea[name="reason"]').fill('同意初步核实。');
    }, back);
    expect(await leader.locator('.matter-status').innerText()).toBe('初步核实');

    // Handler: verification report and filing proposal (needs the leader).
    await handler.goto(matterUrl);
    await transition(handler, 'file_case', async (f) => {
      await f.locator('textarea[name="verificationReport"]').fill('经初步核实，刘建民家庭有营运车辆和城镇住房，不符合低保条件，刘建国在评议中未回避。');
      await f.locator('textarea[name="filingDecision"]').fill('决定对刘建国涉嫌优亲厚友问题立案审查调查。');
    }, /done=proposed/);
    expect(await handler.locator('#approvals').innerText()).toContain('立案');

    // Leader approves the filing from the queue: the case gets its number.
    await leader.goto(`${server.url}/staff/matters/approvals`);
    await leader.locator(`tr.approval-item[data-clue-id="${clueId}"] a`).click();
    await leader.locator('article.pending-proposal textarea[name="reason"]').first().fill('同意立案。');
    await leader.locator('article.pending-proposal form[action$="/approve"] button[type="submit"]').click();
    await leader.waitForURL(/done=approved/);
    expect(await leader.locator('.matter-status').innerText()).toBe('已立案');
    const caseNumber = await leader.locator('.case-number').innerText();
    expect(caseNumber).toMatch(/^430421-\d{4}-0001$/);

    // Handler: investigation with a second investigator, a two-person step, the conclusion, to trial.
    await handler.goto(matterUrl);
    await transition(handler, 'start_investigation', async (f) => {
      await f.locator('textarea[name="investigationPlan"]').fill('调取评议记录、车辆和房产登记，约谈刘建国。');
      await f.locator('select[name="coHandlerUserId"]').selectOption({ label: '承办人二' });
    }, back);
    await handler.fill('#step-kind', '谈话');
    await handler.fill('#step-on', '2026-11-20');
    await handler.locator('fieldset.checkbox-list label', { hasText: '承办人二' }).locator('input').check();
    await handler.locator('form[action$="/investigation-steps"] button[type="submit"]').click();
    await handler.waitForURL(back);
    await handler.selectOption('#o-kind', 'verification:substantiated');
    await handler.locator('form[action$="/outcomes"] button[type="submit"]').click();
    await handler.waitForURL(back);
    await transition(handler, 'submit_for_trial', async (f) => {
      await f.locator('textarea[name="investigationReport"]').fill('查明刘建国在其兄低保评议中未回避，违规为其兄办理低保，共计发放 3,600 元。');
    }, back);
    expect(await handler.locator('.matter-status').innerText()).toBe('审理');

    // Trial reviewer decides.
    const reviewer = await newPage();
    await firstLogin(reviewer, server, 'reviewer1', passwords.reviewer, 'reviewer1-Passw0rd-new');
    await reviewer.goto(matterUrl);
    await transition(reviewer, 'decide', async (f) => {
      await f.locator('textarea[name="trialOpinion"]').fill('事实清楚，证据确凿，同意给予政务警告处分，追缴违规资金。');
    }, back);
    expect(await reviewer.locator('.matter-status').innerText()).toBe('已作出处分决定');

    // Handler: sanction, money recovered, household removed; proposes closing.
    await handler.goto(matterUrl);
    await handler.selectOption('#o-kind', 'government_sanction:warning');
    await handler.fill('#o-decided', '2026-11-25');
    await handler.locator('form[action$="/outcomes"] button[type="submit"]').click();
    await handler.waitForURL(back);
    await handler.fill('#r-amount', '3600.00');
    await handler.fill('#r-on', '2026-11-26');
    await handler.locator('form[action$="/recoveries"] button[type="submit"]').click();
    await handler.waitForURL(back);
    await handler.fill('#e-label', '刘建民');
    await handler.fill('#e-month', '2026-12');
    await handler.locator('form[action$="/entitlement-changes"] button[type="submit"]').click();
    await handler.waitForURL(back);
    await transition(handler, 'close', async (f) => {
      await f.locator('input[name="announcedOn"]').fill('2026-11-27');
      await f.locator('textarea[name="reason"]').fill('处分决定已宣布，资金已追缴，已停保。');
    }, /done=proposed/);

    // Leader approves the closing.
    await leader.goto(`${server.url}/staff/matters/approvals`);
    await leader.locator(`tr.approval-item[data-clue-id="${clueId}"] a`).click();
    await leader.locator('article.pending-proposal form[action$="/approve"] button[type="submit"]').click();
    await leader.waitForURL(/done=approved/);
    expect(await leader.locator('.matter-status').innerText()).toBe('已结案');

    // Handler: the result feedback to the real-name reporter; the page shows everything.
    await handler.goto(matterUrl);
    await handler.locator('section#feedback textarea[name="text"]').fill('您反映的问题经查属实，已对相关人员作出处理，违规资金已追缴，相关低保已停发。感谢您的监督。');
    await handler.locator('section#feedback button[type="submit"]').click();
    await handler.waitForURL(back);
    const page = await handler.locator('main').innerText();
    for (const s of [caseNumber, '已结案', '属实', '警告', '3600.00', '停保', '刘建民', '承办人二', '处分决定已宣布', '已于']) expect(page).toContain(s);
    expect(page).not.toContain(REPORTER.name);
    expect(page).not.toContain(REPORTER.idNumber);
    await handler.screenshot({ path: join(SHOTS, 'matter-page.png'), fullPage: true });

    // The filing decision prints with the case number and no reporter.
    await handler.goto(`${matterUrl}/documents/filing`);
    const doc = await handler.locator('main').innerText();
    expect(doc).toContain(caseNumber);
    expect(doc).not.toContain(REPORTER.name);

    // A second matter, never handled, is overdue: the leader's overdue list shows it by township.
    await fileTipoff();
    await accept(officer);
    const db = new Database(join(server.dataDir, 'qingfeng.sqlite'));
    try {
      const r = db.prepare("UPDATE clues SET due_date = '2026-09-30' WHERE id <> ? AND status = 'registered'").run(clueId);
      expect(r.changes).toBe(1);
    } finally {
      db.close();
    }
    await leader.goto(`${server.url}/staff/matters/overdue`);
    const overdue = await leader.locator('main').innerText();
    expect(overdue).toContain('集兵镇');
    expect(overdue).toContain('2026-09-30');
    expect(overdue).toMatch(/已超期 \d+ 个工作日/);
    expect(await leader.locator('tr.overdue-row').count()).toBe(1);
    await leader.screenshot({ path: join(SHOTS, 'overdue-list.png'), fullPage: true });
    expect(scriptErrors).toEqual([]);
  });
});
