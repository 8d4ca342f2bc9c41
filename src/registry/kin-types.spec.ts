import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CLOSE_KIN_TYPES, kinTypeOfLabel } from './kin-types.js';
import { officialRoleOf } from './official-roles.js';
import { addressKey, surnameOf } from './text-keys.js';

describe('kinTypeOfLabel', () => {
  it('maps the labels of the sample declarations and staff list', () => {
    expect(['配偶', '子女', '兄弟姐妹', '父母'].map(kinTypeOfLabel)).toEqual(['spouse', 'child', 'sibling', 'parent']);
    expect(kinTypeOfLabel('舅舅(父母的兄弟姐妹)')).toBe('parent_sibling');
    expect(kinTypeOfLabel('舅舅（父母的兄弟姐妹）')).toBe('parent_sibling');
  });

  it('maps wider and step/adoptive ties, type codes, and refuses unknown labels', () => {
    expect(['岳母', '女婿', '嫂子', '侄女', '继父', '养子', '监护人', '外孙女'].map(kinTypeOfLabel)).toEqual([
      'parent_in_law',
      'child_in_law',
      'sibling_in_law',
      'sibling_child',
      'step_parent',
      'adoptive_child',
      'guardian',
      'grandchild',
    ]);
    expect(kinTypeOfLabel(' spouse ')).toBe('spouse');
    expect(kinTypeOfLabel('朋友')).toBeNull();
    expect(kinTypeOfLabel('')).toBeNull();
  });

  it('keeps the default 近亲属 set to 民法典 art. 1045', () => {
    expect([...DEFAULT_CLOSE_KIN_TYPES].sort()).toEqual(['child', 'grandchild', 'grandparent', 'parent', 'sibling', 'spouse']);
    expect(DEFAULT_CLOSE_KIN_TYPES).not.toContain('parent_sibling');
  });
});

describe('officialRoleOf', () => {
  it('accepts codes and Chinese names', () => {
    expect(officialRoleOf('village_party_branch')).toBe('village_party_branch');
    expect(officialRoleOf('民政协理员')).toBe('civil_affairs_assistant');
    expect(officialRoleOf('村委会')).toBe('village_committee');
    expect(officialRoleOf('队长')).toBeNull();
  });
});

describe('text keys', () => {
  it('takes compound surnames whole', () => {
    expect(surnameOf('周国平')).toBe('周');
    expect(surnameOf('欧阳修文')).toBe('欧阳');
    expect(surnameOf('欧阳')).toBe('欧');
    expect(surnameOf('')).toBe('');
  });

  it('folds width and spacing of addresses, and never matches empty ones', () => {
    expect(addressKey('杉桥村７组 12号')).toBe(addressKey('杉桥村7组12号'));
    expect(addressKey('白石园村2组6号')).not.toBe(addressKey('白石园村2组20号'));
    expect(addressKey('  ')).toBeNull();
    expect(addressKey(null)).toBeNull();
  });
});
