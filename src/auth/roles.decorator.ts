import { SetMetadata } from '@nestjs/common';
import type { Role } from '../users/entities/user.entity.js';

export const ROLES_KEY = 'qingfeng:roles';

/**
 * Restricts a route or controller to signed-in users holding at least one of `roles`. The global
 * guard answers 404 to anyone else (DESIGN.md §5: outside scope is 404, never 403). Without this
 * decorator a non-public route needs a signed-in user only.
 */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

export const ALLOW_PENDING_PASSWORD_CHANGE = 'qingfeng:allowPendingPasswordChange';

/**
 * Marks the few routes a user who must change their password may still reach (the change-password
 * page, logout, the CSRF token). Every other route sends such a user to `/staff/password`.
 */
export const AllowPendingPasswordChange = (): MethodDecorator & ClassDecorator => SetMetadata(ALLOW_PENDING_PASSWORD_CHANGE, true);
