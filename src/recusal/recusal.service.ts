import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { ValidationFailedError, DomainError } from '../common/domain-error.js';
import { normaliseIdNumber } from '../common/id-number.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { KinRelation } from '../registry/entities/kin-relation.entity.js';
import { Person } from '../registry/entities/person.entity.js';
import { KIN_TYPES, KIN_TYPE_LABELS, kinTypeOfLabel, type KinType } from '../registry/kin-types.js';
import { PersonsService } from '../registry/persons.service.js';
import { surnameOf } from '../registry/text-keys.js';
import { ReportSubject } from '../reports/entities/report-subject.entity.js';
import { ReporterIdentity } from '../reports/entities/reporter-identity.entity.js';
import { Report } from '../reports/entities/report.entity.js';
import { User } from '../users/entities/user.entity.js';
import { Recusal, type RecusalKind } from './entities/recusal.entity.js';
import { KIN_SETS, recusalConflict, type RecusalGround, type RecusalViewer, type ViewerKin } from './recusal.policy.js';
import { loadViewerKin } from './viewer-kin.js';
import { cleanTypedText } from '../common/invisible-chars.js';

/** A declared relative as shown to the user themself (ID number masked). */
export interface DeclaredRelative {
  id: number;
  name: string;
  type: KinType;
  label: string;
  idMasked: string | null;
}

const MAX_NAME = 50;

/**
 * Recusal (回避, DESIGN.md §5): staff users' own `Person`, their declared relatives (`KinRelation`,
 * source `declared`), recusal rows (declared / ordered / cleared), the check of a loaded report and
 * the audit of every blocked access. The SQL form of the rule is in `recusal.policy.ts`, applied by
 * the intake scope.
 */
@Injectable()
export class RecusalService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly persons: PersonsService,
    private readonly audit: AuditService,
  ) {}

  /** The configured 近亲属 set (`KIN_SET`). */
  kinTypes(): readonly KinType[] {
    return KIN_SETS[this.config.kinSet];
  }

  /** The recusal part of a scope for `user`. */
  viewerOf(user: Pick<User, 'id' | 'personId'>): RecusalViewer {
    return { userId: user.id, personId: user.personId ?? null, kinTypes: this.kinTypes() };
  }

  /**
   * Links the user to their own `Person`, found or created by the HMAC of the ID number (one system-wide
   * key, so a reporter's or an official's record of the same number is the same person). Audited
   * (`user.person_linked`, no number or name in the details).
   * @throws ValidationFailedError (fields name, idNumber) for an empty name or an invalid number;
   *   DomainError('person_taken', 409) when another user is already linked to that person.
   */
  async linkPerson(userId: number, input: { name: unknown; idNumber: unknown }, actorUserId: number | null = userId): Promise<Person> {
    const name = cleanTypedText(input.name).replace(/\s+/g, ' ');
    const id = typeof input.idNumber === 'string' ? normaliseIdNumber(input.idNumber) : null;
    const fields: Record<string, string> = {};
    if (!name || [...name].length > MAX_NAME) fields.name = '请填写姓名（不超过 50 字）';
    if (!id || !id.ok) fields.idNumber = id && !id.ok ? id.message : '请填写身份证号码';
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    return this.ds.transaction(async (m) => {
      const ids = await this.persons.ensurePersons(m, [{ id: id as Extract<typeof id, { ok: true }>, name }]);
      const personId = ids.values().next().value as number;
      const other = await m.getRepository(User).findOne({ where: { personId }, select: { id: true } });
      if (other && other.id !== userId) throw new DomainError('person_taken', '该身份证号码已登记给其他工作人员', 409);
      await m.getRepository(User).update({ id: userId }, { personId });
      await this.audit.record(m, { actorUserId: actorUserId, actorKind: actorUserId === null ? 'system' : 'user', action: 'user.person_linked', recordType: 'user', recordId: userId });
      return m.getRepository(Person).findOneByOrFail({ id: personId });
    });
  }

  /**
   * Declares a close relative of the user: the relative's `Person` (by ID HMAC when a number is given,
   * else a new person by name) and an edge `user's person → relative : type`, source `declared`.
   * `type` is a type code or a Chinese label (`兄弟姐妹`, `舅舅(父母的兄弟姐妹)`). Audited
   * (`user.relative_declared`, details: the type only).
   * @throws DomainError('person_not_linked', 409) before the user's own number is declared;
   *   ValidationFailedError for an empty name, an invalid number or an unknown type.
   */
  async declareRelative(userId: number, input: { name: unknown; idNumber?: unknown; type: unknown }): Promise<DeclaredRelative> {
    const name = cleanTypedText(input.name).replace(/\s+/g, ' ');
    const rawId = typeof input.idNumber === 'string' ? input.idNumber.trim() : '';
    const id = rawId ? normaliseIdNumber(rawId) : null;
    const label = typeof input.type === 'string' ? input.type.trim() : '';
    const type = label ? kinTypeOfLabel(label) : null;
    const fields: Record<string, string> = {};
    if (!name || [...name].length > MAX_NAME) fields.name = '请填写亲属姓名（不超过 50 字）';
    if (id && !id.ok) fields.idNumber = id.message;
    if (!type) fields.type = `请选择关系（${KIN_TYPES.length} 种之一）`;
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);
    return this.ds.transaction(async (m) => {
      const user = await m.getRepository(User).findOneByOrFail({ id: userId });
      if (user.personId === null) throw new DomainError('person_not_linked', '请先登记本人的身份证号码，再申报近亲属', 409);
      let relativeId: number;
      if (id && id.ok) {
        relativeId = (await this.persons.ensurePersons(m, [{ id, name }])).values().next().value as number;
      } else {
        const now = new Date();
        const res = await m.getRepository(Person).insert({ idHmac: null, name, surname: surnameOf(name), birthDate: null, sex: null, idCiphertext: null, idMasked: null, phoneHmac: null, createdAt: now, updatedAt: now });
        relativeId = res.identifiers[0].id as number;
      }
      if (relativeId === user.personId) throw new ValidationFailedError({ idNumber: '不能把本人申报为亲属' });
      const repo = m.getRepository(KinRelation);
      let edge = await repo.findOneBy({ personId: user.personId, relativePersonId: relativeId, type: type!, source: 'declared' });
      if (!edge) {
        const now = new Date();
        edge = await repo.save(
          repo.create({ personId: user.personId, relativePersonId: relativeId, type: type!, label, source: 'declared', declaredByOfficialId: null, validFrom: null, validTo: null, changedAtMs: now.getTime(), createdAt: now, updatedAt: now }),
        );
        await this.audit.record(m, { actorUserId: userId, actorKind: 'user', action: 'user.relative_declared', recordType: 'kin_relation', recordId: edge.id, details: { type } });
      }
      const p = await m.getRepository(Person).findOneByOrFail({ id: relativeId });
      return { id: edge.id, name: p.name, type: edge.type, label: KIN_TYPE_LABELS[edge.type] ?? edge.label, idMasked: p.idMasked };
    });
  }

  /** The user's own declared relatives (any type), oldest first. */
  async relativesOf(user: Pick<User, 'personId'>): Promise<DeclaredRelative[]> {
    if (user.personId === null) return [];
    const edges = await this.ds.getRepository(KinRelation).find({ where: { personId: user.personId, source: 'declared' }, relations: { relative: true }, order: { id: 'ASC' } });
    return edges.map((e) => ({ id: e.id, name: e.relative.name, type: e.type, label: KIN_TYPE_LABELS[e.type] ?? e.label, idMasked: e.relative.idMasked }));
  }

  /**
   * Records a recusal row. `declared`: the user about themself (`byUserId` = user). `ordered` /
   * `cleared`: a leader about another user. The caller has checked that the report is visible to the
   * deciding user (404 otherwise). Audited (`recusal.<kind>`).
   */
  async record(m: EntityManager, input: { userId: number; reportId: number; kind: RecusalKind; byUserId: number; reason: string | null }): Promise<Recusal> {
    const row = await m.getRepository(Recusal).save(m.getRepository(Recusal).create({ ...input, createdAt: new Date() }));
    await this.audit.record(m, {
      actorUserId: input.byUserId,
      actorKind: 'user',
      action: `recusal.${input.kind}`,
      recordType: 'report',
      recordId: input.reportId,
      reason: input.reason,
      details: { userId: input.userId },
    });
    return row;
  }

  /**
   * The check of a loaded report (same rule as the SQL scope): why `user` is recused from report
   * `reportId`, or null.
   */
  async conflictOf(user: Pick<User, 'id' | 'personId'>, reportId: number, manager?: EntityManager): Promise<RecusalGround | null> {
    const m = manager ?? this.ds.manager;
    const [subjects, identity, rows] = await Promise.all([
      m.getRepository(ReportSubject).find({ where: { reportId }, select: { name: true } }),
      m.getRepository(ReporterIdentity).findOne({ where: { reportId }, select: { reportId: true, idHmac: true } }),
      m.getRepository(Recusal).find({ where: { reportId, userId: user.id }, select: { kind: true } }),
    ]);
    const kin = await this.kinOf(user, m);
    return recusalConflict({ subjectNames: subjects.map((s) => s.name), reporterIdHmac: identity?.idHmac ?? null, recusalKinds: rows.map((r) => r.kind) }, kin);
  }

  /** The user's own ID HMAC and their 近亲属 under the configured set (edges in either direction). */
  private kinOf(user: Pick<User, 'personId'>, m: EntityManager): Promise<ViewerKin> {
    return loadViewerKin(m, user.personId ?? null, this.kinTypes());
  }

  /**
   * Audits a refused single access to a report the user could see but for recusal
   * (`recusal.blocked`; details: the route kind only — no names), in its own transaction.
   */
  async auditBlocked(user: Pick<User, 'id'>, reportId: number, access: string): Promise<void> {
    await this.ds.transaction((m) => this.audit.record(m, { actorUserId: user.id, actorKind: 'user', action: 'recusal.blocked', recordType: 'report', recordId: reportId, details: { access } }));
  }

  /** The report row (for the region check of leaders' decisions), or null. */
  async reportRegion(reportId: number): Promise<string | null> {
    if (!Number.isSafeInteger(reportId) || reportId <= 0) return null;
    return (await this.ds.getRepository(Report).findOne({ where: { id: reportId }, select: { id: true, regionCode: true } }))?.regionCode ?? null;
  }
}
