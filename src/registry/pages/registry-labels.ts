import type { FindingStatus, FindingType } from '../entities/finding.entity.js';
import type { ImportJobStatus, ImportKind } from '../entities/import-job.entity.js';

/** Chinese names shown on the registry pages. */
export const FINDING_TYPE_LABELS: Readonly<Record<FindingType, string>> = {
  official_is_recipient: '公职人员本人享受低保',
  declared_kin_recipient: '已备案近亲属享受低保',
  undeclared_kin_suspected: '疑似未申报的亲属关系',
  recusal_breach: '应回避未回避',
};

export const FINDING_STATUS_LABELS: Readonly<Record<FindingStatus, string>> = {
  open: '待核查',
  dismissed: '已排除',
  turned_into_clue: '已转为问题线索',
  resolved_by_data: '数据更新后已消除',
};

export const IMPORT_KIND_LABELS: Readonly<Record<ImportKind, string>> = {
  roster: '低保名册',
  officials: '公职人员名单',
  kin: '近亲属备案',
  approvals: '审核审批记录',
};

export const JOB_STATUS_LABELS: Readonly<Record<ImportJobStatus, string>> = {
  queued: '排队中',
  running: '导入中',
  succeeded: '已完成',
  failed: '失败',
};
