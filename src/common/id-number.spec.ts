import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  ID_NUMBER_ERROR_MESSAGES,
  type IdNumberErrorCode,
  InvalidIdNumberError,
  idCheckCharacter,
  isValidMainlandMobile,
  maskIdNumber,
  normaliseIdNumber,
  normaliseMainlandMobile,
} from './id-number.js';
import { DomainError } from './domain-error.js';

interface IdFixture {
  cases: {
    valid: { input: string; normalised: string; note?: string }[];
    invalid: { input: string; reason: string }[];
  };
}

const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/id-numbers.json', import.meta.url), 'utf8'),
) as IdFixture;

const TODAY = '2026-11-29';

/** Maps the fixture's free-text reasons to codes; an unknown reason fails loudly rather than being skipped. */
function expectedCode(reason: string): IdNumberErrorCode {
  if (/spreadsheet|excel|scientific/i.test(reason)) return 'id_spreadsheet_damaged';
  if (/birth date/i.test(reason)) return 'id_bad_birth_date';
  if (/check character/i.test(reason)) return 'id_bad_check_character';
  if (/characters|too long|too short|length/i.test(reason)) return 'id_bad_format';
  throw new Error(`fixture reason not mapped to a code: ${reason}`);
}

describe('normaliseIdNumber — fixture test/fixtures/id-numbers.json', () => {
  it('has cases to run', () => {
    expect(fixture.cases.valid.length).toBeGreaterThan(0);
    expect(fixture.cases.invalid.length).toBeGreaterThan(0);
  });

  for (const c of fixture.cases.valid) {
    it(`accepts ${JSON.stringify(c.input)}${c.note ? ` (${c.note})` : ''}`, () => {
      const r = normaliseIdNumber(c.input, { today: TODAY });
      expect(r).toMatchObject({ ok: true, normalised: c.normalised });
    });
  }

  for (const c of fixture.cases.invalid) {
    const code = expectedCode(c.reason);
    it(`refuses ${JSON.stringify(c.input)} (${c.reason}) as ${code}`, () => {
      const r = normaliseIdNumber(c.input, { today: TODAY });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.code).toBe(code);
      expect(r.message).toBe(ID_NUMBER_ERROR_MESSAGES[code]);
      expect(r.reason.length).toBeGreaterThan(0);
      // Neither text may echo the number (they can end up in logs and import reports).
      expect(r.message).not.toContain(c.input.trim());
      expect(r.reason).not.toContain(c.input.trim());
    });
  }
});

describe('normaliseIdNumber — details', () => {
  it('extracts birth date, sex and region code', () => {
    expect(normaliseIdNumber('430421196803120112', { today: TODAY })).toEqual({
      ok: true,
      normalised: '430421196803120112',
      birthDate: '1968-03-12',
      sex: 'male', // 17th digit 1 is odd
      regionCode6: '430421',
    });
    expect(normaliseIdNumber('430421197204150023', { today: TODAY })).toMatchObject({
      birthDate: '1972-04-15',
      sex: 'female', // 17th digit 2 is even
    });
    expect(normaliseIdNumber('11010519491231002X', { today: TODAY })).toMatchObject({
      birthDate: '1949-12-31',
      sex: 'female',
      regionCode6: '110105',
    });
  });

  it('accepts the worked example of GB 11643-1999 (born 1880)', () => {
    expect(idCheckCharacter('44052418800101001')).toBe('4');
    expect(normaliseIdNumber('440524188001010014', { today: TODAY })).toMatchObject({
      ok: true,
      birthDate: '1880-01-01',
      sex: 'male',
    });
  });

  it('converts a 15-digit legacy number and reports its birth date in the 1900s', () => {
    expect(normaliseIdNumber('110105491231002', { today: TODAY })).toEqual({
      ok: true,
      normalised: '11010519491231002X',
      birthDate: '1949-12-31',
      sex: 'female',
      regionCode6: '110105',
    });
  });

  it('refuses a 15-digit number with an impossible date', () => {
    expect(normaliseIdNumber('430421680230011', { today: TODAY })).toMatchObject({
      ok: false,
      code: 'id_bad_birth_date',
    });
  });

  it('tolerates inner spaces, full-width characters, tabs and Excel’s apostrophe', () => {
    for (const input of [
      '430421 19680312 0112',
      '4304 2119 6803 1201 12',
      '\t430421196803120112\r\n',
      '４３０４２１１９６８０３１２０１１２',
      '　430421196803120112　',
      "'430421196803120112",
      '43042119701111021ｘ',
      '43042119701111021Ｘ',
    ]) {
      const r = normaliseIdNumber(input, { today: TODAY });
      expect(r.ok).toBe(true);
    }
    expect(normaliseIdNumber('43042119701111021ｘ', { today: TODAY })).toMatchObject({
      normalised: '43042119701111021X',
    });
  });

  it('computes check characters per ISO 7064 MOD 11-2, including X', () => {
    expect(idCheckCharacter('43042119680312011')).toBe('2');
    expect(idCheckCharacter('11010519491231002')).toBe('X');
    expect(() => idCheckCharacter('4304211968031201')).toThrow(RangeError);
    expect(() => idCheckCharacter('4304211968031201X')).toThrow(RangeError);
  });

  it('finds every single-digit typo through the check character (or the date)', () => {
    const good = '430421196803120112';
    for (let i = 0; i < 17; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === good[i]) continue;
        const typo = good.slice(0, i) + String(d) + good.slice(i + 1);
        const r = normaliseIdNumber(typo, { today: TODAY });
        expect(r.ok).toBe(false);
      }
    }
  });

  it('tells spreadsheet damage apart from an honest check failure', () => {
    const damaged = [
      '4.30421E+17',
      '4.30421196803120E+17',
      '4.30421e17',
      '430421196803120000.0',
      '430421196803120112.00',
      '430,421,196,803,120,000',
      '4．30421Ｅ＋17', // full-width, as typed on a phone keyboard
      '430421196803122000', // check would be 3
    ];
    for (const input of damaged) {
      expect(normaliseIdNumber(input, { today: TODAY })).toMatchObject({ ok: false, code: 'id_spreadsheet_damaged' });
    }
    // Two trailing zeros are not what Excel does to 18 digits: an ordinary check failure.
    expect(normaliseIdNumber('430421196803120100', { today: TODAY })).toMatchObject({
      code: 'id_bad_check_character',
    });
  });

  it('accepts a number that genuinely ends in 000 when its check matches', () => {
    expect(idCheckCharacter('43042119680312100')).toBe('0');
    expect(normaliseIdNumber('430421196803121000', { today: TODAY }).ok).toBe(true);
  });

  it('refuses impossible, future and too early birth dates', () => {
    const withCheck = (f17: string) => f17 + idCheckCharacter(f17);
    expect(normaliseIdNumber(withCheck('43042119000229001'), { today: TODAY })).toMatchObject({
      code: 'id_bad_birth_date', // 1900 is not a leap year
    });
    expect(normaliseIdNumber(withCheck('43042120000229001'), { today: TODAY }).ok).toBe(true); // 2000 is
    expect(normaliseIdNumber(withCheck('43042119681312001'), { today: TODAY })).toMatchObject({
      code: 'id_bad_birth_date', // month 13
    });
    expect(normaliseIdNumber(withCheck('43042119680400001'), { today: TODAY })).toMatchObject({
      code: 'id_bad_birth_date', // day 00
    });
    expect(normaliseIdNumber(withCheck('43042117991231001'), { today: TODAY })).toMatchObject({
      code: 'id_bad_birth_date',
    });
    expect(normaliseIdNumber(withCheck('43042120261129001'), { today: TODAY }).ok).toBe(true); // born today
    expect(normaliseIdNumber(withCheck('43042120261130001'), { today: TODAY })).toMatchObject({
      code: 'id_bad_birth_date',
    });
  });

  it('uses the real date in Asia/Shanghai when today is not given', () => {
    expect(normaliseIdNumber('430421203001010010')).toMatchObject({ code: 'id_bad_birth_date' });
    expect(normaliseIdNumber('430421196803120112').ok).toBe(true);
  });

  it('refuses wrong lengths and characters as id_bad_format', () => {
    for (const input of ['', '   ', '4304211968', '4304211968031201121', 'X30421196803120112', '43042119680312011a2', '43042119680312O112', '430421-1968-0312-0112']) {
      expect(normaliseIdNumber(input, { today: TODAY })).toMatchObject({ ok: false, code: 'id_bad_format' });
    }
  });

  it('refuses a letter other than X in the check position as id_bad_check_character', () => {
    expect(normaliseIdNumber('43042119680312011Y', { today: TODAY })).toMatchObject({
      code: 'id_bad_check_character',
    });
  });

  it('gives Chinese messages for every code', () => {
    for (const message of Object.values(ID_NUMBER_ERROR_MESSAGES)) {
      expect(message).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('InvalidIdNumberError', () => {
  it('carries the code and the user message', () => {
    const r = normaliseIdNumber('4.30421E+17');
    if (r.ok) throw new Error('expected a failure');
    const e = new InvalidIdNumberError(r);
    expect(e).toBeInstanceOf(DomainError);
    expect(e.name).toBe('InvalidIdNumberError');
    expect(e.code).toBe('id_spreadsheet_damaged');
    expect(e.status).toBe(400);
    expect(e.message).toBe(r.message);
    expect(e.reason).toBe(r.reason);
  });
});

describe('maskIdNumber', () => {
  it('keeps the first 6 and last 4 characters', () => {
    expect(maskIdNumber('430421196803120112')).toBe('430421********0112');
    expect(maskIdNumber('43042119701111021x')).toBe('430421********021X');
  });

  it('masks the normalised form of legacy and untidy input', () => {
    expect(maskIdNumber('110105491231002')).toBe('110105********002X');
    expect(maskIdNumber(' 4304 2119 6803 1201 12 ')).toBe('430421********0112');
  });

  it('is safe on invalid input', () => {
    expect(maskIdNumber('430421196803120113')).toBe('430421********0113');
    expect(maskIdNumber('12345')).toBe('*****');
    expect(maskIdNumber('')).toBe('');
    expect(maskIdNumber('1234567890')).toBe('**********');
  });
});

describe('mainland mobile numbers', () => {
  it('accepts 11 digits starting 13–19', () => {
    for (const n of ['13800138000', '14700000000', '15912345678', '16612345678', '17712345678', '18612345678', '19912345678']) {
      expect(isValidMainlandMobile(n)).toBe(true);
    }
  });

  it('refuses other shapes', () => {
    for (const n of ['12800138000', '10000000000', '1380013800', '138001380001', ' 13800138000', '138-0013-8000', '+8613800138000', '１３８００１３８０００', '']) {
      expect(isValidMainlandMobile(n)).toBe(false);
    }
  });

  it('normalises typed numbers', () => {
    expect(normaliseMainlandMobile(' 138 0013 8000 ')).toBe('13800138000');
    expect(normaliseMainlandMobile('138-0013-8000')).toBe('13800138000');
    expect(normaliseMainlandMobile('+86 138 0013 8000')).toBe('13800138000');
    expect(normaliseMainlandMobile('008613800138000')).toBe('13800138000');
    expect(normaliseMainlandMobile('8613800138000')).toBe('13800138000');
    expect(normaliseMainlandMobile('１３８００１３８０００')).toBe('13800138000');
    expect(normaliseMainlandMobile('0731-5555555')).toBeNull();
    expect(normaliseMainlandMobile('12800138000')).toBeNull();
  });
});
