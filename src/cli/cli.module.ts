import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { RegionsModule } from '../regions/regions.module.js';
import { UsersModule } from '../users/users.module.js';
import { RegistryCoreModule } from '../registry/registry.module.js';
import { AccessModule } from '../access/access.module.js';

/**
 * What the command line needs, without HTTP: configuration, the database (migrated on start, like
 * the portal), the audit trail, regions/offices/calendar (division codes are loaded if missing) and
 * staff accounts, the registry (imports and matching). It does not create the first administrator.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config), AuditModule, RegionsModule, UsersModule, AccessModule, RegistryCoreModule] };
  }
}
