import { Module } from '@nestjs/common';
import { EvidenceModule } from '../evidence/evidence.module.js';
import { IntakeModule } from '../intake/intake.module.js';
import { CustodyApiController } from './custody-api.controller.js';
import { CustodyCoreModule } from './custody-core.module.js';
import { CustodyController } from './custody.controller.js';
import { CustodyService } from './custody.service.js';

/**
 * Reporter identity custody (DESIGN.md §5): reveal requests, custodians' decisions, the time-limited
 * reveal of the identity and the original evidence; pages under /staff/custody, JSON under
 * /api/v1/custody. Scope and recusal come from the intake scope (IntakeService).
 */
@Module({
  imports: [CustodyCoreModule, IntakeModule, EvidenceModule],
  controllers: [CustodyController, CustodyApiController],
  providers: [CustodyService],
  exports: [CustodyService],
})
export class CustodyModule {}
