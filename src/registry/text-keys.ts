/**
 * Keys used by the matcher to compare free text written by different offices: addresses and
 * surnames. Pure functions.
 */

/** Two-character surnames (复姓) that appear in Chinese registers; others take the first character. */
const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '轩辕', '令狐', '端木', '西门', '南宫', '独孤', '万俟', '闻人', '澹台', '公冶', '宗政', '濮阳', '单于', '申屠', '太叔', '钟离', '呼延',
]);

/** The surname of a Chinese name (`周国平` → `周`, `欧阳修` → `欧阳`); '' for an empty name. */
export function surnameOf(name: string): string {
  const s = Array.from(name.normalize('NFKC').replace(/\s+/g, ''));
  if (s.length === 0) return '';
  if (s.length >= 3 && COMPOUND_SURNAMES.has(s[0] + s[1])) return s[0] + s[1];
  return s[0];
}

/**
 * Comparison key of an address: NFKC (full-width digits and letters folded), whitespace and common
 * punctuation removed, `号`/`组` kept. `杉桥村7组 12号` and `杉桥村７组12号` meet; returns null for
 * an empty address so empty addresses never match each other.
 */
export function addressKey(address: string | null | undefined): string | null {
  if (!address) return null;
  const s = address.normalize('NFKC').replace(/[\s,，.。、\-—_·]/g, '');
  return s ? s.slice(0, 200) : null;
}

/** Normalised name for comparisons (NFKC, no spaces, no middle dots of transliterated names). */
export function nameKey(name: string): string {
  return name.normalize('NFKC').replace(/[\s·•・]/g, '');
}
