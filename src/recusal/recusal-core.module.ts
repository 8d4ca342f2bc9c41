import { Module } from '@nestjs/common';
import { RegistryCoreModule } from '../registry/registry.module.js';
import { RecusalService } from './recusal.service.js';

/** RecusalService without HTTP, for the intake scope (which the recusal routes in turn use). */
@Module({
  imports: [RegistryCoreModule],
  providers: [RecusalService],
  exports: [RecusalService],
})
export class RecusalCoreModule {}
