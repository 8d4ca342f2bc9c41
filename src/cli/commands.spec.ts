import { describe, expect, it } from '@jest/globals';
import { USAGE } from './commands.js';
import { ROLES } from '../users/entities/user.entity.js';

describe('CLI help', () => {
  it('lists every valid role name for user:create --roles', () => {
    for (const role of ROLES) expect(USAGE).toContain(role);
    expect(USAGE).toMatch(/角色 roles: intake_officer, case_handler/);
  });
});
