import { Module } from '@nestjs/common';
import { AuditApiController } from './audit-api.controller.js';
import { AuditEventsRepository } from './audit-events.repository.js';
import { AuditPagesController } from './audit-pages.controller.js';
import { AuditVerifier } from './audit-verifier.js';

/**
 * The auditor's side of the trail (pages, JSON API, verifier). Kept apart from the global
 * AuditModule (the writer), which the command line also loads without HTTP.
 */
@Module({ controllers: [AuditPagesController, AuditApiController], providers: [AuditEventsRepository, AuditVerifier], exports: [AuditVerifier] })
export class AuditTrailModule {}
