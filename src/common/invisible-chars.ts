/**
 * Invisible format characters that change how text is shown or compared without being seen:
 * bidirectional embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E,
 * U+200F, U+061C), zero-width space and word joiner, invisible operators, the BOM used inside
 * text (U+FEFF), soft hyphen and the Mongolian vowel separator.
 *
 * Left in citizen text they let `刘\u200B建国` look like `刘建国` in the inbox while never matching a
 * search or a name comparison, and let a U+202E turn `照片gpj.exe` into what looks like `照片exe.jpg`.
 * The zero-width joiner and non-joiner (U+200D, U+200C) and variation selectors stay: emoji sequences
 * need them.
 */
const INVISIBLE_FORMAT_CHARS = /[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** `s` without the invisible format characters above. */
export function stripInvisibleFormatChars(s: string): string {
  return s.replace(INVISIBLE_FORMAT_CHARS, '');
}

/**
 * Staff-typed text as stored: `raw` when a string (anything else → ''), line ends as `\n`, NFC,
 * without the invisible format characters above, trimmed. Callers then refuse '' and cap the length
 * in code points, so a value made only of such characters (`\u202E\u200B`) counts as empty.
 */
export function cleanTypedText(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  return stripInvisibleFormatChars(raw.replace(/\r\n?/g, '\n').normalize('NFC')).trim();
}
