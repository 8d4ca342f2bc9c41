import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TotpService } from '../../src/auth/totp.service.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { createUser } from '../factories/users.js';
import { enrolTotp } from '../factories/totp.js';
import { csrfFromHtml, loginAs, loginWithTotp } from '../utils/login-as.js';

const SCOPE = '430421000000';

/** A user who lost the phone and the recovery codes: an administrator clears the second factor. */
describe('administrator resets a second factor', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('through the admin page: ends the user’s sessions, audits the reset, and the user signs in with the password again', async () => {
    const admin = await createUser(t, { roles: ['admin'], scopeRegionCode: SCOPE });
    const officer = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: SCOPE });
    const { secret } = await enrolTotp(t, officer.user);
    const officerSession = await loginWithTotp(t, officer.user.username, officer.password, secret);
    await officerSession.agent.get('/staff').expect(200);

    const a = await loginAs(t, admin.user.username, admin.password);
    const edit = await a.agent.get(`/staff/admin/users/${officer.user.id}`).expect(200);
    expect(edit.text).toContain(`/staff/admin/users/${officer.user.id}/reset-totp`);
    const done = await a.agent.post(`/staff/admin/users/${officer.user.id}/reset-totp`).type('form').send({ _csrf: csrfFromHtml(edit.text) }).expect(303);
    expect(done.headers.location).toBe(`/staff/admin/users/${officer.user.id}?done=totp_reset`);

    expect(await t.app.get(TotpService).isEnabled(officer.user.id)).toBe(false);
    await officerSession.agent.get('/staff').expect(303); // the old session is over
    const [row] = await t.ds.query("SELECT actor_user_id AS actor, record_id AS rid FROM audit_events WHERE action = 'totp.reset'");
    expect([Number(row.actor), String(row.rid)]).toEqual([admin.user.id, String(officer.user.id)]);
    const again = await loginAs(t, officer.user.username, officer.password);
    await again.agent.get('/staff').expect(200);
  });

  it('through the API: 409 totp_not_enabled when there is nothing to reset; 404 for a non-admin', async () => {
    const admin = await createUser(t, { roles: ['admin'], scopeRegionCode: SCOPE });
    const plain = await createUser(t, { roles: ['intake_officer'], scopeRegionCode: SCOPE });
    const a = await loginAs(t, admin.user.username, admin.password);
    const r = await a.agent.post(`/api/v1/admin/users/${plain.user.id}/reset-totp`).set('X-CSRF-Token', a.csrfToken).send({});
    expect([r.status, r.body.error.code]).toEqual([409, 'totp_not_enabled']);
    const o = await loginAs(t, plain.user.username, plain.password);
    await o.agent.post(`/api/v1/admin/users/${admin.user.id}/reset-totp`).set('X-CSRF-Token', o.csrfToken).send({}).expect(404);
  });
});
