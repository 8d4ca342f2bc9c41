import { randomBytes } from 'node:crypto';
import type { Role, User } from '../../src/users/entities/user.entity.js';
import { UsersService } from '../../src/users/users.service.js';
import type { TestApp } from '../utils/create-test-app.js';

let counter = 0;

/**
 * Creates a staff account through the real {@link UsersService} of the app container (argon2id
 * hash, audit event, scope level and prefix from the stored region row), ready to log in:
 * `mustChangePassword` is false.
 *
 * @param opts.roles the roles (at least one, from ROLES).
 * @param opts.scopeRegionCode a division code that exists in the test database (province 43 is
 *   loaded, e.g. '430000000000', '430400000000', '430421000000'); 2/4/6/9/12 digits are accepted.
 * @param opts.username default `user<N>-<random>` (folded to lower case).
 * @param opts.password default a random 24-character password meeting the policy.
 * @returns the saved user and its clear-text password (for {@link loginAs}).
 * @throws ValidationFailedError (fields in Chinese) for an unknown region, role or a taken name.
 */
export async function createUser(
  t: TestApp,
  opts: { username?: string; password?: string; roles: Role[]; scopeRegionCode: string; displayName?: string },
): Promise<{ user: User; password: string }> {
  counter += 1;
  const username = opts.username ?? `user${counter}-${randomBytes(3).toString('hex')}`;
  const password = opts.password ?? `pw-${randomBytes(12).toString('base64url')}`;
  return t.app.get(UsersService).create(
    { username, password, roles: opts.roles, scopeRegionCode: opts.scopeRegionCode, displayName: opts.displayName, mustChangePassword: false },
    { userId: null, kind: 'system' },
  );
}
