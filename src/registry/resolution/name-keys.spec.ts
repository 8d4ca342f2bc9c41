import { describe, expect, it } from '@jest/globals';
import { canonicalPosts, positionsMatch, resolutionNameKey, shortPlaceName } from './name-keys.js';

describe('tip-off resolution keys', () => {
  it('drops spaces and invisible characters from names, nothing else', () => {
    expect(resolutionNameKey(' 刘 建\u200B国\u202E ')).toBe('刘建国');
    expect(resolutionNameKey('阿依·买买提')).toBe('阿依买买提');
    expect(resolutionNameKey('刘建国')).not.toBe(resolutionNameKey('刘建民'));
  });

  it('reads common variants of posts', () => {
    for (const v of ['村支书', '支书', '村书记', '村党支部书记']) expect(positionsMatch(v, '村党支部书记')).toBe(true);
    expect(positionsMatch('村主任', '村民委员会主任')).toBe(true);
    expect(positionsMatch('会计', '村民委员会委员(会计)')).toBe(true);
    expect(positionsMatch('村会计', '村民委员会委员（会计）')).toBe(true);
    expect(positionsMatch('协理员', '民政协理员')).toBe(true);
    expect(positionsMatch('镇民政办低保经办人员', '乡镇低保经办人员')).toBe(true);
    expect(positionsMatch('经办人', '低保经办人员')).toBe(true);
    expect(positionsMatch('村主任', '村党支部书记')).toBe(false);
    expect(positionsMatch('', '村党支部书记')).toBe(false);
    expect([...canonicalPosts('村支书兼村主任')].sort()).toEqual(['村党支部书记', '村民委员会主任'].sort());
    expect([...canonicalPosts('村民委员会委员(会计)')]).toEqual(['村会计']);
  });

  it('shortens village committee names as people write them', () => {
    expect(shortPlaceName('集兵村委会')).toBe('集兵村');
    expect(shortPlaceName('东风社区居委会')).toBe('东风社区');
    expect(shortPlaceName('集兵镇')).toBe('集兵镇');
  });
});
