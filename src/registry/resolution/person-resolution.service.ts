import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { NotFoundError } from '../../common/domain-error.js';
import { RegionsService } from '../../regions/regions.service.js';
import { Report } from '../../reports/entities/report.entity.js';
import { ReportBeneficiary } from '../../reports/entities/report-beneficiary.entity.js';
import { ReportSubject } from '../../reports/entities/report-subject.entity.js';
import { REPORT_STATUSES } from '../../reports/report-enums.js';
import { Finding } from '../entities/finding.entity.js';
import { Household } from '../entities/household.entity.js';
import { HouseholdMember } from '../entities/household-member.entity.js';
import { KinRelation } from '../entities/kin-relation.entity.js';
import { Official } from '../entities/official.entity.js';
import { FindingsService, type Viewer } from '../findings.service.js';
import { scopeRange } from '../imports/import-helpers.js';
import { DEFAULT_REVIEW_THRESHOLD } from '../matcher.service.js';
import { KIN_TYPE_LABELS, type KinType } from '../kin-types.js';
import { OFFICIAL_ROLE_LABELS } from '../official-roles.js';
import { positionsMatch, resolutionNameKey, shortPlaceName } from './name-keys.js';

/**
 * Points of a subject candidate (0–100). The name must match exactly (after {@link resolutionNameKey})
 * and the post lie in the report's county for a candidate to exist at all; the rest ranks.
 */
export const SUBJECT_SCORE = {
  name: 25,
  sameVillage: 30,
  sameTownship: 15,
  position: 30,
  unit: 15,
} as const;

export interface SubjectCandidate {
  officialId: number;
  personId: number;
  name: string;
  position: string;
  unit: string;
  role: string;
  roleLabel: string;
  regionCode: string;
  score: number;
  /** Chinese, one short phrase each (姓名一致, 同村, 职务一致 …). */
  reasons: string[];
}

export interface RosterEntry {
  householdId: number;
  householdNo: string;
  regionCode: string;
  programme: string;
  /** Household monthly amount in fen. */
  monthlyAmountFen: number;
  /** The same in 元, two decimals (`520.00`). */
  monthlyAmountYuan: string;
  filedAsRelative: boolean;
  relationToHead: string;
}

export interface BeneficiaryCandidate {
  personId: number;
  name: string;
  /** Declared relations to the top candidate officials of the report (relative is `typeLabel` of `officialName`). */
  relations: { officialId: number; officialName: string; type: KinType; typeLabel: string; label: string }[];
  /** Active households of the county roster this person is a member of. */
  households: RosterEntry[];
  onRoll: boolean;
  score: number;
  reasons: string[];
}

export interface SubjectResolution {
  ordinal: number;
  name: string;
  position: string;
  unit: string;
  /** Best first; empty when nobody of the county matches. */
  candidates: SubjectCandidate[];
}

export interface BeneficiaryResolution {
  ordinal: number;
  name: string;
  relation: string;
  candidates: BeneficiaryCandidate[];
}

export interface ReportResolution {
  reportId: number;
  regionCode: string;
  /** The county prefix (6 digits) searched. */
  countyPrefix: string;
  subjects: SubjectResolution[];
  beneficiaries: BeneficiaryResolution[];
}

/** A declared relative on the person card. */
export interface CardRelative {
  name: string;
  typeLabel: string;
  label: string;
  onRoll: boolean;
  /** Active households within the viewer's scope. */
  households: RosterEntry[];
}

/** The person card of an official named in a tip-off: nothing here carries an ID number or reporter data. */
export interface PersonCard {
  officialId: number;
  name: string;
  position: string;
  unit: string;
  roleLabel: string;
  regionCode: string;
  regionPath: string;
  partyMember: boolean;
  score: number;
  reasons: string[];
  relatives: CardRelative[];
  /** Other reports the viewer can see naming this official as subject in the official's county. */
  otherReports: { id: number; receivedAt: Date; statusLabel: string; earlier: boolean }[];
  /** Open findings about this official at or above the review threshold, within the viewer's scope. */
  findings: { id: number; typeLabel: string; score: number; explanation: string; householdNo: string }[];
}

/** A scoped report search supplied by the caller (intake's `searchInScope`): the card never bypasses report scope. */
export type ScopedReportSearch = (text: string) => Promise<Pick<Report, 'id' | 'regionCode' | 'receivedAt' | 'status'>[]>;

const FINDING_TYPE_LABELS: Record<string, string> = {
  official_is_recipient: '公职人员本人享受低保',
  declared_kin_recipient: '已备案近亲属享受低保',
  undeclared_kin_suspected: '疑似未备案亲属享受低保',
  recusal_breach: '未回避近亲属低保审批',
};

const IN_CHUNK = 500;

function yuan(fen: number): string {
  return (fen / 100).toFixed(2);
}

/**
 * Tip-off resolution (DESIGN.md §6, last point): every subject and beneficiary named in a report is
 * matched against the officials, declared relatives and allowance roster of the report's county.
 *
 * This service does NOT check report scope: callers (the intake page) load the report through their
 * scoped repository first and only then ask for a resolution or a card.
 */
@Injectable()
export class PersonResolutionService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly regions: RegionsService,
    private readonly findings: FindingsService,
  ) {}

  /**
   * Resolves the subjects and beneficiaries of report `reportId`.
   *
   * Subjects → officials whose person's name equals the subject's name ({@link resolutionNameKey})
   * and whose post lies in the report's county (first 6 digits), scored by {@link SUBJECT_SCORE}:
   * same village (report region = post region), else same township (9 digits); position (variants
   * of {@link POSITION_VARIANTS}); unit text containing the place name of the post. Best first.
   *
   * Beneficiaries → persons of that name among (a) the declared relatives of every subject's top
   * candidates (ties included) and (b) members of active households of the county roster; each with
   * the relations and households found. Declared relative on the roll first.
   * @throws NotFoundError when the report does not exist.
   */
  async resolveReport(reportId: number): Promise<ReportResolution> {
    const report = await this.ds.getRepository(Report).findOneBy({ id: reportId });
    if (!report) throw new NotFoundError();
    const subjects = await this.ds.getRepository(ReportSubject).find({ where: { reportId }, order: { ordinal: 'ASC', id: 'ASC' } });
    const beneficiaries = await this.ds.getRepository(ReportBeneficiary).find({ where: { reportId }, order: { ordinal: 'ASC', id: 'ASC' } });
    const county = report.regionCode.slice(0, 6);

    const subjectResults: SubjectResolution[] = [];
    for (const s of subjects) {
      subjectResults.push({ ordinal: s.ordinal, name: s.name, position: s.position, unit: s.unit, candidates: await this.subjectCandidates(report.regionCode, county, s) });
    }
    const topOfficials = new Map<number, SubjectCandidate>();
    for (const s of subjectResults) {
      const best = s.candidates[0]?.score;
      for (const c of s.candidates) if (c.score === best) topOfficials.set(c.officialId, c);
    }
    const beneficiaryResults: BeneficiaryResolution[] = [];
    for (const b of beneficiaries) {
      beneficiaryResults.push({ ordinal: b.ordinal, name: b.name, relation: b.relation, candidates: await this.beneficiaryCandidates(county, b.name, [...topOfficials.values()]) });
    }
    return { reportId, regionCode: report.regionCode, countyPrefix: county, subjects: subjectResults, beneficiaries: beneficiaryResults };
  }

  /**
   * Person cards for the top candidate of each subject of a resolution (one card per official; only
   * officials whose post lies within the viewer's scope). Relatives' households and findings are
   * limited to the viewer's scope; other reports come from `search`, which the caller scopes.
   */
  async personCards(resolution: ReportResolution, viewer: Viewer, search: ScopedReportSearch): Promise<PersonCard[]> {
    const seen = new Set<number>();
    const cards: PersonCard[] = [];
    for (const s of resolution.subjects) {
      const top = s.candidates[0];
      // The viewer's own scope or a granted region (指定管辖) that holds the official's post.
      const prefix = top ? viewer.access.ctx.regionPrefixes.find((p) => top.regionCode.startsWith(p)) : undefined;
      if (!top || seen.has(top.officialId) || !prefix) continue;
      seen.add(top.officialId);
      const official = await this.ds.getRepository(Official).findOneByOrFail({ id: top.officialId });
      const regionPath = await this.regions.pathLabel(official.regionCode).catch(() => official.regionCode);
      cards.push({
        officialId: official.id,
        name: top.name,
        position: official.position,
        unit: official.unit,
        roleLabel: top.roleLabel,
        regionCode: official.regionCode,
        regionPath,
        partyMember: official.partyMember,
        score: top.score,
        reasons: top.reasons,
        relatives: await this.declaredRelatives(official.personId, prefix),
        otherReports: await this.otherReports(resolution, top.name, official.regionCode.slice(0, 6), search),
        findings: await this.openFindings(official.id, viewer),
      });
    }
    return cards;
  }

  // ---------------------------------------------------------------------------------------------

  private async subjectCandidates(reportRegion: string, county: string, s: ReportSubject): Promise<SubjectCandidate[]> {
    const key = resolutionNameKey(s.name);
    if (!key) return [];
    const [lo, hi] = scopeRange(county);
    const officials = await this.ds
      .getRepository(Official)
      .createQueryBuilder('o')
      .innerJoinAndSelect('o.person', 'p')
      .where('p.name = :name', { name: key })
      .andWhere('o.region_code >= :lo AND o.region_code <= :hi', { lo, hi })
      .getMany();
    const unitText = resolutionNameKey(s.unit);
    const out: SubjectCandidate[] = [];
    for (const o of officials) {
      if (resolutionNameKey(o.person.name) !== key) continue;
      let score = SUBJECT_SCORE.name;
      const reasons = ['姓名一致', '同一县（区）'];
      if (o.regionCode === reportRegion) {
        score += SUBJECT_SCORE.sameVillage;
        reasons.push(o.regionLevel === 5 ? '同村（社区）' : '同一区划');
      } else if (o.regionCode.slice(0, 9) === reportRegion.slice(0, 9)) {
        score += SUBJECT_SCORE.sameTownship;
        reasons.push('同一乡镇（街道）');
      }
      if (positionsMatch(s.position, o.position)) {
        score += SUBJECT_SCORE.position;
        reasons.push('职务一致');
      }
      if (unitText && (await this.unitMatches(unitText, o))) {
        score += SUBJECT_SCORE.unit;
        reasons.push('单位一致');
      }
      out.push({
        officialId: o.id,
        personId: o.personId,
        name: o.person.name,
        position: o.position,
        unit: o.unit,
        role: o.role,
        roleLabel: OFFICIAL_ROLE_LABELS[o.role] ?? o.role,
        regionCode: o.regionCode,
        score,
        reasons,
      });
    }
    return out.sort((a, b) => b.score - a.score || a.officialId - b.officialId);
  }

  /** The subject's unit contains the short name of the post's village or township, or the official's own unit text. */
  private async unitMatches(unitText: string, o: Official): Promise<boolean> {
    const own = resolutionNameKey(o.unit);
    if (own && (unitText.includes(own) || own.includes(unitText))) return true;
    const region = await this.regions.find(o.regionCode).catch(() => null);
    if (!region) return false;
    const place = resolutionNameKey(shortPlaceName(region.name));
    return place.length >= 2 && unitText.includes(place);
  }

  private async beneficiaryCandidates(county: string, name: string, top: SubjectCandidate[]): Promise<BeneficiaryCandidate[]> {
    const key = resolutionNameKey(name);
    if (!key) return [];
    const byPerson = new Map<number, BeneficiaryCandidate>();
    const entry = (personId: number, personName: string): BeneficiaryCandidate => {
      let c = byPerson.get(personId);
      if (!c) byPerson.set(personId, (c = { personId, name: personName, relations: [], households: [], onRoll: false, score: 0, reasons: [] }));
      return c;
    };
    if (top.length) {
      const edges = await this.ds
        .getRepository(KinRelation)
        .createQueryBuilder('k')
        .innerJoinAndSelect('k.relative', 'r')
        .where('k.person_id IN (:...pids)', { pids: [...new Set(top.map((t) => t.personId))] })
        .andWhere('k.source = :declared', { declared: 'declared' })
        .andWhere('r.name = :name', { name: key })
        .getMany();
      for (const k of edges) {
        for (const t of top.filter((x) => x.personId === k.personId)) {
          entry(k.relativePersonId, k.relative.name).relations.push({ officialId: t.officialId, officialName: t.name, type: k.type, typeLabel: KIN_TYPE_LABELS[k.type] ?? k.type, label: k.label });
        }
      }
    }
    const [lo, hi] = scopeRange(county);
    const members = await this.ds
      .getRepository(HouseholdMember)
      .createQueryBuilder('m')
      .innerJoinAndSelect('m.household', 'h')
      .innerJoinAndSelect('m.person', 'p')
      .where('p.name = :name', { name: key })
      .andWhere('h.status = :active AND h.region_code >= :lo AND h.region_code <= :hi', { active: 'active', lo, hi })
      .getMany();
    for (const m of members) entry(m.personId, m.person.name).households.push(rosterEntry(m.household, m.relationToHead));
    for (const c of byPerson.values()) {
      c.onRoll = c.households.length > 0;
      if (c.relations.length) {
        c.score += 60;
        c.reasons.push(...c.relations.map((r) => `${r.officialName}已备案的近亲属（${r.typeLabel}）`));
      }
      if (c.onRoll) {
        c.score += 40;
        c.reasons.push(`在保（${c.households.map((h) => h.householdNo).join('、')}）`);
      }
    }
    return [...byPerson.values()].sort((a, b) => b.score - a.score || a.personId - b.personId);
  }

  private async declaredRelatives(personId: number, scopePrefix: string): Promise<CardRelative[]> {
    const edges = await this.ds
      .getRepository(KinRelation)
      .createQueryBuilder('k')
      .innerJoinAndSelect('k.relative', 'r')
      .where('k.person_id = :pid AND k.source = :declared', { pid: personId, declared: 'declared' })
      .orderBy('k.id', 'ASC')
      .getMany();
    const rolls = await this.activeHouseholdsOf([...new Set(edges.map((e) => e.relativePersonId))], scopePrefix);
    return edges.map((k) => {
      const households = rolls.get(k.relativePersonId) ?? [];
      return { name: k.relative.name, typeLabel: KIN_TYPE_LABELS[k.type] ?? k.type, label: k.label, onRoll: households.length > 0, households };
    });
  }

  /** person id → active households within `scopePrefix` they belong to. */
  private async activeHouseholdsOf(personIds: number[], scopePrefix: string): Promise<Map<number, RosterEntry[]>> {
    const out = new Map<number, RosterEntry[]>();
    const [lo, hi] = scopeRange(scopePrefix);
    for (let i = 0; i < personIds.length; i += IN_CHUNK) {
      const members = await this.ds
        .getRepository(HouseholdMember)
        .createQueryBuilder('m')
        .innerJoinAndSelect('m.household', 'h')
        .where({ personId: In(personIds.slice(i, i + IN_CHUNK)) })
        .andWhere('h.status = :active AND h.region_code >= :lo AND h.region_code <= :hi', { active: 'active', lo, hi })
        .orderBy('h.household_no', 'ASC')
        .getMany();
      for (const m of members) {
        const list = out.get(m.personId) ?? [];
        list.push(rosterEntry(m.household, m.relationToHead));
        out.set(m.personId, list);
      }
    }
    return out;
  }

  private async otherReports(resolution: ReportResolution, name: string, county: string, search: ScopedReportSearch): Promise<PersonCard['otherReports']> {
    const current = await this.ds.getRepository(Report).findOneByOrFail({ id: resolution.reportId });
    const found = (await search(name)).filter((r) => r.id !== resolution.reportId && r.regionCode.startsWith(county));
    if (!found.length) return [];
    const key = resolutionNameKey(name);
    const subjects = await this.ds.getRepository(ReportSubject).find({ where: { reportId: In(found.map((r) => r.id)) }, select: { reportId: true, name: true } });
    const naming = new Set(subjects.filter((s) => resolutionNameKey(s.name) === key).map((s) => s.reportId));
    return found
      .filter((r) => naming.has(r.id))
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a.id - b.id)
      .map((r) => ({ id: r.id, receivedAt: r.receivedAt, statusLabel: REPORT_STATUSES[r.status] ?? r.status, earlier: r.receivedAt.getTime() <= current.receivedAt.getTime() }));
  }

  private async openFindings(officialId: number, viewer: Viewer): Promise<PersonCard['findings']> {
    const ids = await this.ds
      .getRepository(Finding)
      .find({ where: { officialId, status: 'open' }, select: { id: true, score: true }, order: { score: 'DESC', id: 'ASC' } });
    const out: PersonCard['findings'] = [];
    for (const { id, score } of ids) {
      if (score < DEFAULT_REVIEW_THRESHOLD) continue;
      const f = await this.findings.get(viewer, id).catch((e: unknown) => {
        if (e instanceof NotFoundError) return null; // outside the viewer's scope
        throw e;
      });
      if (f) out.push({ id: f.id, typeLabel: FINDING_TYPE_LABELS[f.type] ?? f.type, score: f.score, explanation: f.explanation, householdNo: f.household.householdNo });
    }
    return out;
  }
}

function rosterEntry(h: Household, relationToHead: string): RosterEntry {
  return {
    householdId: h.id,
    householdNo: h.householdNo,
    regionCode: h.regionCode,
    programme: h.programme,
    monthlyAmountFen: h.monthlyAmountFen,
    monthlyAmountYuan: yuan(h.monthlyAmountFen),
    filedAsRelative: h.filedAsRelative,
    relationToHead,
  };
}
