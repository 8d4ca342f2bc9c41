/** Official roles of DESIGN.md §2 and how the officials list may write them. */

export const OFFICIAL_ROLES = [
  'village_committee',
  'residents_committee',
  'village_party_branch',
  'dibao_caseworker',
  'township_official',
  'civil_affairs_assistant',
  'other',
] as const;
export type OfficialRole = (typeof OFFICIAL_ROLES)[number];

export const OFFICIAL_ROLE_LABELS: Readonly<Record<OfficialRole, string>> = {
  village_committee: '村民委员会成员',
  residents_committee: '居民委员会成员',
  village_party_branch: '村党组织成员',
  dibao_caseworker: '低保经办人员',
  township_official: '乡镇干部',
  civil_affairs_assistant: '民政协理员',
  other: '其他公职人员',
};

const ALIASES: ReadonlyArray<[OfficialRole, string[]]> = [
  ['village_committee', ['村委会', '村民委员会', '村委会成员', '村民委员会成员', '村干部']],
  ['residents_committee', ['居委会', '居民委员会', '居委会成员', '社区居委会']],
  ['village_party_branch', ['村党支部', '村党组织', '村党支部成员', '村党总支', '村支两委']],
  ['dibao_caseworker', ['低保经办人员', '低保经办人', '经办人员', '社会救助经办人员']],
  ['township_official', ['乡镇干部', '乡镇工作人员', '街道干部']],
  ['civil_affairs_assistant', ['民政协理员', '民政助理员', '社会救助协理员']],
  ['other', ['其他', '其他公职人员']],
];
const MAP = new Map<string, OfficialRole>();
for (const [role, names] of ALIASES) for (const n of names) MAP.set(n, role);
for (const r of OFFICIAL_ROLES) MAP.set(r, r);

/** The role of a 人员类别 cell (a code such as `village_party_branch` or a Chinese name), or null. */
export function officialRoleOf(cell: string): OfficialRole | null {
  const s = cell.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  return MAP.get(s) ?? null;
}
