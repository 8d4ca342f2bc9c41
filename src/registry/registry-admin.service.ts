import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { NotFoundError, ValidationFailedError, type FieldErrors } from '../common/domain-error.js';
import { normaliseIdNumber } from '../common/id-number.js';
import { Region } from '../regions/entities/region.entity.js';
import { KinRelation } from './entities/kin-relation.entity.js';
import { Official } from './entities/official.entity.js';
import { Person } from './entities/person.entity.js';
import { KIN_TYPES, KIN_TYPE_LABELS, kinTypeOfLabel } from './kin-types.js';
import { OFFICIAL_ROLES, OFFICIAL_ROLE_LABELS, type OfficialRole } from './official-roles.js';
import { PersonsService } from './persons.service.js';
import { surnameOf } from './text-keys.js';

/** An official as administration shows it (ID number masked). */
export interface OfficialView {
  id: number;
  personId: number;
  name: string;
  idMasked: string | null;
  role: OfficialRole;
  roleLabel: string;
  position: string;
  unit: string;
  regionCode: string;
  partyMember: boolean;
  relatives: { id: number; name: string; type: string; label: string; idMasked: string | null }[];
}

type Actor = { userId: number | null };

function text(raw: unknown, field: string, fields: FieldErrors, opts: { required: boolean; max: number; label: string }): string {
  const s = typeof raw === 'string' ? raw.normalize('NFC').trim() : '';
  if (!s && opts.required) fields[field] = `请填写${opts.label}`;
  else if ([...s].length > opts.max) fields[field] = `${opts.label}不超过 ${opts.max} 字`;
  return s;
}

/**
 * Officials (公职人员/村干部/低保经办人员) and their declared relatives (近亲属备案) entered one by one by
 * an administrator — the same tables the registry imports fill (DESIGN.md §6), so the matcher and
 * recusal see them. A person is found by the HMAC of the ID number when one is given; the number is
 * kept encrypted and shown masked. Every creation is audited in its transaction (ids only).
 */
@Injectable()
export class RegistryAdminService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly persons: PersonsService,
    private readonly audit: AuditService,
  ) {}

  /** Officials whose post lies within `regionPrefix` (default all), newest first, at most 200, with their declared relatives. */
  async listOfficials(regionPrefix = ''): Promise<OfficialView[]> {
    if (regionPrefix && !/^\d{2,12}$/.test(regionPrefix)) throw new ValidationFailedError({ region: '区划应为数字前缀' });
    const rows = await this.ds.getRepository(Official).createQueryBuilder('o').leftJoinAndSelect('o.person', 'p').where('o.region_code LIKE :r', { r: `${regionPrefix}%` }).orderBy('o.id', 'DESC').take(200).getMany();
    return Promise.all(rows.map((o) => this.view(o)));
  }

  /** @throws NotFoundError */
  async getOfficial(id: number): Promise<OfficialView> {
    const o = await this.ds.getRepository(Official).findOne({ where: { id }, relations: { person: true } });
    if (!o) throw new NotFoundError('未找到该公职人员');
    return this.view(o);
  }

  /**
   * Creates an official's post: `{ name, idNumber?, role, position?, unit?, regionCode, partyMember? }`.
   * @throws ValidationFailedError (Chinese field messages) for a missing name, a bad number, an unknown
   *   role or region, or a post the person already holds.
   */
  async createOfficial(input: Record<string, unknown>, actor: Actor): Promise<OfficialView> {
    const fields: FieldErrors = {};
    const name = text(input.name, 'name', fields, { required: true, max: 50, label: '姓名' });
    const position = text(input.position, 'position', fields, { required: false, max: 100, label: '职务' });
    const unit = text(input.unit, 'unit', fields, { required: false, max: 100, label: '工作单位' });
    const rawId = typeof input.idNumber === 'string' ? input.idNumber.trim() : '';
    const id = rawId ? normaliseIdNumber(rawId) : null;
    if (id && !id.ok) fields.idNumber = id.message;
    const role = typeof input.role === 'string' && (OFFICIAL_ROLES as readonly string[]).includes(input.role) ? (input.role as OfficialRole) : null;
    if (!role) fields.role = '请选择身份类别';
    const code = typeof input.regionCode === 'string' ? input.regionCode.trim() : '';
    const region = /^\d{12}$/.test(code) ? await this.ds.getRepository(Region).findOneBy({ code }) : null;
    if (!region) fields.regionCode = '请填写 12 位区划代码（须存在）';
    const partyMember = input.partyMember === true || input.partyMember === 'true' || input.partyMember === 'on';
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    const officialId = await this.ds.transaction(async (m) => {
      const personId = await this.personFor(m, name, id && id.ok ? id : null);
      if (await m.getRepository(Official).findOneBy({ personId, regionCode: code, role: role! })) throw new ValidationFailedError({ role: '此人在该区划已有同类职务' });
      const now = new Date();
      const saved = await m.getRepository(Official).save(
        m.getRepository(Official).create({ personId, role: role!, position, unit, regionCode: code, regionLevel: region!.level, termStart: null, termEnd: null, partyMember, householdRegisterNo: null, address: null, addressKey: null, changedAtMs: now.getTime(), createdAt: now, updatedAt: now }),
      );
      await this.audit.record(m, { actorUserId: actor.userId, actorKind: actor.userId === null ? 'system' : 'user', action: 'registry.official_created', recordType: 'official', recordId: saved.id, details: { role, regionCode: code } });
      return saved.id;
    });
    return this.getOfficial(officialId);
  }

  /**
   * Records a declared relative of an official (近亲属备案): `{ name, idNumber?, type }` where `type`
   * is a kin type code or a Chinese label. The edge `official's person → relative : type`, source
   * `declared`, names the official; the official's `changedAtMs` moves so the next incremental match
   * sees it. @throws NotFoundError for an unknown official; ValidationFailedError.
   */
  async addRelative(officialId: number, input: Record<string, unknown>, actor: Actor): Promise<OfficialView> {
    const official = await this.ds.getRepository(Official).findOneBy({ id: officialId });
    if (!official) throw new NotFoundError('未找到该公职人员');
    const fields: FieldErrors = {};
    const name = text(input.name, 'name', fields, { required: true, max: 50, label: '亲属姓名' });
    const rawId = typeof input.idNumber === 'string' ? input.idNumber.trim() : '';
    const id = rawId ? normaliseIdNumber(rawId) : null;
    if (id && !id.ok) fields.idNumber = id.message;
    const label = typeof input.type === 'string' ? input.type.trim() : '';
    const type = label ? kinTypeOfLabel(label) : null;
    if (!type) fields.type = '请选择关系';
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    await this.ds.transaction(async (m) => {
      const relativeId = await this.personFor(m, name, id && id.ok ? id : null);
      if (relativeId === official.personId) throw new ValidationFailedError({ idNumber: '不能把本人登记为亲属' });
      const now = new Date();
      const repo = m.getRepository(KinRelation);
      if (await repo.findOneBy({ personId: official.personId, relativePersonId: relativeId, type: type!, source: 'declared' })) throw new ValidationFailedError({ name: '该亲属关系已登记' });
      const edge = await repo.save(
        repo.create({ personId: official.personId, relativePersonId: relativeId, type: type!, label: KIN_TYPE_LABELS[type!], source: 'declared', declaredByOfficialId: official.id, validFrom: null, validTo: null, changedAtMs: now.getTime(), createdAt: now, updatedAt: now }),
      );
      await m.getRepository(Official).update({ id: official.id }, { changedAtMs: now.getTime(), updatedAt: now });
      await this.audit.record(m, { actorUserId: actor.userId, actorKind: actor.userId === null ? 'system' : 'user', action: 'registry.kin_relation_created', recordType: 'kin_relation', recordId: edge.id, details: { officialId: official.id, type } });
    });
    return this.getOfficial(officialId);
  }

  /** Role and kin type choices for forms. */
  choices(): { roles: { value: string; label: string }[]; kinTypes: { value: string; label: string }[] } {
    return { roles: OFFICIAL_ROLES.map((r) => ({ value: r, label: OFFICIAL_ROLE_LABELS[r] })), kinTypes: KIN_TYPES.map((t) => ({ value: t, label: KIN_TYPE_LABELS[t] })) };
  }

  private async personFor(m: EntityManager, name: string, id: Parameters<PersonsService['ensurePersons']>[1][number]['id'] | null): Promise<number> {
    if (id) return (await this.persons.ensurePersons(m, [{ id, name }])).values().next().value as number;
    const now = new Date();
    const res = await m.getRepository(Person).insert({ idHmac: null, name, surname: surnameOf(name), birthDate: null, sex: null, idCiphertext: null, idMasked: null, phoneHmac: null, createdAt: now, updatedAt: now });
    return res.identifiers[0].id as number;
  }

  private async view(o: Official): Promise<OfficialView> {
    const edges = await this.ds.getRepository(KinRelation).find({ where: { personId: o.personId, source: 'declared' }, relations: { relative: true }, order: { id: 'ASC' } });
    return {
      id: o.id,
      personId: o.personId,
      name: o.person?.name ?? '',
      idMasked: o.person?.idMasked ?? null,
      role: o.role,
      roleLabel: OFFICIAL_ROLE_LABELS[o.role] ?? o.role,
      position: o.position,
      unit: o.unit,
      regionCode: o.regionCode,
      partyMember: o.partyMember,
      relatives: edges.map((e) => ({ id: e.id, name: e.relative.name, type: e.type, label: e.label || KIN_TYPE_LABELS[e.type], idMasked: e.relative.idMasked })),
    };
  }
}
