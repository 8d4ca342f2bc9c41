import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module.js';
import { RecusalCoreModule } from './recusal-core.module.js';
import { RecusalController } from './recusal.controller.js';
import { RelativesPageController } from './relatives-page.controller.js';

/** Recusal (回避, DESIGN.md §5) in the app: the core service, its JSON API and the user's own page /staff/relatives. */
@Module({
  imports: [RecusalCoreModule, IntakeModule],
  controllers: [RecusalController, RelativesPageController],
})
export class RecusalModule {}
