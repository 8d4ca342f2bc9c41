/**
 * Words of the intake actions: what staff see (labels, grounds, organs) and the PUBLIC wording the
 * citizen reads on the follow-up page.
 *
 * Public wording rule (DESIGN.md §3, §5): it says what happened and who handles the matter now, at the
 * level of an institution (衡阳县纪委监委, 民政部门). It never names staff, never repeats the internal
 * reason typed by an officer (that free text may mention other people or details that point back at the
 * reporter), and never refers to another report (a repeat is described without its id). A decline is
 * explained by the chosen GROUND only, each ground having one fixed, neutral sentence — that is the
 * "reason in a neutral form" the citizen gets; the officer's own words stay in the history and the audit.
 */
import type { ReportStatus } from '../reports/report-enums.js';

/** Statutory grounds for 不予受理 (纪检监察机关处理检举控告工作规则 2020, 第二章) with their neutral public sentence. */
export const DECLINE_GROUNDS = {
  out_of_scope: {
    label: '不属于纪检监察机关受理范围',
    public: '经审查，不属于本机关受理范围，不予受理。',
  },
  not_specific: {
    label: '反映内容不具体，无可查性',
    public: '经审查，所反映的问题缺乏具体事实和线索，暂不予受理。如有新的具体情况，欢迎继续反映。',
  },
  already_handled: {
    label: '已依规处理且无新的事实和证据',
    public: '经审查，所反映的问题已依规依纪处理，且未提供新的事实和证据，不予受理。',
  },
  in_other_procedure: {
    label: '已进入或应通过诉讼、仲裁、行政复议等法定程序处理',
    public: '经审查，所反映的事项应当通过诉讼、仲裁、行政复议等法定途径解决，本机关不予受理。',
  },
} as const;
export type DeclineGround = keyof typeof DECLINE_GROUNDS;

/**
 * Organs a report can be referred out to (移交). Recipient fraud by ordinary citizens (骗保) belongs to
 * 民政; crimes to 公安 (DESIGN.md §3). The public wording names the organ type only.
 */
export const REFERRAL_ORGANS = {
  civil_affairs: '民政部门',
  public_security: '公安机关',
  procuratorate: '人民检察院',
  human_resources: '人力资源和社会保障部门',
  letters_and_visits: '信访部门',
  other: '其他有关部门',
} as const;
export type ReferralOrgan = keyof typeof REFERRAL_ORGANS;

/** The public 'status' message of each intake action. */
export const publicWording = {
  accepted: (): string => '您反映的问题已受理，我们将依规依纪处理。',
  declined: (ground: DeclineGround): string => DECLINE_GROUNDS[ground].public,
  forwarded: (toOfficeName: string): string => `已转交 ${toOfficeName} 办理。`,
  referredOut: (organ: ReferralOrgan): string =>
    `您反映的问题不属于纪检监察机关职责范围，已移交${REFERRAL_ORGANS[organ]}依法处理。`,
  repeat: (): string => '您反映的问题此前已有人反映，正在一并办理，不再重复受理。',
  registered: (): string => '您的举报已登记。',
} as const;

/** The standard text of 告知受理情况, offered to the officer (who may edit it before sending). */
export const DEFAULT_ACKNOWLEDGEMENT =
  '您的实名举报我们已经收到并登记，将按照有关规定办理。办理过程中如需向您了解情况，我们会通过您留下的联系方式与您联系。感谢您对低保工作的监督。';

/** Labels of report_events actions on the staff history. */
export const EVENT_LABELS: Record<string, string> = {
  received: '收到',
  registered: '登记（来信/来访/电话）',
  accepted: '受理',
  declined: '不予受理',
  forwarded: '转送/转办',
  referred_out: '移交',
  marked_repeat: '标记为重复件',
  acknowledged: '告知受理情况',
  assigned: '指派承办人',
  reassigned: '改派承办人',
  message_sent: '向举报人留言',
};

/** What a staff member may do from each status (the message of an `invalid_state` error). */
export const ALLOWED_FROM_STATUS: Record<ReportStatus, string> = {
  received: '可以受理、不予受理、转送/转办、移交或标记为重复件',
  accepted: '该举报已受理，不能再作受理、不予受理、转送、移交或重复件处理',
  declined: '该举报已不予受理，不能再作其他受理处理',
  forwarded: '该举报已转送，由接收机关处理',
  referred_out: '该举报已移交有关部门，不能再作其他受理处理',
  repeat: '该举报已标记为重复件，不能再作其他受理处理',
};

/** Clock states on screen. */
export const CLOCK_STATUS_LABELS = { due: '期限内', due_soon: '即将到期', overdue: '已超期' } as const;

/** Shown wherever a due date depended on a year without an official holiday schedule (DESIGN.md §4). */
export const CALENDAR_FALLBACK_NOTICE = '该年度节假日安排尚未载入，按周末计算';
