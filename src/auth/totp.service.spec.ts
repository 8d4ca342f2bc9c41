import { describe, expect, it } from '@jest/globals';
import { normaliseCode } from './totp.service.js';

describe('normaliseCode', () => {
  it('folds what people type: spaces, dashes of any kind, full-width characters, upper case', () => {
    expect(normaliseCode(' 123 456 ')).toBe('123456');
    expect(normaliseCode('１２３４５６')).toBe('123456');
    expect(normaliseCode('ABCDE-FGHJK')).toBe('abcdefghjk');
    expect(normaliseCode('abcde－fghjk')).toBe('abcdefghjk');
    expect(normaliseCode('abcde—fghjk')).toBe('abcdefghjk');
  });

  it('reads anything else as text and bounds its length', () => {
    expect(normaliseCode(undefined)).toBe('');
    expect(normaliseCode(123456)).toBe('123456');
    expect(normaliseCode('x'.repeat(1000))).toHaveLength(64);
  });
});
