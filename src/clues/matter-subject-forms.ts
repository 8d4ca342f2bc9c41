import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { ValidationFailedError, type FieldErrors } from '../common/domain-error.js';
import { Official } from '../registry/entities/official.entity.js';
import { OFFICIAL_ROLE_LABELS, OFFICIAL_ROLES, type OfficialRole } from '../registry/official-roles.js';
import type { MatterViewsService } from './matter-views.service.js';

/**
 * The region prefixes an official linked to a subject of a clue may lie in: the clue's county (the
 * first 6 digits of its 12-digit region code) as far as the user can read it — their own scope prefix
 * or an active grant (指定管辖, `UserAccess.ctx.regionPrefixes`). A township user gets their township;
 * a county user, or one granted the clue's county, the whole county; another county, never.
 * There is no access policy for registry officials: this is the rule (docs/access-control.md).
 */
export function officialScope(clueRegionCode: string, regionPrefixes: readonly string[]): string[] {
  const county = clueRegionCode.slice(0, 6);
  const out = new Set<string>();
  for (const p of regionPrefixes) {
    if (p.startsWith(county)) out.add(p);
    else if (county.startsWith(p)) out.add(county);
  }
  return [...out];
}

/** Whether a 12-digit official region code lies in one of the {@link officialScope} prefixes. */
export const inOfficialScope = (regionCode: string, prefixes: readonly string[]): boolean => prefixes.some((p) => regionCode.startsWith(p));

/** How many same-named officials are offered per free-text subject. */
export const CANDIDATE_LIMIT = 10;

interface OfficialView {
  id: number;
  name: string;
  position: string;
  unit: string;
  roleLabel: string;
}

const officialView = (o: Official): OfficialView => ({ id: o.id, name: o.person?.name ?? '', position: o.position, unit: o.unit, roleLabel: OFFICIAL_ROLE_LABELS[o.role] ?? o.role });

type Subject = Awaited<ReturnType<MatterViewsService['detail']>>['subjects'][number];

/** One subject's block of the matter page: what is known, and the form when the user may change it. */
export interface SubjectFormView {
  id: number;
  name: string;
  /** The linked official as the registry has it (`#id name · 职务 · 单位`), or null. */
  official: OfficialView | null;
  /** Free-text subject: officials in {@link officialScope} whose person has exactly this name (at most {@link CANDIDATE_LIMIT}), to link with one button. */
  candidates: OfficialView[];
  /** 身份类别 the sanction rule uses, in Chinese; null = unknown. */
  roleLabel: string | null;
  limited: boolean;
  partyMember: boolean;
  canEdit: boolean;
  error: { message: string; fields: FieldErrors } | null;
  officialIdValue: string;
  partyOptions: { value: string; label: string; selected: boolean }[];
  roleOptions: { value: string; label: string; selected: boolean }[];
}

/**
 * The matter page's 被反映人身份 section (/staff/matters/:id, form `subj-<subjectId>` posting to
 * `/staff/matters/:id/subjects/:sid`): link a subject to an `Official` by its registry id or by picking
 * one of the same-named officials in {@link officialScope} (the official's name, post and role shown once
 * linked), party member yes/no, and the stated position role
 * of a free-text subject (MattersService.updateSubject; the official's role wins once linked).
 */
@Injectable()
export class MatterSubjectForms {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The page form as `updateSubject` input: `officialId` '' = unchanged, digits = that official (else
   * 422 `officialId`); `partyMember` `yes`/`no`; `positionRole` '' = unknown (null) — sent only when no
   * official is being linked, because the official's role then wins.
   */
  static input(body: Record<string, unknown> | undefined): { officialId?: number; partyMember?: boolean; positionRole?: string | null } {
    const b = body ?? {};
    const out: { officialId?: number; partyMember?: boolean; positionRole?: string | null } = {};
    const oid = typeof b.officialId === 'string' ? b.officialId.trim().replace(/^#/, '') : '';
    if (oid) {
      if (!/^\d{1,9}$/.test(oid) || Number(oid) < 1) throw new ValidationFailedError({ officialId: '公职人员档案编号应为正整数' });
      out.officialId = Number(oid);
    }
    if (b.partyMember === 'yes' || b.partyMember === 'no') out.partyMember = b.partyMember === 'yes';
    if (out.officialId === undefined && typeof b.positionRole === 'string') out.positionRole = b.positionRole || null;
    return out;
  }

  /**
   * The section's model; `limitedRoles` are the configured SANCTION_LIMITED_ROLES, `officialPrefixes`
   * the clue's {@link officialScope} for the user (the same scope `updateSubject` accepts officials
   * from). Candidates are looked up only when the user may edit.
   */
  async model(subjects: Subject[], o: { canEdit: boolean; limitedRoles: readonly string[]; officialPrefixes: readonly string[]; form: string; error?: { message: string; fields: FieldErrors } | null; values?: Record<string, unknown> }): Promise<SubjectFormView[]> {
    const ids = subjects.map((s) => s.officialId).filter((x): x is number => x !== null);
    const officials = ids.length ? await this.ds.getRepository(Official).find({ where: { id: In(ids) }, relations: { person: true } }) : [];
    const byId = new Map(officials.map((x) => [x.id, x]));
    const candidates = new Map<number, OfficialView[]>();
    if (o.canEdit) for (const s of subjects.filter((x) => x.officialId === null)) candidates.set(s.id, (await this.sameNamed(s.name, o.officialPrefixes)).map(officialView));
    return subjects.map((s) => {
      const key = `subj-${s.id}`;
      const mine = o.form === key;
      const typed = (k: string) => (mine && typeof o.values?.[k] === 'string' ? (o.values[k] as string) : null);
      const off = s.officialId !== null ? byId.get(s.officialId) : undefined;
      const role = (s.officialRole ?? s.positionRole ?? null) as OfficialRole | null;
      const party = typed('partyMember') ?? (s.partyMember ? 'yes' : 'no');
      const chosenRole = typed('positionRole') ?? s.positionRole ?? '';
      return {
        id: s.id,
        name: s.name,
        official: off ? officialView(off) : null,
        candidates: candidates.get(s.id) ?? [],
        roleLabel: role ? (OFFICIAL_ROLE_LABELS[role] ?? role) : null,
        limited: !role || o.limitedRoles.includes(role),
        partyMember: s.partyMember,
        canEdit: o.canEdit,
        error: mine && o.error ? o.error : null,
        officialIdValue: typed('officialId') ?? '',
        partyOptions: [
          { value: 'yes', label: '是', selected: party === 'yes' },
          { value: 'no', label: '否', selected: party === 'no' },
        ],
        roleOptions: [{ value: '', label: '不明', selected: chosenRole === '' }, ...OFFICIAL_ROLES.map((r) => ({ value: r, label: OFFICIAL_ROLE_LABELS[r], selected: r === chosenRole }))],
      };
    });
  }

  /** Officials under one of `prefixes` whose person's name is exactly `name` (exact match: same on both databases, uses idx_persons_name). */
  private async sameNamed(name: string, prefixes: readonly string[]): Promise<Official[]> {
    if (!prefixes.length) return [];
    const params = Object.fromEntries(prefixes.map((p, i) => [`r${i}`, `${p}%`]));
    return this.ds
      .getRepository(Official)
      .createQueryBuilder('o')
      .innerJoinAndSelect('o.person', 'p')
      .where('p.name = :name', { name })
      .andWhere(`(${prefixes.map((_, i) => `o.region_code LIKE :r${i}`).join(' OR ')})`, params)
      .orderBy('o.id', 'ASC')
      .take(CANDIDATE_LIMIT)
      .getMany();
  }
}
