import { Global, Module } from '@nestjs/common';
import { AccessService } from './access.service.js';

/** Access control (CASL abilities from per-feature policies), available to every module. */
@Global()
@Module({
  providers: [AccessService],
  exports: [AccessService],
})
export class AccessModule {}
