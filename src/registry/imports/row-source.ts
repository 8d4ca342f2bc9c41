/**
 * Streaming readers of the files offices export: CSV in UTF-8 (with or without BOM) or GBK/GB18030,
 * and Excel workbooks (.xlsx, first worksheet). Both yield one row at a time with its spreadsheet row
 * number (header = row 1), so memory stays constant whatever the file size.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import type { ImportFormat } from '../entities/import-job.entity.js';

/** One cell as text; `numeric` when a workbook stored it as a number (never true for CSV). */
export interface Cell {
  text: string;
  numeric: boolean;
}

export interface SourceRow {
  /** Spreadsheet row number, header = 1. */
  rowNo: number;
  cells: Cell[];
}

export type TextEncoding = 'utf-8' | 'gb18030';

/** Reads a file as rows; `bytesRead()` tells how far the reader is into the file (progress). */
export interface RowReader {
  encoding: TextEncoding | null;
  rows: AsyncIterable<SourceRow>;
  bytesRead: () => number;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Decides the text encoding of a CSV file: UTF-8 when it starts with a BOM or when the whole file is
 * valid UTF-8 (checked streaming, chunk by chunk), otherwise GB18030 (a superset of GBK and GB2312,
 * which is what Chinese Excel writes for "CSV (逗号分隔)").
 */
export async function detectCsvEncoding(path: string): Promise<TextEncoding> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(3);
    const { bytesRead } = await fh.read(head, 0, 3, 0);
    if (bytesRead === 3 && head.equals(UTF8_BOM)) return 'utf-8';
  } finally {
    await fh.close();
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) decoder.decode(chunk as Buffer, { stream: true });
    decoder.decode();
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

/** Format from a file name: `.xlsx` → xlsx, `.csv`/`.txt` → csv; null otherwise (`.xls` is not read). */
export function formatOfFileName(name: string): ImportFormat | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.xlsx')) return 'xlsx';
  if (lower.endsWith('.csv') || lower.endsWith('.txt')) return 'csv';
  return null;
}

/** Opens `path` as rows. */
export async function openRows(path: string, format: ImportFormat): Promise<RowReader> {
  return format === 'xlsx' ? openXlsx(path) : openCsv(path);
}

async function openCsv(path: string): Promise<RowReader> {
  const encoding = await detectCsvEncoding(path);
  const file = createReadStream(path, { highWaterMark: 64 * 1024 });
  const parser = parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false });
  if (encoding === 'utf-8') file.pipe(parser);
  else file.pipe(iconv.decodeStream('gb18030')).pipe(parser);
  file.on('error', (err) => parser.destroy(err));
  async function* rows(): AsyncGenerator<SourceRow> {
    let rowNo = 0;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        rowNo += 1;
        yield { rowNo, cells: record.map((text) => ({ text: rowNo === 1 ? text.replace(/^\ufeff/, '') : text, numeric: false })) };
      }
    } finally {
      file.destroy();
    }
  }
  return { encoding, rows: rows(), bytesRead: () => file.bytesRead };
}

async function openXlsx(path: string): Promise<RowReader> {
  const file: ReadStream = createReadStream(path, { highWaterMark: 64 * 1024 });
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    sharedStrings: 'cache',
    worksheets: 'emit',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'emit',
  });
  async function* rows(): AsyncGenerator<SourceRow> {
    try {
      for await (const sheet of reader) {
        for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
          const values = row.values as unknown[];
          const cells: Cell[] = [];
          for (let i = 1; i < values.length; i++) cells.push(cellOf(values[i]));
          yield { rowNo: row.number, cells };
        }
        break; // the first worksheet only
      }
    } finally {
      file.destroy();
    }
  }
  return { encoding: null, rows: rows(), bytesRead: () => file.bytesRead };
}

/** A workbook cell value as text. Dates become `YYYY-MM-DD`; formulas give their cached result. */
function cellOf(v: unknown): Cell {
  if (v === null || v === undefined) return { text: '', numeric: false };
  if (typeof v === 'string') return { text: v, numeric: false };
  if (typeof v === 'number') return { text: String(v), numeric: true };
  if (typeof v === 'boolean') return { text: v ? 'TRUE' : 'FALSE', numeric: false };
  if (v instanceof Date) return { text: v.toISOString().slice(0, 10), numeric: false };
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: unknown };
    if (Array.isArray(o.richText)) return { text: o.richText.map((r) => r.text).join(''), numeric: false };
    if ('result' in o) return cellOf(o.result);
    if (typeof o.text === 'string') return { text: o.text, numeric: false };
  }
  return { text: '', numeric: false };
}
