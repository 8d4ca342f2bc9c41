import { In, type EntityManager } from 'typeorm';
import { HouseholdMember } from '../registry/entities/household-member.entity.js';
import { KinRelation } from '../registry/entities/kin-relation.entity.js';
import { Official } from '../registry/entities/official.entity.js';
import { Person } from '../registry/entities/person.entity.js';
import type { KinType } from '../registry/kin-types.js';
import { findingRecusalConflict, reverseKinTypes, type RecusalViewer } from './recusal.policy.js';

/** A viewer's 近亲属 as loaded for the check of a loaded record. */
export interface LoadedViewerKin {
  selfIdHmac: string | null;
  relatives: { id: number; idHmac: string | null; name: string }[];
}

/**
 * The viewer's own ID HMAC and their 近亲属 under `kinTypes` (edges `person → relative` of those
 * types, and reverse edges whose inverse type is in the set). No person → nobody.
 */
export async function loadViewerKin(m: EntityManager, personId: number | null, kinTypes: readonly KinType[]): Promise<LoadedViewerKin> {
  if (personId === null) return { selfIdHmac: null, relatives: [] };
  const rev = reverseKinTypes(kinTypes);
  const [self, out, back] = await Promise.all([
    m.getRepository(Person).findOne({ where: { id: personId }, select: { id: true, idHmac: true } }),
    kinTypes.length ? m.getRepository(KinRelation).find({ where: { personId, type: In([...kinTypes]) }, select: { id: true, relativePersonId: true } }) : Promise.resolve([]),
    rev.length ? m.getRepository(KinRelation).find({ where: { relativePersonId: personId, type: In(rev) }, select: { id: true, personId: true } }) : Promise.resolve([]),
  ]);
  const ids = [...new Set([...out.map((e) => e.relativePersonId), ...back.map((e) => e.personId)])];
  const relatives = ids.length ? await m.getRepository(Person).find({ where: { id: In(ids) }, select: { id: true, idHmac: true, name: true } }) : [];
  return { selfIdHmac: self?.idHmac ?? null, relatives };
}

/**
 * The check of a loaded finding (same rule as `findingRecusalSql`): whether the viewer is, or is a
 * 近亲属 of, the finding's official, its recipient or a member of its household.
 */
export async function findingRecusedFor(m: EntityManager, viewer: RecusalViewer, finding: { officialId: number; personId: number; householdId: number }): Promise<boolean> {
  if (viewer.personId === null) return false;
  const [official, members, kin] = await Promise.all([
    m.getRepository(Official).findOne({ where: { id: finding.officialId }, select: { id: true, personId: true } }),
    m.getRepository(HouseholdMember).find({ where: { householdId: finding.householdId }, select: { id: true, personId: true } }),
    loadViewerKin(m, viewer.personId, viewer.kinTypes),
  ]);
  const facts = { officialPersonId: official?.personId ?? -1, personId: finding.personId, memberPersonIds: members.map((x) => x.personId) };
  return findingRecusalConflict(facts, { selfPersonId: viewer.personId, relativeIds: kin.relatives.map((r) => r.id) }) !== null;
}
