import { SetMetadata } from '@nestjs/common';

/** The second step of a sign-in (code from the authenticator app, or a recovery code). */
export const TOTP_LOGIN_PATH = '/staff/login/totp';
/** The user's own security page: second-factor enrolment, recovery codes, disabling. */
export const SECURITY_PATH = '/staff/security';
/** How long a half-login (password accepted, second factor not yet given) stays usable: 5 minutes. */
export const HALF_LOGIN_MS = 5 * 60 * 1000;

export const ALLOW_PENDING_TOTP_ENROLMENT = 'qingfeng:allowPendingTotpEnrolment';

/**
 * Marks the few routes a signed-in user without a second factor may reach while one is required
 * (config.requireTotp): the security page and its enrolment forms, logout, the CSRF token. Every
 * other route sends such a user to {@link SECURITY_PATH} (the API answers 403 `totp_enrolment_required`).
 */
export const AllowPendingTotpEnrolment = (): MethodDecorator & ClassDecorator => SetMetadata(ALLOW_PENDING_TOTP_ENROLMENT, true);
