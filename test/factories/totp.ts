import { generate } from 'otplib';
import { TotpService } from '../../src/auth/totp.service.js';
import type { User } from '../../src/users/entities/user.entity.js';
import type { TestApp } from '../utils/create-test-app.js';

/**
 * Enrols `user` in TOTP through the real {@link TotpService} (start, then activate with a code
 * computed from the secret), as the security page would. Activation bumps the user's
 * sessionVersion, so sign in after this (with `loginWithTotp`).
 * @returns the base32 secret (compute codes with otplib) and the 10 recovery codes in clear.
 */
export async function enrolTotp(t: TestApp, user: User): Promise<{ secret: string; recoveryCodes: string[] }> {
  const totp = t.app.get(TotpService);
  await totp.startEnrolment(user);
  const pending = await totp.pendingEnrolment(user);
  if (!pending) throw new Error('no pending TOTP enrolment');
  // The previous step's code (accepted within the ±30 s tolerance), so that the current and the next
  // step stay free for two more codes in a test; the current one if the clock just moved on.
  const epoch = Math.floor(Date.now() / 1000);
  let activated;
  try {
    activated = await totp.activate(user, await generate({ secret: pending.secret, epoch: epoch - 30 }), 'factory');
  } catch {
    activated = await totp.activate(user, await generate({ secret: pending.secret, epoch }), 'factory');
  }
  return { secret: pending.secret, recoveryCodes: activated.recoveryCodes };
}
