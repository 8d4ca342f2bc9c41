import { generate } from 'otplib';
import request from 'supertest';
import { TotpCredential } from '../../src/auth/entities/totp-credential.entity.js';
import { UsersService } from '../../src/users/users.service.js';
import type { TestApp } from './create-test-app.js';

/** The hidden `_csrf` value of a rendered form, or undefined. */
export function csrfFromHtml(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
}

/**
 * Signs a staff user in through the real login form, as a browser would: GET /staff/login (cookies
 * and the form's CSRF token), POST the credentials (expects the 303 redirect of a successful login),
 * then GET /staff/csrf for a token to use on later requests.
 *
 * @returns `agent`: a supertest agent that keeps the cookies (session `qf_sess`, browser `qf_b`,
 *   `qf_csrf`) — use it for every later request of this user; `csrfToken`: send it as the `_csrf`
 *   form field or the `X-CSRF-Token` header on POST/PUT/PATCH/DELETE (forms and `/api/*` alike).
 * @throws Error when the login is refused (wrong password, locked out) — the message has the status.
 */
export async function loginAs(t: TestApp, username: string, password: string): Promise<{ agent: request.Agent; csrfToken: string }> {
  const agent = request.agent(t.server);
  const page = await agent.get('/staff/login');
  const formToken = csrfFromHtml(page.text);
  if (page.status !== 200 || !formToken) throw new Error(`login page answered ${page.status} without a CSRF token`);
  const res = await agent.post('/staff/login').type('form').send({ _csrf: formToken, username, password });
  if (res.status !== 303) throw new Error(`login of ${username} refused with status ${res.status}`);
  const tokenRes = await agent.get('/staff/csrf');
  if (tokenRes.status !== 200 || typeof tokenRes.body?.token !== 'string') throw new Error(`GET /staff/csrf answered ${tokenRes.status}`);
  return { agent, csrfToken: tokenRes.body.token };
}

/** A signed-in staff user of a permission matrix: one per role. */
export interface MatrixActor<R extends string = string> {
  role: R;
  id: number;
  agent: request.Agent;
  csrf: string;
}

/**
 * Signs every user in ({@link loginAs}) and keys them by role — for the table-driven permission
 * matrices. Call it after the data set is built (grants end sessions opened before them).
 */
export async function signInByRole<R extends string>(t: TestApp, users: { role: R; id: number; username: string; password: string }[]): Promise<Map<R, MatrixActor<R>>> {
  const actors = new Map<R, MatrixActor<R>>();
  for (const u of users) {
    const s = await loginAs(t, u.username, u.password);
    actors.set(u.role, { role: u.role, id: u.id, agent: s.agent, csrf: s.csrfToken });
  }
  return actors;
}

/**
 * A TOTP code the server will accept now for `userId`: the current 30-second step, or the next one
 * when the current step was already used (codes are single-use per step).
 * @throws Error when even the next step was used (wait for the next 30-second step).
 */
export async function nextTotpCode(t: TestApp, userId: number, secret: string): Promise<string> {
  const cred = await t.ds.getRepository(TotpCredential).findOneBy({ userId });
  const current = Math.floor(Date.now() / 1000 / 30);
  const step = Math.max(current, (cred?.lastUsedStep ?? -1) + 1);
  if (step > current + 1) throw new Error('the next TOTP step was already used: wait for the next 30-second step');
  return generate({ secret, epoch: step * 30 });
}

/**
 * Like {@link loginAs}, for a user with TOTP enabled: the password step (expects the 303 to
 * `/staff/login/totp`), then a code computed from `secret` with otplib ({@link nextTotpCode}).
 * @returns the same as {@link loginAs}.
 * @throws Error when either step is refused — the message has the status.
 */
export async function loginWithTotp(t: TestApp, username: string, password: string, secret: string): Promise<{ agent: request.Agent; csrfToken: string }> {
  const agent = request.agent(t.server);
  const page = await agent.get('/staff/login');
  const formToken = csrfFromHtml(page.text);
  if (page.status !== 200 || !formToken) throw new Error(`login page answered ${page.status} without a CSRF token`);
  const res = await agent.post('/staff/login').type('form').send({ _csrf: formToken, username, password });
  if (res.status !== 303 || res.headers.location !== '/staff/login/totp') throw new Error(`password step of ${username} answered ${res.status} ${res.headers.location ?? ''}`);
  const user = await t.app.get(UsersService).getByUsername(username);
  const second = await agent.post('/staff/login/totp').type('form').send({ _csrf: formToken, code: await nextTotpCode(t, user.id, secret) });
  if (second.status !== 303) throw new Error(`second step of ${username} refused with status ${second.status}`);
  const tokenRes = await agent.get('/staff/csrf');
  if (tokenRes.status !== 200 || typeof tokenRes.body?.token !== 'string') throw new Error(`GET /staff/csrf answered ${tokenRes.status}`);
  return { agent, csrfToken: tokenRes.body.token };
}
