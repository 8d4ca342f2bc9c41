import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { InvalidStateError, ValidationFailedError } from '../common/domain-error.js';
import { CalendarService, formatFallbackYears } from '../regions/calendar.service.js';
import { isRegionCode12, regionLevelOf } from '../regions/region-code.js';
import { HouseholdMember } from '../registry/entities/household-member.entity.js';
import { Household } from '../registry/entities/household.entity.js';
import { Official } from '../registry/entities/official.entity.js';
import { Person } from '../registry/entities/person.entity.js';
import { ReportBeneficiary } from '../reports/entities/report-beneficiary.entity.js';
import { ReportSubject } from '../reports/entities/report-subject.entity.js';
import { Report } from '../reports/entities/report.entity.js';
import { PROBLEM_CATEGORIES, type ProblemCategory } from '../reports/report-enums.js';
import { CLUE_SOURCES, MATTER_STATUSES, type ClueSource, type MatterStatus } from './clue-enums.js';
import { CluesRepository, type MatterViewer } from './clues.repository.js';
import { FINAL_STATUSES } from './matter-transitions.js';
import { ClueBeneficiary } from './entities/clue-beneficiary.entity.js';
import { ClueEvent } from './entities/clue-event.entity.js';
import { ClueReport } from './entities/clue-report.entity.js';
import { ClueSubject } from './entities/clue-subject.entity.js';
import { Clue } from './entities/clue.entity.js';
import { dueDateOf } from './matter-clocks.js';

/** A subject of a new clue: free text (`name`), or an identified `officialId` (name, post, role and party membership are taken from the registry). */
export interface NewClueSubject {
  name?: string;
  position?: string;
  unit?: string;
  officialId?: number | null;
  personId?: number | null;
  /** Overrides the registry's value; default false for free text. */
  partyMember?: boolean;
}

/** A beneficiary of a new clue: free text, or a roster `householdId` (+ optional member `personId`; name then from the registry). */
export interface NewClueBeneficiary {
  name?: string;
  relation?: string;
  householdId?: number | null;
  personId?: number | null;
}

/** How far back likely repeats are looked for (days). */
export const REPEAT_WINDOW_DAYS = 365;

/** A likely repeat offered at intake; the officer decides. */
export interface RepeatSuggestion {
  clueId: number;
  status: MatterStatus;
  statusLabel: string;
  registeredAt: Date;
  /** Chinese reasons: 同一被反映人（同县同名） / 受益人相同 / 受益人姓名相近. */
  reasons: string[];
  score: number;
}

/** Same length, same surname, one other character different (张小明 ~ 张小民). */
function similarName(a: string, b: string): boolean {
  const x = [...a];
  const y = [...b];
  if (x.length !== y.length || x.length < 2) return false;
  return x.filter((c, i) => c !== y[i]).length === 1 && x[0] === y[0];
}

/** What {@link CluesService.createClue} needs. */
export interface NewClue {
  source: ClueSource;
  /** 12-digit division code of the matter. */
  regionCode: string;
  category?: ProblemCategory | null;
  officeId?: number | null;
  /** Internal summary (for a finding: its explanation). */
  summary?: string | null;
  /** For source `finding`. */
  findingId?: number | null;
  subjects?: NewClueSubject[];
  beneficiaries?: NewClueBeneficiary[];
  /** Accepted reports that make up the clue (first = origin). */
  reportIds?: number[];
  /** Staff user creating it, or null for the system (data migration, imports). */
  actorUserId: number | null;
  /** Why (manual entries); recorded in the timeline and the audit trail. */
  reason?: string | null;
}

/**
 * Clues (问题线索, DESIGN.md §2/§4): creation from an accepted report, a finding or another source.
 * All writes run inside the CALLER's transaction (`manager`), so the clue commits with the change
 * that causes it (report accepted, finding turned into a clue) and its audit event.
 */
@Injectable()
export class CluesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly calendar: CalendarService,
    private readonly repo: CluesRepository,
  ) {}

  /**
   * Likely repeats of report `reportId` (the caller checked it is visible to the viewer): recent
   * clues in the viewer's scope (recusal respected) in the same county with the same subject name,
   * the same beneficiary name, or a beneficiary name one character apart (same surname), within
   * {@link REPEAT_WINDOW_DAYS} days. Offered only; the officer decides. Best first.
   */
  async repeatSuggestions(viewer: MatterViewer, reportId: number, now = new Date()): Promise<RepeatSuggestion[]> {
    const report = await this.ds.getRepository(Report).findOneBy({ id: reportId });
    if (!report) return [];
    const [rs, rb] = await Promise.all([this.ds.getRepository(ReportSubject).findBy({ reportId }), this.ds.getRepository(ReportBeneficiary).findBy({ reportId })]);
    const subjectNames = [...new Set(rs.map((s) => s.name))];
    const benNames = [...new Set(rb.map((b) => b.name))];
    const candidates = await this.repo.repeatCandidates(viewer, {
      countyPrefix: report.regionCode.slice(0, 6),
      subjectNames,
      beneficiarySurnames: [...new Set(benNames.map((n) => [...n][0]))],
      since: new Date(now.getTime() - REPEAT_WINDOW_DAYS * 86_400_000),
    });
    const own = await this.ds.getRepository(ClueReport).findOneBy({ reportId });
    const out: RepeatSuggestion[] = [];
    for (const c of candidates) {
      if (own?.clueId === c.id) continue;
      const [cs, cb] = await Promise.all([this.ds.getRepository(ClueSubject).findBy({ clueId: c.id }), this.ds.getRepository(ClueBeneficiary).findBy({ clueId: c.id })]);
      const reasons: string[] = [];
      let score = 0;
      if (cs.some((s) => subjectNames.includes(s.name))) {
        reasons.push('同一被反映人（同县同名）');
        score += 2;
      }
      if (cb.some((b) => benNames.includes(b.name))) {
        reasons.push('受益人相同');
        score += 2;
      } else if (cb.some((b) => benNames.some((n) => similarName(n, b.name)))) {
        reasons.push('受益人姓名相近');
        score += 1;
      }
      if (score) out.push({ clueId: c.id, status: c.status, statusLabel: MATTER_STATUSES[c.status], registeredAt: c.registeredAt, reasons, score });
    }
    return out.sort((a, b) => b.score - a.score || b.registeredAt.getTime() - a.registeredAt.getTime());
  }

  /**
   * Creates a clue in state `registered` with its subjects, beneficiaries and reports, starts the
   * 1-month disposal clock (提出处置意见, DESIGN.md §4), writes the timeline event `registered` and the
   * audit event `clue.registered` — all in the caller's transaction.
   *
   * Input shape: {@link NewClue}. A subject given by `officialId` takes name, position, unit, role and
   * party membership from the registry; a beneficiary given by `householdId` takes the member's name
   * (`personId`) or the head's.
   * @returns the saved clue (with `subjects` and `beneficiaries`).
   * @throws Error when `manager` has no active transaction;
   *   ValidationFailedError for an unknown source/category, a malformed region code, an unknown
   *   official/household/person id, or a subject without name or official.
   */
  async createClue(manager: EntityManager, input: NewClue): Promise<Clue> {
    if (!manager.queryRunner?.isTransactionActive) throw new Error('CluesService.createClue must run inside the caller’s transaction');
    const fields: Record<string, string> = {};
    if (!Object.hasOwn(CLUE_SOURCES, input.source)) fields.source = '线索来源须为 report、finding、inspection 或 other';
    if (!isRegionCode12(input.regionCode)) fields.regionCode = '请填写 12 位统计用区划代码';
    if (input.category && !Object.hasOwn(PROBLEM_CATEGORIES, input.category)) fields.category = '问题类别不正确';
    if (Object.keys(fields).length) throw new ValidationFailedError(fields);

    const subjects = await this.resolveSubjects(manager, input.subjects ?? []);
    const beneficiaries = await this.resolveBeneficiaries(manager, input.beneficiaries ?? []);
    const now = new Date();
    const due = dueDateOf(this.calendar, 'propose_disposal', now);
    const repo = manager.getRepository(Clue);
    const clue = await repo.save(
      repo.create({
        source: input.source,
        findingId: input.findingId ?? null,
        status: 'registered',
        category: input.category ?? null,
        regionCode: input.regionCode,
        regionLevel: regionLevelOf(input.regionCode),
        officeId: input.officeId ?? null,
        summary: input.summary ?? null,
        disposalMethod: null,
        conclusion: null,
        transferredTo: null,
        assignedUserId: null,
        mergedIntoId: null,
        createdByUserId: input.actorUserId,
        registeredAt: now,
        stateEnteredAt: now,
        dueClock: 'propose_disposal',
        dueDate: due.due,
        dueFallbackYears: formatFallbackYears(due.fallbackYears),
        createdAt: now,
        updatedAt: now,
      }),
    );
    clue.subjects = await manager.getRepository(ClueSubject).save(subjects.map((s, i) => manager.getRepository(ClueSubject).create({ ...s, clueId: clue.id, ordinal: i })));
    clue.beneficiaries = await manager
      .getRepository(ClueBeneficiary)
      .save(beneficiaries.map((b, i) => manager.getRepository(ClueBeneficiary).create({ ...b, clueId: clue.id, ordinal: i })));
    const reportIds = [...new Set(input.reportIds ?? [])];
    for (const [i, reportId] of reportIds.entries()) {
      await manager.getRepository(ClueReport).insert({ clueId: clue.id, reportId, linkKind: i === 0 ? 'origin' : 'linked', linkedByUserId: input.actorUserId, linkedAt: now });
    }
    const details = { source: input.source, regionCode: input.regionCode, reportIds, findingId: input.findingId ?? null, subjects: subjects.length, beneficiaries: beneficiaries.length };
    await manager.getRepository(ClueEvent).insert({
      clueId: clue.id,
      action: 'registered',
      fromStatus: null,
      toStatus: 'registered',
      actorUserId: input.actorUserId,
      reason: input.reason ?? null,
      details: JSON.stringify(details),
      createdAt: now,
    });
    await this.audit.record(manager, {
      actorUserId: input.actorUserId,
      actorKind: input.actorUserId === null ? 'system' : 'user',
      action: 'clue.registered',
      recordType: 'clue',
      recordId: clue.id,
      reason: input.reason ?? null,
      details,
    });
    return clue;
  }

  /**
   * The clue of an accepted report (受理后形成问题线索): subjects and beneficiaries copied from the
   * report as free text, region/category/office from the report. Caller's transaction.
   */
  async createFromReport(manager: EntityManager, report: Report, actorUserId: number | null): Promise<Clue> {
    const [subjects, beneficiaries] = await Promise.all([
      manager.getRepository(ReportSubject).find({ where: { reportId: report.id }, order: { ordinal: 'ASC', id: 'ASC' } }),
      manager.getRepository(ReportBeneficiary).find({ where: { reportId: report.id }, order: { ordinal: 'ASC', id: 'ASC' } }),
    ]);
    return this.createClue(manager, {
      source: 'report',
      regionCode: report.regionCode,
      category: report.category,
      officeId: report.officeId,
      subjects: subjects.map((s) => ({ name: s.name, position: s.position, unit: s.unit })),
      beneficiaries: beneficiaries.map((b) => ({ name: b.name, relation: b.relation })),
      reportIds: [report.id],
      actorUserId,
    });
  }

  /**
   * Links an accepted report to an existing clue (caller's transaction; the caller checked both are in
   * the user's scope). A report joining a `held` clue is the new lead that allows reopening it.
   * @throws InvalidStateError `clue_finished` when the clue is finished.
   */
  async linkReport(m: EntityManager, clue: Clue, reportId: number, userId: number, kind: 'linked' | 'merged' = 'linked'): Promise<void> {
    if (FINAL_STATUSES.includes(clue.status)) throw new InvalidStateError(`线索已${MATTER_STATUSES[clue.status]}，不能再并入举报；请另立线索。`, 'clue_finished');
    const now = new Date();
    await m.getRepository(ClueReport).insert({ clueId: clue.id, reportId, linkKind: kind, linkedByUserId: userId, linkedAt: now });
    await m.getRepository(ClueEvent).insert({ clueId: clue.id, action: 'report_linked', fromStatus: null, toStatus: null, actorUserId: userId, reason: null, details: JSON.stringify({ reportId, kind }), createdAt: now });
    await this.audit.record(m, { actorUserId: userId, actorKind: 'user', action: 'clue.report_linked', recordType: 'clue', recordId: clue.id, details: { reportId, kind } });
    // Subjects and beneficiaries named by the new report join the clue (by name; none duplicated).
    const [subjects, bens] = await Promise.all([m.getRepository(ClueSubject).findBy({ clueId: clue.id }), m.getRepository(ClueBeneficiary).findBy({ clueId: clue.id })]);
    const rs = await m.getRepository(ReportSubject).find({ where: { reportId }, order: { ordinal: 'ASC', id: 'ASC' } });
    const rb = await m.getRepository(ReportBeneficiary).find({ where: { reportId }, order: { ordinal: 'ASC', id: 'ASC' } });
    let ord = subjects.length;
    for (const s of rs) if (!subjects.some((x) => x.name === s.name)) await m.getRepository(ClueSubject).insert({ clueId: clue.id, ordinal: ord++, name: s.name, position: s.position, unit: s.unit, officialId: null, personId: null, officialRole: null, positionRole: null, partyMember: false });
    ord = bens.length;
    for (const b of rb) if (!bens.some((x) => x.name === b.name)) await m.getRepository(ClueBeneficiary).insert({ clueId: clue.id, ordinal: ord++, name: b.name, relation: b.relation, householdId: null, personId: null });
  }

  private async resolveSubjects(m: EntityManager, input: NewClueSubject[]): Promise<Omit<ClueSubject, 'id' | 'clueId' | 'clue' | 'ordinal'>[]> {
    const officialIds = input.map((s) => s.officialId).filter((x): x is number => typeof x === 'number');
    const officials = officialIds.length ? await m.getRepository(Official).find({ where: { id: In(officialIds) }, relations: { person: true } }) : [];
    const byId = new Map(officials.map((o) => [o.id, o]));
    return input.map((s, i) => {
      if (typeof s.officialId === 'number') {
        const o = byId.get(s.officialId);
        if (!o) throw new ValidationFailedError({ [`subjects.${i}.officialId`]: '未找到该公职人员' });
        return {
          name: clip(s.name?.trim() || o.person.name),
          position: clip(s.position ?? o.position),
          unit: clip(s.unit ?? o.unit),
          officialId: o.id,
          personId: o.personId,
          officialRole: o.role,
          positionRole: o.role,
          partyMember: s.partyMember ?? o.partyMember,
        };
      }
      const name = s.name?.trim();
      if (!name) throw new ValidationFailedError({ [`subjects.${i}.name`]: '请填写被反映人姓名或选择公职人员' });
      return { name: clip(name), position: clip(s.position ?? ''), unit: clip(s.unit ?? ''), officialId: null, personId: s.personId ?? null, officialRole: null, positionRole: null, partyMember: s.partyMember ?? false };
    });
  }

  private async resolveBeneficiaries(m: EntityManager, input: NewClueBeneficiary[]): Promise<Omit<ClueBeneficiary, 'id' | 'clueId' | 'clue' | 'ordinal'>[]> {
    const out: Omit<ClueBeneficiary, 'id' | 'clueId' | 'clue' | 'ordinal'>[] = [];
    for (const [i, b] of input.entries()) {
      let name = b.name?.trim() ?? '';
      let personId = b.personId ?? null;
      if (typeof b.householdId === 'number') {
        const household = await m.getRepository(Household).findOneBy({ id: b.householdId });
        if (!household) throw new ValidationFailedError({ [`beneficiaries.${i}.householdId`]: '未找到该低保户' });
        if (!name) {
          const member = personId
            ? await m.getRepository(HouseholdMember).findOneBy({ householdId: household.id, personId })
            : await m.getRepository(HouseholdMember).findOne({ where: { householdId: household.id }, order: { isHead: 'DESC', id: 'ASC' } });
          personId = member?.personId ?? personId;
        }
      }
      if (!name && personId !== null) name = (await m.getRepository(Person).findOneBy({ id: personId }))?.name ?? '';
      if (!name) throw new ValidationFailedError({ [`beneficiaries.${i}.name`]: '请填写受益人姓名或选择低保户' });
      out.push({ name: clip(name), relation: clip(b.relation ?? ''), householdId: b.householdId ?? null, personId });
    }
    return out;
  }
}

/** Column limit of names/posts (100 characters). */
function clip(s: string): string {
  return [...s].slice(0, 100).join('');
}
