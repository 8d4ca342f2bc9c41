import type { Role } from '../users/entities/user.entity.js';
import { CONCLUSIONS, DISPOSAL_METHODS, MATTER_STATUSES, type MatterStatus } from './clue-enums.js';
import type { MatterClock } from './matter-clocks.js';

/** A field a transition requires (or accepts): the value is checked by {@link FieldSpec.kind}. */
export interface FieldSpec {
  name: string;
  /** Chinese label used in messages (“请填写…”). */
  label: string;
  kind: 'text' | 'method' | 'conclusion' | 'date' | 'user' | 'choice';
  required: boolean;
  /** For `choice`: the allowed values. */
  choices?: readonly string[];
}

/**
 * One row of the state table (DESIGN.md §4). Who: `roles` (any one of them), in scope and not
 * recused (always), the assigned handler when `assigned`. Approval: `approval: 'leader'` = the
 * transition is first proposed by `roles` and then approved by a leader who is not the proposer;
 * `notBy: 'disposal_proposer'` = performed by a leader other than the user who proposed the disposal.
 * `clock` starts when the target state is entered.
 */
export interface TransitionSpec {
  action: string;
  label: string;
  from: MatterStatus;
  /** Possible targets; when several, the field `to` (or the proposed method) picks one. */
  to: readonly MatterStatus[];
  roles: readonly Role[];
  assigned: boolean;
  approval: 'leader' | null;
  notBy?: 'disposal_proposer';
  fields: readonly FieldSpec[];
  clock?: MatterClock;
}

const text = (name: string, label: string, required = true): FieldSpec => ({ name, label, kind: 'text', required });
const conclusion = (allowed: readonly string[] = Object.keys(CONCLUSIONS)): FieldSpec => ({ name: 'conclusion', label: '了结结论', kind: 'choice', required: true, choices: allowed });
const methods = Object.keys(DISPOSAL_METHODS) as MatterStatus[];

/**
 * THE state table of clues and cases (DESIGN.md §4) — the one truth the service enforces. A
 * `concluded` target always needs a conclusion code; `transferred` the organ's name.
 */
export const MATTER_TRANSITIONS: readonly TransitionSpec[] = [
  {
    action: 'propose_disposal',
    label: '提出处置意见',
    from: 'registered',
    to: ['disposal_proposed'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [{ name: 'method', label: '处置方式', kind: 'method', required: true }, text('reasoning', '处置理由')],
  },
  {
    action: 'approve_disposal',
    label: '批准处置意见',
    from: 'disposal_proposed',
    to: methods,
    roles: ['leader'],
    assigned: false,
    approval: null,
    notBy: 'disposal_proposer',
    fields: [text('reason', '审批意见')],
  },
  {
    action: 'conclude_talk',
    label: '谈话函询后了结',
    from: 'talk_inquiry',
    to: ['concluded'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [text('situationReport', '谈话函询情况报告'), conclusion(['cleared', 'first_form_measure'])],
  },
  {
    action: 'escalate_talk',
    label: '谈话函询后转初步核实',
    from: 'talk_inquiry',
    to: ['preliminary_verification'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [text('situationReport', '谈话函询情况报告')],
  },
  {
    action: 'file_case',
    label: '立案',
    from: 'preliminary_verification',
    to: ['case_filed'],
    roles: ['case_handler'],
    assigned: true,
    approval: 'leader',
    fields: [text('verificationReport', '初步核实情况报告'), text('filingDecision', '立案决定')],
  },
  {
    action: 'conclude_verification',
    label: '初核后了结',
    from: 'preliminary_verification',
    to: ['concluded'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [text('verificationReport', '初步核实情况报告'), conclusion()],
  },
  {
    action: 'hold_verification',
    label: '初核后暂存待查',
    from: 'preliminary_verification',
    to: ['held'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [text('verificationReport', '初步核实情况报告')],
  },
  {
    action: 'transfer',
    label: '移交有关机关或部门',
    from: 'preliminary_verification',
    to: ['transferred'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [text('verificationReport', '初步核实情况报告'), text('transferredTo', '接收机关或部门名称')],
  },
  {
    action: 'reopen',
    label: '重新启动处置',
    from: 'held',
    to: ['preliminary_verification', 'talk_inquiry', 'concluded'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [{ name: 'ground', label: '启动依据', kind: 'choice', required: true, choices: ['new_report', 'periodic_review'] }, text('reason', '说明')],
  },
  {
    action: 'start_investigation',
    label: '开始审查调查',
    from: 'case_filed',
    to: ['investigation'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [text('investigationPlan', '审查调查方案'), { name: 'coHandlerUserId', label: '第二名调查人员', kind: 'user', required: true }],
  },
  {
    action: 'submit_for_trial',
    label: '移送审理',
    from: 'investigation',
    to: ['trial'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [text('investigationReport', '审查调查报告')],
    clock: 'trial',
  },
  {
    action: 'withdraw',
    label: '撤案',
    from: 'investigation',
    to: ['withdrawn'],
    roles: ['case_handler'],
    assigned: true,
    approval: 'leader',
    fields: [text('investigationReport', '审查调查报告'), text('reason', '撤案理由')],
  },
  {
    action: 'return_case',
    label: '退回补充调查',
    from: 'trial',
    to: ['returned'],
    roles: ['trial_reviewer'],
    assigned: false,
    approval: null,
    fields: [text('trialOpinion', '审理意见')],
  },
  {
    action: 'decide',
    label: '审理通过，作出处分决定',
    from: 'trial',
    to: ['decided'],
    roles: ['trial_reviewer'],
    assigned: false,
    approval: null,
    fields: [text('trialOpinion', '审理意见')],
    clock: 'announce_decision',
  },
  {
    action: 'resume_investigation',
    label: '补充调查',
    from: 'returned',
    to: ['investigation'],
    roles: ['case_handler'],
    assigned: true,
    approval: null,
    fields: [text('reason', '说明', false)],
  },
  {
    action: 'close',
    label: '结案',
    from: 'decided',
    to: ['closed'],
    roles: ['case_handler'],
    assigned: true,
    approval: 'leader',
    fields: [{ name: 'announcedOn', label: '处分决定宣布日期', kind: 'date', required: true }, text('reason', '结案意见', false)],
  },
];

/** States with no way out (the matter is finished). */
export const FINAL_STATUSES: readonly MatterStatus[] = ['concluded', 'transferred', 'closed', 'withdrawn'];

/** The clock that runs while a matter is in a state (DESIGN.md §4), when the table attaches one. */
export const STATE_CLOCKS: Partial<Record<MatterStatus, MatterClock>> = {
  registered: 'propose_disposal',
  talk_inquiry: 'talk_report',
  trial: 'trial',
  decided: 'announce_decision',
};

/** The rows leaving `status`. */
export function transitionsFrom(status: MatterStatus): TransitionSpec[] {
  return MATTER_TRANSITIONS.filter((t) => t.from === status);
}

/** The row of `action`, or undefined. */
export function transitionOf(action: string): TransitionSpec | undefined {
  return MATTER_TRANSITIONS.find((t) => t.action === action);
}

const ROLE_LABELS: Record<string, string> = { case_handler: '承办人', leader: '领导', trial_reviewer: '审理人员', intake_officer: '受理人员' };

/**
 * “What is allowed now”, in Chinese: `当前状态为“初步核实”，可进行：立案（须领导批准，承办人提出）、…` —
 * the message of every refused transition.
 */
export function allowedNowMessage(status: MatterStatus): string {
  const rows = transitionsFrom(status);
  const head = `当前状态为“${MATTER_STATUSES[status]}”`;
  if (!rows.length) return `${head}，办理已终结，不能再变更状态。`;
  const parts = rows.map((t) => `${t.label}（${t.roles.map((r) => ROLE_LABELS[r] ?? r).join('/')}${t.approval ? '提出，须领导批准' : ''}）`);
  return `${head}，可进行：${parts.join('、')}。`;
}
