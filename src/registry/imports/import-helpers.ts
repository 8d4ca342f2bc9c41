import { createHash } from 'node:crypto';
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
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

/** Most bound parameters per statement (SQLite's default limit is 32,766; MySQL's 65,535). */
const MAX_PARAMS = 10_000;

/**
 * Inserts rows into an entity's table with multi-row `INSERT … VALUES (…), (…)` statements in the
 * caller's transaction. Values pass through the column transformers and the driver's own
 * preparation (dates, booleans), as a repository save would, without the query builder's per-row
 * overhead (what imports of a million rows spend most of their time in otherwise).
 * @param rows objects keyed by entity property names; every row has the same keys.
 */
export async function insertRows<T extends ObjectLiteral>(m: EntityManager, entity: EntityTarget<T>, rows: Partial<T>[]): Promise<void> {
  if (!rows.length) return;
  const meta = m.connection.getMetadata(entity);
  const columns = Object.keys(rows[0]).map((p) => {
    const c = meta.findColumnWithPropertyName(p);
    if (!c) throw new Error(`insertRows: unknown property ${p} of ${meta.tableName}`);
    return c;
  });
  const driver = m.connection.driver;
  const names = columns.map((c) => driver.escape(c.databaseName)).join(', ');
  const per = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const params: unknown[] = [];
    for (const r of chunk) {
      for (const c of columns) {
        let v = (r as Record<string, unknown>)[c.propertyName];
        if (c.transformer) v = (Array.isArray(c.transformer) ? c.transformer : [c.transformer]).reduce((x, t) => t.to(x), v);
        params.push(v === undefined ? null : driver.preparePersistentValue(v, c));
      }
    }
    await m.query(`INSERT INTO ${driver.escape(meta.tableName)} (${names}) VALUES ${chunk.map(() => tuple).join(', ')}`, params);
  }
}
