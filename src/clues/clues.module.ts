import { Module } from '@nestjs/common';
import { CluesService } from './clues.service.js';

/**
 * Clues and cases (DESIGN.md §4). `CluesService.createClue` is the one way to make a clue, inside the
 * caller's transaction (intake accept, registry findings, manual entry).
 */
@Module({
  providers: [CluesService],
  exports: [CluesService],
})
export class CluesModule {}
