/** Problem categories of DESIGN.md §3 with their plain Chinese labels. */
export const PROBLEM_CATEGORIES = {
  favouritism_kin: '优亲厚友、人情保、关系保',
  applicant_fraud: '骗取低保',
  false_certificate: '出具虚假证明',
  wrongful_inclusion: '错保、福利保',
  wrongful_exclusion: '漏保（符合条件却未纳入）',
  not_exited: '应退未退',
  household_split_merge: '拆户保、合户保',
  equal_sharing: '平均分配、轮流吃低保',
  embezzlement: '贪污、截留、挪用、冒领低保金',
  extortion: '吃拿卡要',
  procedure: '程序违规（民主评议走过场、公示不到位）',
  negligence: '审核把关不严',
  privacy_leak: '泄露低保对象个人信息',
  retaliation: '打击报复举报人',
  other: '其他问题',
} as const;
export type ProblemCategory = keyof typeof PROBLEM_CATEGORIES;

/** 检举 (denunciation, by a third party) / 控告 (accusation, by the harmed person). */
export const REPORT_KINDS = { denunciation: '检举', accusation: '控告' } as const;
export type ReportKind = keyof typeof REPORT_KINDS;

export const REPORT_CHANNELS = { web: '网络举报', letter: '来信', visit: '来访', phone: '电话', transfer: '12388平台转来' } as const;
export type ReportChannel = keyof typeof REPORT_CHANNELS;

/** Report lifecycle at intake (DESIGN.md §4). `acknowledged` is recorded separately (acknowledgedAt). */
export const REPORT_STATUSES = {
  received: '已收到，待受理',
  accepted: '已受理',
  declined: '不予受理',
  forwarded: '已转送',
  referred_out: '已移交有关部门',
  repeat: '重复件',
} as const;
export type ReportStatus = keyof typeof REPORT_STATUSES;
