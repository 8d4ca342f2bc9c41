import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

/**
 * Inserts rows with one plain parameterised INSERT built from the entity's metadata, for hot paths
 * (a tip-off submission). TypeORM's `insert()` re-reads every column that has a default with an extra
 * SELECT per insert on MySQL/MariaDB and SQLite, and its query builder costs more CPU than the query.
 * Values go through the driver's `preparePersistentValue` (transformers, dates in UTC), identifiers
 * through the driver's `escape`, so the statement is the same one TypeORM would send, on both dialects.
 *
 * @param rows objects keyed by entity property names. A property that no row sets is left out (the
 *   column default applies); one that some rows set and others leave undefined is NULL in the latter.
 * @returns the auto-increment id of the row when exactly one row is inserted, else undefined.
 */
export async function insertRows<T extends ObjectLiteral>(m: EntityManager, target: EntityTarget<T>, rows: Partial<T> | Partial<T>[]): Promise<number | undefined> {
  const list = (Array.isArray(rows) ? rows : [rows]) as Record<string, unknown>[];
  if (!list.length) return undefined;
  const meta = m.connection.getMetadata(target);
  const driver = m.connection.driver;
  const seen = new Set<string>();
  const columns: ColumnMetadata[] = [];
  for (const c of meta.columns) {
    if (seen.has(c.databaseName)) continue;
    if (list.some((r) => r[c.propertyName] !== undefined)) {
      columns.push(c);
      seen.add(c.databaseName);
    }
  }
  const params: unknown[] = [];
  const tuples = list.map((r) => {
    for (const c of columns) params.push(r[c.propertyName] === undefined ? null : driver.preparePersistentValue(r[c.propertyName], c));
    return `(${columns.map(() => '?').join(', ')})`;
  });
  const sql = `INSERT INTO ${driver.escape(meta.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES ${tuples.join(', ')}`;
  const raw = (await m.query(sql, params)) as { insertId?: number | string } | number | bigint | undefined;
  if (list.length !== 1 || !meta.generatedColumns.length) return undefined;
  const id = typeof raw === 'object' && raw !== null ? raw.insertId : raw;
  return id === undefined || id === null ? undefined : Number(id);
}
