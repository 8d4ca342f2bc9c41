import { describe, expect, it } from '@jest/globals';
import { NotFoundError } from '../common/domain-error.js';
import { attachmentDisposition, routeId } from './intake-http.js';
import { likeEscape } from './intake.repository.js';
import { DECLINE_GROUNDS, publicWording } from './intake-wording.js';

describe('intake helpers', () => {
  it('escapes LIKE wildcards with the portable escape character', () => {
    expect(likeEscape('100%_王!')).toBe('100!%!_王!!');
    expect(likeEscape('王𠮷')).toBe('王𠮷');
  });

  it('keeps a Chinese file name in Content-Disposition (RFC 5987) with an ASCII fallback', () => {
    const v = attachmentDisposition('低保名单-李家村.xlsx');
    expect(v).toContain(`filename*=UTF-8''${encodeURIComponent('低保名单-李家村.xlsx')}`);
    expect(v).toMatch(/^attachment; filename="[\x20-\x7e]+"; /);
    expect(attachmentDisposition('a"b;c\\d.jpg')).toContain('filename="a_b_c_d.jpg"');
    expect(decodeURIComponent(/filename\*=UTF-8''(.*)$/.exec(attachmentDisposition("it's (1).pdf"))![1])).toBe("it's (1).pdf");
  });

  it('accepts only positive integer route ids and answers everything else with 404', () => {
    expect(routeId('12')).toBe(12);
    for (const bad of ['0', '-1', '1.5', 'abc', '01', '99999999999', '']) expect(() => routeId(bad)).toThrow(NotFoundError);
  });

  it('never puts internal details into the public wording', () => {
    expect(publicWording.accepted()).toBe('您反映的问题已受理，我们将依规依纪处理。');
    expect(publicWording.forwarded('衡阳县纪委监委')).toBe('已转交 衡阳县纪委监委 办理。');
    expect(publicWording.declined('out_of_scope')).toBe('经审查，不属于本机关受理范围，不予受理。');
    for (const g of Object.values(DECLINE_GROUNDS)) expect(g.public).not.toMatch(/\{|\}|undefined/);
    expect(publicWording.referredOut('civil_affairs')).toContain('民政部门');
    expect(publicWording.repeat()).not.toMatch(/\d/);
  });
});
