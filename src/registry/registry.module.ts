import { Module } from '@nestjs/common';
import { FindingsService } from './findings.service.js';
import { ImportWorker } from './imports/import-worker.js';
import { RegistryImportsService } from './imports/registry-imports.service.js';
import { MatcherService } from './matcher.service.js';
import { PersonsService } from './persons.service.js';
import { RegistryService } from './registry.service.js';

/**
 * The kinship graph and cross-matching (DESIGN.md §6): persons, officials, kin relations, the dibao
 * roster, imports (jobs run by an in-process worker), the matcher and the review of findings.
 */
@Module({
  providers: [PersonsService, RegistryImportsService, ImportWorker, MatcherService, FindingsService, RegistryService],
  exports: [PersonsService, RegistryImportsService, ImportWorker, MatcherService, FindingsService, RegistryService],
})
export class RegistryModule {}
