import type { ValueTransformer } from 'typeorm';

/**
 * bigint columns come back as strings from mysql2 and as numbers from better-sqlite3 (STACK.md):
 * every bigint/decimal column carries this transformer. Money is integer fen.
 */
export const bigintNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};

/** Booleans: SQLite returns 0/1, MySQL tinyint 0/1. */
export const booleanFlag: ValueTransformer = {
  to: (v: boolean | null | undefined) => v,
  from: (v: unknown) => (v === null || v === undefined ? v : v === true || v === 1 || v === '1'),
};
