/** Where a clue (问题线索) comes from (DESIGN.md §2). */
export const CLUE_SOURCES = { report: '举报', finding: '比对疑点', inspection: '巡察/监督检查', other: '其他' } as const;
export type ClueSource = keyof typeof CLUE_SOURCES;

/**
 * States of a matter (clue, then case) — DESIGN.md §4. The transitions between them are the table in
 * `matter-transitions.ts` (the one truth).
 */
export const MATTER_STATUSES = {
  registered: '已登记',
  disposal_proposed: '已提出处置意见',
  talk_inquiry: '谈话函询',
  preliminary_verification: '初步核实',
  held: '暂存待查',
  concluded: '予以了结',
  transferred: '已移交',
  case_filed: '已立案',
  investigation: '审查调查',
  trial: '审理',
  returned: '退回补充调查',
  decided: '已作出处分决定',
  closed: '已结案',
  withdrawn: '已撤案',
} as const;
export type MatterStatus = keyof typeof MATTER_STATUSES;

/** 处置方式 (DESIGN.md §2). */
export const DISPOSAL_METHODS = { talk_inquiry: '谈话函询', preliminary_verification: '初步核实', held: '暂存待查', concluded: '予以了结' } as const;
export type DisposalMethod = keyof typeof DISPOSAL_METHODS;

/** Conclusion codes a `concluded` matter always carries (DESIGN.md §4). */
export const CONCLUSIONS = {
  cleared: '予以澄清',
  no_substance: '反映问题不实或无实质内容',
  first_form_measure: '采取第一种形态处理',
  already_handled: '已作处理',
  out_of_scope: '不属于本机关管辖',
} as const;
export type Conclusion = keyof typeof CONCLUSIONS;

/** How a report joined a clue. */
export type ClueReportLink = 'origin' | 'linked' | 'merged';
