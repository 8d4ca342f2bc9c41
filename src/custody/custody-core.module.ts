import { Module, type OnModuleInit } from '@nestjs/common';
import { AccessService } from '../access/access.service.js';
import { REPORTER_FIELDS } from '../access/policies/reports.policy.js';
import { CustodyRepository } from './custody.repository.js';

/**
 * The custody repository alone, for the report page's panel (intake), without the routes that depend
 * on intake. It also feeds the access layer: each open reveal (approved, not expired) of a user is a
 * field grant on that one report (`reporterIdentity`, `reporterContact`, `originalEvidence`) until it
 * expires — the extension point `AccessService.registerFieldGrantSource`.
 */
@Module({
  providers: [CustodyRepository],
  exports: [CustodyRepository],
})
export class CustodyCoreModule implements OnModuleInit {
  constructor(
    private readonly access: AccessService,
    private readonly repo: CustodyRepository,
  ) {}

  onModuleInit(): void {
    this.access.registerFieldGrantSource('custody', async (user, now) =>
      (await this.repo.openRevealsOf(user.id, now)).map((r) => ({ subject: 'Report', id: r.reportId, fields: REPORTER_FIELDS, until: r.expiresAt! })),
    );
  }
}
