import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './config/app-config.js';
import type { JsonLogger } from './common/logger.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthController } from './health/health.controller.js';
import { ShutdownLogger } from './health/shutdown-logger.js';
import { CommonModule } from './common/common.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuditTrailModule } from './audit/audit-trail.module.js';
import { AbuseModule } from './abuse/abuse.module.js';
import { EvidenceModule } from './evidence/evidence.module.js';
import { RegionsModule } from './regions/regions.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AdminModule } from './admin/admin.module.js';
import { UsersModule } from './users/users.module.js';
import { IntakeModule } from './intake/intake.module.js';
import { RecusalModule } from './recusal/recusal.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { RegistryModule } from './registry/registry.module.js';
import { CluesModule } from './clues/clues.module.js';
import { MattersModule } from './clues/matters.module.js';
import { CustodyModule } from './custody/custody.module.js';
import { MatterPagesModule } from './clues/matter-pages.module.js';
import { AccessModule } from './access/access.module.js';

/** The portal. Feature modules register here; configuration is passed in (validated before Nest starts). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger?: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, logger),
        DatabaseModule.forRoot(config),
        CommonModule,
        AuditModule,
        AuditTrailModule,
        AbuseModule,
        EvidenceModule,
        RegionsModule,
        UsersModule,
        AccessModule,
        AuthModule,
        AdminModule,
        IntakeModule,
        RecusalModule,
        ReportsModule,
        RegistryModule,
        CluesModule,
        MattersModule,
        CustodyModule,
        MatterPagesModule,
        // feature modules: regions, auth/users, reports (citizen side), intake (staff side)
      ],
      controllers: [HealthController],
      providers: [ShutdownLogger],
    };
  }
}
