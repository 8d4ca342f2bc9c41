/** Parsing of the non-ID values of import rows. Pure functions; messages in Chinese. */

/**
 * 元 as written (`520`, `520.5`, `1,200.00`, `￥430`) → integer fen, exactly from the decimal text
 * (never through a binary float). Returns null for anything else, negatives and more than 2 decimals.
 */
export function yuanToFen(text: string): number | null {
  const s = text.normalize('NFKC').replace(/[\s,¥￥元]/g, '');
  const m = /^(\d{1,9})(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** `是`/`否` (also Y/N, 1/0, true/false); empty → `empty`; null when not recognisable. */
export function yesNo(text: string, empty: boolean): boolean | null {
  const s = text.normalize('NFKC').trim().toLowerCase();
  if (s === '') return empty;
  if (['是', 'y', 'yes', '1', 'true', '√'].includes(s)) return true;
  if (['否', 'n', 'no', '0', 'false', '×'].includes(s)) return false;
  return null;
}

/** `2025-01`, `2025/1`, `202501`, `2025年1月` → `2025-01`; null otherwise. */
export function yearMonth(text: string): string | null {
  const s = text.normalize('NFKC').trim();
  const m = /^(\d{4})(?:[-/.年]?)(\d{1,2})月?$/.exec(s);
  if (!m) return null;
  const mo = Number(m[2]);
  if (mo < 1 || mo > 12) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}`;
}

/** `2024-03-01`, `2024/3/1`, `20240301`, `2024年3月1日` → `2024-03-01` when the date exists; else null. */
export function isoDate(text: string): string | null {
  const s = text.normalize('NFKC').trim();
  const m = /^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A positive whole number (人数); null otherwise. */
export function positiveInt(text: string): number | null {
  const s = text.normalize('NFKC').trim();
  if (!/^\d{1,4}$/.test(s)) return null;
  const n = Number(s);
  return n > 0 ? n : null;
}
