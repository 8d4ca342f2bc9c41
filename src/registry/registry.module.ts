import { Module } from '@nestjs/common';
import { CluesModule } from '../clues/clues.module.js';
import { FindingCluesService } from './finding-clues.service.js';
import { FindingsService } from './findings.service.js';
import { ImportWorker } from './imports/import-worker.js';
import { RegistryImportsService } from './imports/registry-imports.service.js';
import { MatcherService } from './matcher.service.js';
import { PersonsService } from './persons.service.js';
import { RegistryController } from './registry.controller.js';
import { RegistryPagesController } from './pages/registry-pages.controller.js';
import { RegistryService } from './registry.service.js';

/**
 * The registry's services without HTTP or background work: persons, imports, the matcher, the
 * review of findings. The command line imports this one (no worker polling in a CLI process).
 */
@Module({
  providers: [PersonsService, RegistryImportsService, MatcherService, FindingsService, RegistryService],
  exports: [PersonsService, RegistryImportsService, MatcherService, FindingsService, RegistryService],
})
export class RegistryCoreModule {}

/**
 * The kinship graph and cross-matching (DESIGN.md §6) in the app: the core services, the JSON API
 * under /api/v1/registry, the staff pages under /staff/registry and the in-process import worker.
 */
@Module({
  imports: [RegistryCoreModule, CluesModule],
  controllers: [RegistryController, RegistryPagesController],
  providers: [ImportWorker, FindingCluesService],
  exports: [RegistryCoreModule, ImportWorker],
})
export class RegistryModule {}
