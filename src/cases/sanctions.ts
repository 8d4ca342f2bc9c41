/**
 * Sanctions and other outcomes (DESIGN.md §2/§4) with their effect periods in months
 * `[rule: 中国共产党纪律处分条例 2023 arts. 8–11; 政务处分法 arts. 7–8, 22]`.
 */
export interface SanctionType {
  label: string;
  /** Effect period in months; null = permanent (开除). For 留党察看 either 12 or 24 (chosen). */
  months: number | null;
  /** Choices of months when the rule allows more than one. */
  monthChoices?: readonly number[];
}

/** 党纪处分 (纪律处分条例 2023 arts. 8–11): party members only. 开除党籍: no rejoining for 5 years (60 months). */
export const PARTY_SANCTIONS: Readonly<Record<string, SanctionType>> = {
  warning: { label: '警告', months: 12 },
  serious_warning: { label: '严重警告', months: 18 },
  removal_from_party_post: { label: '撤销党内职务', months: 24 },
  probation: { label: '留党察看', months: 12, monthChoices: [12, 24] },
  expulsion: { label: '开除党籍', months: 60 },
};

/** 政务处分 (政务处分法 arts. 7–8): 开除 is permanent. */
export const GOVERNMENT_SANCTIONS: Readonly<Record<string, SanctionType>> = {
  warning: { label: '警告', months: 6 },
  demerit: { label: '记过', months: 12 },
  major_demerit: { label: '记大过', months: 18 },
  demotion: { label: '降级', months: 24 },
  dismissal_from_post: { label: '撤职', months: 24 },
  expulsion: { label: '开除', months: null },
};

/** The only government sanctions for managers of village/residents' committees (DESIGN.md §4; 政务处分法 art. 22 as applied to 基层群众性自治组织). */
export const LIMITED_ROLE_SANCTIONS: readonly string[] = ['warning', 'demerit', 'major_demerit'];

/** 核实结论 per subject. Unsubstantiated and false outcomes can lead to 澄清正名. */
export const VERIFICATION_RESULTS = { substantiated: '属实', partly_substantiated: '部分属实', unsubstantiated: '不实', false_accusation: '诬告陷害' } as const;

/** 第一种形态 measures — recorded, not sanctions. */
export const FIRST_FORM_MEASURES = { talk_reminder: '谈话提醒', criticism: '批评教育', self_examination: '责令检查', admonishment: '诫勉' } as const;

/** 组织处理 — recorded, not sanctions. */
export const ORGANISATIONAL_HANDLING = { suspension_for_inspection: '停职检查', reassignment: '调整职务', ordered_resignation: '责令辞职', demotion_in_post: '降职', removal: '免职' } as const;

/** 问责 — recorded, not sanctions. */
export const ACCOUNTABILITY = { notified_criticism: '通报批评', written_self_criticism: '书面检查', other: '其他问责方式' } as const;

/** Outcome kinds of DESIGN.md §2, with `verification` for the 核实结论. */
export const OUTCOME_KINDS = ['verification', 'party_sanction', 'government_sanction', 'first_form_measure', 'organisational_handling', 'accountability', 'prosecution_referral'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** The allowed `type` values of each kind (prosecution_referral: `referral`). */
export const OUTCOME_TYPES: Readonly<Record<OutcomeKind, readonly string[]>> = {
  verification: Object.keys(VERIFICATION_RESULTS),
  party_sanction: Object.keys(PARTY_SANCTIONS),
  government_sanction: Object.keys(GOVERNMENT_SANCTIONS),
  first_form_measure: Object.keys(FIRST_FORM_MEASURES),
  organisational_handling: Object.keys(ORGANISATIONAL_HANDLING),
  accountability: Object.keys(ACCOUNTABILITY),
  prosecution_referral: ['referral'],
};

/** The outcome kinds that are sanctions (处分); the others are recorded but not counted as sanctions (DESIGN.md §2). */
export const SANCTION_KINDS: readonly OutcomeKind[] = ['party_sanction', 'government_sanction'];
