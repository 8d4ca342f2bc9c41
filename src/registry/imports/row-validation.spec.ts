import { describe, expect, it } from '@jest/globals';
import { idCheckCharacter } from '../../common/id-number.js';
import { resolveColumns } from './columns.js';
import type { SourceRow } from './row-source.js';
import { validateApprovalRow, validateKinRow, validateRosterHousehold } from './row-validation.js';
import { isoDate, yearMonth, yesNo, yuanToFen } from './values.js';

const HEADER = '户编号,区划代码,姓名,身份证号码,与户主关系,保障人数,月保障金额(元),保障类别,起始年月,户籍编号,住址,近亲属备案'.split(',');
const cells = (texts: string[], numeric: number[] = []) => texts.map((text, i) => ({ text, numeric: numeric.includes(i) }));
const index = resolveColumns('roster', cells(HEADER));
const ctx = { scopePrefix: '430421', programme: '农村低保', today: '2026-01-01' };
const id = (first17: string) => first17 + idCheckCharacter(first17);
const row = (rowNo: number, v: Partial<Record<'no' | 'region' | 'name' | 'id' | 'rel' | 'size' | 'amount' | 'prog' | 'reg' | 'addr' | 'filed', string>>, numeric: number[] = []): SourceRow => ({
  rowNo,
  cells: cells(
    [v.no ?? 'H01', v.region ?? '430421101200', v.name ?? '张三', v.id ?? id('43042119650923031'), v.rel ?? '户主', v.size ?? '1', v.amount ?? '520', v.prog ?? '农村低保', '2025-01', v.reg ?? 'R-1', v.addr ?? '某村1号', v.filed ?? '否'],
    numeric,
  ),
});

describe('values', () => {
  it('parses 元 to integer fen exactly from the text', () => {
    expect(['520', '520.5', '520.55', '1,200.00', '￥430', '0.1', '0.29'].map(yuanToFen)).toEqual([52000, 52050, 52055, 120000, 43000, 10, 29]);
    expect(['520.555', '-5', 'abc', '', '5e2'].map(yuanToFen)).toEqual([null, null, null, null, null]);
  });
  it('parses yes/no, months and dates', () => {
    expect([yesNo('是', false), yesNo('否', true), yesNo('', false), yesNo('也许', false)]).toEqual([true, false, false, null]);
    expect([yearMonth('2025-01'), yearMonth('2025/1'), yearMonth('202501'), yearMonth('2025年1月'), yearMonth('2025-13')]).toEqual(['2025-01', '2025-01', '2025-01', '2025-01', null]);
    expect([isoDate('2024-03-01'), isoDate('2024/3/1'), isoDate('2023-02-29')]).toEqual(['2024-03-01', '2024-03-01', null]);
  });
});

describe('validateRosterHousehold', () => {
  it('accepts a household and counts its amount once', () => {
    const r = validateRosterHousehold(
      [row(2, { size: '2', amount: '780' }), row(3, { size: '2', amount: '780', rel: '配偶', name: '李四', id: id('43042119680219046') })],
      index,
      ctx,
    );
    expect(r.ok && [r.value.monthlyAmountFen, r.value.size, r.value.members.length, r.value.firstRow, r.value.lastRow]).toEqual([78000, 2, 2, 2, 3]);
  });

  it('rejects the whole household for one bad member row, listing every reason', () => {
    const r = validateRosterHousehold([row(5, { size: '2' }), row(6, { size: '2', id: '4.30421E+17', amount: 'abc' })], index, ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rejections.map((x) => [x.rowNo, x.groupKey, x.problems.map((p) => p.code)])).toEqual([
      [5, 'H01', ['household_rejected']],
      [6, 'H01', ['id_spreadsheet_damaged', 'amount_invalid']],
    ]);
    expect(r.rejections[0].problems[0].reason).toContain('第 6 行');
  });

  it('rejects inconsistent household figures, size mismatches, duplicates and rows outside the scope or programme', () => {
    const codes = (rows: SourceRow[]) => {
      const r = validateRosterHousehold(rows, index, ctx);
      return r.ok ? [] : r.rejections.map((x) => x.problems.map((p) => p.code).join('+'));
    };
    expect(codes([row(2, { size: '2', amount: '500' }), row(3, { size: '2', amount: '600', id: id('43042119680219046') })])).toEqual(['household_inconsistent', 'household_inconsistent']);
    expect(codes([row(2, { size: '3' })])).toEqual(['household_size_mismatch']);
    expect(codes([row(2, { size: '2' }), row(3, { size: '2' })])).toEqual(['household_rejected', 'duplicate_member']);
    expect(codes([row(2, { region: '430422101200' })])).toEqual(['out_of_scope']);
    expect(codes([row(2, { prog: '城市低保' })])).toEqual(['programme_mismatch']);
    expect(codes([row(2, { filed: '可能' })])).toEqual(['yes_no_invalid']);
  });

  it('refuses an ID cell that a workbook stored as a number', () => {
    const r = validateRosterHousehold([row(2, { id: '430421196509230300' }, [3])], index, ctx);
    expect(!r.ok && r.rejections[0].problems[0]).toEqual({ code: 'id_spreadsheet_damaged', reason: expect.stringMatching(/存成了数字/) });
  });
});

describe('kin and approval rows', () => {
  it('validates a declaration, refusing unknown relations and self-declarations', () => {
    const kinIndex = resolveColumns('kin', cells('公职人员姓名,公职人员身份证号码,亲属姓名,亲属身份证号码,关系,备案日期'.split(',')));
    const official = id('43042119680312011');
    const ok = validateKinRow({ rowNo: 2, cells: cells(['刘建国', official.toLowerCase(), '张桂兰', id('43042119700405028'), '配偶', '2024-03-01']) }, kinIndex, ctx);
    expect(ok.ok && [ok.value.type, ok.value.declaredAt]).toEqual(['spouse', '2024-03-01']);
    const bad = validateKinRow({ rowNo: 3, cells: cells(['刘建国', official, '刘建国', official, '朋友', '2024-02-30']) }, kinIndex, ctx);
    expect(!bad.ok && bad.rejections[0].problems.map((p) => p.code)).toEqual(['relation_unknown', 'date_invalid', 'self_relation']);
  });

  it('validates an approval step', () => {
    const apIndex = resolveColumns('approvals', cells('户编号,环节,经办人姓名,经办人身份证号码,日期'.split(',')));
    const r = validateApprovalRow({ rowNo: 2, cells: cells(['H06', '入户调查', '李明辉', id('43042119820920017'), '2024-12-10']) }, apIndex, ctx);
    expect(r.ok && r.value.step).toBe('home_visit');
    const bad = validateApprovalRow({ rowNo: 3, cells: cells(['H06', '签字', '李明辉', id('43042119820920017'), '2024-12-10']) }, apIndex, ctx);
    expect(!bad.ok && bad.rejections[0].problems.map((p) => p.code)).toEqual(['step_unknown']);
  });
});

describe('resolveColumns', () => {
  it('names the missing columns and the headers found, and honours a column map', () => {
    expect(() => resolveColumns('roster', cells(['户编号', '证件号码']))).toThrow(/缺少必需的列/);
    try {
      resolveColumns('roster', cells(['户编号', '证件号码']));
    } catch (e) {
      expect((e as { fields: Record<string, string> }).fields.columnMap).toContain('文件中的表头是：户编号、证件号码');
    }
    const mapped = resolveColumns('roster', cells(['户编号', '区划代码', '姓名', '证件号码', '月保障金额（元）']), { idNumber: '证件号码' });
    expect([mapped.idNumber, mapped.monthlyAmount]).toEqual([3, 4]);
    expect(() => resolveColumns('roster', cells(HEADER), { nonsense: 'x' })).toThrow(/未知的字段/);
  });
});
