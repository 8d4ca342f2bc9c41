import { describe, expect, it } from '@jest/globals';
import { clientAddressPrefix } from './rate-limiter.service.js';
import { CAPTCHA_ALPHABET, normaliseCaptchaAnswer } from './captcha.service.js';

describe('clientAddressPrefix', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6, cuts IPv6 to its /64', () => {
    expect(clientAddressPrefix('203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddressPrefix('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddressPrefix('2001:db8:0:12:1:2:3:4')).toBe('2001:db8:0:12::/64');
    expect(clientAddressPrefix('2001:DB8:0:12::9')).toBe('2001:db8:0:12::/64');
    expect(clientAddressPrefix('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressPrefix('::1')).toBe('0:0:0:0::/64');
  });
});

describe('CAPTCHA answers', () => {
  it('fold case, spaces and full-width characters', () => {
    expect(normaliseCaptchaAnswer(' ac e\tf ')).toBe('ACEF');
    expect(normaliseCaptchaAnswer('ＡＣ３４')).toBe('AC34');
  });

  it('use no characters that look alike on a small screen', () => {
    for (const ch of '0O1IlQDZ2S5B8UVo') expect(CAPTCHA_ALPHABET).not.toContain(ch);
    expect(new Set(CAPTCHA_ALPHABET).size).toBe(CAPTCHA_ALPHABET.length);
  });
});
