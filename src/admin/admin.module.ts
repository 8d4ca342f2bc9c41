import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminApiController } from './admin-api.controller.js';
import { AdminOfficesApiController, AdminRegionsController } from './admin-regions.controller.js';
import { AdminUsersController } from './admin-users.controller.js';

/** Administration (role `admin`): staff accounts, offices and the working-day calendar — pages and `/api/v1/admin`. No report content. */
@Module({
  imports: [UsersModule, AuthModule],
  // OfficesService and CalendarService come from the global RegionsModule.
  controllers: [AdminUsersController, AdminApiController, AdminRegionsController, AdminOfficesApiController],
})
export class AdminModule {}
