import { describe, expect, it } from '@jest/globals';
import { cleanText, codePointLength, selfIdentifyingWarnings, unknownApiFields, validateSubmissionShape } from './report-validation.js';

const base = {
  category: 'favouritism_kin',
  kind: 'denunciation',
  regionCode: '430421101200',
  subjects: [{ name: '刘建国', position: '村党支部书记', unit: '集兵村' }],
  beneficiaries: [],
  description: '我们村支书的哥哥家里开着面包车跑运输，却一直吃着低保。',
  happenedAt: '2024年起',
  anonymous: true,
};

describe('validateSubmissionShape', () => {
  it('accepts a plain anonymous tip-off and keeps the text exactly (NFC, trimmed)', () => {
    const r = validateSubmissionShape({ ...base, description: `  ${base.description}😡😡 <b>x</b>\n第二行  ` });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.description).toBe(`${base.description}😡😡 <b>x</b>\n第二行`);
      expect(r.value.reporter).toBeNull();
    }
  });

  it('counts characters in code points: 19 × 𠮷 + 1 is 20, 19 × 𠮷 is too short', () => {
    expect(validateSubmissionShape({ ...base, description: '𠮷'.repeat(19) + '好' }).ok).toBe(true);
    const short = validateSubmissionShape({ ...base, description: '𠮷'.repeat(19) });
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.fields.description).toContain('至少 20 个字');
  });

  it('removes control characters but keeps emoji and rare characters; NFC-normalises', () => {
    expect(cleanText('王\u0000𠮷\u0007\u200d')).toBe('王𠮷\u200d'.trim());
    expect(cleanText('e\u0301')).toBe('é');
    expect(cleanText('a\r\nb', { multiline: true })).toBe('a\nb');
    expect(cleanText('a\nb')).toBe('ab');
    // Invisible format characters: a name that looks like 刘建国 is 刘建国 (search, name matching), and a
    // bidi override cannot reorder what staff see; the zero-width joiner of emoji sequences stays.
    expect(cleanText('刘\u200b建\ufeff国\u2060')).toBe('刘建国');
    expect(cleanText('\u202e王某\u202c 村\u2066会计\u2069\u200f')).toBe('王某 村会计');
    expect(cleanText('前\u202e后\n第二行', { multiline: true })).toBe('前后\n第二行');
    expect(cleanText('👨\u200d👩\u200d👧')).toBe('👨\u200d👩\u200d👧');
    expect(codePointLength('王𠮷😡')).toBe(3);
  });

  it('requires a subject with a name and drops empty rows', () => {
    const r = validateSubmissionShape({ ...base, subjects: [{ name: '', position: '', unit: '' }, { name: '', position: '村会计', unit: '' }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields['subjects[1].name']).toBeDefined();
    const none = validateSubmissionShape({ ...base, subjects: [] });
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.fields.subjects).toBe('请至少填写一名被反映人');
  });

  it('limits rows and field lengths', () => {
    const many = validateSubmissionShape({ ...base, subjects: Array.from({ length: 11 }, (_, i) => ({ name: `人${i}` })) });
    expect(many.ok).toBe(false);
    const long = validateSubmissionShape({ ...base, subjects: [{ name: '长'.repeat(51) }] });
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.fields['subjects[0].name']).toContain('50');
  });

  it('validates a real-name reporter with Chinese messages for bad ID numbers and phones', () => {
    const real = (idNumber: string, phone = '13907340000') => validateSubmissionShape({ ...base, anonymous: false, reporter: { name: '邓春华', idNumber, phone } });
    const ok = real('43042119701111021x');
    expect(ok.ok && ok.value.reporter?.idNumber).toBe('43042119701111021X');
    const legacy = real('110105491231002');
    expect(legacy.ok && legacy.value.reporter?.idNumber).toBe('11010519491231002X');
    for (const [id, code] of [
      ['430421196803120113', '校验码'],
      ['4.30421E+17', '表格软件'],
      ['430421198002300016', '出生日期'],
    ]) {
      const r = real(id);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.fields['reporter.idNumber']).toContain(code);
    }
    const badPhone = real('430421197204150023', '12345');
    expect(badPhone.ok).toBe(false);
    if (!badPhone.ok) expect(badPhone.fields['reporter.phone']).toContain('11 位');
  });

  it('warns when the reporter names themself as the beneficiary', () => {
    expect(selfIdentifyingWarnings([{ name: '石秀兰', relation: '' }], '石秀兰')).toHaveLength(1);
    expect(selfIdentifyingWarnings([{ name: '张三', relation: '本人' }], null)).toHaveLength(1);
    expect(selfIdentifyingWarnings([{ name: '刘建民', relation: '哥哥' }], '邓春华')).toHaveLength(0);
  });

  it('lists unknown API fields at every level', () => {
    expect(unknownApiFields({ ...base, captchaId: 'x', captchaAnswer: 'y' })).toEqual([]);
    expect(unknownApiFields({ ...base, isAdmin: true, subjects: [{ name: 'a', age: 3 }], reporter: { name: 'x', address: 'y' } })).toEqual(['isAdmin', 'subjects[0].age', 'reporter.address']);
    // Rows sent as an object keyed by index are read as rows, so their unknown fields count too.
    expect(unknownApiFields({ ...base, subjects: { 0: { name: 'a', age: 3 }, extra: { name: 'b' } }, beneficiaries: { 0: { name: 'c', idNumber: '1' } } })).toEqual([
      'subjects[0].age',
      'subjects.extra',
      'beneficiaries[0].idNumber',
    ]);
  });
});
