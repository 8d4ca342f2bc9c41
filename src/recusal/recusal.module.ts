import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module.js';
import { RecusalCoreModule } from './recusal-core.module.js';
import { RecusalController } from './recusal.controller.js';

/** Recusal (回避, DESIGN.md §5) in the app: the core service and its JSON API. */
@Module({
  imports: [RecusalCoreModule, IntakeModule],
  controllers: [RecusalController],
})
export class RecusalModule {}
