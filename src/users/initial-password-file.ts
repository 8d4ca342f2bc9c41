import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';

/** User name of the administrator created on first start. */
export const FIRST_ADMIN_USERNAME = 'admin';

/**
 * `data/initial-admin-password.txt`: the first administrator's one-time password, readable by the
 * owner only (mode 0600). Removed as soon as that password is changed or reset, so it never holds a
 * password that still works after first login.
 */
@Injectable()
export class InitialPasswordFile {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get path(): string {
    return join(this.config.dataDir, 'initial-admin-password.txt');
  }

  write(username: string, password: string): void {
    mkdirSync(this.config.dataDir, { recursive: true, mode: 0o700 });
    const text = [
      '清风 — 首个管理员账号的一次性密码 / one-time password of the first administrator',
      `用户名 / username: ${username}`,
      `密码 / password: ${password}`,
      '首次登录后必须修改密码；修改后本文件会被自动删除。',
      'The password must be changed at first login; this file is deleted when it is.',
      '',
    ].join('\n');
    writeFileSync(this.path, text, { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }

  /** Deletes the file when `username` is the first administrator's (after their password changed or was reset). */
  removeFor(username: string): void {
    if (username === FIRST_ADMIN_USERNAME && existsSync(this.path)) rmSync(this.path, { force: true });
  }
}
