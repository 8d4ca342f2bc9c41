/** A staff- or citizen-typed text as stored: string or '' , CRLF → LF, trimmed, NFC. */
export function cleanText(v: unknown): string {
  return typeof v === 'string' ? v.replace(/\r\n?/g, '\n').trim().normalize('NFC') : '';
}
