import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminApiController } from './admin-api.controller.js';
import { AdminOfficesApiController, AdminRegionsController } from './admin-regions.controller.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminGrantsApiController, AdminGrantsController } from './admin-grants.controller.js';
import { GrantsService } from '../access/grants.service.js';
import { AdminOfficialsApiController, AdminOfficialsController } from './admin-officials.controller.js';
import { RegistryAdminService } from '../registry/registry-admin.service.js';
import { RegistryCoreModule } from '../registry/registry.module.js';

/** Administration (role `admin`): staff accounts, explicit grants (指定管辖), offices and the working-day calendar — pages and `/api/v1/admin`. No report content. */
@Module({
  imports: [UsersModule, AuthModule, RegistryCoreModule],
  // OfficesService and CalendarService come from the global RegionsModule.
  controllers: [AdminUsersController, AdminApiController, AdminRegionsController, AdminOfficesApiController, AdminGrantsController, AdminGrantsApiController, AdminOfficialsController, AdminOfficialsApiController],
  providers: [GrantsService, RegistryAdminService],
})
export class AdminModule {}
