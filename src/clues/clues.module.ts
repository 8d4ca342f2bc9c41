import { Module } from '@nestjs/common';
import { CluesService } from './clues.service.js';
import { CluesRepository } from './clues.repository.js';
import { FeedbackService } from './feedback.service.js';

/**
 * The part of clues other features use inside their own transactions (no imports, so the registry and
 * intake modules can import it without cycles): `CluesService.createClue`
 * (intake accept, registry findings, manual entries) and the matter scope ({@link CluesRepository}).
 */
@Module({
  providers: [CluesService, CluesRepository, FeedbackService],
  exports: [CluesService, CluesRepository, FeedbackService],
})
export class CluesModule {}
