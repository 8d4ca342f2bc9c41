/**
 * Keys for resolving the free text of a tip-off (被反映人 / 受益人) against the registry. Pure functions.
 *
 * Names: exact after NFC, whitespace and invisible format characters (zero-width, bidi marks, BOM,
 * soft hyphen) removed, and the middle dot of transliterated names dropped. No traditional/simplified
 * folding (not worth a dictionary for the names of one county).
 */

/** Comparison key of a person's name (`刘 建\u200B国` → `刘建国`); '' for an empty name. */
export function resolutionNameKey(name: string | null | undefined): string {
  return (name ?? '').normalize('NFC').replace(/[\s\p{Cf}·•・]/gu, '');
}

/**
 * Canonical posts and the ways citizens and offices write them (DESIGN.md §2 roles, as posts).
 * A text matches a post when it contains one of the variants; the longest variant wins first, so
 * `村党支部书记` is never read as a bare `书记`. A text may name several posts (`村支书兼村主任`).
 */
export const POSITION_VARIANTS: ReadonlyArray<readonly [post: string, variants: readonly string[]]> = [
  ['村党支部书记', ['村党支部书记', '村党总支书记', '党支部书记', '党总支书记', '村支部书记', '村支书', '村书记', '支书']],
  ['村民委员会主任', ['村民委员会主任', '村委会主任', '村委主任', '村主任']],
  ['村会计', ['村民委员会委员(会计)', '村委会委员(会计)', '村会计', '报账员', '会计']],
  ['民政协理员', ['民政协理员', '社会救助协理员', '民政助理员', '协理员']],
  ['低保经办人员', ['低保经办人员', '低保经办人', '社会救助经办人员', '经办人员', '经办人']],
  ['居民委员会主任', ['居民委员会主任', '居委会主任', '社区主任']],
];

const ORDERED: ReadonlyArray<[string, string]> = POSITION_VARIANTS.flatMap(([post, vs]) => vs.map((v) => [v, post] as [string, string])).sort(
  (a, b) => b[0].length - a[0].length,
);

function positionText(text: string): string {
  return text.normalize('NFKC').replace(/[\s\p{Cf}]/gu, '');
}

/** The canonical posts a position text names (`镇民政办低保经办人员` → {低保经办人员}); empty when none is known. */
export function canonicalPosts(text: string | null | undefined): Set<string> {
  let s = positionText(text ?? '');
  const posts = new Set<string>();
  for (const [variant, post] of ORDERED) {
    const v = positionText(variant);
    if (s.includes(v)) {
      posts.add(post);
      s = s.split(v).join('|'); // consume it, so 会计 inside 村民委员会委员(会计) is not counted twice
    }
  }
  return posts;
}

/**
 * Whether a subject's position as written matches an official's: same canonical post, or the same
 * text once normalised (for posts outside the table).
 */
export function positionsMatch(subjectPosition: string, officialPosition: string): boolean {
  const a = positionText(subjectPosition);
  const b = positionText(officialPosition);
  if (!a || !b) return false;
  if (a === b) return true;
  const pa = canonicalPosts(a);
  for (const p of canonicalPosts(b)) if (pa.has(p)) return true;
  return false;
}

/**
 * The short name of a village or township as people write it: `集兵村委会` → `集兵村`,
 * `东风社区居委会` → `东风社区`; other names unchanged.
 */
export function shortPlaceName(name: string): string {
  const s = name.normalize('NFC').trim();
  for (const [suffix, replacement] of [
    ['村民委员会', '村'],
    ['村委会', '村'],
    ['社区居民委员会', '社区'],
    ['社区居委会', '社区'],
    ['居民委员会', ''],
    ['居委会', ''],
  ] as const) {
    if (s.endsWith(suffix) && s.length > suffix.length) return s.slice(0, -suffix.length) + replacement;
  }
  return s;
}
