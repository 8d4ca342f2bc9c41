import { Module } from '@nestjs/common';
import { RegistryCoreModule } from '../registry.module.js';
import { PersonResolutionService } from './person-resolution.service.js';

/** Tip-off resolution against the registry, for the pages that show a report (intake, later clues and cases). */
@Module({
  imports: [RegistryCoreModule],
  providers: [PersonResolutionService],
  exports: [PersonResolutionService],
})
export class PersonResolutionModule {}
