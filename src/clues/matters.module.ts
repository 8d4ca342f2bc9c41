import { Module } from '@nestjs/common';
import { CaseNumberService } from '../cases/case-number.service.js';
import { OutcomesService } from '../cases/outcomes.service.js';
import { IntakeModule } from '../intake/intake.module.js';
import { CluesModule } from './clues.module.js';
import { MatterClocksService } from './matter-clocks.service.js';
import { MatterViewsService } from './matter-views.service.js';
import { MattersApiController } from './matters-api.controller.js';
import { MattersService } from './matters.service.js';
import { InquiryLettersService } from './inquiry-letters.service.js';

/**
 * Clues and cases (DESIGN.md §4): the state machine, case numbers, outcomes, clocks and the overdue
 * list, feedback to real-name reporters; JSON API under /api/v1/matters. Services are page-independent.
 */
@Module({
  imports: [CluesModule, IntakeModule],
  controllers: [MattersApiController],
  providers: [MattersService, MatterViewsService, MatterClocksService, CaseNumberService, OutcomesService, InquiryLettersService],
  exports: [MattersService, MatterViewsService, MatterClocksService, OutcomesService, InquiryLettersService],
})
export class MattersModule {}
