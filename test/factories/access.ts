import { randomBytes } from 'node:crypto';
import { GrantsService } from '../../src/access/grants.service.js';
import { AccessGrant } from '../../src/access/entities/access-grant.entity.js';
import { ValidationFailedError } from '../../src/common/domain-error.js';
import { Region } from '../../src/regions/entities/region.entity.js';
import { padRegionCode, scopePrefix } from '../../src/regions/region-code.js';
import { Finding, type FindingStatus } from '../../src/registry/entities/finding.entity.js';
import { Household } from '../../src/registry/entities/household.entity.js';
import { HouseholdMember } from '../../src/registry/entities/household-member.entity.js';
import { KinRelation } from '../../src/registry/entities/kin-relation.entity.js';
import { Official } from '../../src/registry/entities/official.entity.js';
import { Person } from '../../src/registry/entities/person.entity.js';
import type { KinType } from '../../src/registry/kin-types.js';
import { Recusal } from '../../src/recusal/entities/recusal.entity.js';
import { User } from '../../src/users/entities/user.entity.js';
import type { TestApp } from '../utils/create-test-app.js';

let seq = 0;

/** A `Person` row without an ID number (name only). */
export async function insertPerson(t: TestApp, name: string): Promise<number> {
  const now = new Date();
  const res = await t.ds.getRepository(Person).insert({ idHmac: null, name, surname: name.slice(0, 1), birthDate: null, sex: null, idCiphertext: null, idMasked: null, phoneHmac: null, createdAt: now, updatedAt: now });
  return res.identifiers[0].id as number;
}

/** Links a staff user to a new `Person` of their own (what /api/v1/me/person does, without an ID number). */
export async function linkUserPerson(t: TestApp, userId: number, name: string): Promise<number> {
  const personId = await insertPerson(t, name);
  await t.ds.getRepository(User).update({ id: userId }, { personId });
  return personId;
}

/** A declared kin edge `personId → relativePersonId : type`. */
export async function insertKin(t: TestApp, personId: number, relativePersonId: number, type: KinType = 'spouse'): Promise<void> {
  const now = new Date();
  await t.ds.getRepository(KinRelation).insert({ personId, relativePersonId, type, label: '', source: 'declared', declaredByOfficialId: null, validFrom: null, validTo: null, changedAtMs: now.getTime(), createdAt: now, updatedAt: now });
}

/** A recusal row of `userId` on a report (declared by the user themself). */
export async function insertRecusal(t: TestApp, userId: number, reportId: number, kind: 'declared' | 'ordered' = 'declared'): Promise<void> {
  await t.ds.getRepository(Recusal).insert({ userId, reportId, kind, byUserId: userId, reason: null, createdAt: new Date() });
}

/**
 * A finding inserted directly (official with a person, household with one member, recipient person),
 * with score 90 in `regionCode`. Returns the finding id and the persons it concerns.
 */
export async function insertFinding(
  t: TestApp,
  o: { regionCode: string; status?: FindingStatus; officialPersonId?: number; memberPersonId?: number },
): Promise<{ id: number; officialPersonId: number; recipientPersonId: number; householdId: number }> {
  seq += 1;
  const now = new Date();
  const officialPersonId = o.officialPersonId ?? (await insertPerson(t, `干部${seq}`));
  const recipientPersonId = await insertPerson(t, `户主${seq}`);
  const official = await t.ds.getRepository(Official).save({
    personId: officialPersonId, role: 'village_committee', position: '村委会主任', unit: '', regionCode: o.regionCode, regionLevel: 5, termStart: null, termEnd: null,
    partyMember: false, householdRegisterNo: null, address: null, addressKey: null, changedAtMs: now.getTime(), createdAt: now, updatedAt: now,
  } as Partial<Official>);
  const household = await t.ds.getRepository(Household).save({
    regionCode: o.regionCode, programme: '农村低保', householdNo: `HX${seq}-${randomBytes(3).toString('hex')}`, registerNo: null, address: '', addressKey: null, size: 2, monthlyAmountFen: 50000,
    periodStart: null, status: 'active', filedAsRelative: false, lastMonth: '2025-01', closedMonth: null, contentHash: randomBytes(32).toString('hex'), lastImportJobId: null, changedAtMs: now.getTime(), createdAt: now, updatedAt: now,
  } as Partial<Household>);
  await t.ds.getRepository(HouseholdMember).insert({ householdId: household.id, personId: recipientPersonId, relationToHead: '本人', isHead: true } as Partial<HouseholdMember>);
  if (o.memberPersonId) await t.ds.getRepository(HouseholdMember).insert({ householdId: household.id, personId: o.memberPersonId, relationToHead: '子女', isHead: false } as Partial<HouseholdMember>);
  const finding = await t.ds.getRepository(Finding).save({
    identityKey: `official_is_recipient:${official.id}:${household.id}:${recipientPersonId}`, type: 'official_is_recipient', officialId: official.id, householdId: household.id, personId: recipientPersonId,
    regionCode: o.regionCode, score: 90, explanation: '测试疑点', evidence: '[]', status: o.status ?? 'open', dismissReason: o.status === 'dismissed' ? '测试' : null, reviewedByUserId: null, reviewedAt: null,
    firstRunId: 1, lastRunId: 1, resolvedAt: null, createdAt: now, updatedAt: now,
  } as Partial<Finding>);
  return { id: finding.id, officialPersonId, recipientPersonId, householdId: household.id };
}

/** Grants `userId` the region `regionCode` (指定管辖) through the real service, as the portal itself. */
export async function grantRegion(t: TestApp, userId: number, regionCode: string, reason = '上级机关指定管辖（测试）'): Promise<number> {
  try {
    const g = await t.app.get(GrantsService).create({ userId, regionCode, reason }, { userId: null, kind: 'system' });
    return g.id;
  } catch (e) {
    // The service refuses a grant to a user without a handling role (admin, auditor); such rows may
    // still exist from before that rule, and must widen nothing: write one as it was then.
    if (!(e instanceof ValidationFailedError) || Object.keys(e.fields ?? {}).join() !== 'userId') throw e;
    const code = padRegionCode(regionCode);
    const region = await t.ds.getRepository(Region).findOneByOrFail({ code });
    const repo = t.ds.getRepository(AccessGrant);
    const row = await repo.save(
      repo.create({ userId, regionCode: code, regionLevel: region.level, regionPrefix: scopePrefix(code, region.level as 1 | 2 | 3 | 4 | 5), reason, grantedByUserId: null, validFrom: new Date(), validUntil: null, revokedAt: null, revokedByUserId: null, revokeReason: null, createdAt: new Date() }),
    );
    return row.id;
  }
}
