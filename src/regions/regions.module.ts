import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { CalendarService } from './calendar.service.js';
import { DivisionLoader } from './division-loader.js';
import { OfficesService } from './offices.service.js';
import { RegionsController } from './regions.controller.js';
import { RegionsService } from './regions.service.js';

/**
 * Division codes, offices and the working-day calendar. Global: any module may inject
 * RegionsService, OfficesService and CalendarService.
 *
 * Start-up (awaited before the app serves requests, in `onModuleInit`): load the missing division
 * codes, create the root office, read the loaded holiday schedules. Other modules that need these at
 * start should use `onApplicationBootstrap`, which runs after every `onModuleInit`.
 */
@Global()
@Module({
  providers: [DivisionLoader, RegionsService, OfficesService, CalendarService],
  controllers: [RegionsController],
  exports: [RegionsService, OfficesService, CalendarService, DivisionLoader],
})
export class RegionsModule implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly loader: DivisionLoader,
    private readonly offices: OfficesService,
    private readonly calendar: CalendarService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.loader.ensureLoaded(this.config.divisionProvinces);
    await this.offices.ensureRootOffice(this.config.divisionProvinces);
    await this.calendar.start();
  }
}
