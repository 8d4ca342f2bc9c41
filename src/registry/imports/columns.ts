/**
 * The columns of each import kind: canonical field names, the Chinese headers offices use for them
 * (as in the sample files), and the column-mapping step for files whose headers differ.
 */
import { ValidationFailedError } from '../../common/domain-error.js';
import type { ImportKind } from '../entities/import-job.entity.js';
import type { Cell } from './row-source.js';

export interface FieldSpec {
  field: string;
  /** Accepted headers; the first is the standard one (shown in messages). */
  headers: string[];
  required: boolean;
}

const f = (field: string, required: boolean, ...headers: string[]): FieldSpec => ({ field, headers, required });

export const IMPORT_FIELDS: Readonly<Record<ImportKind, FieldSpec[]>> = {
  roster: [
    f('householdNo', true, '户编号', '家庭编号', '户号'),
    f('regionCode', true, '区划代码', '所在区划代码', '行政区划代码'),
    f('name', true, '姓名'),
    f('idNumber', true, '身份证号码', '身份证号', '公民身份号码'),
    f('relationToHead', false, '与户主关系'),
    f('size', false, '保障人数', '享受人数', '家庭保障人数'),
    f('monthlyAmount', true, '月保障金额(元)', '月保障金额', '保障金额(元)', '月救助金额(元)'),
    f('programme', false, '保障类别', '救助类别'),
    f('periodStart', false, '起始年月', '享受起始年月'),
    f('registerNo', false, '户籍编号', '户口簿编号'),
    f('address', false, '住址', '家庭住址', '居住地址'),
    f('filedAsRelative', false, '近亲属备案', '是否近亲属备案'),
    f('phone', false, '联系电话', '手机号码'),
  ],
  officials: [
    f('name', true, '姓名'),
    f('idNumber', true, '身份证号码', '身份证号', '公民身份号码'),
    f('regionCode', true, '所在区划代码', '区划代码'),
    f('position', false, '职务'),
    f('role', true, '人员类别', '类别'),
    f('partyMember', false, '中共党员', '是否党员'),
    f('registerNo', false, '户籍编号'),
    f('address', false, '住址', '家庭住址'),
    f('termStart', false, '任职起始', '任职时间'),
    f('termEnd', false, '任职结束', '离任时间'),
    f('unit', false, '工作单位', '单位'),
    f('phone', false, '联系电话', '手机号码'),
  ],
  kin: [
    f('officialName', false, '公职人员姓名'),
    f('officialIdNumber', true, '公职人员身份证号码', '公职人员身份证号'),
    f('relativeName', true, '亲属姓名'),
    f('relativeIdNumber', true, '亲属身份证号码', '亲属身份证号'),
    f('relation', true, '关系', '与本人关系'),
    f('declaredAt', false, '备案日期', '申报日期'),
  ],
  approvals: [
    f('householdNo', true, '户编号'),
    f('step', true, '环节'),
    f('officialName', false, '经办人姓名'),
    f('officialIdNumber', true, '经办人身份证号码', '经办人身份证号'),
    f('date', true, '日期', '办理日期'),
  ],
};

/** Header text as compared: NFKC (full-width brackets → ASCII), no spaces. */
export function headerKey(h: string): string {
  return h.normalize('NFKC').replace(/[\s\ufeff]/g, '');
}

/** Field → column index (0-based) for one file. */
export type ColumnIndex = Record<string, number | undefined>;

/**
 * Resolves the header row of a file for `kind`. `columnMap` (field → header text as in the file)
 * overrides the standard headers.
 * @throws ValidationFailedError (code `validation_failed`, field `columnMap`) naming every missing
 *   required column and the headers that were found, so the caller can offer a column mapping.
 */
export function resolveColumns(kind: ImportKind, header: Cell[], columnMap: Record<string, string> = {}): ColumnIndex {
  const keys = header.map((c) => headerKey(c.text));
  const index: ColumnIndex = {};
  const missing: string[] = [];
  const unknown = Object.keys(columnMap).filter((k) => !IMPORT_FIELDS[kind].some((s) => s.field === k));
  if (unknown.length) throw new ValidationFailedError({ columnMap: `未知的字段：${unknown.join('、')}` }, '列对应关系中有未知的字段');
  for (const spec of IMPORT_FIELDS[kind]) {
    const wanted = columnMap[spec.field] !== undefined ? [columnMap[spec.field]] : spec.headers;
    const i = keys.findIndex((k) => wanted.some((w) => headerKey(w) === k));
    if (i >= 0) index[spec.field] = i;
    else if (spec.required) missing.push(spec.headers[0]);
  }
  if (missing.length) {
    const found = keys.filter(Boolean).join('、') || '（无）';
    throw new ValidationFailedError(
      { columnMap: `缺少必需的列：${missing.join('、')}。文件中的表头是：${found}。请在“列对应”中指定对应的列。` },
      `文件缺少必需的列：${missing.join('、')}`,
    );
  }
  return index;
}

/** The cell of `field` in a row (empty when the column is absent or the row is short). */
export function cellAt(cells: Cell[], index: ColumnIndex, field: string): Cell {
  const i = index[field];
  return i === undefined ? { text: '', numeric: false } : (cells[i] ?? { text: '', numeric: false });
}
