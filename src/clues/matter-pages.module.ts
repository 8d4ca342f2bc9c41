import { Module } from '@nestjs/common';
import { CustodyCoreModule } from '../custody/custody-core.module.js';
import { CustodyModule } from '../custody/custody.module.js';
import { CluesModule } from './clues.module.js';
import { MatterPagesController } from './matter-pages.controller.js';
import { MatterPagesService } from './matter-pages.service.js';
import { MatterSubjectForms } from './matter-subject-forms.js';
import { MattersModule } from './matters.module.js';

/**
 * Staff pages of clues and cases (/staff/matters): work list, matter page, approvals queue, overdue
 * list, printable documents. Built on the page-independent services of {@link MattersModule}.
 */
@Module({
  imports: [CluesModule, MattersModule, CustodyCoreModule, CustodyModule],
  controllers: [MatterPagesController],
  providers: [MatterPagesService, MatterSubjectForms],
})
export class MatterPagesModule {}
