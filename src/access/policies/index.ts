import type { AccessPolicy } from '../access.types.js';
import { cluesPolicy } from './clues.policy.js';
import { findingsPolicy } from './findings.policy.js';
import { reportsPolicy } from './reports.policy.js';

/**
 * Every feature's access policy, assembled into each user's ability in this order (later rules win
 * over earlier ones for the same subject). A new feature (clues, cases, notices …) writes
 * `policies/<feature>.policy.ts` — an {@link AccessPolicy} with its rules AND the SQL reading of the
 * fields its conditions test — and adds it here. Nothing else is needed: `AccessService.forUser`
 * builds the ability, `UserAccess.can` checks loaded records and `UserAccess.where` scopes queries.
 */
export const ACCESS_POLICIES: readonly AccessPolicy[] = [reportsPolicy, findingsPolicy, cluesPolicy];
