/** The largest page number a list honours; larger ones are read as this page (empty in practice). */
export const MAX_PAGE_NUMBER = 1_000_000;

/**
 * A 1-based page number from a query or a caller: a number or numeric string, floored; NaN, 0 and
 * negatives give 1, anything above {@link MAX_PAGE_NUMBER} (1e30, Infinity…) gives the cap — so the SQL
 * offset `(page - 1) × pageSize` stays an integer both databases accept.
 */
export function pageNumber(v: unknown): number {
  const n = Math.floor(Number(v ?? 1));
  if (!(n >= 1)) return 1;
  return Math.min(n, MAX_PAGE_NUMBER);
}
