import request from 'supertest';
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
