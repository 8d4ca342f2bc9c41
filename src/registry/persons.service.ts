import { Inject, Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { decryptJson, encryptJson, hmacHex } from '../common/crypto.js';
import { normaliseMainlandMobile, type ValidIdNumber } from '../common/id-number.js';
import { Person, PERSON_ID_AAD } from './entities/person.entity.js';
import { insertRows } from './imports/import-helpers.js';
import { surnameOf } from './text-keys.js';

/** What an import knows about a person: a validated number, a name, maybe a phone. */
export interface PersonInput {
  id: ValidIdNumber;
  name: string;
  phone?: string | null;
}

/** Rows per `IN (…)` list: below SQLite's and MySQL's parameter limits with room to spare. */
const IN_CHUNK = 500;

/**
 * Persons of the kinship graph: identity by the HMAC of the normalised ID number (one key for the
 * whole system), the number kept only encrypted (AES-256-GCM) and masked for display.
 */
@Injectable()
export class PersonsService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** HMACs already computed for a validated number object (an import asks for each several times). */
  private readonly hmacs = new WeakMap<ValidIdNumber, string>();

  /** `Person.idHmac` of a validated number. */
  idHmacOf(id: ValidIdNumber): string {
    let h = this.hmacs.get(id);
    if (h === undefined) {
      h = hmacHex(this.config.secrets.idHmacKey, id.normalised);
      this.hmacs.set(id, h);
    }
    return h;
  }

  /** `Person.phoneHmac` of a typed mobile number, or null when it is not a valid mainland mobile. */
  phoneHmacOf(phone: string | null | undefined): string | null {
    const p = phone ? normaliseMainlandMobile(phone) : null;
    return p ? hmacHex(this.config.secrets.idHmacKey, `phone:${p}`) : null;
  }

  /** The clear ID number of a person, for roles allowed to see it (callers audit the read). */
  revealIdNumber(person: Pick<Person, 'idCiphertext'>): string | null {
    return person.idCiphertext ? decryptJson<string>(this.config.secrets.encryptionKey, person.idCiphertext, PERSON_ID_AAD) : null;
  }

  /**
   * Finds or creates the persons of `inputs` in the caller's transaction and returns
   * `idHmac → person id`. A known person whose name differs takes the new name (the latest list
   * wins); a newly known phone is added. Works in chunks, so any number of inputs is fine.
   */
  async ensurePersons(manager: EntityManager, inputs: PersonInput[]): Promise<Map<string, number>> {
    const byHmac = new Map<string, PersonInput>();
    for (const p of inputs) byHmac.set(this.idHmacOf(p.id), p);
    const ids = new Map<string, number>();
    const repo = manager.getRepository(Person);
    const hmacs = [...byHmac.keys()];
    const now = new Date();
    for (let i = 0; i < hmacs.length; i += IN_CHUNK) {
      const chunk = hmacs.slice(i, i + IN_CHUNK);
      const found = await repo.find({ where: { idHmac: In(chunk) }, select: { id: true, idHmac: true, name: true, phoneHmac: true } });
      for (const p of found) {
        ids.set(p.idHmac!, p.id);
        const input = byHmac.get(p.idHmac!)!;
        const phoneHmac = this.phoneHmacOf(input.phone);
        const name = input.name.trim();
        if ((name && name !== p.name) || (phoneHmac && phoneHmac !== p.phoneHmac)) {
          await repo.update({ id: p.id }, { ...(name && name !== p.name ? { name, surname: surnameOf(name) } : {}), ...(phoneHmac ? { phoneHmac } : {}), updatedAt: now });
        }
      }
      const missing = chunk.filter((h) => !ids.has(h));
      if (missing.length) {
        const rows = missing.map((h) => {
          const input = byHmac.get(h)!;
          const name = input.name.trim();
          return {
            idHmac: h,
            name,
            surname: surnameOf(name),
            birthDate: input.id.birthDate,
            sex: input.id.sex,
            idCiphertext: encryptJson(this.config.secrets.encryptionKey, input.id.normalised, PERSON_ID_AAD),
            // Already normalised: first 6 and last 4 kept (what maskIdNumber gives, without re-validating).
            idMasked: `${input.id.normalised.slice(0, 6)}********${input.id.normalised.slice(-4)}`,
            phoneHmac: this.phoneHmacOf(input.phone),
            createdAt: now,
            updatedAt: now,
          };
        });
        await insertRows(manager, Person, rows);
        const inserted = await repo.find({ where: { idHmac: In(missing) }, select: { id: true, idHmac: true } });
        for (const p of inserted) ids.set(p.idHmac!, p.id);
      }
    }
    return ids;
  }

  /** Person ids of known numbers (`idHmac → id`), without creating any. */
  async findIdsByHmac(manager: EntityManager, hmacs: string[]): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const unique = [...new Set(hmacs)];
    for (let i = 0; i < unique.length; i += IN_CHUNK) {
      const found = await manager.getRepository(Person).find({ where: { idHmac: In(unique.slice(i, i + IN_CHUNK)) }, select: { id: true, idHmac: true } });
      for (const p of found) ids.set(p.idHmac!, p.id);
    }
    return ids;
  }
}
