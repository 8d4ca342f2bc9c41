import { describe, expect, it } from '@jest/globals';
import { cleanTypedText } from './invisible-chars.js';

describe('cleanTypedText (staff-typed reasons and names)', () => {
  it('strips bidi overrides and zero-width spaces, keeps newlines, trims; invisible-only text is empty', () => {
    expect(cleanTypedText('  \u202E理由\u200B一\r\n二  ')).toBe('理由一\n二');
    expect(cleanTypedText('\u202E\u200B')).toBe('');
    expect(cleanTypedText(12345)).toBe('');
  });
});
