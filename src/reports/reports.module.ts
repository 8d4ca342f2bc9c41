import { Module } from '@nestjs/common';
import { AbuseModule } from '../abuse/abuse.module.js';
import { EvidenceModule } from '../evidence/evidence.module.js';
import { CluesModule } from '../clues/clues.module.js';
import { ReportsService } from './reports.service.js';
import { PublicReportsController } from './public-reports.controller.js';
import { ReportsApiController } from './reports-api.controller.js';

/**
 * The citizen side (DESIGN.md §3): home page, tip-off form, receipt, follow-up, and the public JSON API.
 * Exports ReportsService (`validateSubmission`, `submit`) for offline registration by intake officers.
 * RegionsModule and AuditModule are global.
 */
@Module({
  imports: [AbuseModule, EvidenceModule, CluesModule],
  controllers: [PublicReportsController, ReportsApiController],
  providers: [ReportsService],
  exports: [ReportsService],
})
export class ReportsModule {}
