import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { Region } from '../regions/entities/region.entity.js';
import { isRegionLevel, regionLevelOf, scopePrefix, type RegionLevel } from '../regions/region-code.js';
import { User } from './entities/user.entity.js';
import { FIRST_ADMIN_USERNAME, InitialPasswordFile } from './initial-password-file.js';
import { hashPassword, randomOneTimePassword } from './passwords.js';

/**
 * First start (DESIGN.md §10): when no account exists, creates `admin` (role `admin`, scope
 * config.rootOfficeRegion) with a random one-time password of 20 characters that must be changed at
 * first login, prints it ONCE to stdout and writes it to `data/initial-admin-password.txt` (0600).
 * Run by the web portal at start-up (AuthModule) except under NODE_ENV=test (tests create their own
 * users, or call {@link ensureFirstAdmin} themselves); the command line does not run it. Safe when several instances start together: the unique
 * user name lets one win; the others print nothing.
 */
@Injectable()
export class FirstAdminService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly file: InitialPasswordFile,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** @returns the created user and its one-time password, or null when an account already existed. */
  async ensureFirstAdmin(print = true): Promise<{ user: User; password: string } | null> {
    if ((await this.ds.getRepository(User).count()) > 0) return null;
    const code = this.config.rootOfficeRegion;
    const region = await this.ds.getRepository(Region).findOneBy({ code });
    // The stored level when the division codes are loaded; otherwise read from the code's zeros.
    const level: RegionLevel = region && isRegionLevel(region.level) ? region.level : regionLevelOf(code);
    const password = randomOneTimePassword(20);
    const passwordHash = await hashPassword(password);
    let user: User;
    try {
      user = await this.ds.transaction(async (m) => {
        if ((await m.getRepository(User).count()) > 0) throw new AlreadyCreated();
        const u = m.getRepository(User).create({
          username: FIRST_ADMIN_USERNAME,
          displayName: '系统管理员',
          passwordHash,
          roles: 'admin',
          scopeRegionCode: code,
          scopeRegionLevel: level,
          scopePrefix: scopePrefix(code, level),
          mustChangePassword: true,
          active: true,
          sessionVersion: 1,
          createdAt: new Date(),
          updatedAt: new Date(),
        });
        await m.getRepository(User).save(u);
        await this.audit.record(m, { actorUserId: null, actorKind: 'system', action: 'user.create', recordType: 'user', recordId: u.id, details: { roles: ['admin'], scopeRegionCode: code, firstAdministrator: true } });
        return u;
      });
    } catch (e) {
      // Another instance created it first (or any account appeared meanwhile).
      if (e instanceof AlreadyCreated || (await this.ds.getRepository(User).existsBy({ username: FIRST_ADMIN_USERNAME }))) return null;
      throw e;
    }
    this.file.write(user.username, password);
    if (print) {
      // The one place a secret goes to the console: once, on first start, for the operator.
      const line = '='.repeat(68);
      process.stdout.write(
        [
          '',
          line,
          '  清风：已创建首个管理员账号 / first administrator created',
          `  用户名 / username : ${user.username}`,
          `  一次性密码 / one-time password : ${password}`,
          '  首次登录后必须修改密码。此密码只显示这一次；',
          `  在修改前也保存在 ${this.file.path}（仅所有者可读）。`,
          '  The password must be changed at first login. It is shown only this once and',
          '  kept until then in the file above (readable by the owner only).',
          line,
          '',
        ].join('\n') + '\n',
      );
    }
    return { user, password };
  }
}

class AlreadyCreated extends Error {}
