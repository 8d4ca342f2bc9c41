import { createHash } from 'node:crypto';
import type { RosterHousehold, RosterMember } from './row-validation.js';

/**
 * The `[lo, hi]` range of 12-digit region codes within a scope prefix, for index-friendly
 * `region_code >= lo AND region_code <= hi` (LIKE would not use the index on SQLite).
 */
export function scopeRange(prefix: string): [string, string] {
  return [prefix.padEnd(12, '0'), prefix.padEnd(12, '9')];
}

/** SHA-256 over what the roster says of a household (members by ID HMAC), to skip unchanged re-imports. */
export function contentHashOf(h: RosterHousehold, memberHmac: (m: RosterMember) => string): string {
  const members = h.members.map((m) => [memberHmac(m), m.name, m.relationToHead]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const canonical = JSON.stringify([h.regionCode, h.programme, h.householdNo, h.registerNo, h.address, h.size, h.monthlyAmountFen, h.periodStart, h.filedAsRelative, members]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
