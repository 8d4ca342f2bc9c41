import { stripInvisibleFormatChars } from '../common/invisible-chars.js';

/**
 * A staff- or citizen-typed text of a matter as stored: string or '', invisible format characters
 * removed (bidi overrides, zero-width space… — see {@link stripInvisibleFormatChars}), CRLF → LF,
 * trimmed, NFC. A text that is only such characters becomes '' (so "required" checks refuse it).
 */
export function cleanText(v: unknown): string {
  return typeof v === 'string' ? stripInvisibleFormatChars(v).replace(/\r\n?/g, '\n').trim().normalize('NFC') : '';
}
