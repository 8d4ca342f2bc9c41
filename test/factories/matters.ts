import { randomBytes } from 'node:crypto';
import { Household } from '../../src/registry/entities/household.entity.js';
import { HouseholdMember } from '../../src/registry/entities/household-member.entity.js';
import { Official } from '../../src/registry/entities/official.entity.js';
import { Person } from '../../src/registry/entities/person.entity.js';
import type { OfficialRole } from '../../src/registry/official-roles.js';
import type { TestApp } from '../utils/create-test-app.js';

/** A person without an ID number (named only). */
export async function insertPerson(t: TestApp, name: string): Promise<Person> {
  const now = new Date();
  return t.ds.getRepository(Person).save({ idHmac: null, name, surname: name.slice(0, 1), birthDate: null, sex: null, idCiphertext: null, idMasked: null, phoneHmac: null, createdAt: now, updatedAt: now });
}

/** An official (公职人员/村干部) with its person; default a party-member village committee director of 集兵村. */
export async function insertOfficial(t: TestApp, o: { name: string; role?: OfficialRole; partyMember?: boolean; regionCode?: string; position?: string }): Promise<Official> {
  const person = await insertPerson(t, o.name);
  const now = new Date();
  const regionCode = o.regionCode ?? '430421101200';
  return t.ds.getRepository(Official).save({
    personId: person.id,
    role: o.role ?? 'village_committee',
    position: o.position ?? '村委会主任',
    unit: '集兵村',
    regionCode,
    regionLevel: 5,
    termStart: null,
    termEnd: null,
    partyMember: o.partyMember ?? true,
    householdRegisterNo: null,
    address: null,
    addressKey: null,
    changedAtMs: now.getTime(),
    createdAt: now,
    updatedAt: now,
  });
}

/** A roster household with one head member named `headName`. */
export async function insertHousehold(t: TestApp, headName: string, regionCode = '430421101200'): Promise<Household & { headPersonId: number }> {
  const head = await insertPerson(t, headName);
  const now = new Date();
  const h = await t.ds.getRepository(Household).save({
    regionCode,
    programme: '农村低保',
    householdNo: `H${randomBytes(4).toString('hex')}`,
    registerNo: null,
    address: '',
    addressKey: null,
    size: 1,
    monthlyAmountFen: 58000,
    periodStart: '2024-01',
    status: 'active' as const,
    filedAsRelative: false,
    lastMonth: '2025-01',
    closedMonth: null,
    contentHash: randomBytes(32).toString('hex'),
    lastImportJobId: null,
    changedAtMs: now.getTime(),
    createdAt: now,
    updatedAt: now,
  });
  await t.ds.getRepository(HouseholdMember).insert({ householdId: h.id, personId: head.id, relationToHead: '户主', isHead: true });
  return Object.assign(h, { headPersonId: head.id });
}
