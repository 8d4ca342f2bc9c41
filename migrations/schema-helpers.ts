import type { TableColumnOptions } from 'typeorm';

/** Portable column builders (STACK.md): varchar, text, integer/bigint, datetime(3), boolean — no enums, no collations. */
export const col = {
  id: (name = 'id'): TableColumnOptions => ({ name, type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' }),
  varchar: (name: string, length: number, opts: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'varchar', length: String(length), ...opts }),
  text: (name: string, opts: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'text', ...opts }),
  int: (name: string, opts: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'integer', ...opts }),
  bigint: (name: string, opts: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'bigint', ...opts }),
  bool: (name: string, opts: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'boolean', ...opts }),
  datetime: (name: string, opts: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'datetime', precision: 3, ...opts }),
};
