/**
 * Validation of import rows, per kind. Pure functions: rows in, accepted records or rejections out
 * (with the spreadsheet row number, stable reason codes and a Chinese reason). No row data other
 * than the group key (户编号) is ever put in a rejection.
 */
import { ID_NUMBER_ERROR_MESSAGES, normaliseIdNumber, type ValidIdNumber } from '../../common/id-number.js';
import { isWithinScope } from '../../regions/region-code.js';
import { APPROVAL_STEP_LABELS, APPROVAL_STEPS, type ApprovalStep } from '../entities/approval-record.entity.js';
import { kinTypeOfLabel, type KinType } from '../kin-types.js';
import { officialRoleOf, type OfficialRole } from '../official-roles.js';
import { cellAt, IMPORT_FIELDS, type ColumnIndex } from './columns.js';
import type { Cell, SourceRow } from './row-source.js';
import { isoDate, positiveInt, yearMonth, yesNo, yuanToFen } from './values.js';
import type { ImportKind } from '../entities/import-job.entity.js';

export interface RowProblem {
  code: string;
  reason: string;
}

/** One rejected row: every problem of that row, in order. */
export interface Rejection {
  rowNo: number;
  groupKey: string | null;
  problems: RowProblem[];
}

export interface ValidationContext {
  scopePrefix: string;
  /** Roster: the scope's programme (保障类别); approvals: optional. */
  programme: string | null;
  /** `YYYY-MM-DD` in Asia/Shanghai, for birth dates in the future. */
  today?: string;
}

export const NUMERIC_ID_REASON =
  '身份证号码在表格中被存成了数字，最后几位已经丢失（Excel 只保留 15 位有效数字）。请把这一列设为“文本”格式，重新填写完整的号码后再导入。';

const label = (kind: ImportKind, field: string) => IMPORT_FIELDS[kind].find((s) => s.field === field)!.headers[0];

class RowReader {
  readonly problems: RowProblem[] = [];
  constructor(
    private readonly kind: ImportKind,
    private readonly row: SourceRow,
    private readonly index: ColumnIndex,
  ) {}

  cell(field: string): Cell {
    return cellAt(this.row.cells, this.index, field);
  }

  text(field: string): string {
    return this.cell(field).text.normalize('NFKC').trim();
  }

  required(field: string): string {
    const v = this.text(field);
    if (!v) this.problem('missing_value', `缺少“${label(this.kind, field)}”`);
    return v;
  }

  problem(code: string, reason: string): void {
    this.problems.push({ code, reason });
  }

  idNumber(field: string, today?: string): ValidIdNumber | null {
    const c = this.cell(field);
    const name = label(this.kind, field);
    if (c.numeric) {
      this.problem('id_spreadsheet_damaged', `“${name}”：${NUMERIC_ID_REASON}`);
      return null;
    }
    if (!c.text.trim()) {
      this.problem('missing_value', `缺少“${name}”`);
      return null;
    }
    const r = normaliseIdNumber(c.text, { today });
    if (!r.ok) {
      this.problem(r.code, `“${name}”：${ID_NUMBER_ERROR_MESSAGES[r.code]}`);
      return null;
    }
    return r;
  }

  regionCode(field: string, scopePrefix: string): string | null {
    const v = this.required(field);
    if (!v) return null;
    if (!/^\d{12}$/.test(v) || v.startsWith('00')) {
      this.problem('region_invalid', `“${label(this.kind, field)}”应为 12 位统计用区划代码`);
      return null;
    }
    if (!isWithinScope(v, scopePrefix)) {
      this.problem('out_of_scope', `区划代码不在本次导入的范围（${scopePrefix}）内`);
      return null;
    }
    return v;
  }

  optionalDate(field: string): string | null {
    const v = this.text(field);
    if (!v) return null;
    const d = isoDate(v);
    if (!d) this.problem('date_invalid', `“${label(this.kind, field)}”不是有效日期（例如 2024-03-01）`);
    return d;
  }
}

// ----------------------------------------------------------------------------------------- roster

export interface RosterMember {
  rowNo: number;
  name: string;
  id: ValidIdNumber;
  relationToHead: string;
  phone: string | null;
}

export interface RosterHousehold {
  householdNo: string;
  regionCode: string;
  programme: string;
  /** 保障人数 (the member-row count when the column is absent). */
  size: number;
  monthlyAmountFen: number;
  periodStart: string | null;
  registerNo: string | null;
  address: string;
  filedAsRelative: boolean;
  members: RosterMember[];
  firstRow: number;
  lastRow: number;
}

export type GroupResult<T> = { ok: true; value: T; rows: number[] } | { ok: false; rejections: Rejection[] };

/** The household key of a roster row (户编号 as written, trimmed), or '' when empty. */
export function rosterGroupKey(row: SourceRow, index: ColumnIndex): string {
  return cellAt(row.cells, index, 'householdNo').text.normalize('NFKC').trim();
}

/**
 * Validates the member rows of one household (DESIGN.md §6): each row on its own (ID number, region
 * within scope, programme of the scope, amount in 元 with at most 2 decimals, …), then the household
 * as a whole — the household figures (amount, size, register, address, 近亲属备案) must agree on every
 * member row, the member count must equal 保障人数, and no one may be listed twice. One bad row
 * rejects the household: every row is rejected, each listing its own problems, the others citing
 * the bad rows.
 */
export function validateRosterHousehold(rows: SourceRow[], index: ColumnIndex, ctx: ValidationContext): GroupResult<RosterHousehold> {
  const key = rosterGroupKey(rows[0], index) || null;
  const perRow = new Map<number, RowProblem[]>();
  const members: RosterMember[] = [];
  type Shared = { regionCode: string | null; amount: number | null; size: number | null; registerNo: string; address: string; filed: boolean | null; periodStart: string | null; programme: string };
  const shared: Shared[] = [];
  for (const row of rows) {
    const r = new RowReader('roster', row, index);
    r.required('householdNo');
    const name = r.required('name');
    const id = r.idNumber('idNumber', ctx.today);
    const regionCode = r.regionCode('regionCode', ctx.scopePrefix);
    const amountText = r.required('monthlyAmount');
    const amount = amountText ? yuanToFen(amountText) : null;
    if (amountText && amount === null) r.problem('amount_invalid', '“月保障金额(元)”应为不小于 0 的金额，最多两位小数（例如 520 或 520.50）');
    const sizeText = r.text('size');
    const size = sizeText ? positiveInt(sizeText) : null;
    if (sizeText && size === null) r.problem('size_invalid', '“保障人数”应为正整数');
    const programme = r.text('programme') || ctx.programme || '';
    if (ctx.programme && programme !== ctx.programme) r.problem('programme_mismatch', `“保障类别”与本次导入的类别（${ctx.programme}）不一致`);
    const periodText = r.text('periodStart');
    const periodStart = periodText ? yearMonth(periodText) : null;
    if (periodText && !periodStart) r.problem('month_invalid', '“起始年月”应为年月（例如 2025-01）');
    const filed = yesNo(r.text('filedAsRelative'), false);
    if (filed === null) r.problem('yes_no_invalid', '“近亲属备案”应填“是”或“否”');
    const phone = r.text('phone') || null;
    shared.push({ regionCode, amount, size, registerNo: r.text('registerNo'), address: r.text('address'), filed, periodStart, programme });
    if (r.problems.length) perRow.set(row.rowNo, r.problems);
    else members.push({ rowNo: row.rowNo, name, id: id!, relationToHead: r.text('relationToHead').slice(0, 20), phone });
  }

  if (perRow.size === 0) {
    const first = shared[0];
    const differs = (pick: (s: Shared) => unknown) => shared.some((s) => pick(s) !== pick(first));
    const fields: string[] = [];
    if (differs((s) => s.regionCode)) fields.push('区划代码');
    if (differs((s) => s.amount)) fields.push('月保障金额');
    if (differs((s) => s.size)) fields.push('保障人数');
    if (differs((s) => s.registerNo)) fields.push('户籍编号');
    if (differs((s) => s.address)) fields.push('住址');
    if (differs((s) => s.filed)) fields.push('近亲属备案');
    if (differs((s) => s.periodStart)) fields.push('起始年月');
    if (fields.length) {
      for (const row of rows) perRow.set(row.rowNo, [{ code: 'household_inconsistent', reason: `同一户的各成员行中“${fields.join('、')}”不一致` }]);
    } else {
      if (first.size !== null && first.size !== rows.length) {
        for (const row of rows) perRow.set(row.rowNo, [{ code: 'household_size_mismatch', reason: `“保障人数”为 ${first.size}，但该户有 ${rows.length} 个成员行` }]);
      }
      const seen = new Map<string, number>();
      for (const m of members) {
        const earlier = seen.get(m.id.normalised);
        if (earlier !== undefined) {
          const list = perRow.get(m.rowNo) ?? [];
          list.push({ code: 'duplicate_member', reason: `与第 ${earlier} 行是同一个身份证号码` });
          perRow.set(m.rowNo, list);
        } else seen.set(m.id.normalised, m.rowNo);
      }
    }
  }

  if (perRow.size > 0) {
    const bad = [...perRow.keys()].sort((a, b) => a - b);
    return {
      ok: false,
      rejections: rows.map((row) => ({
        rowNo: row.rowNo,
        groupKey: key,
        problems: perRow.get(row.rowNo) ?? [{ code: 'household_rejected', reason: `同户第 ${bad.join('、')} 行有误，整户未导入` }],
      })),
    };
  }
  const first = shared[0];
  return {
    ok: true,
    rows: rows.map((r) => r.rowNo),
    value: {
      householdNo: key!,
      regionCode: first.regionCode!,
      programme: first.programme,
      size: first.size ?? rows.length,
      monthlyAmountFen: first.amount!,
      periodStart: first.periodStart,
      registerNo: first.registerNo || null,
      address: first.address,
      filedAsRelative: first.filed!,
      members,
      firstRow: rows[0].rowNo,
      lastRow: rows[rows.length - 1].rowNo,
    },
  };
}

// -------------------------------------------------------------------------------------- officials

export interface OfficialRow {
  rowNo: number;
  name: string;
  id: ValidIdNumber;
  regionCode: string;
  role: OfficialRole;
  position: string;
  unit: string;
  partyMember: boolean;
  registerNo: string | null;
  address: string | null;
  termStart: string | null;
  termEnd: string | null;
  phone: string | null;
}

/** Validates one row of the officials list (公职人员名单). */
export function validateOfficialRow(row: SourceRow, index: ColumnIndex, ctx: ValidationContext): GroupResult<OfficialRow> {
  const r = new RowReader('officials', row, index);
  const name = r.required('name');
  const id = r.idNumber('idNumber', ctx.today);
  const regionCode = r.regionCode('regionCode', ctx.scopePrefix);
  const roleText = r.required('role');
  const role = roleText ? officialRoleOf(roleText) : null;
  if (roleText && !role) r.problem('role_unknown', '“人员类别”不是可识别的类别（例如 village_committee 或 村民委员会）');
  const party = yesNo(r.text('partyMember'), false);
  if (party === null) r.problem('yes_no_invalid', '“中共党员”应填“是”或“否”');
  const termStart = r.optionalDate('termStart');
  const termEnd = r.optionalDate('termEnd');
  if (r.problems.length) return { ok: false, rejections: [{ rowNo: row.rowNo, groupKey: null, problems: r.problems }] };
  return {
    ok: true,
    rows: [row.rowNo],
    value: {
      rowNo: row.rowNo,
      name,
      id: id!,
      regionCode: regionCode!,
      role: role!,
      position: r.text('position').slice(0, 100),
      unit: r.text('unit').slice(0, 100),
      partyMember: party!,
      registerNo: r.text('registerNo') || null,
      address: r.text('address') || null,
      termStart,
      termEnd,
      phone: r.text('phone') || null,
    },
  };
}

// -------------------------------------------------------------------------------------------- kin

export interface KinRow {
  rowNo: number;
  officialName: string;
  officialId: ValidIdNumber;
  relativeName: string;
  relativeId: ValidIdNumber;
  type: KinType;
  label: string;
  declaredAt: string | null;
}

/** Validates one row of the kinship declarations (近亲属备案). */
export function validateKinRow(row: SourceRow, index: ColumnIndex, ctx: ValidationContext): GroupResult<KinRow> {
  const r = new RowReader('kin', row, index);
  const officialId = r.idNumber('officialIdNumber', ctx.today);
  const relativeName = r.required('relativeName');
  const relativeId = r.idNumber('relativeIdNumber', ctx.today);
  const labelText = r.required('relation');
  const type = labelText ? kinTypeOfLabel(labelText) : null;
  if (labelText && !type) r.problem('relation_unknown', '“关系”不是可识别的亲属关系（例如 配偶、父母、子女、兄弟姐妹）');
  const declaredAt = r.optionalDate('declaredAt');
  if (officialId && relativeId && officialId.normalised === relativeId.normalised) r.problem('self_relation', '亲属与公职人员是同一个身份证号码');
  if (r.problems.length) return { ok: false, rejections: [{ rowNo: row.rowNo, groupKey: null, problems: r.problems }] };
  return {
    ok: true,
    rows: [row.rowNo],
    value: { rowNo: row.rowNo, officialName: r.text('officialName'), officialId: officialId!, relativeName, relativeId: relativeId!, type: type!, label: labelText.slice(0, 50), declaredAt },
  };
}

// -------------------------------------------------------------------------------------- approvals

export interface ApprovalRow {
  rowNo: number;
  householdNo: string;
  step: ApprovalStep;
  officialName: string;
  officialId: ValidIdNumber;
  date: string;
}

const STEP_BY_LABEL = new Map<string, ApprovalStep>([
  ...APPROVAL_STEPS.map((s) => [s, s] as [string, ApprovalStep]),
  ...Object.entries(APPROVAL_STEP_LABELS).map(([s, l]) => [l, s as ApprovalStep] as [string, ApprovalStep]),
  ['入户核查', 'home_visit'],
  ['入户调查核实', 'home_visit'],
  ['审核确认', 'review'],
  ['审批确认', 'approval'],
]);

/** Validates one row of the approval records (入户调查 / 审核 / 审批). */
export function validateApprovalRow(row: SourceRow, index: ColumnIndex, ctx: ValidationContext): GroupResult<ApprovalRow> {
  const r = new RowReader('approvals', row, index);
  const householdNo = r.required('householdNo');
  const stepText = r.required('step');
  const step = stepText ? STEP_BY_LABEL.get(stepText) : undefined;
  if (stepText && !step) r.problem('step_unknown', '“环节”应为 入户调查、审核 或 审批');
  const officialId = r.idNumber('officialIdNumber', ctx.today);
  const dateText = r.required('date');
  const date = dateText ? isoDate(dateText) : null;
  if (dateText && !date) r.problem('date_invalid', '“日期”不是有效日期（例如 2024-12-10）');
  if (r.problems.length) return { ok: false, rejections: [{ rowNo: row.rowNo, groupKey: householdNo || null, problems: r.problems }] };
  return { ok: true, rows: [row.rowNo], value: { rowNo: row.rowNo, householdNo, step: step!, officialName: r.text('officialName'), officialId: officialId!, date: date! } };
}

/** Whether a row has no content at all (skipped, but still counted in row numbers). */
export function isEmptyRow(row: SourceRow): boolean {
  return row.cells.every((c) => c.text.trim() === '');
}
