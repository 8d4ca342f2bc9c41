import { Module } from '@nestjs/common';
import { CustodyRepository } from './custody.repository.js';

/** The custody repository alone, for the report page's panel (intake), without the routes that depend on intake. */
@Module({
  providers: [CustodyRepository],
  exports: [CustodyRepository],
})
export class CustodyCoreModule {}
