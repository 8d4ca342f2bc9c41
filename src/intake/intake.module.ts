import { Module } from '@nestjs/common';
import { ReportsModule } from '../reports/reports.module.js';
import { EvidenceModule } from '../evidence/evidence.module.js';
import { PersonResolutionModule } from '../registry/resolution/person-resolution.module.js';
import { IntakeApiController } from './intake-api.controller.js';
import { IntakeController } from './intake.controller.js';
import { IntakeRepository } from './intake.repository.js';
import { IntakeService } from './intake.service.js';
import { RecusalCoreModule } from '../recusal/recusal-core.module.js';
import { CustodyCoreModule } from '../custody/custody-core.module.js';
import { CluesModule } from '../clues/clues.module.js';

/**
 * The staff side of intake (DESIGN.md §4): the inbox of an intake officer's scope, the detail page,
 * the intake actions, offline registration, search; pages under /staff/intake and the JSON API under
 * /api/v1/intake. Regions, offices, the calendar and the audit trail come from global modules.
 */
@Module({
  imports: [ReportsModule, EvidenceModule, PersonResolutionModule, RecusalCoreModule, CustodyCoreModule, CluesModule],
  controllers: [IntakeController, IntakeApiController],
  providers: [IntakeRepository, IntakeService],
  exports: [IntakeService],
})
export class IntakeModule {}
